"""Who may do what in evaluation. Scope functions take a `Scope`; views call them."""

from dangke.accounts.models import Role
from dangke.accounts.scoping import Scope


def may_run_surveys(scope: Scope, lesson) -> bool:
    """Open surveys, print posters, invite named raters: a region admin, a training
    organiser of the region, or the host organisation's liaison."""
    return (
        scope.manages_region(lesson.region_id)
        or (Role.ORGANISER in scope.roles and scope.covers_region(lesson.region_id))
        or lesson.organization_id in scope.organization_ids
    )


def may_run_class_surveys(scope: Scope, training_class) -> bool:
    """The survey of a training class: a region admin or a training organiser of the
    class's region — those who run the class."""
    return scope.manages_region(training_class.region_id) or (
        Role.ORGANISER in scope.roles and scope.covers_region(training_class.region_id)
    )


def may_manage_evaluation(scope: Scope, region_code: str) -> bool:
    """Indicator systems, rater roles, comment review, rules and rectifications."""
    return scope.manages_region(region_code)


def may_read_private_comments(scope: Scope, teacher_ids) -> bool:
    """Comments marked 仅老师可见 are for the teacher (and the office that reviewed them)."""
    return bool(set(teacher_ids) & set(scope.teacher_ids))
