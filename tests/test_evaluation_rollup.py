"""Issue #18: the evaluation figures' rollup per county and year (`evaluation.year_rollup`)
equals the raw computation — the surveys counted one by one and their sheets added up — after
each kind of survey write, after answers, after a rebuild, for each county's scope, each
city's and the province's. Small data on purpose: the benchmark, not a test, measures the
size."""

import datetime
import threading
import time

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from dangke.accounts.models import Role
from dangke.accounts.scoping import Scope, scope_for_user
from dangke.accounts.services import create_user_with_role
from dangke.delivery.models import Lesson
from dangke.evaluation import services, year_rollup
from dangke.evaluation.figures import evaluation_figures
from dangke.evaluation.models import (
    EvaluationYear,
    RaterKind,
    Response,
    ResponseExclusion,
    ResponseTally,
    Survey,
    SurveyKind,
)
from dangke.evaluation.scores import refresh_score
from dangke.regions.models import RegionLevel
from tests.conftest import PASSWORD, make_region

pytestmark = pytest.mark.usefixtures("pinned_clock")

SURVEY_KEYS = ("surveys", "follow_up_surveys", "scores_published", "responses", "responses_by_role")


def local(year, month, day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def _answer(survey, *, role=RaterKind.TRAINEE, invitation=None, now=None):
    return services.submit_response(
        survey, role=role, raw_answers={"depth": "4"}, invitation=invitation,
        nonce=services.new_form_nonce(survey), now=now,
    )  # fmt: skip


def _lesson_survey(w, county, starts_at):
    course, org, admin = (
        (w.course_a, w.org_a, w.county_a_admin)
        if county == "a"
        else (w.course_b, w.org_b, w.county_b_admin)
    )
    lesson = Lesson.objects.create(course=course, organization=org, starts_at=starts_at)
    return services.open_survey(lesson, actor=admin)


def _bare_survey(like, region, opens_at, title):
    """A survey of a region with no lesson of ours (a city office's, another city's)."""
    return Survey.objects.create(
        kind=SurveyKind.ON_SITE, title=title, region=region, system=like.system,
        basis=like.basis, opens_at=opens_at, closes_at=opens_at + datetime.timedelta(days=1),
    )  # fmt: skip


@pytest.fixture
def ev(world):
    """County A: a survey open now (3 trainees and an invited expert) and one of 00:30 on
    New Year's Day (local: this year's, closed, 2 sheets); county B: one of 23:30 on New
    Year's Eve (last year's, closed, 2 sheets) and one open now (1 sheet); the city office's
    own survey (closed, 1 sheet) and, in another city, one open now (1 sheet)."""
    w = world
    now = timezone.now()
    w.year = timezone.localdate().year
    w.city_b = make_region("5101", "成都市", RegionLevel.CITY, w.province)
    w.county_c = make_region("510104", "锦江区", RegionLevel.COUNTY, w.city_b)
    user = create_user_with_role
    w.city_b_admin = user("city-b", password=PASSWORD, role=Role.REGION_ADMIN, region=w.city_b)
    w.province_admin = user("prov", password=PASSWORD, role=Role.REGION_ADMIN, region=w.province)

    w.a_open = _lesson_survey(w, "a", now - datetime.timedelta(hours=1))
    for _n in range(3):
        _answer(w.a_open)
    (invitation,) = services.invite(
        w.a_open, role=RaterKind.EXPERT, names=["钱研究员"], actor=w.county_a_admin
    )
    _answer(w.a_open, role=RaterKind.EXPERT, invitation=invitation)
    w.a_new_year = _lesson_survey(w, "a", local(w.year, 1, 1, 0, 30))
    w.b_new_years_eve = _lesson_survey(w, "b", local(w.year - 1, 12, 31, 23, 30))
    for survey in (w.a_new_year, w.b_new_years_eve):
        for _n in range(2):
            _answer(survey, now=survey.opens_at + datetime.timedelta(minutes=10))
    w.b_open = _lesson_survey(w, "b", now - datetime.timedelta(hours=2))
    _answer(w.b_open)
    w.city_own = _bare_survey(w.a_open, w.city, local(w.year, 3, 1), "市委党校测评")
    _answer(w.city_own, now=w.city_own.opens_at + datetime.timedelta(hours=1))
    w.other_city = _bare_survey(w.a_open, w.county_c, now - datetime.timedelta(hours=3), "锦江")
    _answer(w.other_city)
    return w


def _users(w):
    return (w.county_a_admin, w.county_b_admin, w.city_admin, w.city_b_admin, w.province_admin)


def _counted_one_by_one(scope, year, region_code=None) -> dict:
    """The raw computation from the raw rows themselves: surveys and sheets, one by one."""
    surveys = Survey.objects.visible_to(scope).filter(opens_at__year=year)
    if region_code:
        surveys = surveys.filter(region__code__startswith=region_code)
    counts = surveys.aggregate(
        surveys=Count("pk", filter=Q(kind=SurveyKind.ON_SITE)),
        follow_up_surveys=Count("pk", filter=Q(kind=SurveyKind.FOLLOW_UP)),
        scores_published=Count("pk", filter=Q(kind=SurveyKind.ON_SITE, published_at__isnull=False)),
    )
    sheets = dict(
        Response.objects.unscoped("the test's raw count")
        .filter(survey__in=surveys)
        .values_list("role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {**counts, "responses": sum(sheets.values()), "responses_by_role": sheets}


def assert_rollup_equals_raw(w, monkeypatch, *, years=None, regions=(None,)) -> dict:
    """For each county, city and the province: the figures read from the rollup equal those
    from the raw rows (the tallies per survey, and the sheets counted one by one). Returns
    the province's figures of this year."""
    for year in years or (w.year - 1, w.year):
        for user in _users(w):
            for region_code in regions:
                scope = scope_for_user(user)
                codes = scope.county_prefixes(region_code)
                assert codes is not None
                rolled_up = evaluation_figures(scope, year, region_code)
                raw = _counted_one_by_one(scope, year, region_code)
                if raw["surveys"] or raw["follow_up_surveys"]:  # the rollup was read
                    assert year_rollup.survey_figures(codes, year) is not None
                with monkeypatch.context() as patched:
                    patched.setattr(Scope, "county_prefixes", lambda scope, code=None: None)
                    assert rolled_up == evaluation_figures(scope, year, region_code)
                assert {key: rolled_up[key] for key in SURVEY_KEYS} == raw, (
                    user.username, year, region_code,
                )  # fmt: skip
    return evaluation_figures(scope_for_user(w.province_admin), w.year)


def _row(county, year) -> EvaluationYear:
    return EvaluationYear.objects.unscoped("the test reads the rollup").get(
        county=county, year=year
    )


def test_the_rollup_equals_the_raw_rows_as_written(ev, monkeypatch):
    province = assert_rollup_equals_raw(ev, monkeypatch, regions=(None, "5111", "511102"))
    assert province["responses_by_role"] == {"trainee": 8, "expert": 1}
    assert province["surveys"] == 5
    a_this_year = _row("511102", ev.year)
    assert a_this_year.closed_sheets == {"trainee": 2}  # the open survey's are read live
    assert _row("5111", ev.year).surveys == 1  # the city office's survey: a key of its own
    assert _row("511123", ev.year - 1).closed_sheets == {"trainee": 2}  # local year


def test_answers_to_open_surveys_are_read_live(ev, monkeypatch):
    year_rollup.flush()
    rows = list(EvaluationYear.objects.unscoped("the test").values_list("pk", "closed_sheets"))
    for survey in (ev.a_open, ev.b_open, ev.other_city):
        _answer(survey)
    assert year_rollup._keys() == set()  # an answer leaves the rollup alone
    assert (
        list(EvaluationYear.objects.unscoped("the test").values_list("pk", "closed_sheets")) == rows
    )
    province = assert_rollup_equals_raw(ev, monkeypatch)
    assert province["responses"] == 12


def test_a_published_score_is_counted(ev, monkeypatch):
    survey = Survey.objects.get(pk=ev.a_new_year.pk)
    survey.published_at = timezone.now()
    survey.save(update_fields=["published_at"])  # as `refresh_score` does
    assert assert_rollup_equals_raw(ev, monkeypatch)["scores_published"] == 1


def test_a_closing_survey_moves_into_the_row_as_the_rollup_advances(ev, monkeypatch):
    services.close_survey(Survey.objects.get(pk=ev.a_open.pk), actor=ev.county_a_admin)
    assert_rollup_equals_raw(ev, monkeypatch)
    assert _row("511102", ev.year).closed_sheets == {"trainee": 2}  # closed minutes ago
    later = timezone.now() + datetime.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        assert year_rollup.advance() == 1  # county A's year recounted, the others moved on
        assert _row("511102", ev.year).closed_sheets == {"trainee": 5, "expert": 1}
        assert {row.closed_by for row in EvaluationYear.objects.unscoped("the test")} == {
            year_rollup.closed_by(later)
        }
        assert_rollup_equals_raw(ev, monkeypatch)
        assert year_rollup.advance() == 0
        call_command("evaluation_tick")  # the hourly chores move it on too


def test_a_survey_moved_to_another_county_and_year(ev, monkeypatch):
    survey = Survey.objects.get(pk=ev.b_new_years_eve.pk)
    survey.region = ev.village_a
    survey.opens_at, survey.closes_at = local(ev.year, 2, 1), local(ev.year, 2, 2)
    survey.save()
    assert _counted_one_by_one(scope_for_user(ev.county_b_admin), ev.year - 1)["surveys"] == 0
    assert assert_rollup_equals_raw(ev, monkeypatch)["responses"] == 11
    assert not EvaluationYear.objects.unscoped("the test").filter(year=ev.year - 1).exists()


def test_deletions(ev, monkeypatch):
    Lesson.objects.get(pk=ev.a_new_year.lesson_id).delete()  # its surveys go with it
    Survey.objects.get(pk=ev.other_city.pk).delete()
    assert assert_rollup_equals_raw(ev, monkeypatch)["responses"] == 6
    assert not EvaluationYear.objects.unscoped("the test").filter(county="510104").exists()


def test_an_excluded_sheet_stays_counted_as_a_sheet(ev, monkeypatch):
    """An exclusion drops sheets from the score, not from the sheets received: the figures
    count every sheet, raw and rolled up alike."""
    survey = Survey.objects.get(pk=ev.a_new_year.pk)
    exclusion = ResponseExclusion.objects.create(survey=survey, flag="identical", reason="雷同")
    exclusion.responses.set(Response.objects.unscoped("the test").filter(survey=survey)[:1])
    refresh_score(survey, force=True)
    assert assert_rollup_equals_raw(ev, monkeypatch)["responses"] == 9


def _spoil():
    rows = EvaluationYear.objects.unscoped("the test spoils the rollup")
    rows.filter(county="511102").update(surveys=99, closed_sheets={"trainee": 99})
    rows.filter(county="511123").delete()
    EvaluationYear.objects.create(county="511199", year=2001, closed_by=timezone.now())


def test_a_rebuild_recomputes_it_from_the_raw_rows(ev, monkeypatch):
    year_rollup.flush()
    _spoil()
    assert year_rollup.rebuild() == 5
    assert not EvaluationYear.objects.unscoped("the test").filter(year=2001).exists()
    assert_rollup_equals_raw(ev, monkeypatch)
    _spoil()
    year_rollup.rebuild(ev.year, region="511102001")  # cut to its county
    year_rollup.rebuild(ev.year - 1, region=ev.county_b.code)
    year_rollup.rebuild(ev.year, region=ev.county_b.code)
    year_rollup.rebuild(2001)
    assert_rollup_equals_raw(ev, monkeypatch)


def test_the_rebuild_command_and_rescore(ev, monkeypatch, capsys):
    year_rollup.flush()
    _spoil()
    call_command("rebuild_evaluation_rollup")
    assert "已重建测评年度汇总" in capsys.readouterr().out
    assert_rollup_equals_raw(ev, monkeypatch)
    _spoil()
    ResponseTally.objects.unscoped("the test spoils the tallies").filter(
        survey=ev.a_new_year
    ).update(responses=50)
    call_command("rescore")  # the tallies from the sheets, then the rows from the tallies
    assert_rollup_equals_raw(ev, monkeypatch)


def test_the_writes_are_counted_when_their_transaction_commits(
    ev, django_capture_on_commit_callbacks
):
    year_rollup.flush()
    with django_capture_on_commit_callbacks(execute=True):
        _lesson_survey(ev, "b", local(ev.year, 6, 1))
    assert year_rollup._keys() == set()  # counted on commit, nothing left for a reader
    assert _row("511123", ev.year).surveys == 2


def test_a_scope_never_sees_another_regions_figures(ev):
    city_a = evaluation_figures(scope_for_user(ev.city_admin), ev.year)
    city_b = evaluation_figures(scope_for_user(ev.city_b_admin), ev.year)
    county_b = evaluation_figures(scope_for_user(ev.county_b_admin), ev.year)
    assert (city_a["surveys"], city_a["responses_by_role"]) == (
        4, {"trainee": 7, "expert": 1},
    )  # fmt: skip
    assert (city_b["surveys"], city_b["responses_by_role"]) == (1, {"trainee": 1})
    assert (county_b["surveys"], county_b["responses_by_role"]) == (1, {"trainee": 1})
    # the city admin narrowed to another city's code sees nothing of it
    assert evaluation_figures(scope_for_user(ev.city_admin), ev.year, "5101")["surveys"] == 0


def test_narrow_scopes_read_the_raw_rows(ev):
    """A liaison (by organisation) and a township never read the rollup."""
    liaison = scope_for_user(ev.liaison)
    assert liaison.county_prefixes() is None
    figures = evaluation_figures(liaison, ev.year)
    assert {key: figures[key] for key in SURVEY_KEYS} == _counted_one_by_one(liaison, ev.year)
    city = scope_for_user(ev.city_admin)
    assert city.county_prefixes("511102001") is None
    township = evaluation_figures(city, ev.year, "511102001")
    assert township["responses_by_role"] == {"trainee": 5, "expert": 1}


@pytest.mark.parametrize("who", ["county_a_admin", "city_admin", "province_admin"])
def test_query_count_at_county_scope_and_above(ev, who, django_assert_num_queries):
    """Rows in scope, the open surveys' tallies, then comments, rectifications and proposals:
    the same 5 queries as the raw path, whatever the number of counties and surveys."""
    year_rollup.flush()
    scope = scope_for_user(getattr(ev, who))
    with django_assert_num_queries(5):
        evaluation_figures(scope, ev.year)


def test_rows_counted_at_different_instants_each_add_their_own_open_surveys(ev, monkeypatch):
    """A row recounted later (a survey of its county saved) holds more closed surveys than
    one counted earlier: each county's open part starts at its own `closed_by`."""
    year_rollup.flush()
    services.close_survey(Survey.objects.get(pk=ev.b_open.pk), actor=ev.county_b_admin)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=3), tick=False):
        year_rollup.recount([("511123", ev.year)])
        assert _row("511123", ev.year).closed_sheets == {"trainee": 1}
        assert len({row.closed_by for row in EvaluationYear.objects.unscoped("the test")}) == 2
        assert_rollup_equals_raw(ev, monkeypatch)


@pytest.mark.django_db(transaction=True)
def test_two_workers_recounting_one_county_at_once_do_not_double_it(ev):
    """Two surveys of one county opened on two web workers: the second recount waits for the
    first to commit, then replaces its row (without the wait, READ COMMITTED lets the second
    DELETE miss the first's new row and its insert breaks the one row per county-year)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    key = ("511102", ev.year)
    first_recounted = threading.Event()
    failures = []

    def first_worker():
        try:
            with transaction.atomic():
                year_rollup.recount([key])
                first_recounted.set()
                time.sleep(0.5)  # still uncommitted while the second worker recounts
        except Exception as error:
            failures.append(error)
        finally:
            first_recounted.set()
            connection.close()

    def second_worker():
        try:
            first_recounted.wait(5)
            year_rollup.recount([key])
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=first_worker), threading.Thread(target=second_worker)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert not failures
    rows = EvaluationYear.objects.unscoped("the test").filter(county=key[0], year=key[1])
    assert [(row.surveys, row.closed_sheets) for row in rows] == [(2, {"trainee": 2})]
