"""The year's figures (年度数据) of a region, as the work reports quote them.

Every count reads through `Model.objects.visible_to(scope)`, so a county admin's dashboard
counts only their county. The keys of `year_figures` are stable: `dangke stats --json`
prints them and other tools read them; every key is always present, with zeros.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Sum

from dangke.accounts.scoping import Scope, as_scope, visible_within
from dangke.core.calendar import report_year, year_bounds
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseStatus, ExcellentDesignation
from dangke.delivery import rollup
from dangke.delivery.models import (
    Campaign,
    CourseOrder,
    DeliveringTeacher,
    DeliveryMode,
    Lesson,
    LessonStatus,
    OrderStatus,
    ReachedOrganization,
)
from dangke.faculty.models import (
    POOL_STATUSES,
    LectureTeam,
    Teacher,
    TeacherLevel,
    TeacherStatus,
    TeachingGroup,
)
from dangke.members.queries import study_figures
from dangke.regions import rollup as organization_rollup
from dangke.regions.codes import within_prefixes
from dangke.regions.models import Organization, OrganizationKind, Region, RegionLevel


def _zeros(choices) -> dict[str, int]:
    return {value: 0 for value in choices.values}


def _region_of(scope: Scope, region_code: str | None) -> dict[str, str]:
    code = region_code
    if code is None and len(scope.region_codes) == 1:
        code = scope.region_codes[0]
    if code:
        region = (
            Region.objects.unscoped("the name of the region reported on")
            .filter(code=code)
            .only("name")
            .first()
        )
        return {"code": code, "name": region.name if region else code}
    if scope.is_superuser and not scope.region_codes:
        return {"code": "", "name": "全部区划"}
    return {"code": "", "name": "可见范围"}


def year_figures(scope, year: int | None = None, region_code: str | None = None) -> dict:
    """The figures of `year` (default: this year in Asia/Shanghai) that `scope` (a Scope or
    a user) may see, optionally narrowed to the region subtree `region_code`.

    Keys: year, region{code,name}, teachers{total,by_level,by_status}, teaching_groups,
    lecture_teams, organizations{total,by_kind,covered}, members, villages,
    courses{total,by_category,by_status,excellent}, lessons{total,by_state,by_mode,
    by_category}, attendees, members_reached, orders{total,by_state}, campaigns,
    media{…}, evaluation{surveys, responses, responses_by_role, scores_published,
    comments, rectifications, excellent_proposals}.
    Teachers' `total` and `by_level` count the pool (在库、预警、整改); `by_status` counts
    every teacher, candidates and those who left included.
    Organisations and members count active organisations; villages counts village-level
    divisions (村、社区) in the region.

    Lessons are those starting in the year: `total`, `by_mode` and `by_category` leave out
    cancelled ones, `by_state` shows all four states. `attendees` sums the attendance of
    lessons given (已授课). An organisation is covered when it hosted or co-hosted a lesson
    given this year, wherever the lesson was; `members_reached` sums the members of covered
    organisations. Orders are those placed in the year. `campaigns` lists the campaigns
    running in the year, each with its lessons given (in the region), organisations covered
    (in the region, by its lessons wherever), members reached, target lessons and
    `teachers_by_level`: the teachers (any status now) who gave one of its lessons.
    """
    scope = as_scope(scope)
    year = year or report_year()

    by_level, by_status = _zeros(TeacherLevel), _zeros(TeacherStatus)
    teachers = visible_within(Teacher, scope, region_code)
    for row in teachers.values("level", "status").annotate(n=Count("pk")):
        if row["status"] in POOL_STATUSES:
            by_level[row["level"]] += row["n"]
        by_status[row["status"]] += row["n"]

    by_kind, members = _zeros(OrganizationKind), 0
    organizations = visible_within(Organization, scope, region_code).filter(is_active=True)
    codes = scope.county_prefixes(region_code)
    if codes is None:
        organization_rows = organizations.values_list("kind").annotate(
            n=Count("pk"), members=Sum("member_count")
        )
    else:
        organization_rows = (
            organization_rollup.tallies(codes)
            .values_list("kind")
            .annotate(n=Sum("organizations"), members=Sum("members"))
            .order_by()
        )
    for kind, n, kind_members in organization_rows:
        by_kind[kind] += n
        members += kind_members or 0

    by_category, by_course_status = _zeros(CourseCategory), _zeros(CourseStatus)
    courses = visible_within(Course, scope, region_code)
    for row in courses.values("category", "status").annotate(n=Count("pk")):
        by_category[row["category"]] += row["n"]
        by_course_status[row["status"]] += row["n"]

    delivery = _delivery_figures(scope, year, region_code, organizations)

    villages = visible_within(Region, scope, region_code).filter(level=RegionLevel.VILLAGE).count()
    excellent = visible_within(ExcellentDesignation, scope, region_code).filter(year=year).count()
    return {
        "year": year,
        "region": _region_of(scope, region_code),
        "teachers": {
            "total": sum(by_level.values()),
            "by_level": by_level,
            "by_status": by_status,
        },
        "teaching_groups": visible_within(TeachingGroup, scope, region_code).count(),
        "lecture_teams": visible_within(LectureTeam, scope, region_code).count(),
        "organizations": {
            "total": sum(by_kind.values()),
            "by_kind": by_kind,
            "covered": delivery["covered"],
        },
        "members": members,
        "villages": villages,
        "courses": {
            "total": sum(by_category.values()),
            "by_category": by_category,
            "by_status": by_course_status,
            "excellent": excellent,
        },
        "lessons": delivery["lessons"],
        "attendees": delivery["attendees"],
        "members_reached": delivery["members_reached"],
        "orders": delivery["orders"],
        "campaigns": delivery["campaigns"],
        **_broadcast(scope, year, region_code),
        "media": _media(scope, year, region_code),
        "evaluation": _evaluation(scope, year, region_code),
        "contests": _contests(scope, year, region_code),
        **_lifecycle(scope, year, region_code),
        "insights": _insights(scope, year, region_code),
        "care": _care(scope, year, region_code),
        "members_study": study_figures(scope, year, region_code),
    }


def _care(scope, year, region_code) -> dict:
    """Rooms' hours, bed-nights, festival care; counselling as a count only."""
    from dangke.care.figures import care_figures

    return care_figures(scope, year, region_code)


def _insights(scope, year, region_code) -> dict:
    """Delivery analyses: recordings by state, teachers analysed, hours of audio."""
    from dangke.insights.figures import insights_figures

    return insights_figures(scope, year, region_code)


def _lifecycle(scope, year, region_code) -> dict:
    """Faculty lifecycle (status, warnings, exits, quota attainment, rewards) and training."""
    from dangke.faculty.figures import faculty_figures
    from dangke.training.figures import training_figures

    return {
        "faculty": faculty_figures(scope, year, region_code),
        "training": training_figures(scope, year, region_code),
    }


def _contests(scope, year, region_code) -> dict:
    from dangke.contests.figures import contest_figures

    return contest_figures(scope, year, region_code)


def _evaluation(scope, year, region_code) -> dict:
    from dangke.evaluation.figures import evaluation_figures

    return evaluation_figures(scope, year, region_code)


def _media(scope, year, region_code) -> dict:
    """New-media works by kind, views, completions, comments and 弹幕."""
    from dangke.media.figures import media_figures

    return media_figures(scope, year, region_code)


def _broadcast(scope, year, region_code) -> dict:
    """Village loudspeakers: stations, plays per month, listeners reached, hours."""
    from dangke.broadcast.figures import broadcast_figures

    figures = broadcast_figures(scope, year, region_code)
    return {
        "stations": figures["stations"],
        "plays": figures["plays"],
        "listeners": figures["listeners"],
        "broadcast_hours": figures["hours"],
    }


def _delivery_figures(scope: Scope, year: int, region_code: str | None, organizations) -> dict:
    """Lessons, attendance, coverage, orders and campaigns of the year: from the delivery
    rollup (`delivery.rollup`, issue #18) for a scope by region at county level or above,
    from the raw rows for a narrower one. Five queries, whatever the number of campaigns."""
    rollup.flush()
    codes = scope.county_prefixes(region_code)
    by_state, by_mode, by_category = (
        _zeros(LessonStatus),
        _zeros(DeliveryMode),
        _zeros(CourseCategory),
    )
    attendees = 0
    if codes is None:
        lesson_rows = _lessons_of_year(scope, year, region_code)
    else:
        lesson_rows = (  # by campaign too: the campaigns' lessons given from the same rows
            rollup.tallies(codes, year)
            .values("status", "mode", "category", "campaign_id")
            .annotate(n=Sum("lessons"), people=Sum("attendees"))
            .order_by()
        )
    given_by_campaign: dict[int, int] = {}
    for row in lesson_rows:
        campaign_id = row.get("campaign_id")
        if campaign_id is not None and row["status"] == LessonStatus.DELIVERED:
            given_by_campaign[campaign_id] = given_by_campaign.get(campaign_id, 0) + row["n"]
        by_state[row["status"]] += row["n"]
        if row["status"] == LessonStatus.CANCELLED:
            continue
        by_mode[row["mode"]] += row["n"]
        by_category[row["category"]] += row["n"]
        if row["status"] == LessonStatus.DELIVERED:
            attendees += row["people"] or 0

    # Reached: hosted or co-hosted a lesson given in the year, wherever the lesson was — the
    # organisations' coverage per county, or their marks for a narrower scope.
    reach = _reach(organizations, year, codes)
    covered, members_reached = reach.pop(None, (0, 0))

    order_states = _zeros(OrderStatus)
    if codes is None:
        first, last = year_bounds(year)
        order_rows = (
            visible_within(CourseOrder, scope, region_code)
            .filter(created_at__gte=first, created_at__lt=last)
            .values("status")
            .annotate(n=Count("pk"))
        )
    else:
        order_rows = (
            rollup.order_tallies(codes, year).values("status").annotate(n=Sum("orders")).order_by()
        )
    for row in order_rows:
        order_states[row["status"]] += row["n"]

    if codes is None:
        sent, given_by_campaign = _campaigns_raw(scope, year, region_code)
    else:
        sent = _campaign_teachers(codes, year)

    campaigns = []
    for campaign in (
        visible_within(Campaign, scope, region_code)
        .filter(starts_on__lt=datetime.date(year + 1, 1, 1), ends_on__gte=datetime.date(year, 1, 1))
        .order_by("starts_on", "pk")
    ):
        campaign_covered, campaign_members = reach.get(campaign.pk, (0, 0))
        campaigns.append(
            {
                "name": campaign.name,
                "teachers_by_level": sent.get(campaign.pk, _zeros(TeacherLevel)),
                "lessons": given_by_campaign.get(campaign.pk, 0),
                "organizations_covered": campaign_covered,
                "members_reached": campaign_members,
                "target_lessons": campaign.target_lessons,
            }
        )
    return {
        "lessons": {
            "total": sum(by_mode.values()),
            "by_state": by_state,
            "by_mode": by_mode,
            "by_category": by_category,
        },
        "attendees": attendees,
        "covered": covered,
        "members_reached": members_reached,
        "orders": {"total": sum(order_states.values()), "by_state": order_states},
        "campaigns": campaigns,
    }


def _lessons_of_year(scope: Scope, year: int, region_code: str | None):
    first, last = year_bounds(year)
    return (
        visible_within(Lesson, scope, region_code)
        .filter(starts_at__gte=first, starts_at__lt=last)
        .values("status", "mode", category=F("course__category"))
        .annotate(n=Count("pk"), people=Sum("attendees_count"))
    )


def _campaign_teachers(codes: tuple[str, ...], year: int) -> dict[int, dict[str, int]]:
    """The campaigns' teachers by level within `codes`, from the rollup's teaching marks."""
    sent: dict[int, dict[str, int]] = {}
    for row in (
        DeliveringTeacher.objects.unscoped("read by the scope's region prefixes")
        .filter(within_prefixes("lesson_county", codes), year=year, campaign__isnull=False)
        .values("campaign_id", "teacher__level")
        .annotate(n=Count("teacher_id", distinct=True))
        .order_by()
    ):
        levels = sent.setdefault(row["campaign_id"], _zeros(TeacherLevel))
        levels[row["teacher__level"]] += row["n"]
    return sent


def _reach(organizations, year: int, codes: tuple[str, ...] | None) -> dict:
    """(organisations reached, their members) in the year per campaign, None: any lesson. An
    organisation counts once, for any lesson of the campaign given wherever. From the
    coverage tallies for a scope by region at county level or above; from the reach marks of
    the organisations in scope for a narrower one (few)."""
    reach: dict[int | None, tuple[int, int]] = {}
    if codes is not None:
        for campaign_id, n, members in (
            rollup.reach_tallies(codes, year)
            .values_list("campaign_id")
            .annotate(n=Sum("organizations"), members=Sum("members"))
            .order_by()
        ):
            reach[campaign_id] = (n, members or 0)
        return reach
    totals: dict[int | None, list[int]] = {}
    for campaign_id, _organization, members in (
        ReachedOrganization.objects.unscoped("marks of the organisations in scope")
        .filter(year=year, organization__in=organizations)
        .values_list("campaign_id", "organization_id", "organization__member_count")
        .distinct()
        .order_by()
    ):
        total = totals.setdefault(campaign_id, [0, 0])
        total[0] += 1
        total[1] += members or 0
    return {key: (n, members) for key, (n, members) in totals.items()}


def _campaigns_raw(scope: Scope, year: int, region_code: str | None):
    """The campaigns' teachers by level and lessons given, from the lessons themselves, for a
    scope narrower than a county (or one that sees lessons by organisation or teacher): two
    queries."""
    first, last = year_bounds(year)
    lessons = visible_within(Lesson, scope, region_code).filter(
        starts_at__gte=first, starts_at__lt=last
    )
    # The campaigns' lessons given in the year and scope: `lessons` narrowed, not `given`
    # filtered by `pk IN (lessons)`, a half-million-row subplan for a province (issue #18).
    campaign_given = lessons.filter(status=LessonStatus.DELIVERED, campaign__isnull=False)
    # Teachers who gave a campaign's lessons, by level: one query for all campaigns.
    sent: dict[int, dict[str, int]] = {}
    for row in (
        Lesson.teachers.through.objects.filter(lesson__in=campaign_given)
        .values("lesson__campaign_id", "teacher__level")
        .annotate(n=Count("teacher_id", distinct=True))
        .order_by()
    ):
        levels = sent.setdefault(row["lesson__campaign_id"], _zeros(TeacherLevel))
        levels[row["teacher__level"]] += row["n"]

    given_by_campaign = dict(
        campaign_given.values_list("campaign_id").annotate(n=Count("pk")).order_by()
    )
    return sent, given_by_campaign
