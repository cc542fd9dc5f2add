"""What an alliance shares into a region, told to scoping (`accounts.scoping.share_with`).

A region takes part through an active membership of its own or of a region above it (a
county office of a member city sees what is shared with its city), or of a region below it
(a city office sees what is shared with its member county). Only active memberships count,
on both sides: a member that leaves stops seeing, and what it shared stops being seen.
These are subqueries of pks; scoping ORs them into `visible_to` for the models that declare
`ScopeRules.shared`."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dangke.accounts.scoping import share_with


def _prefixes(code: str) -> list[str]:
    return [code[:length] for length in range(1, len(code) + 1)]


def _memberships_of(region_codes):
    """Active memberships a set of region codes takes part through."""
    from dangke.alliances.models import AllianceMember

    condition = Q(pk__in=[])
    for code in region_codes:
        condition |= Q(region_id__in=_prefixes(code)) | Q(region__code__startswith=code)
    return AllianceMember._base_manager.filter(condition, left_on__isnull=True)


def alliance_ids(region_codes):
    return _memberships_of(region_codes).values("alliance_id")


def shared_course_ids(region_codes):
    """Courses shared (not withdrawn) by an active member into an alliance the regions take
    part in, by a member other than the one they take part through (a county of 乐山 sees
    what 眉山 shares, not what its sibling county shared for 乐山)."""
    from dangke.alliances.models import AllianceMember, CourseShare

    active_sharer = AllianceMember._base_manager.filter(
        left_on__isnull=True, alliance_id=OuterRef("alliance_id"), region_id=OuterRef("region_id")
    )
    receiving = _memberships_of(region_codes).filter(alliance_id=OuterRef("alliance_id"))
    return (
        CourseShare._base_manager.filter(withdrawn_on__isnull=True)
        .filter(Exists(active_sharer))
        .filter(Exists(receiving.exclude(region_id=OuterRef("region_id"))))
        .values("course_id")
    )


def lent_teacher_ids(region_codes):
    """Teachers lent (an approved exchange, today inside its period) to the regions."""
    from dangke.alliances.models import ExchangeStatus, TeacherExchange

    today = timezone.localdate()
    hosts = Q(pk__in=[])
    for code in region_codes:
        hosts |= Q(host_region_id__in=_prefixes(code)) | Q(host_region__code__startswith=code)
    return TeacherExchange._base_manager.filter(
        hosts,
        status=ExchangeStatus.APPROVED,
        starts_on__lte=today,
        ends_on__gte=today,
        alliance_id__in=alliance_ids(region_codes),
    ).values("teacher_id")


def exchange_lesson_ids(region_codes):
    """The lessons approved exchanges made for the teachers of the regions (their home
    office): a lesson in the host region that the lending office follows and evaluates."""
    from dangke.alliances.models import TeacherExchange

    homes = Q(pk__in=[])
    for code in region_codes:
        homes |= Q(region_id__in=_prefixes(code)) | Q(region__code__startswith=code)
    return TeacherExchange._base_manager.filter(homes, lesson__isnull=False).values("lesson_id")


def exchange_module_ids(region_codes):
    """The training modules approved exchanges made for the teachers of the regions."""
    from dangke.alliances.models import TeacherExchange

    homes = Q(pk__in=[])
    for code in region_codes:
        homes |= Q(region_id__in=_prefixes(code)) | Q(region__code__startswith=code)
    return TeacherExchange._base_manager.filter(homes, training_module__isnull=False).values(
        "training_module_id"
    )


def register() -> None:
    share_with("alliance", alliance_ids)
    share_with("course", shared_course_ids)
    share_with("teacher", lent_teacher_ids)
    share_with("lesson", exchange_lesson_ids)
    share_with("training_module", exchange_module_ids)
