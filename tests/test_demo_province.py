"""The province demo (issue #18) at a tiny fraction, on SQLite: the same generator as the
full build on PostgreSQL, whose loader falls back to `executemany` here."""

import calendar
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Sum
from django.utils import timezone

from dangke.accounts.models import Role
from dangke.accounts.scoping import scope_for_user
from dangke.accounts.services import create_user_with_role
from dangke.broadcast.models import AudioProgramme, BroadcastSlot, BroadcastStation, PlayLog
from dangke.contests.models import Contest, JudgeKind, JudgeScore
from dangke.core.calendar import YearSoFar
from dangke.courses.models import Course
from dangke.delivery.models import Attendance, Lesson, LessonStatus
from dangke.demo.alliance import ALLY_ROOT, build_alliance_demo, clear_alliance_demo
from dangke.demo.builder import reference_year
from dangke.demo.province import HOME_CITY, PROVINCE, TARGETS, is_generated
from dangke.evaluation.models import Response, Survey
from dangke.faculty.models import (
    POOL_STATUSES,
    AnnualReview,
    Teacher,
    TeacherStatus,
    TrialLecture,
)
from dangke.media.models import CommentStatus, MediaColumn, MediaComment, MediaWork, WorkStatus
from dangke.members.models import Member
from dangke.regions.models import Organization, Region, RegionLevel
from dangke.reports.queries import year_figures

FRACTION = 0.002
pytestmark = pytest.mark.bulk_build


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


def test_one_province_build_holds_every_city_and_each_sees_its_own(province, world):
    """One build checked for both (a build takes minutes on PostgreSQL, and the suite runs
    there too): the cities' sizes, scopes and stats; what each generated city holds."""
    every_city_in_proportion_and_scoped_by_city(province, world)
    every_generated_city_has_its_contest_reviews_media_and_loudspeaker_month(province, world)


def every_city_in_proportion_and_scoped_by_city(province, world):
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


def every_generated_city_has_its_contest_reviews_media_and_loudspeaker_month(province, world):
    """Each of the twenty generated cities holds what 嘉州 holds besides lessons, at the
    seeds' figures, and only its own office (and the province's) sees it."""
    output, _home, province_admin = province
    period = YearSoFar.of(reference_year())
    year = period.year
    cities = list(
        Region.objects.filter(level=RegionLevel.CITY, code__startswith=PROVINCE)
        .exclude(code=HOME_CITY)
        .order_by("code")
    )
    assert len(cities) == 20
    month = period.last_past_month
    slots_a_month = 2 * calendar.monthrange(*month)[1]
    for city in cities:
        inside = {"region__code__startswith": city.code}
        # One 十佳课程擂台赛 a year, run as 嘉州's: entries, 7 experts and peers, sheets.
        contest = Contest.objects.get(**inside)
        assert contest.year == year
        entries = contest.entries.count()
        assert 12 <= entries <= 40
        assert contest.judges.filter(kind=JudgeKind.EXPERT).count() == 7
        assert contest.judges.filter(kind=JudgeKind.PEER).exists()
        if period.today > contest.first_round_ends:
            assert JudgeScore.objects.filter(assignment__entry__contest=contest).exists()
        # The year's review of every teacher in the city's pool, by its own quota.
        pool = Teacher.objects.filter(status__in=POOL_STATUSES, **inside)
        reviews = AnnualReview.objects.filter(year=year, **inside)
        assert reviews.count() == pool.count() > 0
        assert not reviews.filter(quota__isnull=True).exists()
        assert {r.quota.region_id for r in reviews.select_related("quota")} == {city.code}
        # The app's figures (lessons given in the year); scores wait for `dangke rescore`.
        review = reviews.select_related("teacher").order_by("teacher__code").first()
        given = Lesson.objects.filter(
            teachers=review.teacher, starts_at__year=year, status=LessonStatus.DELIVERED
        )
        assert review.lessons == given.count()
        assert review.score is None and review.n_responses == 0
        candidates = Teacher.objects.filter(status=TeacherStatus.CANDIDATE, **inside)
        trials = TrialLecture.objects.filter(**inside)
        assert trials.count() == min(4, candidates.count()) > 0
        # 40 new-media works in 嘉州's kinds and states, 10,000+ views, every comment state.
        works = MediaWork.objects.filter(**inside)
        assert works.count() == 40
        assert works.filter(status=WorkStatus.PUBLISHED).count() == 34
        assert sum(works.values_list("view_count", flat=True)) >= 10_000
        comments = MediaComment.objects.filter(**inside)
        assert set(comments.values_list("status", flat=True)) == set(CommentStatus.values)
        assert comments.filter(danmaku_at_seconds__isnull=False).exists()
        assert not comments.filter(created_at__lt=F("work__published_at")).exists()
        assert MediaColumn.objects.filter(region=city).count() == 4
        # The loudspeakers' month: 12 programmes, 07:00 and 19:00 every day on every
        # station, and seed 004's plays and listeners per village (5,136 and 120,000 for
        # 乐山's 1,371).
        stations = BroadcastStation.objects.filter(**inside)
        villages = stations.count()
        assert AudioProgramme.objects.filter(region=city).count() == 12
        slots = BroadcastSlot.objects.filter(region=city)
        assert slots.count() == slots_a_month
        links = BroadcastSlot.stations.through.objects.filter(broadcastslot__region=city)
        assert links.count() == slots_a_month * villages
        plays = PlayLog.objects.filter(**inside)
        assert plays.count() == round(villages * 5136 / 1371)
        assert plays.aggregate(n=Sum("listeners"))["n"] == round(villages * 120_000 / 1371)
        assert not plays.exclude(station__status="online").exists()
        played = {timezone.localtime(at) for at in plays.values_list("played_at", flat=True)}
        assert {(at.year, at.month) for at in played} == {month}
    office = AnnualReview.objects.filter(year=year, region_id=PROVINCE)
    assert office.count() == Teacher.objects.filter(region_id=PROVINCE).count() > 0
    assert "擂台赛（生成的城市）" in output
    assert f"微党课作品（生成的城市）：{40 * 20:,}" in output

    # Scoping: 嘉州's office sees none of it; a generated city's office sees its own only.
    models = (Contest, AnnualReview, MediaWork, MediaComment, AudioProgramme, PlayLog)
    home_scope = scope_for_user(world.city_admin)
    for model in models:
        assert not model.objects.visible_to(home_scope).exclude(region__code__startswith=HOME_CITY)
    seen_by_province = scope_for_user(province_admin)
    for model in models:
        assert model.objects.visible_to(seen_by_province).count() == model.objects.count()
    chengdu, zigong = cities[0], cities[1]
    chengdu_admin = create_user_with_role(
        "chengdu-admin", password="x", role=Role.REGION_ADMIN, region=chengdu
    )
    seen_by_chengdu = scope_for_user(chengdu_admin)
    for model in models:
        mine = model.objects.visible_to(seen_by_chengdu)
        assert mine.count() == model.objects.filter(region__code__startswith=chengdu.code).count()
        assert mine.exists()
        assert not mine.filter(region__code__startswith=zigong.code).exists()

    # `dangke stats --json --region 51` counts them in its existing keys.
    figures = json.loads(run("stats", "--json", "--region", PROVINCE))
    assert figures["contests"]["contests"] == Contest.objects.filter(year=year).count() >= 20
    assert (
        figures["faculty"]["quota_attainment"]["reviews"]
        == AnnualReview.objects.filter(year=year).count()
    )
    published = MediaWork.objects.filter(published_at__year=year)
    assert figures["media"]["works"]["total"] == published.count() >= 35 * 20
    assert figures["plays"]["total"] == PlayLog.objects.filter(played_at__year=year).count()


def test_every_teacher_who_may_teach_gets_a_listed_course_of_their_own_place():
    """The generated cities spread their lessons over the pool: a teacher left without a
    listed course by the draw is attached to one of their county's (or city's), of a category
    they teach where there is one; nobody is attached twice, nobody out of the pool."""
    import random
    from types import SimpleNamespace

    from dangke.demo.province import CityPlan, ProvinceBuilder, TeacherRow

    attached = []
    builder = SimpleNamespace(
        rng=lambda stream: random.Random(stream),
        course_teacher_rows=SimpleNamespace(
            add=lambda course, teacher: attached.append((course, teacher))
        ),
    )
    city = CityPlan(region=Region(code="5199", name="测试市"), lat=0, lon=0, spread=0)
    teachers = {
        1: TeacherRow(1, "甲", "519901", "active", ["theory"]),  # teaches course 10 already
        2: TeacherRow(2, "乙", "519901", "active", ["history"]),  # history: course 11
        3: TeacherRow(3, "丙", "519901", "warning", ["law"]),  # no law course: any
        4: TeacherRow(4, "丁", "519901", "exited", ["theory"]),  # left the pool
        5: TeacherRow(5, "戊", "5199", "active", ["theory"]),  # the city's own
        6: TeacherRow(6, "己", "519902", "active", ["theory"]),  # a county with no course
    }
    city.teachers["519901"] = [teachers[n] for n in (1, 2, 3, 4)]
    city.teachers[""] = [teachers[5]]
    city.teachers["519902"] = [teachers[6]]
    city.pairs["519901"] = [
        (10, "理论课", "theory", 60, teachers[1]),
        (11, "党史课", "history", 60, teachers[1]),
    ]
    city.pairs[""] = [(20, "市级课", "theory", 90, teachers[1])]

    ProvinceBuilder.give_every_teacher_a_course(builder, city)

    by_teacher = dict((teacher, course) for course, teacher in attached)
    assert sorted(by_teacher) == [2, 3, 5] and len(attached) == 3
    assert by_teacher[2] == 11 and by_teacher[3] in (10, 11) and by_teacher[5] == 20
    assert {pair[4].pk for pair in city.pairs["519901"]} == {1, 2, 3}
    assert "519902" not in city.pairs or not city.pairs["519902"]
