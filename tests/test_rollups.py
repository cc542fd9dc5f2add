"""Issue #18: the answer-sheet tallies a province's figures read equal the raw count of the
sheets, as the writes keep them and as `dangke rescore` rebuilds them, and they keep to
each county's scope. Small data on purpose: the benchmark, not a test, measures the size."""

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.delivery.models import Lesson
from dangke.evaluation import services
from dangke.evaluation.figures import evaluation_figures
from dangke.evaluation.models import RaterKind, Response, ResponseTally
from dangke.evaluation.rollups import rebuild_tallies, responses_by_role

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
