import rules

from dangke.accounts.rules import is_region_admin, manages_object_region

rules.add_perm("regions.add_organization", is_region_admin)
rules.add_perm("regions.change_organization", manages_object_region)
