"""The clock is a test input: the calendar's boundaries, and a demo built at the instants
where a date computed the wrong way shows (tests/conftest.py `CLOCK_INSTANTS`), must give
a whole year of figures and nothing dated after the moment it was built."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from dangke.accounts.scoping import Scope
from dangke.broadcast.models import PlayLog
from dangke.contests.models import STAGE_ORDER, Contest, Stage
from dangke.core.calendar import YearSoFar, month_bounds, report_year, year_bounds
from dangke.delivery.models import CourseOrder, Lesson
from dangke.demo.builder import reference_year
from dangke.evaluation.models import Rectification, Response, SurveyComment
from dangke.faculty.models import AnnualReview, TrialLecture
from dangke.media.models import MediaComment, MediaWork
from dangke.reports.queries import year_figures
from dangke.training.models import ClassStatus, TrainingClass
from tests.conftest import CLOCK_INSTANTS

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# The year each instant reports on: the year just ended until March.
EXPECTED_YEAR = {
    "new-year-0030": 2026,
    "new-years-eve-2359": 2026,
    "ordinary-day-0040": 2026,
    "leap-day-0030": 2027,
}


def test_year_and_month_bounds_are_local_midnights():
    start, end = year_bounds(2026)
    assert start == datetime.datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert end == datetime.datetime(2027, 1, 1, tzinfo=SHANGHAI)
    assert month_bounds(2026, 12) == (end - datetime.timedelta(days=31), end)
    feb_start, feb_end = month_bounds(2028, 2)
    assert (feb_end - feb_start).days == 29
    # 00:30 on New Year's Day in Shanghai is still 31 December in UTC, and in the new year.
    instant = datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC)
    assert end <= instant < year_bounds(2027)[1]


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (datetime.date(2027, 1, 1), 2026),
        (datetime.date(2027, 2, 28), 2026),
        (datetime.date(2028, 2, 29), 2027),
        (datetime.date(2027, 3, 1), 2027),
        (datetime.date(2026, 12, 31), 2026),
    ],
)
def test_report_year_is_the_year_just_ended_until_march(today, year):
    assert report_year(today) == year


def test_a_year_so_far_never_reaches_past_its_moment():
    at = lambda text: datetime.datetime.fromisoformat(text)  # noqa: E731
    new_year = YearSoFar(2026, at("2026-12-31T16:30:00+00:00"))  # 00:30, 1 Jan 2027
    assert new_year.today == datetime.date(2027, 1, 1)
    assert new_year.last_past_day == datetime.date(2026, 12, 31)
    assert new_year.last_past_month == (2026, 12) and new_year.past_days == 365
    eve = YearSoFar(2026, at("2026-12-31T15:59:00+00:00"))  # 23:59, 31 Dec 2026
    assert eve.last_past_day == datetime.date(2026, 12, 30)
    assert eve.last_past_month == (2026, 11)
    first_day = YearSoFar(2027, at("2026-12-31T16:30:00+00:00"))
    assert not first_day.has_past_days
    leap = YearSoFar(2027, at("2028-02-28T16:30:00+00:00"))  # 00:30, 29 Feb 2028
    assert leap.last_past_day == datetime.date(2027, 12, 31)
    assert leap.last_past_month == (2027, 12)


@pytest.mark.parametrize("instant", list(CLOCK_INSTANTS))
@pytest.mark.bulk_build
def test_county_demo_built_at_any_hour_has_a_whole_year_and_no_future(db, instant):
    with time_machine.travel(datetime.datetime.fromisoformat(CLOCK_INSTANTS[instant])):
        call_command("demo", "--scale", "county", "--seed", "5", stdout=StringIO())
        built = timezone.now()
        today = timezone.localdate()
        year = reference_year()
        assert year == EXPECTED_YEAR[instant]
        first, last = year_bounds(year)
        figures = year_figures(Scope(is_superuser=True), year, "632222")

    lessons = Lesson.objects.filter(campaign__isnull=False)
    starts = list(lessons.values_list("starts_at", flat=True))
    assert starts and all(first <= start < min(last, built) for start in starts)
    # a year, not a year squeezed into the days since 1 January
    months = {timezone.localtime(start).month for start in starts}
    assert len(months) >= 10, sorted(months)
    assert figures["organizations"]["covered"] == figures["organizations"]["total"] == 111
    assert figures["members_reached"] == 2400
    for order in CourseOrder.objects.filter(campaign__isnull=False).prefetch_related("lessons"):
        assert first <= order.created_at < built
        assert all(order.created_at < lesson.starts_at for lesson in order.lessons.all())
    assert all(
        first <= rectification.created_at < built for rectification in Rectification.objects.all()
    )
    published = MediaWork.objects.exclude(published_at=None)
    assert published.exists()
    assert all(first <= w.published_at < built for w in published)
    assert figures["media"]["works"]["total"] == published.count()
    comments = MediaComment.objects.select_related("work")
    assert comments.exists()
    assert all(c.work.published_at <= c.created_at < built for c in comments)
    plays = list(PlayLog.objects.values_list("played_at", flat=True))
    assert plays and all(first <= played < built for played in plays)
    assert max(figures["plays"]["by_month"].values()) == len(plays)
    assert all(hour < built for hour in Response.objects.values_list("submitted_hour", flat=True))
    reviewed = SurveyComment.objects.exclude(reviewed_at=None)
    assert all(comment.reviewed_at <= built for comment in reviewed)
    assert AnnualReview.objects.filter(year=year).exists()
    assert all(day < today for day in TrialLecture.objects.values_list("held_on", flat=True))
    closed = TrainingClass.objects.filter(status=ClassStatus.COMPLETED).get()
    assert closed is not None and closed.ends_on < today and closed.starts_on.year == year
    contest = Contest.objects.get()
    passed = {
        Stage.PREPARATION: contest.registration_ends,
        Stage.FIRST_ROUND: contest.preparation_ends,
        Stage.FINAL: contest.first_round_ends,
        Stage.NOTICE: contest.final_on,
    }
    for stage, day in passed.items():
        if STAGE_ORDER.index(contest.status) >= STAGE_ORDER.index(stage):
            assert day < today, (contest.status, stage, day)
    if contest.status == Stage.RESULT:
        assert contest.notice_ends < today
