"""The one mechanism that scopes every query by region and role.

Each scoped model declares, with `ScopeRules`, how its rows relate to the things a role is
bound to: a region (by code prefix), an organisation, a teacher, a teaching group. A user's
`Scope` is built once per request from their role assignments (narrowed by the region
switcher), and `Model.objects.visible_to(scope)` turns the two into one filter. Pages,
exports, the API, imports and commands all read through it; an object outside the scope is
answered with 404 by `get_visible_or_404`, so nobody learns that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.http import Http404


@dataclass(frozen=True)
class ScopeRules:
    """Lookup paths from a model to what roles are bound to; None: that binding grants nothing.

    region:       path to a region code (e.g. "region_id", "course__region_id")
    organization: path to an organisation's pk
    teacher:      path to a teacher's pk
    group:        path to a teaching group's pk
    user:         path to the user a row belongs to (their own notifications)
    """

    region: str | None = None
    organization: str | None = None
    teacher: str | None = None
    group: str | None = None
    user: str | None = None


@dataclass(frozen=True)
class Scope:
    """What one user may see, as plain values. Built by `scope_for_user`."""

    user_id: int | None = None
    is_superuser: bool = False
    roles: frozenset[str] = frozenset()
    region_codes: tuple[str, ...] = ()
    organization_ids: tuple[int, ...] = ()
    teacher_ids: tuple[int, ...] = ()
    group_ids: tuple[int, ...] = ()
    managed_region_codes: tuple[str, ...] = ()
    allowed_region_codes: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not (
            self.is_superuser
            or self.region_codes
            or self.organization_ids
            or self.teacher_ids
            or self.group_ids
        )

    def covers_region(self, code: str) -> bool:
        """True when `code` lies inside a region this scope sees by region."""
        if self.is_superuser and not self.region_codes:
            return True
        return any(code.startswith(prefix) for prefix in self.region_codes)

    def manages_region(self, code: str) -> bool:
        """True when the user administers `code` (may edit, import, change status there)."""
        if self.is_superuser:
            return True
        return any(code.startswith(prefix) for prefix in self.managed_region_codes)

    def q_for(self, model: type[models.Model]) -> Q:
        rules: ScopeRules | None = getattr(model, "scope_rules", None)
        if rules is None:
            raise TypeError(f"{model.__name__} declares no scope_rules and cannot be scoped")
        if self.is_superuser and not self.region_codes:
            return Q()
        condition = Q(pk__in=[])
        if rules.region and self.region_codes:
            for code in self.region_codes:
                condition |= Q(**{f"{rules.region}__startswith": code})
        for path, ids in (
            (rules.organization, self.organization_ids),
            (rules.teacher, self.teacher_ids),
            (rules.group, self.group_ids),
        ):
            if path and ids:
                condition |= _q_in(model, path, ids)
        if rules.user and self.user_id:
            condition |= _q_in(model, rules.user, (self.user_id,))
        return condition


def _q_in(model: type[models.Model], path: str, ids: tuple[int, ...]) -> Q:
    """`path IN ids`, through a subquery when the path crosses a many-valued relation, so
    the outer query never needs DISTINCT."""
    if path == "pk" or ("__" not in path and not model._meta.get_field(path).many_to_many):
        return Q(**{f"{path}__in": ids})
    matching = model._base_manager.filter(**{f"{path}__in": ids}).values("pk")
    return Q(pk__in=matching)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, scope_or_user) -> ScopedQuerySet:
        scope = as_scope(scope_or_user)
        return self.filter(scope.q_for(self.model))


def visible_within(model, scope: Scope, region_code: str | None = None, *, path: str = ""):
    """The rows of `model` that `scope` sees, narrowed to the region subtree `region_code`
    (none: no narrowing) along `path` (default: the model's scoped region path), without
    ordering — how year figures read every model."""
    queryset = model.objects.visible_to(scope)
    if region_code:
        path = path or model.scope_rules.region
        queryset = queryset.filter(**{f"{path}__startswith": region_code})
    return queryset.order_by()


def as_scope(scope_or_user) -> Scope:
    if isinstance(scope_or_user, Scope):
        return scope_or_user
    return scope_for_user(scope_or_user)


# The teacher a user is lives in `faculty`, above this module: faculty tells scoping how to
# find it (its AppConfig.ready calls `find_teacher_ids_with`), so scoping imports no app.
_teacher_ids_of_user = None


def find_teacher_ids_with(teacher_ids_of_user) -> None:
    """Register `teacher_ids_of_user(user) -> iterable of ids` for the teacher role."""
    global _teacher_ids_of_user
    _teacher_ids_of_user = teacher_ids_of_user


def scope_for_user(user, active_region: str | None = None) -> Scope:
    """Build a user's scope from their role assignments; `active_region` (the region
    switcher) narrows the region part to one subtree the user already sees."""
    from dangke.accounts.models import Role, RoleAssignment

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    assignments = list(RoleAssignment.objects.filter(user=user, is_active=True))
    roles = frozenset(a.role for a in assignments)
    by_region_roles = {Role.REGION_ADMIN, Role.ORGANISER}
    region_codes = _outermost(a.region_id for a in assignments if a.role in by_region_roles)
    managed = _outermost(a.region_id for a in assignments if a.role == Role.REGION_ADMIN)
    organization_ids = tuple(
        sorted(
            a.organization_id for a in assignments if a.role == Role.LIAISON and a.organization_id
        )
    )
    group_ids = tuple(
        sorted(
            a.teaching_group_id
            for a in assignments
            if a.role == Role.GROUP_LEADER and a.teaching_group_id
        )
    )
    teacher_ids: tuple[int, ...] = ()
    if Role.TEACHER in roles and _teacher_ids_of_user is not None:
        teacher_ids = tuple(_teacher_ids_of_user(user))
    allowed = region_codes if not user.is_superuser else ("",)
    if active_region and (
        user.is_superuser or any(active_region.startswith(code) for code in region_codes)
    ):
        region_codes = (active_region,)
    return Scope(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        roles=roles,
        region_codes=region_codes,
        organization_ids=organization_ids,
        teacher_ids=teacher_ids,
        group_ids=group_ids,
        managed_region_codes=managed,
        allowed_region_codes=allowed,
    )


def _outermost(codes) -> tuple[str, ...]:
    """Drop codes that lie inside another code of the set (a city admin who is also a
    county admin in that city needs one prefix, not two)."""
    unique = sorted(set(filter(None, codes)), key=len)
    kept: list[str] = []
    for code in unique:
        if not any(code.startswith(prefix) for prefix in kept):
            kept.append(code)
    return tuple(sorted(kept))


def get_visible_or_404(queryset_or_model, scope_or_user, **lookup):
    """The object if it exists *and* the scope sees it; otherwise 404 (never 403, which
    would tell a user that a row exists in another region)."""
    queryset = (
        queryset_or_model._default_manager.all()
        if isinstance(queryset_or_model, type)
        else queryset_or_model
    )
    try:
        return queryset.visible_to(scope_or_user).get(**lookup)
    except queryset.model.DoesNotExist as error:
        raise Http404("未找到，或不在您的管辖范围内") from error
