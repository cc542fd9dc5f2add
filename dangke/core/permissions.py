"""Who may change what, asked in one way. Rules are predicates of a `Scope` (django-rules,
composable with `|` and `&`; the shared ones are in accounts/rules.py), registered by name
in one rule set by each app's `rules.py`.

Views ask through one adapter, `may(request, name, obj)` / `require(...)`, which reads
`request.scope` — the scope the region switcher narrowed — so a check never rebuilds the
scope from the database and never disagrees with what the page shows. Services pass the
scope they were given. Not allowed is `PermissionDenied` (403 for an object the user can
see; rows outside the scope are 404 before any rule is asked)."""

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

permissions = rules.RuleSet()


def _scope_of(request_or_scope):
    return getattr(request_or_scope, "scope", request_or_scope)


def may(request_or_scope, name: str, obj=None) -> bool:
    """Whether the request's (or the given) scope passes rule `name` for `obj`."""
    return permissions.test_rule(name, _scope_of(request_or_scope), obj)


def require(request_or_scope, name: str, obj=None) -> None:
    if not may(request_or_scope, name, obj):
        raise PermissionDenied(_("您没有进行此操作的权限"))
