"""Who may see and change what in the study records, as plain predicates on a Scope.
Seeing a row is decided by scoping; these add what a visible row allows."""

from dangke.accounts.scoping import Scope


def may_see_full_phone(scope: Scope, member) -> bool:
    """The full number: the liaison of the member's organisation and its region's admins."""
    return member.organization_id in scope.organization_ids or scope.manages_region(
        member.region_id
    )


def may_keep_roster(scope: Scope, organization) -> bool:
    """Record collective study, sign members in from the roster, resolve sign-ins."""
    return organization.pk in scope.organization_ids or scope.manages_region(organization.region_id)


def may_review_collective(scope: Scope, study) -> bool:
    """Collective study is approved by the county: an admin of a region at county level or
    above that contains the organisation."""
    return any(
        len(code) <= 6 and study.region_id.startswith(code) for code in scope.managed_region_codes
    ) or (scope.is_superuser)


def may_edit_rule(scope: Scope, region_code: str) -> bool:
    return scope.manages_region(region_code)
