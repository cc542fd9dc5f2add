"""Who may do what in a contest. Functions of a `Scope`; views call them. Seeing a contest
at all is decided by scoping (`Contest.scope_rules`): its region's office, and the teachers
and group leaders with an entry in it."""

from django.db.models import Q

from dangke.accounts.models import Role
from dangke.accounts.scoping import Scope


def may_create_contest(scope: Scope, region_code: str) -> bool:
    return scope.manages_region(region_code)


def may_manage(scope: Scope, contest) -> bool:
    """Stages, entries, judges, assignment, the chair's choices, objections, promotion."""
    return scope.manages_region(contest.region_id)


def may_see_scores(scope: Scope, contest) -> bool:
    """Scores, judges' agreement and names side by side: the office and the organisers of
    the region. Entrants see the public ranking only from 公示 on."""
    return may_manage(scope, contest) or (
        Role.ORGANISER in scope.roles and scope.covers_region(contest.region_id)
    )


def may_enter(scope: Scope, contest, course) -> bool:
    """Register a course: the office, or the leader of the course's teaching group."""
    return may_manage(scope, contest) or (
        course.teaching_group_id is not None and course.teaching_group_id in scope.group_ids
    )


def may_edit_materials(scope: Scope, entry) -> bool:
    """Courseware, recording, outline: the office, the entry's teachers, its group leader."""
    teacher_ids = {t.pk for t in entry.teachers.all()}
    return (
        may_manage(scope, entry.contest)
        or bool(teacher_ids & set(scope.teacher_ids))
        or (entry.teaching_group_id is not None and entry.teaching_group_id in scope.group_ids)
    )


def entry_regions(scope: Scope) -> list[str]:
    """Regions whose contests a group leader may enter courses into while registration is
    open, though no entry of theirs makes the contest visible yet: their groups' regions
    and the regions above them."""
    from dangke.faculty.models import TeachingGroup

    if not scope.group_ids:
        return []
    codes = set()
    for code in (
        TeachingGroup.objects.unscoped("the user's own groups")
        .filter(pk__in=scope.group_ids)
        .values_list("region_id", flat=True)
    ):
        codes.update(code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code))
    return sorted(codes)


def visible_contests(scope: Scope):
    """Contests the scope sees, plus those open for registration in a group leader's
    region (the leader's first entry is what makes a contest visible to them)."""
    from dangke.contests.models import Contest, Stage

    visible = Contest.objects.visible_to(scope)
    regions = entry_regions(scope)
    if regions:
        open_ones = Contest.objects.filter(status=Stage.REGISTRATION, region_id__in=regions)
        visible = Contest.objects.unscoped("contests in scope or open for registration").filter(
            Q(pk__in=visible.values("pk")) | Q(pk__in=open_ones.values("pk"))
        )
    return visible
