"""Which single-purpose role a login holds: the judge, the group leader, the training
organiser land on pages of their own and see a short menu (the navigation and
reports.homes both ask)."""


def is_judge_only(scope) -> bool:
    """A login that holds the judge role and nothing that sees regions, groups or people."""
    from dangke.accounts.models import Role

    return Role.JUDGE in scope.roles and not (
        scope.is_superuser
        or scope.region_codes
        or scope.group_ids
        or scope.teacher_ids
        or scope.organization_ids
    )


def is_group_leader_only(scope) -> bool:
    return bool(scope.group_ids) and not (
        scope.is_superuser or scope.region_codes or scope.organization_ids
    )


def is_organiser_only(scope) -> bool:
    """A training organiser who is not also the region's office."""
    from dangke.accounts.models import Role

    return (
        Role.ORGANISER in scope.roles
        and Role.REGION_ADMIN not in scope.roles
        and not scope.is_superuser
    )
