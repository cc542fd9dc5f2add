"""The year's figures on the fixed world: exact numbers, scoping, stable keys, the command."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangke.accounts.scoping import Scope, scope_for_user
from dangke.core.services import change_status
from dangke.courses.models import CourseStatus, ExcellentDesignation
from dangke.faculty.models import LectureTeam
from dangke.reports.queries import year_figures

YEAR = 2025


def zeros(*keys):
    return dict.fromkeys(keys, 0)


@pytest.fixture
def stats_world(world):
    ExcellentDesignation.objects.create(course=world.course_a, year=YEAR)
    ExcellentDesignation.objects.create(course=world.course_b, year=YEAR - 1)
    team = LectureTeam.objects.create(name="市中区宣讲队", region=world.county_a)
    team.members.add(world.teacher_a)
    return world


def test_city_admin_sees_the_whole_city(stats_world):
    w = stats_world
    assert year_figures(w.city_admin, YEAR) == {
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

    figures_b = year_figures(scope_for_user(w.county_b_admin), YEAR)
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
    with django_assert_max_num_queries(8):
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
    }
    assert set(figures["teachers"]) == {"total", "by_level", "by_status"}
    assert set(figures["organizations"]) == {"total", "by_kind"}
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
    with pytest.raises(CommandError, match="区划代码 9999 不存在"):
        run_stats("--region", "9999")
