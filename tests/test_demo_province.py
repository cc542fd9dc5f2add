"""The province demo (issue #18) at a tiny fraction, on SQLite: the same generator as the
full build on PostgreSQL, whose loader falls back to `executemany` here."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from dangke.accounts.models import Role
from dangke.accounts.scoping import scope_for_user
from dangke.accounts.services import create_user_with_role
from dangke.broadcast.models import BroadcastStation
from dangke.core.calendar import YearSoFar
from dangke.courses.models import Course
from dangke.delivery.models import Attendance, Lesson
from dangke.demo.alliance import ALLY_ROOT, build_alliance_demo, clear_alliance_demo
from dangke.demo.builder import reference_year
from dangke.demo.province import HOME_CITY, PROVINCE, TARGETS, is_generated
from dangke.evaluation.models import Response, Survey
from dangke.faculty.models import POOL_STATUSES, Teacher
from dangke.members.models import Member
from dangke.regions.models import Organization, Region, RegionLevel
from dangke.reports.queries import year_figures

FRACTION = 0.002


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def province(world):
    """The province around the fixed-role world, which stands in for 嘉州 (the full city
    demo takes minutes; tests/test_demo.py checks it): the build finds the city present
    and keeps it, as it does after `make cluster`."""
    run("load_regions")
    home = {
        "organizations": Organization.objects.count(),
        "members": Organization.objects.aggregate(n=Sum("member_count"))["n"],
        "teachers": Teacher.objects.filter(status__in=POOL_STATUSES).count(),
    }
    output = run("demo", "--scale", "province", "--fraction", str(FRACTION))
    admin = create_user_with_role(
        "province-admin", password="x", role=Role.REGION_ADMIN, region=Region.objects.get(code="51")
    )
    return output, home, admin


def test_province_has_every_city_in_proportion_and_scopes_by_city(province, world):
    province, home, province_admin = province
    # The command says how long each phase took.
    assert "嘉州（乐山市）已有演示数据，沿用" in province
    for phase in ("嘉州（乐山市，种子城市）", "区划（生成乡镇、村）", "重建索引和约束"):
        assert phase in province
    assert "各阶段用时" in province

    cities = set(
        Region.objects.filter(level=RegionLevel.CITY, code__startswith=PROVINCE).values_list(
            "code", flat=True
        )
    )
    assert len(cities) == 21
    assert {code[:4] for code in Organization.objects.values_list("region_id", flat=True)} == cities
    lesson_cities = {code[:4] for code in Lesson.objects.values_list("region_id", flat=True)}
    assert cities - {HOME_CITY} <= lesson_cities
    # Every county has organisations; the province's office has its own 省级 teachers.
    counties = Region.objects.filter(level=RegionLevel.COUNTY, code__startswith=PROVINCE).exclude(
        code__startswith=HOME_CITY
    )
    with_organizations = {
        code[:6] for code in Organization.objects.values_list("region", flat=True)
    }
    assert set(counties.values_list("code", flat=True)) <= with_organizations
    assert Teacher.objects.filter(region_id=PROVINCE, level="province").exists()

    # Generated townships and villages are marked by their codes; 乐山's real ones are not.
    generated = Region.objects.filter(
        level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE], code__startswith=PROVINCE
    )
    for code in generated.values_list("code", flat=True):
        assert is_generated(code) == (not code.startswith(HOME_CITY))

    # Every generated village has its loudspeaker, every generated course its outline.
    villages = generated.filter(level=RegionLevel.VILLAGE).exclude(code__startswith=HOME_CITY)
    stations = BroadcastStation.objects.filter(village__in=villages)
    assert stations.count() == villages.count() > 0
    assert f"大喇叭站点（生成的城市）：{stations.count():,}" in province
    courses = Course.objects.exclude(region__code__startswith=HOME_CITY)
    assert courses.exists()
    assert not courses.filter(outline__isnull=True).exists()
    course = courses.order_by("pk").first()
    assert sum(course.outline.values_list("planned_minutes", flat=True)) == course.duration_minutes

    # Sizes: 嘉州 as the seeds have it, the rest at the fraction of what DESIGN §6 leaves.
    organizations = Organization.objects.count()
    members = Organization.objects.aggregate(n=Sum("member_count"))["n"]
    pool = Teacher.objects.filter(status__in=POOL_STATUSES).count()
    home_pool = home["teachers"]
    # Each generated organisation's roster holds its member count.
    generated_members = Member.objects.exclude(region__code__startswith=HOME_CITY).count()
    assert generated_members == members - home["members"]
    assert members - home["members"] == pytest.approx(
        (TARGETS.members - home["members"]) * FRACTION, rel=0.05
    )
    # Teachers in proportion, but every county keeps at least one of its own.
    share = (TARGETS.teachers - home_pool) * FRACTION
    assert max(share, counties.count()) <= pool - home_pool <= counties.count() + share + 5
    # Every county gets at least a village and the kinds beside it, so a tiny fraction has
    # more organisations than its share (about 3 per county).
    assert organizations - home["organizations"] >= 3 * counties.count()
    generated_lessons = Lesson.objects.exclude(region__code__startswith=HOME_CITY)
    assert generated_lessons.count() >= organizations - home["organizations"]
    # Each generated lesson has its sign-ins and one survey whose sheets do not outnumber them.
    lesson = generated_lessons.order_by("pk").first()
    signed = Attendance.objects.filter(lesson=lesson).count()
    assert signed == lesson.attendees_count > 0
    survey = Survey.objects.get(lesson=lesson)
    assert survey.attendance == signed
    sheets = Response.objects.filter(survey=survey, role="trainee")
    assert 0 < sheets.count() <= signed
    assert set(sheets.first().answers.values()) <= {1, 2, 3, 4, 5}

    # Scoping: province-admin sees every city; the city's admin sees 嘉州 only.
    city_admin = world.city_admin
    seen = Organization.objects.visible_to(scope_for_user(province_admin))
    assert seen.count() == organizations
    in_city = Organization.objects.visible_to(scope_for_user(city_admin))
    assert in_city.count() == home["organizations"]
    assert {code[:4] for code in in_city.values_list("region_id", flat=True)} == {HOME_CITY}
    assert not Lesson.objects.visible_to(scope_for_user(city_admin)).exclude(
        region__code__startswith=HOME_CITY
    )

    # `dangke stats --json --region 51` reports the province's sizes under stable keys.
    figures = json.loads(run("stats", "--json", "--region", PROVINCE))
    assert figures["region"]["code"] == PROVINCE
    assert figures["teachers"]["total"] == pool
    assert figures["organizations"]["total"] == organizations
    assert figures["members"] == members
    assert figures["lessons"]["total"] == Lesson.objects.count()
    assert figures["evaluation"]["responses"] == Response.objects.count()
    assert year_figures(province_admin, figures["year"])["teachers"] == figures["teachers"]

    county_admin = Organization.objects.visible_to(scope_for_user(world.county_a_admin))
    assert {code[:6] for code in county_admin.values_list("region_id", flat=True)} == {"511102"}

    # A second build is refused; --if-empty skips it.
    with pytest.raises(CommandError, match="已有四川省演示数据"):
        run("demo", "--scale", "province", "--fraction", str(FRACTION))
    assert "跳过" in run("demo", "--scale", "province", "--if-empty")


def test_fraction_outside_zero_to_one_is_refused(db):
    with pytest.raises(CommandError, match="--fraction"):
        run("demo", "--scale", "province", "--fraction", "2")


def test_province_builds_meishan_beside_the_alliance_pool_and_a_rebuild_keeps_it(world):
    """The city demo's alliance gives 眉山 (5114) a small pool of its own; the province then
    generates 眉山 like any other city, beside that pool, and counts the pool in its
    totals. Clearing the alliance (a rebuild of the city demo) removes its rows only."""
    run("load_regions")
    period = YearSoFar.of(reference_year())
    assert build_alliance_demo(period)["ally_teachers"] == 5
    alliance_orgs = set(Organization.objects.filter(code__startswith="MS-O-").values_list("pk"))
    alliance_lessons = Lesson.objects.filter(region__code__startswith=ALLY_ROOT).count()

    output = run("demo", "--scale", "province", "--fraction", str(FRACTION))

    meishan = Organization.objects.filter(region__code__startswith=ALLY_ROOT)
    assert set(meishan.filter(code__startswith="MS-O-").values_list("pk")) == alliance_orgs
    assert meishan.exclude(code__startswith="MS-O-").count() > 0
    assert Teacher.objects.filter(code__startswith="MS-T-").count() == 5
    assert Teacher.objects.filter(code__startswith="SZ-5114").exists()
    # The command's totals are the database's: the alliance's pool counted once.
    pool = Teacher.objects.filter(status__in=POOL_STATUSES).count()
    assert f"师资库（在库、预警、整改）：{pool:,}\n" in output
    assert f"基层党组织：{Organization.objects.count():,}\n" in output
    assert f"本年度已授课：{Lesson.objects.count():,}\n" in output

    generated = meishan.exclude(code__startswith="MS-O-").count()
    generated_lessons = (
        Lesson.objects.filter(region__code__startswith=ALLY_ROOT).count() - alliance_lessons
    )
    clear_alliance_demo()
    assert not Organization.objects.filter(code__startswith="MS-O-").exists()
    assert not Teacher.objects.filter(code__startswith="MS-T-").exists()
    assert meishan.count() == generated
    assert Lesson.objects.filter(region__code__startswith=ALLY_ROOT).count() == generated_lessons
