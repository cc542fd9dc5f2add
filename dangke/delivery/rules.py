"""Who may do what with orders, plans and lessons: functions of a `Scope`, which services
receive and views pass as `request.scope`."""

from dangke.accounts.scoping import Scope


def may_order_for(scope: Scope, organization) -> bool:
    """The organisation's own liaison, or an admin of its region."""
    return organization.pk in scope.organization_ids or scope.manages_region(organization.region_id)


def may_plan(scope: Scope, region_code: str) -> bool:
    return scope.manages_region(region_code)


def may_manage_lesson(scope: Scope, lesson) -> bool:
    """Confirm, mark given, cancel, take attendance: the host's liaison or a region admin."""
    return lesson.organization_id in scope.organization_ids or scope.manages_region(
        lesson.region_id
    )
