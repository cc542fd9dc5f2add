"""The year's figures on the fixed world: exact numbers, scoping, stable keys, the command."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangke.accounts.scoping import Scope, scope_for_user
from dangke.core.services import change_status
from dangke.courses.models import CourseStatus, ExcellentDesignation
from dangke.delivery import rollup
from dangke.delivery.models import Campaign, CourseOrder, Lesson
from dangke.evaluation import year_rollup
from dangke.faculty.models import LectureTeam
from dangke.reports.queries import year_figures

YEAR = 2025
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def zeros(*keys):
    return dict.fromkeys(keys, 0)


@pytest.fixture
def stats_world(world):
    ExcellentDesignation.objects.create(course=world.course_a, year=YEAR)
    ExcellentDesignation.objects.create(course=world.course_b, year=YEAR - 1)
    team = LectureTeam.objects.create(name="市中区宣讲队", region=world.county_a)
    team.members.add(world.teacher_a)
    campaign = Campaign.objects.create(
        name="万堂示范课下基层", region=world.city, starts_on=datetime.date(YEAR, 1, 1),
        ends_on=datetime.date(YEAR, 12, 31), target_lessons=10, target_members=95,
    )  # fmt: skip
    Campaign.objects.create(  # another year: not listed
        name="往年专项", region=world.city, starts_on=datetime.date(YEAR - 1, 1, 1),
        ends_on=datetime.date(YEAR - 1, 12, 31),
    )  # fmt: skip

    def lesson(org, course, status, when, **extra):
        return Lesson.objects.create(
            course=course, organization=org, status=status, starts_at=when, **extra
        )

    at = datetime.datetime(YEAR, 3, 1, 9, tzinfo=SHANGHAI)
    # Given in county a, in the campaign, with county b as co-host: both covered.
    given = lesson(world.org_a, world.course_a, "delivered", at, attendees_count=50,
                   campaign=campaign)  # fmt: skip
    given.other_organizations.add(world.org_b)
    given.teachers.add(world.teacher_a)  # a county teacher sent by the campaign
    lesson(world.org_a, world.course_a, "delivered", at, attendees_count=20, mode="loudspeaker")
    lesson(world.org_b, world.course_b, "planned", at, mode="online")
    lesson(world.org_b, world.course_b, "cancelled", at, attendees_count=99)
    # Midnight of 1 January in Shanghai is still the year before in UTC: counted in YEAR.
    lesson(world.org_b, world.course_b, "confirmed",
           datetime.datetime(YEAR, 1, 1, 0, 30, tzinfo=SHANGHAI))  # fmt: skip
    lesson(world.org_b, world.course_b, "delivered",
           datetime.datetime(YEAR - 1, 12, 31, 23, tzinfo=SHANGHAI), attendees_count=7)  # fmt: skip
    for org, course, status in (
        (world.org_a, world.course_a, "planned"),
        (world.org_a, None, "submitted"),
        (world.org_b, world.course_b, "withdrawn"),
    ):
        order = CourseOrder.objects.create(
            organization=org, course=course, category="theory" if course is None else "",
            expected_attendees=30, status=status,
        )  # fmt: skip
        order.created_at = datetime.datetime(YEAR, 2, 1, tzinfo=SHANGHAI)
        order.save()  # placed in February (a save: the year's order tally sees the move)
    return world


BROADCAST_KEYS = ("stations", "plays", "listeners", "broadcast_hours", "media", "evaluation")
BROADCAST_KEYS += ("faculty", "training")  # faculty lifecycle and training figures
BROADCAST_KEYS += ("contests", "insights")
BROADCAST_KEYS += ("care", "members_study")
LIFECYCLE_QUERIES = 4 + 7  # faculty: proposals, reviews, funds, allocations; training: 7
LATER_QUERIES = 3 + 2 + 6 + 1  # contests: 3; delivery analyses: 2; care: 6; members' study: 1


def test_loudspeaker_plays_are_counted_by_month_and_scoped(stats_world):
    from dangke.broadcast import services as broadcast

    w = stats_world
    station = broadcast.create_station(w.village_a, estimated_listeners=50)
    broadcast.create_station(w.village_b)
    broadcast.record_plays(
        station,
        [
            {"report_id": "1", "played_at": f"{YEAR}-03-02T07:00:00+08:00",
             "duration_seconds": 1800, "listeners": 40},
            {"report_id": "2", "played_at": f"{YEAR}-03-31T23:30:00+08:00",
             "duration_seconds": 1800, "listeners": 30},
        ],
    )  # fmt: skip
    figures = year_figures(w.county_a_admin, YEAR)
    assert figures["stations"]["total"] == 1
    assert figures["plays"]["total"] == 2 and figures["plays"]["by_month"][f"{YEAR}-03"] == 2
    assert (figures["listeners"], figures["broadcast_hours"]) == (70, 1.0)
    assert year_figures(w.county_b_admin, YEAR)["plays"]["total"] == 0


def test_city_admin_sees_the_whole_city(stats_world):
    w = stats_world
    figures = year_figures(w.city_admin, YEAR)
    broadcast = {key: figures.pop(key) for key in BROADCAST_KEYS}
    assert broadcast["stations"] == {
        "total": 0, "by_status": {"online": 0, "offline": 0, "fault": 0}
    }  # fmt: skip
    assert broadcast["plays"]["total"] == 0 and len(broadcast["plays"]["by_month"]) == 12
    assert figures == {
        "year": YEAR,
        "region": {"code": "5111", "name": "乐山市"},
        "teachers": {
            "total": 3,
            "by_level": {"province": 0, "city": 1, "county": 2},
            "by_status": {"candidate": 0, "active": 3, "warning": 0, "rectifying": 0, "exited": 0},
        },
        "teaching_groups": 1,
        "lecture_teams": 1,
        "organizations": {
            "total": 2,
            "by_kind": {
                "organ": 0,
                "park": 0,
                "school": 0,
                "village": 1,
                "community": 1,
                "enterprise": 0,
                "other": 0,
            },
            "covered": 2,
        },
        "members": 95,
        "villages": 2,
        "courses": {
            "total": 2,
            "by_category": {
                "theory": 1,
                "party_spirit": 0,
                "policy": 1,
                "capability": 0,
                "knowledge": 0,
                "local": 0,
            },
            "by_status": {"draft": 0, "listed": 2, "rectifying": 0, "withdrawn": 0},
            "excellent": 1,
        },
        "lessons": {
            "total": 4,
            "by_state": {"planned": 1, "confirmed": 1, "delivered": 2, "cancelled": 1},
            "by_mode": {"offline": 2, "online": 1, "loudspeaker": 1},
            "by_category": {
                "theory": 2,
                "party_spirit": 0,
                "policy": 2,
                "capability": 0,
                "knowledge": 0,
                "local": 0,
            },
        },
        "attendees": 70,
        "members_reached": 95,
        "orders": {
            "total": 3,
            "by_state": {"submitted": 1, "planned": 1, "withdrawn": 1, "unserved": 0},
        },
        "campaigns": [
            {
                "name": "万堂示范课下基层",
                "teachers_by_level": {"province": 0, "city": 0, "county": 1},
                "lessons": 1,
                "organizations_covered": 2,
                "members_reached": 95,
                "target_lessons": 10,
            }
        ],
    }


def test_county_admin_sees_only_their_county(stats_world):
    w = stats_world
    figures = year_figures(w.county_a_admin, YEAR)
    assert figures["region"] == {"code": "511102", "name": "市中区"}
    assert figures["teachers"]["total"] == 1
    assert figures["teachers"]["by_level"] == {"province": 0, "city": 0, "county": 1}
    assert figures["teaching_groups"] == 0  # the group belongs to the city
    assert figures["lecture_teams"] == 1
    assert figures["organizations"]["total"] == 1
    assert figures["organizations"]["by_kind"]["community"] == 1
    assert figures["organizations"]["by_kind"]["village"] == 0
    assert figures["members"] == 60
    assert figures["villages"] == 1
    assert figures["courses"]["total"] == 1
    assert figures["courses"]["by_category"]["theory"] == 1
    assert figures["courses"]["by_category"]["policy"] == 0
    assert figures["courses"]["excellent"] == 1
    assert figures["lessons"]["total"] == 2 and figures["attendees"] == 70
    assert figures["organizations"]["covered"] == 1 and figures["members_reached"] == 60
    assert figures["orders"]["total"] == 2
    assert figures["campaigns"] == []  # the city's campaign is not the county's to see

    figures_b = year_figures(scope_for_user(w.county_b_admin), YEAR)
    # County b co-hosted a lesson given in county a: covered, but the lesson is not its own.
    assert figures_b["organizations"]["covered"] == 1 and figures_b["members_reached"] == 35
    assert figures_b["lessons"]["by_state"] == {
        "planned": 1, "confirmed": 1, "delivered": 0, "cancelled": 1
    }  # fmt: skip
    assert figures_b["members"] == 35
    assert figures_b["courses"]["excellent"] == 0  # course_b was excellent the year before
    assert year_figures(w.county_b_admin, YEAR - 1)["courses"]["excellent"] == 1


def test_region_code_narrows_within_the_scope_only(stats_world):
    w = stats_world
    narrowed = year_figures(w.city_admin, YEAR, region_code="511123")
    assert narrowed["region"] == {"code": "511123", "name": "犍为县"}
    assert narrowed["teachers"]["total"] == 1 and narrowed["members"] == 35
    # A county admin asking for the other county learns nothing.
    outside = year_figures(w.county_a_admin, YEAR, region_code="511123")
    assert outside["teachers"]["total"] == 0
    assert outside["organizations"]["total"] == 0
    assert outside["members"] == 0 and outside["villages"] == 0


def test_other_roles_see_their_own_rows(stats_world):
    w = stats_world
    teacher = year_figures(w.teacher_user, YEAR)
    assert teacher["teachers"]["total"] == 1
    assert teacher["courses"]["total"] == 1
    assert teacher["organizations"]["total"] == 0 and teacher["villages"] == 0
    liaison = year_figures(w.liaison, YEAR)
    assert liaison["organizations"]["total"] == 1 and liaison["members"] == 60
    assert liaison["teachers"]["total"] == 0
    empty = year_figures(Scope(), YEAR)
    assert empty["teachers"]["by_status"] == zeros(
        "candidate", "active", "warning", "rectifying", "exited"
    )
    assert empty["organizations"]["by_kind"] == zeros(
        "organ", "park", "school", "village", "community", "enterprise", "other"
    )


def test_statuses_and_inactive_organizations(stats_world):
    w = stats_world
    change_status(w.teacher_b, "warning", actor=w.county_b_admin, reason="授课量不足")
    change_status(w.course_b, CourseStatus.RECTIFYING, actor=w.county_b_admin, reason="评价偏低")
    w.org_b.is_active = False
    w.org_b.save(update_fields=["is_active"])
    figures = year_figures(Scope(is_superuser=True), YEAR)
    assert figures["region"] == {"code": "", "name": "全部区划"}
    assert figures["teachers"]["by_status"]["warning"] == 1
    assert figures["teachers"]["by_status"]["active"] == 2
    assert figures["courses"]["by_status"] == {
        "draft": 0,
        "listed": 1,
        "rectifying": 1,
        "withdrawn": 0,
    }
    assert figures["organizations"]["total"] == 1 and figures["members"] == 60


def test_figures_take_a_bounded_number_of_queries(stats_world, django_assert_max_num_queries):
    scope = scope_for_user(stats_world.city_admin)
    # 8 for the foundation's figures, 4 for lessons, coverage, orders and campaigns, 3 for
    # the organisations the campaigns reached (whatever their number; see
    # tests/test_query_counts.py), one for the teachers the campaigns sent, and 5 for
    # evaluation.
    # The delivery rollup's upkeep of the fixture's writes runs when their transaction
    # commits, which a test's never does: run it first, outside the count.
    rollup.flush()
    year_rollup.flush()  # the evaluation rollup's too
    with django_assert_max_num_queries(27 + LIFECYCLE_QUERIES + LATER_QUERIES):
        year_figures(scope, YEAR)


def run_stats(*args) -> str:
    out = StringIO()
    call_command("stats", *args, stdout=out)
    return out.getvalue()


def test_stats_command_prints_json_with_stable_keys(stats_world):
    output = run_stats("--json", "--year", str(YEAR))
    figures = json.loads(output)
    assert set(figures) == {
        "year",
        "region",
        "teachers",
        "teaching_groups",
        "lecture_teams",
        "organizations",
        "members",
        "villages",
        "courses",
        "lessons",
        "attendees",
        "members_reached",
        "orders",
        "campaigns",
        *BROADCAST_KEYS,
    }
    assert set(figures["teachers"]) == {"total", "by_level", "by_status"}
    assert set(figures["organizations"]) == {"total", "by_kind", "covered"}
    assert set(figures["lessons"]) == {"total", "by_state", "by_mode", "by_category"}
    assert set(figures["orders"]) == {"total", "by_state"}
    assert set(figures["campaigns"][0]) == {
        "name", "lessons", "organizations_covered", "members_reached", "target_lessons",
        "teachers_by_level",
    }  # fmt: skip
    assert set(figures["courses"]) == {"total", "by_category", "by_status", "excellent"}
    assert figures["teachers"]["total"] == 3 and figures["courses"]["excellent"] == 1

    narrowed = run_stats("--json", "--year", str(YEAR), "--region", "511102")
    assert "市中区" in narrowed  # ensure_ascii=False
    figures = json.loads(narrowed)
    assert figures["region"]["code"] == "511102"
    assert figures["teachers"]["total"] == 1 and figures["members"] == 60


def test_stats_command_readable_summary_and_unknown_region(stats_world):
    output = run_stats("--year", str(YEAR), "--region", "5111")
    assert f"{YEAR} 年度数据 · 乐山市" in output
    assert "师资 3 名：省级 0，市级 1，县级 2" in output
    assert "基层党组织 2 个，党员 95 名，村（社区）2 个" in output
    assert "授课 4 场（已授课 2 场），参学 70 人次" in output
    assert "覆盖基层党组织 2 个、党员 95 名" in output
    assert "万堂示范课下基层：授课 1 场（目标 10），覆盖组织 2 个、党员 95 名" in output
    with pytest.raises(CommandError, match="区划代码 9999 不存在"):
        run_stats("--region", "9999")
