from dangke.accounts.rules import is_region_admin, manages_object_region
from dangke.core.permissions import permissions

permissions.add_rule("courses.add_course", is_region_admin)
permissions.add_rule("courses.change_course", manages_object_region)
# Course packages (courses.packages): exported by the office that manages the course,
# imported by a region admin into a region they manage (the form offers only those).
permissions.add_rule("courses.export_package", manages_object_region)
permissions.add_rule("courses.import_package", is_region_admin)
