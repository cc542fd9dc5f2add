"""Advice from the data: course suggestions for an organisation's 点单 and early warnings for
pool teachers. Rows become the plain facts `engines.suggestions` and `engines.warnings`
read; their structured reasons and evidence become Chinese sentences here.

Scoping. The organisations and teachers advised on are always read through `visible_to`.
What similar organisations ordered and how they rated a course enters only as counts and
scores, as the 点单 menu already shows them; no other organisation's rows are returned.
Warnings are advice: nothing here changes a status.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.core.calendar import year_bounds
from dangke.core.ids import db_id
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course
from dangke.delivery import rollup
from dangke.delivery.models import CourseOrder, Lesson, LessonStatus, OrderStatus
from dangke.evaluation.models import Survey, SurveyKind
from dangke.evaluation.rollups import teacher_score_inputs
from dangke.faculty import lifecycle, warning_levels
from dangke.faculty.models import POOL_STATUSES, Teacher
from dangke.regions.models import Organization, OrganizationKind, Region
from engines.scoring import aggregate_scores
from engines.suggestions import CourseFacts, Demand, OrganisationFacts, Rating, suggest
from engines.warnings import Quota, TeacherYear, assess

SUGGESTIONS = 6
HISTORY_DAYS = 400  # the lesson scores a warning reads: this year's and the end of last year's
CANCEL_WINDOW_DAYS = 90

# --- course suggestions -----------------------------------------------------------------------


def county_of(region_code: str) -> str:
    return region_code[:6] if len(region_code) >= 6 else ""


def _category_label(value: str) -> str:
    return str(CourseCategory(value).label) if value in CourseCategory.values else value


def _kind_label(value: str) -> str:
    return str(OrganizationKind(value).label) if value in OrganizationKind.values else value


def course_facts(courses, before=None) -> list[CourseFacts]:
    """The engine's view of each course: its pool teachers' counties and its ratings by the
    kind of organisation that rated it (each kind's lessons aggregated as a course's are)."""
    courses = list(courses)
    ids = [course.pk for course in courses]
    counties: dict[int, set[str]] = defaultdict(set)
    teacher_counts: dict[int, int] = defaultdict(int)
    links = Course.teachers.through.objects.filter(
        course_id__in=ids, teacher__status__in=POOL_STATUSES
    ).values_list("course_id", "teacher__region_id")
    for course_id, region_code in links:
        counties[course_id].add(county_of(region_code))
        teacher_counts[course_id] += 1
    by_kind: dict[tuple[int, str], list[dict]] = defaultdict(list)
    surveys = Survey.objects.unscoped("published ratings of courses in scope").filter(
        kind=SurveyKind.ON_SITE, lesson__course_id__in=ids, published_at__isnull=False
    )
    if before is not None:
        surveys = surveys.filter(published_at__lt=before)
    surveys = surveys.values_list("lesson__course_id", "lesson__organization__kind", "result")
    for course_id, kind, result in surveys:
        if not result or not result.get("published"):
            continue
        n = sum(role["n"] for role in result["roles"].values() if role["counted"])
        by_kind[(course_id, kind)].append(
            {"score": result["score_exact"], "n": max(n, 1), "ci95": result["ci95_exact"]}
        )
    ratings: dict[int, dict[str, Rating]] = defaultdict(dict)
    for (course_id, kind), items in by_kind.items():
        summary = aggregate_scores(items)
        if summary["score"] is None:
            continue
        ci95 = tuple(summary["ci95"]) if summary["ci95"] else None
        ratings[course_id][kind] = Rating(summary["score"], summary["n_responses"], ci95)
    return [
        CourseFacts(
            id=course.pk,
            title=course.title,
            category=course.category,
            teacher_counties=frozenset(counties[course.pk]),
            teacher_count=teacher_counts[course.pk],
            ratings=ratings[course.pk],
        )
        for course in courses
    ]


def demand_before(moment: datetime.datetime, region_prefix: str = "") -> Demand:
    """Orders placed before `moment` (not withdrawn), counted by course: everywhere under
    the region prefix, by county and by kind of organisation. Counts only."""
    rows = (
        CourseOrder.objects.unscoped("advice: order counts by course, no rows shown")
        .filter(created_at__lt=moment, course__isnull=False, region__code__startswith=region_prefix)
        .exclude(status=OrderStatus.WITHDRAWN)
        .values("course_id", "region_id", "organization__kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    everywhere: dict[int, int] = defaultdict(int)
    by_county: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    by_kind: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        everywhere[row["course_id"]] += row["n"]
        by_county[county_of(row["region_id"])][row["course_id"]] += row["n"]
        by_kind[row["organization__kind"]][row["course_id"]] += row["n"]
    return Demand(dict(everywhere), dict(by_county), dict(by_kind))


def organisation_facts(organization, moment: datetime.datetime) -> OrganisationFacts:
    """What the organisation had before `moment`: lessons given or planned and orders
    pending, by course and by category, with the last day of each."""
    had_courses: dict[int, datetime.date] = {}
    had_categories: dict[str, datetime.date] = {}
    lessons = (
        Lesson.objects.unscoped("advice: the organisation was fetched in scope")
        .filter(organization=organization, starts_at__lt=moment)
        .exclude(status=LessonStatus.CANCELLED)
        .values_list("course_id", "course__category", "starts_at")
    )
    for course_id, category, starts_at in lessons:
        day = timezone.localdate(starts_at)
        had_courses[course_id] = max(day, had_courses.get(course_id, day))
        had_categories[category] = max(day, had_categories.get(category, day))
    pending = (
        CourseOrder.objects.unscoped("advice: the organisation was fetched in scope")
        .filter(
            organization=organization,
            created_at__lt=moment,
            status__in=[OrderStatus.SUBMITTED, OrderStatus.PLANNED],
            course__isnull=False,
        )
        .values_list("course_id", "created_at")
    )
    for course_id, created_at in pending:
        had_courses.setdefault(course_id, timezone.localdate(created_at))
    return OrganisationFacts(
        id=organization.pk,
        kind=organization.kind,
        county=county_of(organization.region_id),
        had_courses=had_courses,
        had_categories=had_categories,
    )


def category_gaps(county_code: str, year: int, before=None) -> dict[str, tuple[int, int]]:
    """For each category, how many of the county's active organisations have had no lesson
    of it given in the year, of how many organisations."""
    organisations = Organization.objects.unscoped(
        "advice: counts of the county's organisations"
    ).filter(region__code__startswith=county_code, is_active=True)
    total = organisations.count()
    start, end = year_bounds(year)
    had = (
        Lesson.objects.unscoped("advice: counts of the county's organisations")
        .filter(
            organization__in=organisations,
            status=LessonStatus.DELIVERED,
            starts_at__gte=start,
            starts_at__lt=min(end, before) if before else end,
        )
        .values("course__category")
        .annotate(n=Count("organization_id", distinct=True))
        .order_by()
    )
    covered = {row["course__category"]: row["n"] for row in had}
    return {value: (total - covered.get(value, 0), total) for value in CourseCategory.values}


@dataclass
class SuggestedCourse:
    course: Course
    reasons: list[str]
    score: float


@dataclass
class OrganisationSuggestions:
    organization: Organization
    suggestions: list[SuggestedCourse]
    season: str = ""
    notes: list[str] = field(default_factory=list)


def suggestions_for(
    scope, organization, *, limit: int = SUGGESTIONS, now=None
) -> OrganisationSuggestions:
    """The suggested courses for one organisation the scope may see (the caller got it
    through `get_visible_or_404` or `visible_to`), from the courses it may order."""
    from dangke.delivery.services import orderable_courses

    now = now or timezone.now()
    today = timezone.localdate(now)
    courses = list(orderable_courses(scope).filter(region__code__in=_reachable(organization)))
    facts = course_facts(courses, before=now)
    by_id = {course.pk: course for course in courses}
    county = county_of(organization.region_id)
    gaps = category_gaps(county, today.year, before=now) if county else {}
    ranked = suggest(
        organisation_facts(organization, now),
        facts,
        demand_before(now, organization.region_id[:4]),
        today=today,
        county_gaps=gaps,
        limit=limit,
    )
    result = OrganisationSuggestions(
        organization=organization,
        suggestions=[
            SuggestedCourse(
                by_id[item.course_id],
                [word_reason(r, organization) for r in item.reasons],
                item.score,
            )
            for item in ranked
        ],
        season=season_note(organization, today),
    )
    return result


def _reachable(organization) -> list[str]:
    """Region codes whose courses reach the organisation: its county and the regions inside
    it, and the regions above it."""
    county = county_of(organization.region_id) or organization.region_id
    inside = (
        Region.objects.unscoped("region codes around an organisation")
        .filter(code__startswith=county)
        .values_list("code", flat=True)
    )
    return [*inside, *[county[:n] for n in (2, 4) if n < len(county)]]


def _months(months: list[int]) -> str:
    """[5, 6, 9, 10] → "5–6、9–10"."""
    runs: list[list[int]] = []
    for month in sorted(set(months)):
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return "、".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs)


def season_note(organization, today: datetime.date) -> str:
    if not organization.busy_months:
        return ""
    values = {"kind": _kind_label(organization.kind), "months": _months(organization.busy_months)}
    if today.month in organization.busy_months:
        return _("本月是农忙月份（本%(kind)s农忙 %(months)s 月），宜选线上或大喇叭授课") % values
    return _("适合农闲月份（本%(kind)s农忙 %(months)s 月）") % values


def word_reason(reason, organization) -> str:
    values = reason.values
    if reason.code == "peer_rating":
        if values["low"] is None:
            return _("同类（%(kind)s）党组织评分 %(score)s（n=%(n)s）") % {
                "kind": _kind_label(values["kind"]),
                "score": values["score"],
                "n": values["n"],
            }
        return _("同类（%(kind)s）党组织评分 %(score)s（n=%(n)s，95%% 区间 %(low)s–%(high)s）") % {
            "kind": _kind_label(values["kind"]),
            "score": values["score"],
            "n": values["n"],
            "low": values["low"],
            "high": values["high"],
        }
    if reason.code == "category_new":
        return _("本组织近两年未学过「%(category)s」") % {
            "category": _category_label(values["category"])
        }
    if reason.code == "ordered_nearby":
        return _("本县党组织已点单 %(n)s 次") % values
    if reason.code == "teacher_nearby":
        return _("本县有 %(n)s 位师资可讲") % values
    if reason.code == "no_teacher":
        return _("暂无可派师资，需协调")
    if reason.code == "county_gap":
        return _("本县尚有 %(missing)s 个组织今年未学「%(category)s」") % {
            "missing": values["missing"],
            "category": _category_label(values["category"]),
        }
    return reason.code


def county_gap_rows(scope, county: Region, year: int, *, category: str = "", kind: str = ""):
    """The office's view of a county: for each category the organisations (visible to the
    scope) without a lesson of it given in the year; with `category`, those organisations."""
    organisations = Organization.objects.visible_to(scope).filter(
        region__code__startswith=county.code, is_active=True
    )
    if kind:
        organisations = organisations.filter(kind=kind)
    start, end = year_bounds(year)
    given = Lesson.objects.unscoped("lessons of organisations in scope").filter(
        organization__in=organisations,
        status=LessonStatus.DELIVERED,
        starts_at__gte=start,
        starts_at__lt=end,
    )
    covered = dict(
        given.values("course__category")
        .annotate(n=Count("organization_id", distinct=True))
        .order_by()
        .values_list("course__category", "n")
    )
    total = organisations.count()
    summary = [
        {
            "category": value,
            "label": label,
            "covered": covered.get(value, 0),
            "missing": total - covered.get(value, 0),
        }
        for value, label in CourseCategory.choices
    ]
    lacking = []
    if category:
        had = given.filter(course__category=category).values("organization_id")
        lacking = list(
            organisations.exclude(pk__in=had).select_related("region").order_by("region_id", "code")
        )
    return {"total": total, "summary": summary, "lacking": lacking}


def counties_for(scope):
    """The counties the scope's office sees (for the gaps page's choice)."""
    organisations = Organization.objects.visible_to(scope)
    codes = {county_of(code) for code in organisations.values_list("region_id", flat=True)}
    return (
        Region.objects.unscoped("counties of organisations in scope")
        .filter(code__in=codes - {""})
        .order_by("code")
    )


# --- teacher early warning --------------------------------------------------------------------

LEVEL_LABELS = {"warn": gettext_lazy("预警"), "watch": gettext_lazy("关注")}


@dataclass
class TeacherWarning:
    teacher: Teacher
    level: str
    evidence: list[str]
    helps: list[dict]

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level]) if self.level else ""


def teacher_years(teachers, now=None, *, ids=None) -> list[TeacherYear]:
    """The engine's facts for each teacher, read in a fixed number of queries; `ids`: the
    teachers' pks as a subquery (a scope's whole pool), else their ids are listed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = today.year
    if ids is None:
        ids = [t.pk for t in teachers]
    start, end = year_bounds(year)
    since = now - datetime.timedelta(days=HISTORY_DAYS)
    # the teachers' score years (a rollup the score writes keep), not every lesson's survey
    scores = teacher_score_inputs(ids, since, year)
    # The lessons from the delivery rollup's teacher months, the months cut by `now` and by
    # the window's start from the lessons themselves: two queries, not a province's year of
    # lessons joined with their teachers three times (issue #18).
    spans = rollup.teacher_spans(
        ids,
        {
            "given": rollup.Span(start, now, (LessonStatus.DELIVERED,)),
            "planned": rollup.Span(now, end, (LessonStatus.PLANNED, LessonStatus.CONFIRMED)),
            "recent": rollup.Span(
                now - datetime.timedelta(days=CANCEL_WINDOW_DAYS),
                now,
                (LessonStatus.DELIVERED, LessonStatus.CANCELLED),
            ),
            "cancelled": rollup.Span(
                now - datetime.timedelta(days=CANCEL_WINDOW_DAYS),
                now,
                (LessonStatus.CANCELLED,),
            ),
        },
    )
    quotas = lifecycle.quotas_by_key(year)
    result = []
    for teacher in teachers:
        quota = lifecycle.quota_for(teacher, year, quotas)
        given = spans["given"].get(teacher.pk, (0, 0))
        own, responses = scores.get(teacher.pk, ([], 0))
        planned = spans["planned"].get(teacher.pk, (0, 0))
        result.append(
            TeacherYear(
                teacher_id=teacher.pk,
                today=today,
                quota=Quota(
                    min_lessons=quota.min_lessons,
                    min_hours=float(quota.min_hours),
                    min_score=float(quota.min_score),
                    min_responses=quota.min_responses,
                )
                if quota
                else None,
                scores=own,
                lessons_given=given[0],
                hours_given=round(given[1] / 60, 1),
                lessons_planned=planned[0],
                hours_planned=round(planned[1] / 60, 1),
                responses=responses,
                recent_lessons=spans["recent"].get(teacher.pk, (0, 0))[0],
                recent_cancelled=spans["cancelled"].get(teacher.pk, (0, 0))[0],
            )
        )
    return result


def word_evidence(evidence) -> str:
    v = evidence.values
    if evidence.code == "score_decline":
        return _("近 %(lessons)s 场评分下降 %(drop)s 分（区间 %(low)s–%(high)s）") % v
    if evidence.code == "recent_score":
        return _("近 %(lessons)s 场平均 %(score)s 分，低于考核线 %(line)s 分（上限 %(high)s）") % {
            **v,
            "line": f"{v['line']:g}",
        }
    if evidence.code == "single_low":
        return _("最近一场 %(score)s 分低于考核线 %(line)s 分，但尚不足以判断为下降") % {
            **v,
            "line": f"{v['line']:g}",
        }
    if evidence.code == "hours_short":
        return _("按目前进度年末课时将差 %(short)s 小时（预计 %(projected)s / %(target)s）") % {
            "short": f"{v['short']:g}",
            "projected": f"{v['projected']:g}",
            "target": f"{v['target']:g}",
        }
    if evidence.code == "lessons_short":
        return _("按目前进度年末授课将差 %(short)s 场（预计 %(projected)s / %(target)s）") % {
            **v,
            "projected": f"{v['projected']:g}",
        }
    if evidence.code == "few_responses":
        return (
            _(
                "按目前进度年末计入得分的答卷约 %(projected)s 份，少于 %(needed)s 份，"
                "年度得分可能因样本不足无法认定"
            )
            % v
        )
    if evidence.code == "cancellations":
        return _("近 %(days)s 天取消 %(cancelled)s 场（共 %(total)s 场）") % v
    return evidence.code


def word_helps(codes) -> list[dict]:
    words = {
        "coaching": (
            _("上传授课录音，用「授课分析」查看语速、停顿和各知识点用时"),
            "insights:index",
        ),
        "training": (_("选修师资培训模块（点餐式培训）"), "training:index"),
        "more_lessons": (_("查看待排点单，与教研组长商量增加送课"), "delivery:menu"),
    }
    return [{"text": words[code][0], "url": reverse(words[code][1])} for code in codes]


def pool_teachers(scope):
    """The office's own pool: a teacher lent in through an alliance is advised and warned
    by their home office, never by the host."""
    return Teacher.objects.visible_to(scope, shared=False).filter(status__in=POOL_STATUSES)


def _assessed(teachers, now, *, include_quiet: bool):
    """(teacher id, warning) for each pool teacher given (already scoped) that is warned,
    or every one with `include_quiet`; and the teacher records when they were read whole."""
    # The figures' queries name the teachers by this subquery, not by their ids: a province's
    # 10,962 ids sent five times cost more to send and plan than the lookups themselves.
    ids = teachers.values("pk")
    if include_quiet:
        keys = list(teachers.select_related("region").order_by("name", "pk"))
    else:
        # What the figures need of each teacher (the quota's region and level); the records
        # themselves only for the warned ones shown (a province's pool is 10,962 teachers).
        keys = list(teachers.order_by().values_list("pk", "region_id", "level", named=True))
    assessed = []
    for year in teacher_years(keys, now, ids=ids):
        warning = assess(year)
        if warning.level or include_quiet:
            assessed.append((year.teacher_id, warning))
    return assessed, ({t.pk: t for t in keys} if include_quiet else None)


LEVEL_ORDER = {"warn": 0, "watch": 1, "": 2}


def _worded(assessed, by_id) -> list[TeacherWarning]:
    rows = [
        TeacherWarning(
            teacher=by_id[teacher_id],
            level=warning.level,
            evidence=[word_evidence(e) for e in warning.evidence],
            helps=word_helps(warning.helps),
        )
        for teacher_id, warning in assessed
    ]
    rows.sort(key=lambda row: (LEVEL_ORDER[row.level], row.teacher.name, row.teacher.pk))
    return rows


def warnings_for(scope, *, teachers=None, now=None, include_quiet: bool = False):
    """Warnings for the pool teachers the scope sees (or the given ones, already scoped),
    most serious first. Advice only: no status is changed."""
    if teachers is None:
        teachers = pool_teachers(scope)
    assessed, by_id = _assessed(teachers, now, include_quiet=include_quiet)
    if by_id is None:
        warned = [teacher_id for teacher_id, _warning in assessed]
        by_id = teachers.select_related("region").in_bulk(warned) if warned else {}
    return _worded(assessed, by_id)


# --- context for other apps' pages (small, so the pages that show them only include) -------

CARD_ROWS = 5


def menu_context(scope, organization_id: str = "") -> dict:
    """The 点单 menu's suggestions: for a liaison's organisation (the one chosen, else the
    first they order for). Other users see the menu without them."""
    if not scope.organization_ids:
        return {}
    organisations = Organization.objects.visible_to(scope).filter(pk__in=scope.organization_ids)
    chosen = None
    if db_id(organization_id):
        chosen = organisations.filter(pk=db_id(organization_id)).first()
    chosen = chosen or organisations.order_by("code").first()
    if chosen is None:
        return {}
    return {"advice": suggestions_for(scope, chosen)}


def warnings_card(scope, teacher=None) -> dict:
    """The warnings card of a 工作台: the teacher's own warning, or for a group leader and an
    office the most serious few of those they see, with how many are warned and watched.
    The counts and the few come from the kept levels (a province's pool is 10,000 teachers:
    judging each on every request cost a second, issue #18); only the few shown are judged
    again and worded."""
    if teacher is not None:
        rows = warnings_for(scope, teachers=pool_teachers(scope).filter(pk=teacher.pk))
        return {"warning_card": {"own": True, "rows": rows}}
    teachers = pool_teachers(scope)
    warned = kept_levels(teachers).exclude(level="")
    counts = dict(warned.values_list("level").annotate(n=Count("pk")).order_by())
    first = warned.order_by(
        Case(*(When(level=level, then=order) for level, order in LEVEL_ORDER.items())),
        "teacher__name",
        "teacher_id",
    ).values_list("teacher_id", flat=True)[:CARD_ROWS]
    shown = list(first)
    return {
        "warning_card": {
            "own": False,
            "rows": warnings_for(scope, teachers=teachers.filter(pk__in=shown)) if shown else [],
            "warn": counts.get("warn", 0),
            "watch": counts.get("watch", 0),
        }
    }


def kept_levels(teachers):
    """The kept warning levels (faculty.KeptWarningLevel) of these pool teachers (a scoped
    queryset), good for today: those without one are judged now and kept first. A teacher
    whose lessons or scores change while they are judged is left out of this answer (their
    judgement is not kept) and judged at the next."""
    good, _judged = _judge_unjudged(teachers)
    return good.filter(teacher__in=teachers.values("pk"))


def judge_the_day() -> int:
    """Every pool teacher without a level kept today judged now and kept, for cron after
    midnight (`dangke judge_warnings`): the first office to open its 工作台 then finds its
    pool judged (a province's, judged at that read, held it 1–3 s). Returns how many."""
    pool = Teacher.objects.unscoped("the day's judgement covers every pool")
    _good, judged = _judge_unjudged(pool.filter(status__in=POOL_STATUSES))
    return judged


def _judge_unjudged(teachers):
    """Today's good kept levels, once those of `teachers` without one are judged and kept;
    and how many were judged now."""
    rollup.flush()  # this thread's own lesson writes mark their teachers first
    warning_levels.flush()
    now = timezone.now()
    good = warning_levels.good_levels(timezone.localdate(now))
    unjudged = teachers.exclude(pk__in=good.values("teacher_id"))
    ids = list(unjudged.order_by().values_list("pk", flat=True))
    if ids:
        subject = teachers.filter(pk__in=ids) if len(ids) <= 1000 else unjudged
        assessed, _records = _assessed(subject, now, include_quiet=False)
        levels = {pk: warning.level for pk, warning in assessed}
        warning_levels.keep({pk: levels.get(pk, "") for pk in ids}, now)
    return good, len(ids)
