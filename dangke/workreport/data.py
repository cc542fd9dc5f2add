"""Everything the year's report says, read once through the scoped year figures
(`dangke.reports.queries.year_figures`, the same numbers as `dangke stats --json`) plus the
breakdowns its charts and tables need. Every query reads through `visible_within`, so a
county admin's report holds the county's rows only."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth

from dangke.accounts.scoping import Scope, visible_within
from dangke.core.calendar import year_bounds
from dangke.courses.models import ExcellentDesignation
from dangke.delivery import rollup
from dangke.delivery.models import Lesson, LessonStatus
from dangke.evaluation.models import Survey, SurveyKind
from dangke.faculty.models import AnnualReview
from dangke.regions.models import Organization, Region
from dangke.reports.queries import year_figures

SCORE_BANDS = ((90, 101, "90分以上"), (80, 90, "80–89分"), (70, 80, "70–79分"), (60, 70, "60–69分"))
LOW_BAND = "60分以下"
BEHIND_ROWS = 30  # the table lists the first 30; the appendix points to the full list


@dataclass
class ReportData:
    year: int
    region: Region | None
    region_code: str
    figures: dict
    coverage: list[dict] = field(default_factory=list)
    lessons_by_month: dict[int, int] = field(default_factory=dict)
    scores: list[tuple[float, int, list]] = field(default_factory=list)  # score, n, ci95
    behind: list[AnnualReview] = field(default_factory=list)
    behind_total: int = 0
    excellent_titles: list[str] = field(default_factory=list)
    training_held: dict = field(default_factory=dict)  # classes, modules, enrolments, completed
    alliances: dict | None = None  # partners, shared_courses, exchanges, summits; None: none

    @property
    def is_county(self) -> bool:
        return len(self.region_code) >= 6

    @property
    def region_name(self) -> str:
        return self.region.name if self.region else self.figures["region"]["name"]

    @property
    def score_bands(self) -> list[tuple[str, int]]:
        bands = [
            (label, sum(low <= s < high for s, _n, _ci in self.scores))
            for low, high, label in SCORE_BANDS
        ]
        bands.append((LOW_BAND, sum(s < 60 for s, _n, _ci in self.scores)))
        return bands


def default_region_code() -> str:
    """Without --region: the smallest region holding every organisation (the demo's city),
    so a single-office installation needs no option."""
    codes = list(
        Organization.objects.order_by().values_list("region_id", flat=True).distinct()[:5000]
    )
    if not codes:
        return ""
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    for length in (12, 9, 6, 4, 2):
        if len(prefix) >= length and Region.objects.filter(code=prefix[:length]).exists():
            return prefix[:length]
    return ""


def collect(scope: Scope, year: int, region_code: str = "") -> ReportData:
    figures = year_figures(scope, year, region_code or None)
    code = region_code or figures["region"]["code"]
    data = ReportData(
        year=year,
        region=Region.objects.filter(code=code).first() if code else None,
        region_code=code,
        figures=figures,
    )
    data.coverage = coverage_by_area(scope, year, code)
    data.lessons_by_month = lessons_by_month(scope, year, code)
    data.scores = published_scores(scope, year, code)
    reviews = (
        visible_within(AnnualReview, scope, code or None)
        .filter(year=year, passed=False)
        .select_related("teacher", "region")
        .order_by("region_id", "teacher__name")
    )
    data.excellent_titles = list(
        visible_within(ExcellentDesignation, scope, code or None)
        .filter(year=year)
        .annotate(
            given=Count("course__lessons", filter=Q(course__lessons__status=LessonStatus.DELIVERED))
        )
        .order_by("-given", "pk")  # the two most given are the ones to name
        .values_list("course__title", flat=True)[:2]
    )
    data.training_held = training_held(scope, year, code)
    data.alliances = alliance_figures(scope, year, code)
    data.behind_total = reviews.count()
    data.behind = list(reviews[:BEHIND_ROWS])
    return data


def alliance_figures(scope: Scope, year: int, code: str) -> dict | None:
    """The year's cooperation of the alliances the region itself was an active member of
    during the year (`alliances.figures.year_figures`, summed): how many other member
    regions it allied with, courses shared, teachers exchanged, summits held. None when it
    was a member of none, so the report says nothing of alliances."""
    from dangke.alliances.figures import year_figures as alliance_year_figures
    from dangke.alliances.models import AllianceMember

    if not code:
        return None
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    in_year = Q(joined_on__lte=last) & (Q(left_on__isnull=True) | Q(left_on__gte=first))
    memberships = list(
        visible_within(AllianceMember, scope, code)
        .filter(in_year, region_id=code)
        .select_related("alliance")
        .order_by("alliance_id")
    )
    if not memberships:
        return None
    partners: set[str] = set()
    totals = {"shared_courses": 0, "exchanges": 0, "summits": 0}
    for membership in memberships:
        alliance = membership.alliance
        partners |= set(
            alliance.members.filter(in_year)
            .exclude(region_id=code)
            .values_list("region_id", flat=True)
        )
        figures = alliance_year_figures(alliance, year)
        for key in totals:
            totals[key] += figures[key]
    return {"partners": len(partners), **totals}


def training_held(scope: Scope, year: int, code: str) -> dict:
    """Classes of the year that have opened by today (a class planned for later in the year
    is not yet 举办), their offered modules (学习专题), enrolments and completions."""
    from dangke.training.models import ClassStatus, Enrollment, EnrollmentStatus, TrainingClass

    held = (
        visible_within(TrainingClass, scope, code or None)
        .filter(starts_on__year=year, starts_on__lte=today())
        .exclude(status=ClassStatus.CANCELLED)
    )
    counts = held.aggregate(
        classes=Count("pk", distinct=True),
        modules=Count("modules", filter=Q(modules__is_offered=True), distinct=True),
    )
    enrolments = Enrollment.objects.filter(training_class__in=held).aggregate(
        enrolments=Count("pk"),
        completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
    )
    return {**counts, **enrolments}


def coverage_by_area(scope: Scope, year: int, code: str) -> list[dict]:
    """Per county (per township in a county's report): organisations, those that hosted a
    lesson given this year, their members and all members."""
    digits = {2: 4, 4: 6, 6: 9, 9: 12}.get(len(code), 6)
    organizations = visible_within(Organization, scope, code or None).filter(is_active=True)
    # Hosted or co-hosted a lesson given this year, wherever the lesson was: the rollup's
    # mark per organisation and year (80 s for a city as `pk IN`, then 1 s as an EXISTS on
    # the lessons, issue #18).
    rollup.flush()
    covered = rollup.reached_in(year)
    rows: dict[str, dict] = defaultdict(
        lambda: {"organizations": 0, "covered": 0, "members": 0, "members_reached": 0}
    )
    per_region = organizations.values("region_id").annotate(
        n=Count("pk"), members=Sum("member_count")
    )
    for row in per_region:
        area = rows[row["region_id"][:digits]]
        area["organizations"] += row["n"]
        area["members"] += row["members"] or 0
    for row in per_region.filter(covered):  # all, then those covered: two plain aggregates
        area = rows[row["region_id"][:digits]]
        area["covered"] += row["n"]
        area["members_reached"] += row["members"] or 0
    names = dict(Region.objects.filter(code__in=rows).values_list("code", "name"))
    return [{"code": c, "name": names.get(c, c), **rows[c]} for c in sorted(rows)]


def lessons_by_month(scope: Scope, year: int, code: str) -> dict[int, int]:
    """Lessons given per month (local months: ExtractMonth uses Asia/Shanghai)."""
    months = dict.fromkeys(range(1, 13), 0)
    rollup.flush()
    codes = scope.county_prefixes(code or None)
    if codes is not None:  # a county or wider: the rollup's tallies (issue #18)
        for month, n in (
            rollup.tallies(codes, year)
            .filter(status=LessonStatus.DELIVERED)
            .values("month")
            .annotate(n=Sum("lessons"))
            .values_list("month", "n")
            .order_by()
        ):
            months[month] = n
        return months
    first, last = year_bounds(year)
    for row in (
        visible_within(Lesson, scope, code or None)
        .filter(status=LessonStatus.DELIVERED, starts_at__gte=first, starts_at__lt=last)
        .annotate(month=ExtractMonth("starts_at"))
        .values("month")
        .annotate(n=Count("pk"))
    ):
        months[row["month"]] = row["n"]
    return months


def published_scores(scope: Scope, year: int, code: str) -> list[tuple[float, int, list]]:
    """(score, answers counted, 95 % interval) of each on-site survey published this year."""
    scores = []
    # Only the three keys read: not every stored result's computation and basis (issue #18).
    for score, roles, ci95 in (
        visible_within(Survey, scope, code or None)
        .filter(kind=SurveyKind.ON_SITE, opens_at__year=year, published_at__isnull=False)
        .values_list("result__score", "result__roles", "result__ci95")
    ):
        if score is None:
            continue
        n = sum((role or {}).get("n") or 0 for role in (roles or {}).values())
        scores.append((float(score), n, ci95 or []))
    return scores


def today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()
