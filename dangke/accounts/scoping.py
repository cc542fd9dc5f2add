"""The one mechanism that scopes every query by region and role.

Each scoped model declares, with `ScopeRules`, how its rows relate to the things a role is
bound to: a region (by code prefix), an organisation, a teacher, a teaching group. A user's
`Scope` is built once per request from their role assignments (narrowed by the region
switcher), and `Model.objects.visible_to(scope)` turns the two into one filter. Pages,
exports, the API, imports and commands all read through it; an object outside the scope is
answered with 404 by `get_visible_or_404`, so nobody learns that it exists.

Scoping fails closed. While a request is handled (`ScopeMiddleware` wraps the view in
`checking_queries()`), evaluating a queryset of a scoped model that was neither narrowed
by `visible_to(scope)` nor marked `unscoped("why")` nor reached through a related manager
of an object already held raises `UnscopedQuery` when `settings.DANGKE_SCOPING_STRICT`
(tests), and logs one warning per call site otherwise (production: a missed mark must not
break a user's page). Commands, tasks and the demo builder act for the system, outside any
request, and are not checked.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.http import Http404

from dangke.regions.codes import COUNTY_DIGITS


@dataclass(frozen=True)
class ScopeRules:
    """Lookup paths from a model to what roles are bound to; None: that binding grants nothing.

    region:       path to a region code (e.g. "region_id", "course__region_id")
    organization: path to an organisation's pk
    teacher:      path to a teacher's pk
    group:        path to a teaching group's pk
    user:         path to the user a row belongs to (their own notifications)
    shared:       (kind, path) pairs: rows another region shares into the scope's regions
                  (a course shared in an alliance: ("course", "pk")); what a kind shares is
                  told by the app that owns the sharing (`share_with`). No app: nothing.
    """

    region: str | None = None
    organization: str | None = None
    teacher: str | None = None
    group: str | None = None
    user: str | None = None
    shared: tuple[tuple[str, str], ...] = ()


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
    # What other regions share in, read once per scope (a request's) by `shared_into_ids`:
    # kind -> ids, or the subquery itself when there are too many to list.
    _shared: dict = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

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

    def county_prefixes(self, region_code: str | None = None) -> tuple[str, ...] | None:
        """The region prefixes (county level or above) through which this scope, narrowed to
        `region_code`, sees rows when region is all it sees by: a rollup kept per county can
        be read by them. None: the scope is narrower than a county or sees rows by
        organisation or teacher; read the raw rows, which are few for it."""
        if self.organization_ids or self.teacher_ids:
            return None
        if self.region_codes:
            codes = self.region_codes
        elif self.is_superuser:
            codes = ("",)
        else:
            return None
        if region_code:
            codes = tuple(
                region_code if region_code.startswith(code) else code
                for code in codes
                if region_code.startswith(code) or code.startswith(region_code)
            )
        if any(len(code) > COUNTY_DIGITS for code in codes):
            return None
        return codes

    def manages_region(self, code: str) -> bool:
        """True when the user administers `code` (may edit, import, change status there)."""
        if self.is_superuser:
            return True
        return any(code.startswith(prefix) for prefix in self.managed_region_codes)

    def q_for(self, model: type[models.Model], *, shared: bool = True) -> Q:
        """The rows of `model` this scope sees; `shared=False` leaves out what other regions
        share in (an alliance's courses and lent teachers): seen, but not one's own."""
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
        for kind, path in rules.shared if shared else ():
            shared_ids = self.shared_ids(kind)
            if isinstance(shared_ids, list):
                if shared_ids:
                    condition |= _q_in(model, path, tuple(shared_ids))
            elif shared_ids is not None:
                condition |= _q_in_subquery(model, path, shared_ids)
        return condition

    def shared_ids(self, kind: str):
        """The pks of `kind`'s rows shared into this scope's regions, read once per scope: a
        short list, so that `region LIKE '5111%' OR pk IN (1, 2, 3)` lets PostgreSQL
        combine the region-prefix index with the primary key (with the subquery in the OR it
        scanned all 500,083 lessons of a province for a city's count). Above
        `SHARED_IDS_LISTED` ids the subquery itself; None when nothing is shared."""
        if kind not in self._shared:
            subquery = shared_into(kind, self.region_codes)
            if subquery is not None:
                rows = list(
                    subquery.order_by().values_list(*subquery.query.values_select, flat=True)[
                        : SHARED_IDS_LISTED + 1
                    ]
                )
                if len(rows) <= SHARED_IDS_LISTED:
                    subquery = sorted({pk for pk in rows if pk is not None})
            self._shared[kind] = subquery
        return self._shared[kind]


# Up to this many shared rows of a kind are listed in the scope's filter; more (an alliance
# sharing thousands of courses) stay a subquery, which PostgreSQL runs as one hashed lookup.
SHARED_IDS_LISTED = 1000


# Sharing across regions (an alliance of cities) is told by the app that owns it, above this
# module: `share_with(kind, provider)`; provider(region_codes) answers a queryset of the pks of
# the kind's rows shared into those regions now, or None when nothing is.
_sharing_providers: dict = {}


def share_with(kind: str, provider) -> None:
    """Register what `kind` ("course", "teacher", "alliance") shares into a set of regions."""
    _sharing_providers[kind] = provider


def shared_into(kind: str, region_codes) -> models.QuerySet | None:
    """The pks (a subquery) of `kind`'s rows shared into `region_codes`; None: none."""
    provider = _sharing_providers.get(kind)
    codes = tuple(code for code in region_codes if code)
    if provider is None or not codes:
        return None
    return provider(codes)


def _q_in_subquery(model: type[models.Model], path: str, subquery) -> Q:
    """`path IN (subquery)`, without duplicating outer rows over a many-valued path."""
    if path == "pk" or ("__" not in path and not model._meta.get_field(path).many_to_many):
        return Q(**{f"{path}__in": subquery})
    return Q(pk__in=model._base_manager.filter(**{f"{path}__in": subquery}).values("pk"))


def _q_in(model: type[models.Model], path: str, ids: tuple[int, ...]) -> Q:
    """`path IN ids`, through a subquery when the path crosses a many-valued relation, so
    the outer query never needs DISTINCT."""
    if path == "pk" or ("__" not in path and not model._meta.get_field(path).many_to_many):
        return Q(**{f"{path}__in": ids})
    matching = model._base_manager.filter(**{f"{path}__in": ids}).values("pk")
    return Q(pk__in=matching)


logger = logging.getLogger("dangke.scoping")


class UnscopedQuery(Exception):
    """A request read a scoped model without saying whose scope it reads for, or why it
    may read every row."""


# True while a request is handled: only then are unmarked queries of scoped models refused.
_checking = ContextVar("dangke_scoping_checking", default=False)


@contextmanager
def checking_queries():
    """Refuse (or report) unmarked scoped queries inside the block: a request's view."""
    token = _checking.set(True)
    try:
        yield
    finally:
        _checking.reset(token)


@contextmanager
def acting_for_system():
    """Inside the block nothing is checked: a task run inline by a request acts for the
    system, as it would in the worker."""
    token = _checking.set(False)
    try:
        yield
    finally:
        _checking.reset(token)


# The immediate backend runs a task in the enqueuing thread, between these two signals.
_inline_tasks = threading.local()


def _task_started(**kwargs) -> None:
    """A task run inline (the immediate backend, inside a request) acts for the system."""
    if not hasattr(_inline_tasks, "tokens"):
        _inline_tasks.tokens = []
    _inline_tasks.tokens.append(_checking.set(False))


def _task_finished(**kwargs) -> None:
    tokens = getattr(_inline_tasks, "tokens", None)
    if tokens:
        _checking.reset(tokens.pop())


def connect_task_signals() -> None:
    from django.tasks.signals import task_finished, task_started

    task_started.connect(_task_started, dispatch_uid="dangke.scoping.task_started")
    task_finished.connect(_task_finished, dispatch_uid="dangke.scoping.task_finished")


VISIBLE = "visible_to(scope)"
THROUGH_HELD_OBJECTS = "the objects passed in are already held"
EMPTY = "none()"

_DJANGO_DIR = str(Path(django.__file__).parent) + "/"
_THIS_FILE = __file__
_QUERYSET_FILES = (
    _THIS_FILE,
    _DJANGO_DIR + "db/models/query.py",
    _DJANGO_DIR + "db/models/manager.py",
)
# Django's own integrity checks ask whether a conflicting row exists anywhere (unique
# fields, unique constraints): they answer "taken", not rows, and must see every county.
_INTEGRITY_CHECKERS = (
    _DJANGO_DIR + "db/models/base.py",
    _DJANGO_DIR + "db/models/constraints.py",
)
# Django's admin site: nobody but a superuser (who sees every row anyway) is ever staff.
_ADMIN_DIR = _DJANGO_DIR + "contrib/admin/"
_warned: set[tuple[str, str]] = set()


def _code_site() -> str:
    """file:line of the nearest caller outside this module and outside Django."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename != _THIS_FILE and not filename.startswith(_DJANGO_DIR):
            return f"{_relative(filename)}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back
    return "?"


def _relative(filename: str) -> str:
    base = str(Path(settings.BASE_DIR).parent) + "/"
    return filename.removeprefix(base)


def _built_by_admin_site() -> bool:
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename in _QUERYSET_FILES:
        frame = frame.f_back
    return frame is not None and frame.f_code.co_filename.startswith(_ADMIN_DIR)


def _evaluated_by_integrity_check() -> bool:
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename in _QUERYSET_FILES:
        frame = frame.f_back
    return frame is not None and frame.f_code.co_filename in _INTEGRITY_CHECKERS


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows whether it was scoped: `_scope_mark` says how (visible_to, or
    the reason given to unscoped), and is copied to every queryset chained from it."""

    _scope_mark: str | None = None
    _built_at: str | None = None

    def __init_subclass__(cls, **kwargs):
        """A subclass with its own `visible_to` (imports' jobs: creator or region admins)
        still marks what it returns as scoped."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("visible_to")
        if own is not None:

            @functools.wraps(own)
            def visible_to(self, scope_or_user):
                queryset = own(self, scope_or_user)
                queryset._scope_mark = VISIBLE
                return queryset

            cls.visible_to = visible_to

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if kwargs.get("query") is None and _checking.get():
            self._built_at = _code_site()
            if _built_by_admin_site():
                self._scope_mark = "unscoped: the admin site, open to superusers only"

    def _clone(self):
        clone = super()._clone()
        clone._scope_mark = self._scope_mark
        clone._built_at = self._built_at
        return clone

    def _marked(self, mark: str) -> ScopedQuerySet:
        queryset = self._chain()
        queryset._scope_mark = mark
        return queryset

    def visible_to(self, scope_or_user, *, shared: bool = True) -> ScopedQuerySet:
        scope = as_scope(scope_or_user)
        queryset = self.filter(scope.q_for(self.model, shared=shared))
        queryset._scope_mark = VISIBLE
        return queryset

    def unscoped(self, reason: str) -> ScopedQuerySet:
        """Every row, on purpose: `reason` says why this read needs no scope (the rows were
        reached through objects already scoped, a count that names nobody, a uniqueness
        check). A reason is required."""
        if not isinstance(reason, str) or not reason.strip():
            raise TypeError("unscoped() needs a reason: say why this query needs no scope")
        return self._marked(f"unscoped: {reason.strip()}")

    @property
    def is_scoped(self) -> bool:
        """Narrowed by a scope, marked unscoped with a reason, or reached through a related
        manager of an object already held (Django hints the instance)."""
        return self._scope_mark is not None or "instance" in self._hints

    def _check_scoped(self) -> None:
        if not _checking.get() or self.is_scoped or _evaluated_by_integrity_check():
            return
        site = _code_site()
        built_at = self._built_at or "before the request (a module or form class)"
        message = (
            f"{self.model._meta.label} was queried in a request without "
            f".visible_to(scope) or .unscoped(reason): built at {built_at}, read at {site}"
        )
        if getattr(settings, "DANGKE_SCOPING_STRICT", False):
            raise UnscopedQuery(message)
        if (self.model._meta.label, built_at) not in _warned:
            _warned.add((self.model._meta.label, built_at))
            logger.warning(message)

    # Every way a queryset reaches the database passes one of these.
    def _fetch_all(self):
        if self._result_cache is None:
            self._check_scoped()
        super()._fetch_all()

    def iterator(self, chunk_size=None):
        self._check_scoped()
        return super().iterator(chunk_size)

    def count(self):
        if self._result_cache is None:
            self._check_scoped()
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._check_scoped()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._check_scoped()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs):
        self._check_scoped()
        return super().update(**kwargs)

    def delete(self):
        self._check_scoped()
        return super().delete()

    def bulk_update(self, objs, fields, batch_size=None):
        marked = self._marked(THROUGH_HELD_OBJECTS)
        return super(ScopedQuerySet, marked).bulk_update(objs, fields, batch_size)

    def none(self):
        return super().none()._marked(EMPTY)

    # Combining keeps a mark only when no unmarked rows can come in.
    def __or__(self, other):
        return _marked_if(super().__or__(other), self, other)

    def __xor__(self, other):
        return _marked_if(super().__xor__(other), self, other)

    def __and__(self, other):
        combined = super().__and__(other)
        if combined is self or combined is other:
            return combined
        if isinstance(combined, ScopedQuerySet) and not combined.is_scoped:
            mark = self._scope_mark or getattr(other, "_scope_mark", None)
            combined._scope_mark = mark
        return combined

    def _combinator_query(self, combinator, *other_qs, all=False):
        return _marked_if(
            super()._combinator_query(combinator, *other_qs, all=all), self, *other_qs
        )


def _marked_if(combined, *parts):
    """`combined` keeps the first part's mark if every part is scoped, else loses it."""
    if isinstance(combined, ScopedQuerySet) and not any(combined is part for part in parts):
        if all(getattr(part, "is_scoped", True) for part in parts):
            combined._scope_mark = combined._scope_mark or parts[0]._scope_mark
        else:
            combined._scope_mark = None
    return combined


def visible_within(model, scope: Scope, region_code: str | None = None, *, path: str = ""):
    """The rows of `model` that `scope` sees, narrowed to the region subtree `region_code`
    (none: no narrowing) along `path` (default: the model's scoped region path), without
    ordering — how year figures read every model. What other regions share in (an
    alliance's courses, a lent teacher) is not counted as the scope's own."""
    if model.scope_rules.shared:
        queryset = model.objects.visible_to(scope, shared=False)
    else:
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


def seen_only_as_shared(obj, scope_or_user) -> bool:
    """True when the scope sees `obj` only because another region shares it in (a teacher
    lent through an alliance): such a scope gets the professional card, never the personal
    record (phone, birth year, home, photo, dossier, history). The one question every
    teacher page, API and export asks before showing personal fields."""
    rules = getattr(type(obj), "scope_rules", None)
    if rules is None or not rules.shared:
        return False
    scope = as_scope(scope_or_user)
    if rules.region == "region__code" and scope.covers_region(obj.region_id):
        return False  # one's own region's row: no query for the common case
    own = type(obj).objects.visible_to(scope, shared=False)
    return not own.filter(pk=obj.pk).exists()


def shared_in_annotation(model, scope_or_user):
    """`seen_only_as_shared` for every row of a list at once: an expression to annotate,
    True for a row the scope sees only because another region shares it in."""
    scope = as_scope(scope_or_user)
    kinds = model.scope_rules.shared
    if all(shared_into(kind, scope.region_codes) is None for kind, _ in kinds):
        return Value(False)
    own = model.objects.visible_to(scope, shared=False).filter(pk=OuterRef("pk"))
    return ~Exists(own)


def get_own_or_404(queryset_or_model, scope_or_user, **lookup):
    """Like `get_visible_or_404`, but a row only shared in (a lent teacher) is a 404: for
    the pages that show a record whole (its photo, dossier, career, edit form)."""
    obj = get_visible_or_404(queryset_or_model, scope_or_user, **lookup)
    if seen_only_as_shared(obj, scope_or_user):
        raise Http404("未找到，或不在您的管辖范围内")
    return obj


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
