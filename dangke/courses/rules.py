from dangke.accounts.rules import is_region_admin, manages_object_region
from dangke.core.permissions import permissions

permissions.add_rule("courses.add_course", is_region_admin)
permissions.add_rule("courses.change_course", manages_object_region)
