"""The JSON API over the whole loop, read-only: lessons, a lesson's published score,
contests and their public results, annual reviews and the year's figures — every one
scoped like the pages, 404 for what lies outside the scope, filters that cannot widen it."""

# The fixtures `tokens` and `setup` are imported from their modules and used as arguments.
# ruff: noqa: F811

import datetime
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.contests import services as contest_services
from dangke.contests.models import Round, Stage
from dangke.core.calendar import report_year
from dangke.delivery import rollup
from dangke.delivery.models import Campaign, DeliveryMode, Lesson, LessonStatus
from dangke.evaluation import scores
from dangke.evaluation import services as evaluation
from dangke.evaluation.models import RaterKind
from dangke.faculty.models import AnnualReview, TeacherLevel
from dangke.reports.queries import year_figures
from tests.conftest import PASSWORD
from tests.test_api import get, tokens  # noqa: F401
from tests.test_contests import YEAR, advance, quality, score_round, setup  # noqa: F401
from tests.test_evaluation import ON_SITE_KEYS, make_lesson, trainee_answers

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHORTFALLS = ["授课 2 场，指标 6 场", "授课时长 3.0 小时，指标 9 小时"]


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# ---------------------------------------------------------------- lessons


@pytest.fixture
def lessons(world):
    """County A: a delivered lesson of a campaign with two teachers, a planned online one
    just after midnight on New Year's Day (Beijing time), one in the year before; county B:
    a loudspeaker lesson."""
    campaign = Campaign.objects.create(
        name="万堂示范课下基层",
        region=world.city,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        target_lessons=100,
    )
    delivered = Lesson.objects.create(
        course=world.course_a,
        organization=world.org_a,
        starts_at=datetime.datetime(2026, 5, 10, 9, 0, tzinfo=SHANGHAI),
        duration_minutes=120,
        venue="张公桥社区党群服务中心",
        mode=DeliveryMode.OFFLINE,
        status=LessonStatus.DELIVERED,
        attendees_count=42,
        campaign=campaign,
    )
    delivered.teachers.add(world.teacher_a, world.city_teacher)
    new_year = Lesson.objects.create(
        course=world.course_a,
        organization=world.org_a,
        starts_at=datetime.datetime(2026, 1, 1, 0, 30, tzinfo=SHANGHAI),
        mode=DeliveryMode.ONLINE,
    )
    new_year.teachers.add(world.teacher_a)
    last_year = Lesson.objects.create(
        course=world.course_a,
        organization=world.org_a,
        starts_at=datetime.datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI),
        status=LessonStatus.CANCELLED,
    )
    county_b = Lesson.objects.create(
        course=world.course_b,
        organization=world.org_b,
        starts_at=datetime.datetime(2026, 3, 1, 14, 0, tzinfo=SHANGHAI),
        mode=DeliveryMode.LOUDSPEAKER,
        status=LessonStatus.CONFIRMED,
        attendees_count=35,
    )
    county_b.teachers.add(world.teacher_b)
    world.campaign = campaign
    return {"delivered": delivered, "new_year": new_year, "last_year": last_year, "b": county_b}


def test_a_lesson_carries_course_organization_teachers_and_local_time(
    client, world, tokens, lessons
):
    lesson = lessons["delivered"]
    body = get(client, f"/lessons/{lesson.pk}", tokens["a"]).json()
    assert body == {
        "id": lesson.pk,
        "course": {"id": world.course_a.pk, "code": "C-A-001", "title": world.course_a.title},
        "organization": {"id": world.org_a.pk, "name": "张公桥社区党委"},
        "region": "511102001001",
        "teachers": [
            {"id": world.city_teacher.pk, "name": "张志强"},
            {"id": world.teacher_a.pk, "name": "王红梅"},
        ],
        "starts_at": "2026-05-10T09:00:00+08:00",
        "ends_at": "2026-05-10T11:00:00+08:00",
        "duration_minutes": 120,
        "venue": "张公桥社区党群服务中心",
        "mode": "offline",
        "mode_label": "线下",
        "status": "delivered",
        "status_label": "已授课",
        "attendees_count": 42,
        "campaign": {"id": world.campaign.pk, "name": "万堂示范课下基层"},
    }
    other = get(client, f"/lessons/{lessons['b'].pk}", tokens["city"]).json()
    assert (other["mode_label"], other["status_label"], other["campaign"]) == (
        "大喇叭",
        "已确认",
        None,
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("a", ["last_year", "new_year", "delivered"]),
        ("b", ["b"]),
        ("city", ["last_year", "new_year", "b", "delivered"]),
        ("teacher", ["new_year", "delivered"]),
        ("liaison", ["last_year", "new_year", "delivered"]),
    ],
)
def test_lessons_are_scoped_like_the_pages_and_ordered_by_start(
    client, tokens, lessons, who, expected
):
    assert ids(get(client, "/lessons", tokens[who])) == [lessons[name].pk for name in expected]


def test_a_lesson_of_another_county_answers_404(client, tokens, lessons):
    assert get(client, f"/lessons/{lessons['b'].pk}", tokens["a"]).status_code == 404
    assert get(client, f"/lessons/{lessons['delivered'].pk}", tokens["b"]).status_code == 404
    assert get(client, "/lessons/999999", tokens["city"]).status_code == 404
    assert get(client, f"/lessons/{lessons['b'].pk}", tokens["b"]).status_code == 200


def test_lesson_filters_narrow_and_never_widen(client, world, tokens, lessons):
    a, city = tokens["a"], tokens["city"]
    delivered, new_year, b = lessons["delivered"].pk, lessons["new_year"].pk, lessons["b"].pk
    # the year is Beijing time: 00:30 on 1 January is in 2026, 23:30 on 31 December is not
    assert ids(get(client, "/lessons?year=2026", a)) == [new_year, delivered]
    assert ids(get(client, "/lessons?year=2025", a)) == [lessons["last_year"].pk]
    assert ids(get(client, "/lessons?status=delivered", city)) == [delivered]
    assert ids(get(client, "/lessons?mode=loudspeaker", city)) == [b]
    assert ids(get(client, "/lessons?mode=online&year=2026", a)) == [new_year]
    assert ids(get(client, f"/lessons?teacher={world.city_teacher.pk}", city)) == [delivered]
    assert ids(get(client, f"/lessons?campaign={world.campaign.pk}", city)) == [delivered]
    assert ids(get(client, "/lessons?region=511123", city)) == [b]
    # county A asking for county B's rows by any filter gets nothing
    for query in (
        "region=511123",
        "region=5111",
        f"organization={world.org_b.pk}",
        f"teacher={world.teacher_b.pk}",
        f"course={world.course_b.pk}",
    ):
        assert b not in ids(get(client, f"/lessons?{query}", a)), query
    assert ids(get(client, f"/lessons?course={world.course_b.pk}", a)) == []
    assert get(client, "/lessons?status=finished", a).status_code == 422


LESSON_QUERIES = (
    "",
    "year=2026",
    "year=2025",
    "status=delivered",
    "status=cancelled&year=2025",
    "mode=loudspeaker",
    "mode=online&year=2026",
    "region=511123",
    "region=5111",
    "region=5112",
    "region=511102001",  # narrower than a county: counted
    "campaign={campaign}",
    "teacher={teacher}",  # not kept by the tallies: counted
    "course={course}",
)


@pytest.mark.parametrize("who", ["a", "b", "city", "teacher", "liaison"])
def test_lesson_counts_from_the_tallies_equal_the_lessons_listed(
    client, world, tokens, lessons, who, monkeypatch
):
    """The list's count comes from the rollup's tallies for an office by region (issue #18)
    and from the lessons otherwise: either way it is the number of lessons listed."""
    from dangke.core.apicontract import BoundedPages

    counted = []
    real_count = BoundedPages._items_count
    monkeypatch.setattr(
        BoundedPages, "_items_count", lambda self, qs: counted.append(1) or real_count(self, qs)
    )
    for template in LESSON_QUERIES:
        query = template.format(
            campaign=world.campaign.pk, teacher=world.city_teacher.pk, course=world.course_a.pk
        )
        counted.clear()
        body = get(client, f"/lessons?page_size=1000&{query}", tokens[who]).json()
        assert body["count"] == len(body["items"]), (who, query)
        by_tallies = who in ("a", "b", "city") and not any(
            query.startswith(raw) for raw in ("teacher=", "course=", "region=511102001")
        )
        assert (not counted) == by_tallies, (who, query)


def test_lesson_list_reads_in_a_fixed_number_of_queries(
    client, world, tokens, lessons, django_assert_max_num_queries
):
    for day in range(1, 21):
        lesson = Lesson.objects.create(
            course=world.course_a,
            organization=world.org_a,
            starts_at=datetime.datetime(2026, 6, day, 9, 0, tzinfo=SHANGHAI),
        )
        lesson.teachers.add(world.teacher_a)
    rollup.flush()  # the rollup's upkeep of the lessons above, due at their commit
    with django_assert_max_num_queries(8):
        assert len(ids(get(client, "/lessons", tokens["city"]))) == 24


def test_a_logged_in_browser_reads_the_lessons_by_session(client, world, lessons):
    client.login(username="county-b", password=PASSWORD)
    assert ids(client.get("/api/v1/lessons")) == [lessons["b"].pk]


# ---------------------------------------------------------------- a lesson's score


@pytest.fixture
def survey(world):
    lesson = make_lesson(world)  # county A, attendance 10: five trainees publish
    return evaluation.open_survey(lesson, actor=world.county_a_admin)


def test_score_answers_404_until_published_then_the_pages_figures(client, world, tokens, survey):
    lesson = survey.lesson
    trainee_answers(survey, [5, 4, 4, 5])
    response = get(client, f"/lessons/{lesson.pk}/score", tokens["a"])
    assert response.status_code == 404
    assert response.json()["detail"] == "样本不足：学员有效答卷 4 份，需 5 份才发布"
    trainee_answers(survey, [3])
    (invitation,) = evaluation.invite(
        survey, role=RaterKind.EXPERT, names=["赵教授"], actor=world.county_a_admin
    )
    evaluation.submit_response(
        survey,
        role=RaterKind.EXPERT,
        raw_answers=dict.fromkeys(ON_SITE_KEYS, "4"),
        nonce=evaluation.new_form_nonce(survey),
        invitation=invitation,
        now=survey.opens_at + datetime.timedelta(minutes=40),
    )
    body = get(client, f"/lessons/{lesson.pk}/score", tokens["a"]).json()
    result = scores.refresh_score(survey)  # what the lesson's score page shows
    assert result["published"]
    assert body["lesson_id"] == lesson.pk
    assert (body["score"], body["ci95"]) == (result["score"], result["ci95"])
    counted = sum(role["n"] for role in result["roles"].values() if role["counted"])
    assert body["n"] == counted
    assert (body["attendance"], body["trainee_responses_required"]) == (10, 5)
    assert body["published_at"].endswith("+08:00")
    assert body["provisional"] is True  # the follow-up has not closed yet
    roles = {row["role"]: row for row in body["roles"]}
    assert set(roles) == set(result["roles"])
    trainee = roles["trainee"]
    assert (trainee["label"], trainee["n"], trainee["counted"]) == ("参训学员", 5, True)
    assert trainee["mean"] == result["roles"]["trainee"]["mean"] == pytest.approx(80.0)
    assert trainee["share"] == result["computation"]["role_weights_used"]["trainee"]
    # one expert's sheet: counted or not, its mean would be that expert's rating
    expert = roles["expert"]
    assert expert["n"] == 1 and expert["mean"] is None and expert["sd"] is None


def test_score_of_another_county_or_without_survey_answers_404(client, world, tokens, survey):
    trainee_answers(survey, [5, 5, 4, 4, 3])
    path = f"/lessons/{survey.lesson.pk}/score"
    assert get(client, path, tokens["a"]).status_code == 200
    assert get(client, path, tokens["teacher"]).status_code == 200
    assert get(client, path, tokens["b"]).status_code == 404
    unsurveyed = make_lesson(world, course=world.course_b, org=world.org_b)
    response = get(client, f"/lessons/{unsurveyed.pk}/score", tokens["b"])
    assert response.status_code == 404
    assert response.json()["detail"] == "该授课还没有发起测评"


# ---------------------------------------------------------------- contests


def test_contests_are_listed_with_stage_and_counts_within_scope(client, setup, tokens):
    contest = setup.contest
    county = contest_services.create_contest(setup.county_a, YEAR, actor=setup.county_a_admin)
    body = get(client, f"/contests/{contest.pk}", tokens["city"]).json()
    assert body["id"] == contest.pk and body["year"] == YEAR
    assert (body["region"], body["region_name"]) == ("5111", "乐山市")
    assert (body["stage"], body["stage_label"], body["results_public"]) == (
        "registration",
        "报名",
        False,
    )
    assert (body["entries"], body["judges"], body["finalist_entries"], body["awards"]) == (
        6,
        6,
        0,
        0,
    )
    assert (body["finalists"], body["winners"], body["library_year"]) == (4, 2, YEAR + 1)
    assert ids(get(client, "/contests", tokens["city"])) == [county.pk, contest.pk]
    assert ids(get(client, "/contests", tokens["a"])) == [county.pk]
    assert ids(get(client, "/contests", tokens["b"])) == []
    assert ids(get(client, "/contests", tokens["teacher"])) == [contest.pk]  # an entrant
    assert get(client, f"/contests/{contest.pk}", tokens["b"]).status_code == 404
    assert get(client, f"/contests/{county.pk}", tokens["b"]).status_code == 404
    assert get(client, f"/contests/{contest.pk}/results", tokens["b"]).status_code == 404
    # filters narrow inside the scope only
    assert ids(get(client, "/contests?region=511102", tokens["city"])) == [county.pk]
    assert ids(get(client, "/contests?region=5111", tokens["b"])) == []
    assert ids(get(client, f"/contests?year={YEAR + 1}", tokens["city"])) == []
    assert ids(get(client, "/contests?stage=registration", tokens["a"])) == [county.pk]


def test_results_are_hidden_before_the_notice_and_named_after(client, setup, tokens):
    contest = setup.contest
    path = f"/contests/{contest.pk}/results"
    hidden = get(client, path, tokens["city"])
    assert hidden.status_code == 404
    assert hidden.json() == {"detail": "尚未公示：比赛处于「报名」阶段，评审结果在公示后公开"}
    advance(setup)
    advance(setup)  # 初赛: judges have blind codes now; the API still names nothing
    body = get(client, path, tokens["city"]).json()
    assert body == {"detail": "尚未公示：比赛处于「初赛」阶段，评审结果在公示后公开"}
    text = json.dumps(body, ensure_ascii=False)
    for entry in contest.entries.all():
        assert entry.code not in text and entry.course.title not in text
    assert get(client, f"/contests/{contest.pk}", tokens["city"]).json()["stage"] == "first_round"

    today = datetime.date(YEAR, 11, 1)
    score_round(setup.contest, Round.FIRST, quality)
    advance(setup)
    score_round(setup.contest, Round.FINAL, quality)
    contest = advance(setup, today=today)
    assert contest.status == Stage.NOTICE
    body = get(client, path, tokens["teacher"]).json()  # an entrant reads the notice too
    assert (body["stage"], body["stage_label"], body["notice_ends"]) == (
        "notice",
        "公示",
        "2026-11-08",
    )
    rows = body["items"]
    assert len(rows) == contest.finalists == 4  # the notice page's rows
    assert [row["rank"] for row in rows] == [1, 2, 3, 4]
    top = rows[0]
    assert (top["course_id"], top["course"], top["teachers"]) == (
        setup.course_a.pk,
        setup.course_a.title,
        ["王红梅"],
    )
    assert (top["round"], top["round_label"], top["winner"], top["award_rank"]) == (
        "final",
        "决赛",
        True,
        None,
    )
    assert [row["entry_id"] for row in rows] == [row["entry"] for row in contest.ranking[:4]]
    assert [row["score"] for row in rows] == [row["score"] for row in contest.ranking[:4]]
    assert [row["winner"] for row in rows] == [True, True, False, False]
    assert "code" not in top  # the blind code stays with the judges
    assert get(client, path, tokens["b"]).status_code == 404
    listed = get(client, "/contests", tokens["city"]).json()["items"][0]
    assert (listed["results_public"], listed["finalist_entries"]) == (True, 4)

    # An upheld objection strikes the first place; promotion gives the awards.
    objection = contest_services.raise_objection(
        contest, body="课件与往年作品雷同", entry=contest.entries.get(pk=top["entry_id"]),
        user=setup.teacher_user, today=today,
    )  # fmt: skip
    contest_services.decide_objection(
        objection, upheld=True, answer="经核实属实", actor=setup.city_admin
    )
    contest_services.promote(contest, actor=setup.city_admin, today=today + datetime.timedelta(8))
    rows = get(client, path, tokens["city"]).json()["items"]
    assert [(row["winner"], row["award_rank"]) for row in rows] == [
        (False, None),
        (True, 1),
        (True, 2),
        (False, None),
    ]
    assert get(client, f"/contests/{contest.pk}", tokens["city"]).json()["awards"] == 2


# ---------------------------------------------------------------- annual reviews


@pytest.fixture
def reviews(world):
    now = timezone.now()

    def review(teacher, year, **fields):
        return AnnualReview.objects.create(
            teacher=teacher,
            year=year,
            region=teacher.region,
            level=teacher.level,
            computed_at=now,
            **fields,
        )

    return {
        "a": review(
            world.teacher_a,
            2026,
            lessons=2,
            hours="3.0",
            campaigns=1,
            score=78.4,
            ci_low=71.2,
            ci_high=85.6,
            n_responses=23,
            lessons_scored=2,
            passed=False,
            shortfalls=SHORTFALLS,
        ),
        "a_2025": review(world.teacher_a, 2025, lessons=7, passed=True, is_final=True),
        "b": review(world.teacher_b, 2026, lessons=6, hours="9.0", passed=True),
        "city": review(world.city_teacher, 2026),
    }


def test_reviews_carry_the_year_of_each_teacher(client, world, tokens, reviews):
    body = get(client, "/reviews?year=2026", tokens["a"]).json()
    assert body["count"] == 1
    (row,) = body["items"]
    assert row == {
        "id": reviews["a"].pk,
        "year": 2026,
        "teacher": {"id": world.teacher_a.pk, "code": "T-A-001", "name": "王红梅"},
        "region": "511102",
        "level": "county",
        "level_label": str(TeacherLevel.COUNTY.label),
        "lessons": 2,
        "hours": 3.0,
        "campaigns": 1,
        "trainings": 0,
        "score": 78.4,
        "n": 23,
        "ci95": [71.2, 85.6],
        "lessons_scored": 2,
        "passed": False,
        "shortfalls": SHORTFALLS,
        "is_final": False,
        "computed_at": row["computed_at"],
    }
    assert row["computed_at"].endswith("+08:00")
    city = get(client, "/reviews?teacher=" + str(world.city_teacher.pk), tokens["city"]).json()
    assert (city["items"][0]["ci95"], city["items"][0]["passed"]) == (None, None)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("a", ["a", "a_2025"]),
        ("b", ["b"]),
        ("city", ["a", "b", "city", "a_2025"]),  # newest year first, then by teacher code
        ("teacher", ["a", "a_2025"]),
        ("liaison", []),
    ],
)
def test_reviews_are_scoped(client, tokens, reviews, who, expected):
    assert ids(get(client, "/reviews", tokens[who])) == [reviews[name].pk for name in expected]


def test_review_filters_cannot_widen_the_scope(client, world, tokens, reviews):
    b = tokens["b"]
    assert ids(get(client, "/reviews?region=511102", b)) == []
    assert ids(get(client, f"/reviews?teacher={world.teacher_a.pk}", b)) == []
    assert ids(get(client, "/reviews?passed=false", b)) == []
    assert ids(get(client, "/reviews?passed=false", tokens["city"])) == [reviews["a"].pk]
    assert ids(get(client, "/reviews?year=2025", tokens["teacher"])) == [reviews["a_2025"].pk]


# ---------------------------------------------------------------- the year's figures


def as_json(figures):
    return json.loads(json.dumps(figures, ensure_ascii=False))


def stats_command(*args):
    out = StringIO()
    call_command("stats", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_stats_are_the_figures_of_dangke_stats_for_the_same_scope(client, world, tokens, lessons):
    body = get(client, "/stats?year=2026", tokens["city"]).json()
    assert body == as_json(year_figures(scope_for_user(world.city_admin), 2026))
    assert body == stats_command("--year", "2026", "--region", "5111")
    assert body["lessons"]["total"] == 3 and body["attendees"] == 42
    narrowed = get(client, "/stats?year=2026&region=511123", tokens["city"]).json()
    assert narrowed == stats_command("--year", "2026", "--region", "511123")
    assert narrowed["region"] == {"code": "511123", "name": "犍为县"}
    county = get(client, "/stats?year=2026", tokens["a"]).json()
    assert county == as_json(year_figures(scope_for_user(world.county_a_admin), 2026))
    assert county["lessons"]["by_state"] == {
        "planned": 1,
        "confirmed": 0,
        "delivered": 1,
        "cancelled": 0,
    }
    this_year = get(client, "/stats", tokens["a"]).json()
    assert this_year["year"] == report_year()  # the year the office reports on


def test_stats_region_narrows_inside_the_scope_only(client, tokens, lessons):
    a = tokens["a"]
    for region in ("511123", "5111", "51", "999999"):
        response = get(client, f"/stats?year=2026&region={region}", a)
        assert response.status_code == 404, region
        assert response.json()["detail"] == "区划不存在，或不在您的管辖范围内"
    inner = get(client, "/stats?year=2026&region=511102001", a).json()
    assert inner["region"]["code"] == "511102001"
    assert get(client, "/stats?year=2026&region=511102001", tokens["teacher"]).status_code == 404
    assert get(client, "/stats?year=2026", tokens["teacher"]).status_code == 200


# ---------------------------------------------------------------- the docs


def test_openapi_lists_the_loop_and_the_docs_page_renders(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/lessons",
        "/api/v1/lessons/{lesson_id}",
        "/api/v1/lessons/{lesson_id}/score",
        "/api/v1/contests",
        "/api/v1/contests/{contest_id}",
        "/api/v1/contests/{contest_id}/results",
        "/api/v1/reviews",
        "/api/v1/stats",
    ):
        assert "get" in paths[path], path
    tags = {tag for item in paths.values() for op in item.values() for tag in op["tags"]}
    assert {"授课", "评估", "擂台赛", "年度数据"} <= tags
    assert client.get("/api/v1/docs").status_code == 200


def test_contest_and_review_lists_read_in_a_fixed_number_of_queries(
    client, setup, tokens, django_assert_max_num_queries
):
    for n in range(3):
        contest_services.create_contest(
            setup.county_a, YEAR - n, actor=setup.county_a_admin, name=f"擂台赛{n}"
        )
    for teacher in (setup.teacher_a, setup.teacher_b, setup.city_teacher):
        AnnualReview.objects.create(
            teacher=teacher,
            year=YEAR,
            region=teacher.region,
            level=teacher.level,
            computed_at=timezone.now(),
        )
    with django_assert_max_num_queries(6):
        assert len(ids(get(client, "/contests", tokens["city"]))) == 4
    with django_assert_max_num_queries(6):
        assert len(ids(get(client, "/reviews", tokens["city"]))) == 3
