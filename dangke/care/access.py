"""Who may do what in the care app, as named predicates (like each app's rules.py)."""

from django.db.models import Q

from dangke.accounts.models import Role
from dangke.faculty.models import Teacher, TeachingGroup
from dangke.training.services import may_run_class

REGION_CODE_LENGTHS = (2, 4, 6, 9, 12)


class CareError(Exception):
    """A refused care action; the message is shown to the user as it is."""


# The office of the region (its admins) or an organiser (党校) who sees it by region: the
# same people who run training classes run the rooms, beds, counsellors and festival care.
may_run_care = may_run_class


def is_counsellor_only(scope) -> bool:
    """A counsellor's login sees nothing of Dangke but their counselling requests."""
    return Role.COUNSELLOR in scope.roles and not (
        scope.is_superuser
        or scope.region_codes
        or scope.teacher_ids
        or scope.group_ids
        or scope.organization_ids
    )


def own_teacher(scope) -> Teacher | None:
    if not scope.teacher_ids:
        return None
    return (
        Teacher.objects.unscoped("the user's own teacher record")
        .filter(pk=scope.teacher_ids[0])
        .select_related("region")
        .first()
    )


def region_chain(code: str) -> list[str]:
    """A region code and the codes above it (a county's rooms and the city's)."""
    return [code[:n] for n in REGION_CODE_LENGTHS if n <= len(code)]


def reachable(model, scope, path: str = "region_id"):
    """Rows of a region-scoped model the user sees, plus the rows of the regions above their
    own (a teacher's, a group's, an office's): the city's rooms, talks and counsellors are
    open to the county's teachers and offices."""
    condition = scope.q_for(model)
    homes = list(scope.region_codes)
    homes += (
        TeachingGroup.objects.unscoped("the user's own groups")
        .filter(pk__in=scope.group_ids)
        .values_list("region_id", flat=True)
    )
    teacher = own_teacher(scope)
    if teacher is not None:
        homes.append(teacher.region_id)
    codes = {code for home in homes for code in region_chain(home)}
    if codes:
        condition |= Q(**{f"{path}__in": sorted(codes)})
    return model.objects.unscoped("the scope's rows and its regions above").filter(condition)
