from dangke.accounts.rules import is_region_admin, manages_object_region
from dangke.core.permissions import permissions

permissions.add_rule("faculty.add_teacher", is_region_admin)
permissions.add_rule("faculty.change_teacher", manages_object_region)


def may_manage_pool(scope, region_code: str) -> bool:
    """Quotas, rules, the annual review, status proposals and trial lectures: the
    administrators of the teacher's (or the quota's) region and the regions above it."""
    return scope.manages_region(region_code)


def is_own_teacher(scope, teacher) -> bool:
    return teacher.pk in scope.teacher_ids
