from dangke.accounts.rules import is_region_admin, manages_object_region
from dangke.core.permissions import permissions

permissions.add_rule("regions.add_organization", is_region_admin)
permissions.add_rule("regions.change_organization", manages_object_region)
