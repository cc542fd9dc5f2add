"""Issue #18: the answer-sheet tallies a province's figures read equal the raw count of the
sheets, as the writes keep them and as `dangke rescore` rebuilds them, and they keep to
each county's scope. Small data on purpose: the benchmark, not a test, measures the size."""

import dataclasses
import datetime

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.advice.services import HISTORY_DAYS, pool_teachers, teacher_years
from dangke.delivery.models import Lesson, LessonStatus
from dangke.evaluation import scores, services
from dangke.evaluation.figures import evaluation_figures
from dangke.evaluation.models import RaterKind, Response, ResponseTally, TeacherScoreYear
from dangke.evaluation.rollups import (
    LATEST_KEPT,
    published_lesson_scores,
    rebuild_tallies,
    rebuild_teacher_years,
    responses_by_role,
    teacher_score_inputs,
)
from engines.warnings import Quota, assess

pytestmark = pytest.mark.usefixtures("pinned_clock")


def _raw(surveys=None) -> dict[str, int]:
    """The raw computation the tallies stand for: sheets per role, counted one by one."""
    responses = Response.objects.unscoped("the test's raw count")
    if surveys is not None:
        responses = responses.filter(survey__in=surveys)
    return dict(responses.values_list("role").annotate(n=Count("pk")).order_by())


def _tallied() -> dict[tuple[int, str], int]:
    return {
        (t.survey_id, t.role): t.responses
        for t in ResponseTally.objects.unscoped("the test reads every tally")
    }


def _answer(survey, role=RaterKind.TRAINEE, invitation=None, nonce=None):
    return services.submit_response(
        survey, role=role, raw_answers={"depth": "4"}, invitation=invitation,
        nonce=nonce or services.new_form_nonce(survey),
    )  # fmt: skip


def _survey(world, county: str):
    course, org, admin = (
        (world.course_a, world.org_a, world.county_a_admin)
        if county == "a"
        else (world.course_b, world.org_b, world.county_b_admin)
    )
    lesson = Lesson.objects.create(course=course, organization=org, starts_at=timezone.now())
    return services.open_survey(lesson, actor=admin)


@pytest.fixture
def answered(world):
    """Two surveys in county A (trainees and an invited expert) and one in county B."""
    first, second, other = _survey(world, "a"), _survey(world, "a"), _survey(world, "b")
    for _n in range(3):
        _answer(first)
    (invitation,) = services.invite(
        first, role=RaterKind.EXPERT, names=["钱研究员"], actor=world.county_a_admin
    )
    _answer(first, RaterKind.EXPERT, invitation)
    _answer(second)
    for _n in range(2):
        _answer(other)
    return first, second, other


def test_each_saved_sheet_adds_one_to_its_survey_and_role(answered):
    first, second, other = answered
    assert _tallied() == {
        (first.pk, "trainee"): 3,
        (first.pk, "expert"): 1,
        (second.pk, "trainee"): 1,
        (other.pk, "trainee"): 2,
    }
    assert responses_by_role([first, second, other]) == _raw() == {"trainee": 6, "expert": 1}


def test_a_form_sent_again_is_not_counted_twice(answered):
    first = answered[0]
    nonce = services.new_form_nonce(first)
    _answer(first, nonce=nonce)
    _answer(first, nonce=nonce)  # the same form again, on a weak signal
    assert _tallied()[(first.pk, "trainee")] == 4 == _raw([first])["trainee"]


def test_a_failed_sheet_leaves_the_tally_as_it_was(answered, monkeypatch):
    first = answered[0]

    insert = services._insert

    def broken(row):  # the sheet goes in, its comment does not
        if isinstance(row, services.SurveyComment):
            raise RuntimeError("disk full")
        insert(row)

    monkeypatch.setattr(services, "_insert", broken)
    with pytest.raises(RuntimeError):
        services.submit_response(
            first, role=RaterKind.TRAINEE, raw_answers={"depth": "4"}, comment="好",
            nonce=services.new_form_nonce(first),
        )  # fmt: skip
    assert _tallied()[(first.pk, "trainee")] == 3 == _raw([first])["trainee"]


def test_rebuild_recounts_from_the_raw_sheets(answered):
    first, second, other = answered
    tallies = ResponseTally.objects.unscoped("the test spoils the tallies")
    tallies.filter(survey=first).update(responses=99)
    tallies.filter(survey=second).delete()
    rebuild_tallies([first.pk, second.pk])  # and their follow-ups
    assert _tallied() == {
        (first.pk, "trainee"): 3,
        (first.pk, "expert"): 1,
        (second.pk, "trainee"): 1,
        (other.pk, "trainee"): 2,
    }


def test_dangke_rescore_rebuilds_the_tallies(answered, capsys):
    ResponseTally.objects.unscoped("the test spoils the tallies").all().delete()
    call_command("rescore")
    assert responses_by_role([s.pk for s in answered]) == _raw() == {"trainee": 6, "expert": 1}


def test_the_figures_read_the_tallies_within_each_scope(world, answered):
    first, second, other = answered
    year = timezone.localdate().year
    county_a = evaluation_figures(scope_for_user(world.county_a_admin), year)
    county_b = evaluation_figures(scope_for_user(world.county_b_admin), year)
    city = evaluation_figures(scope_for_user(world.city_admin), year)
    assert county_a["responses_by_role"] == _raw([first, second]) == {"trainee": 4, "expert": 1}
    assert county_a["responses"] == 5
    assert county_b["responses_by_role"] == _raw([other]) == {"trainee": 2}
    assert city["responses"] == 7 == sum(_raw().values())


# --- teachers' score years: the early warning's rollup ---------------------------------------

SCORE_KEYS = ("depth", "practice", "timeliness", "interaction", "interest", "multimedia", "mastery")


def _scored(world, teacher, county: str, starts_at, score: float | None = None):
    """A delivered lesson of the teacher with a published score: its survey's stored result
    written as `refresh_score` writes one (score, interval, counted sheets per role)."""
    course, org = (world.course_a, world.org_a) if county == "a" else (world.course_b, world.org_b)
    lesson = Lesson.objects.create(
        course=course, organization=org, starts_at=starts_at, status=LessonStatus.DELIVERED
    )
    lesson.teachers.add(teacher)
    survey = services.open_survey(lesson, actor=world.city_admin)
    if score is not None:
        survey.result = {
            "published": True,
            "score": round(score, 1),
            "score_exact": score,
            "ci95_exact": [score - 4, score + 4],
            "roles": {
                "trainee": {"n": 12 + int(score) % 7, "counted": True},
                "expert": {"n": 2, "counted": False},
            },
        }
        survey.published_at = starts_at
        survey.save(update_fields=["result", "published_at"])
    return survey


def _raw_inputs(teacher_ids, since, year):
    """The raw computation the score years stand for: every published score of the
    teachers' delivered lessons from `since`, oldest first, the latest LATEST_KEPT of them,
    and the year's counted sheets."""
    raw = published_lesson_scores(teacher_ids, since=since)
    result = {}
    for teacher_id, scored in raw.items():
        ordered = [item[2] for item in sorted(scored, key=lambda item: (item[1], item[0]))]
        responses = sum(s.n for s in ordered if s.day.year == year)
        result[teacher_id] = (ordered[-LATEST_KEPT:], responses)
    return result


@pytest.fixture
def score_history(world):
    """Two years of published scores: 25 lessons of teacher A (more than the warning
    reads, falling at the end, two on one day), 4 of teacher B; one lesson of A's that is
    not delivered, one without a published score."""
    now = timezone.now()
    for index in range(25):
        starts_at = now - datetime.timedelta(days=20 * index + 1)
        _scored(world, world.teacher_a, "a", starts_at, 90.0 - (25 if index < 5 else 0) - index / 3)
    _scored(
        world,
        world.teacher_a,
        "a",
        now - datetime.timedelta(days=1) + datetime.timedelta(minutes=30),
        71.5,
    )
    cancelled = _scored(world, world.teacher_a, "a", now - datetime.timedelta(days=3), 40.0)
    Lesson.objects.filter(pk=cancelled.lesson_id).update(status=LessonStatus.CANCELLED)
    _scored(world, world.teacher_a, "a", now - datetime.timedelta(days=4))  # not published
    for index in range(4):
        _scored(world, world.teacher_b, "b", now - datetime.timedelta(days=30 * index + 2), 85.0)
    rebuild_teacher_years()


def test_score_years_equal_the_raw_scores_for_each_county(world, score_history):
    now = timezone.now()
    since = now - datetime.timedelta(days=HISTORY_DAYS)
    year = timezone.localdate(now).year
    for admin, teacher in (
        (world.county_a_admin, world.teacher_a),
        (world.county_b_admin, world.teacher_b),
    ):
        ids = list(pool_teachers(scope_for_user(admin)).values_list("pk", flat=True))
        assert ids == [teacher.pk]  # each county sees its own teacher only
        rolled = teacher_score_inputs(ids, since, year)
        assert rolled == _raw_inputs(ids, since, year)
    rolled_a = teacher_score_inputs([world.teacher_a.pk], since, year)[world.teacher_a.pk]
    assert len(rolled_a[0]) == LATEST_KEPT  # 20 in the window (400 days), 18 read
    assert rolled_a[0][-1].score == 71.5  # the later of the two on one day


def test_the_warning_from_score_years_is_the_warning_from_raw_scores(world, score_history):
    now = timezone.now()
    since = now - datetime.timedelta(days=HISTORY_DAYS)
    year = timezone.localdate(now).year
    (from_years,) = [y for y in teacher_years([world.teacher_a], now) if y.scores]
    raw_scores, raw_responses = _raw_inputs([world.teacher_a.pk], since, year)[world.teacher_a.pk]
    everything = [
        item[2]
        for item in published_lesson_scores([world.teacher_a.pk], since=since)[world.teacher_a.pk]
    ]
    line = Quota(min_score=80.0)  # the review line the warning compares with
    from_years = dataclasses.replace(from_years, quota=line)
    from_raw = dataclasses.replace(from_years, scores=everything, responses=raw_responses)
    assert from_years.scores == raw_scores
    assert assess(from_years) == assess(from_raw)
    assert "score_decline" in [e.code for e in assess(from_years).evidence]


@pytest.fixture
def sheet_scored(world):
    """A delivered lesson of teacher A scored from real answer sheets."""
    lesson = Lesson.objects.create(
        course=world.course_a, organization=world.org_a, status=LessonStatus.DELIVERED,
        starts_at=timezone.now() - datetime.timedelta(hours=2), attendees_count=10,
    )  # fmt: skip
    lesson.teachers.add(world.teacher_a)
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    for value in (5, 4, 4, 3, 5, 4, 5, 4):
        services.submit_response(
            survey, role=RaterKind.TRAINEE, raw_answers={key: str(value) for key in SCORE_KEYS},
            nonce=services.new_form_nonce(survey),
            now=survey.opens_at + datetime.timedelta(minutes=30),
        )  # fmt: skip
    return survey


def test_a_saved_score_updates_its_teachers_score_year(world, sheet_scored):
    survey = sheet_scored
    assert not TeacherScoreYear.objects.unscoped("the test").exists()
    result = scores.refresh_score(survey, force=True)
    assert result["published"]
    year = timezone.localdate(survey.lesson.starts_at).year
    row = TeacherScoreYear.objects.unscoped("the test").get(teacher=world.teacher_a, year=year)
    assert row.lessons == 1
    assert row.latest[0][0] == survey.pk and row.latest[0][3] == result["score_exact"]
    since = timezone.now() - datetime.timedelta(days=HISTORY_DAYS)
    ids = [world.teacher_a.pk]
    assert teacher_score_inputs(ids, since, year) == _raw_inputs(ids, since, year)


def test_dangke_rescore_rebuilds_the_score_years(world, sheet_scored):
    scores.refresh_score(sheet_scored, force=True)
    rows = TeacherScoreYear.objects.unscoped("the test spoils the score years")
    before = {(r.teacher_id, r.year): (r.latest, r.lessons, r.responses) for r in rows.all()}
    assert before
    rows.all().delete()
    call_command("rescore")
    after = {(r.teacher_id, r.year): (r.latest, r.lessons, r.responses) for r in rows.all()}
    assert after == before
