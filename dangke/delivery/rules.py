"""Who may do what with orders, plans and lessons. The scope functions take a `Scope`
(services receive one); the django-rules predicates wrap them for views and templates."""

import rules

from dangke.accounts.scoping import Scope, scope_for_user


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


@rules.predicate
def can_order_for(user, organization) -> bool:
    return organization is not None and may_order_for(scope_for_user(user), organization)


@rules.predicate
def can_change_order(user, order) -> bool:
    return order is not None and may_order_for(scope_for_user(user), order.organization)


@rules.predicate
def can_manage_lesson(user, lesson) -> bool:
    return lesson is not None and may_manage_lesson(scope_for_user(user), lesson)


@rules.predicate
def can_publish_plan(user, plan_run) -> bool:
    return plan_run is not None and may_plan(scope_for_user(user), plan_run.region_id)


rules.add_perm("delivery.add_courseorder", can_order_for)
rules.add_perm("delivery.change_courseorder", can_change_order)
rules.add_perm("delivery.change_lesson", can_manage_lesson)
rules.add_perm("delivery.publish_planrun", can_publish_plan)
