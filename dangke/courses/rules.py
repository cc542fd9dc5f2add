import rules

from dangke.accounts.rules import is_region_admin, manages_object_region

rules.add_perm("courses.add_course", is_region_admin)
rules.add_perm("courses.change_course", manages_object_region)
