import rules

from dangke.accounts.rules import is_region_admin, manages_object_region

rules.add_perm("faculty.add_teacher", is_region_admin)
rules.add_perm("faculty.change_teacher", manages_object_region)
