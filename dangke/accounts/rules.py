"""Who may change what, as django-rules predicates. Seeing a row is decided by scoping
(accounts.scoping); changing it additionally needs the user to administer its region."""

import rules

from dangke.accounts.scoping import scope_for_user


@rules.predicate
def is_region_admin(user) -> bool:
    return bool(scope_for_user(user).managed_region_codes) or user.is_superuser


@rules.predicate
def manages_object_region(user, obj) -> bool:
    if obj is None:
        return False
    return scope_for_user(user).manages_region(obj.region_id)
