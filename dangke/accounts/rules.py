"""The shared rules: predicates of a `Scope` (see core/permissions.py for how they are
registered and asked). Seeing a row is decided by scoping (accounts.scoping); changing it
additionally needs a rule."""

import rules


@rules.predicate
def is_region_admin(scope) -> bool:
    return scope.is_superuser or bool(scope.managed_region_codes)


@rules.predicate
def manages_object_region(scope, obj) -> bool:
    return obj is not None and scope.manages_region(obj.region_id)
