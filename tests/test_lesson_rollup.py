"""Issue #18: a teacher's lessons per local month (`delivery.TeacherMonth`) and the
early-warning card that reads it (`advice.services.teacher_years` through
`delivery.rollup.teacher_spans`) equal the raw computation from the lessons — the year's
lessons and hours given up to now, those planned from now to the year's end, the last 90
days' lessons and cancellations — after each kind of lesson write, after a rebuild, at the
edges of months and years and at the clock's awkward instants. Small data on purpose: the
benchmark measures the size."""

import datetime
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.advice.services import CANCEL_WINDOW_DAYS, pool_teachers, teacher_years, warnings_for
from dangke.core.calendar import year_bounds
from dangke.delivery import rollup, services
from dangke.delivery.models import Lesson, LessonStatus, TeacherMonth
from dangke.regions.models import RegionLevel
from tests.conftest import make_region, make_teacher

# 12:00 on 20 November 2026 in Shanghai: the 90-day window opens at 12:00 on 22 August.
NOW = datetime.datetime.fromisoformat("2026-11-20T04:00:00+00:00")


def at(year, month, day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def record(w, when, *teachers, status=LessonStatus.DELIVERED, minutes=90, org=None, admin=None):
    admin = admin or w.county_a_admin
    return services.record_manual_lesson(
        scope=scope_for_user(admin), actor=admin, course=w.course_a,
        organization=org or w.org_a, starts_at=when, teachers=list(teachers),
        status=status, duration_minutes=minutes,
    )  # fmt: skip


def cancel(w, lesson):
    services.cancel_lesson(
        lesson, scope=scope_for_user(w.city_admin), actor=w.city_admin, reason="雨天"
    )


def raw_figures(teacher_ids, now) -> dict[int, tuple]:
    """The card's lesson figures counted one pair of teacher and lesson at a time."""
    start, end = year_bounds(timezone.localdate(now).year)
    since = now - datetime.timedelta(days=CANCEL_WINDOW_DAYS)
    given, planned, recent, cancelled = Counter(), Counter(), Counter(), Counter()
    given_min, planned_min = Counter(), Counter()
    for teacher_id, status, starts_at, minutes in Lesson.teachers.through.objects.filter(
        teacher_id__in=teacher_ids
    ).values_list("teacher_id", "lesson__status", "lesson__starts_at", "lesson__duration_minutes"):
        if status == LessonStatus.DELIVERED and start <= starts_at < now:
            given[teacher_id] += 1
            given_min[teacher_id] += minutes
        if status in (LessonStatus.PLANNED, LessonStatus.CONFIRMED) and now <= starts_at < end:
            planned[teacher_id] += 1
            planned_min[teacher_id] += minutes
        if status in (LessonStatus.DELIVERED, LessonStatus.CANCELLED) and since <= starts_at < now:
            recent[teacher_id] += 1
            cancelled[teacher_id] += status == LessonStatus.CANCELLED
    return {
        pk: (
            given[pk],
            round(given_min[pk] / 60, 1),
            planned[pk],
            round(planned_min[pk] / 60, 1),
            recent[pk],
            cancelled[pk],
        )
        for pk in teacher_ids
    }


def card_figures(teachers, now) -> dict[int, tuple]:
    """The same figures as the warnings card reads them (the rollup and the cut months)."""
    teachers = list(teachers)
    return {
        year.teacher_id: (
            year.lessons_given,
            year.hours_given,
            year.lessons_planned,
            year.hours_planned,
            year.recent_lessons,
            year.recent_cancelled,
        )
        for year in teacher_years(teachers, now, ids=[t.pk for t in teachers])
    }


def raw_months() -> Counter:
    """The rollup's rows counted from the pairs, each lesson in its local month."""
    counted = Counter()
    for teacher_id, status, starts_at, minutes in Lesson.teachers.through.objects.values_list(
        "teacher_id", "lesson__status", "lesson__starts_at", "lesson__duration_minutes"
    ):
        local = timezone.localtime(starts_at)
        counted[(teacher_id, local.year, local.month, status, "lessons")] += 1
        counted[(teacher_id, local.year, local.month, status, "minutes")] += minutes
    return counted


def rolled_months() -> Counter:
    rolled = Counter()
    for row in TeacherMonth.objects.unscoped("the test reads every row"):
        rolled[(row.teacher_id, row.year, row.month, row.status, "lessons")] += row.lessons
        rolled[(row.teacher_id, row.year, row.month, row.status, "minutes")] += row.minutes
    return rolled


def assert_equal_to_raw(w, now=None):
    """For each office's pool (each county's, the city's, another city's) and the rows."""
    now = now or timezone.now()
    rollup.flush()
    assert rolled_months() == raw_months()
    for admin in (w.county_a_admin, w.county_b_admin, w.city_admin, w.other_admin):
        pool = list(pool_teachers(scope_for_user(admin)))
        assert pool
        assert card_figures(pool, now) == raw_figures([t.pk for t in pool], now)
        # the whole pool by its subquery, as the office's 工作台 asks
        teachers = pool_teachers(scope_for_user(admin))
        by_subquery = {
            year.teacher_id: (year.lessons_given, year.lessons_planned, year.recent_cancelled)
            for year in teacher_years(list(teachers), now, ids=teachers.values("pk"))
        }
        raw = raw_figures([t.pk for t in pool], now)
        assert by_subquery == {pk: (f[0], f[2], f[5]) for pk, f in raw.items()}


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lw(travel, world):
    """Teacher A: lessons given in January, at 23:30 on 31 August (the window's first
    month, cut at 22 August 12:00), at 00:30 on 1 September, this month before now; one
    cancelled in October; planned this month after now, at 23:30 on 31 December, at 00:30 on
    1 January next year; one given at 23:30 on 31 December last year. Teacher B: one at
    11:00 and one at 13:00 on 22 August (either side of the window's start), one taught with
    teacher A. The city's teacher teaches in county B. Another city's teacher and admin."""
    w = world
    other_city = make_region("5103", "自贡市", RegionLevel.CITY, w.province)
    from dangke.accounts.models import Role
    from dangke.accounts.services import create_user_with_role

    w.other_admin = create_user_with_role(
        "other-admin", password="x", role=Role.REGION_ADMIN, region=other_city
    )
    w.other_teacher = make_teacher("T-Z-001", "赵自贡", other_city)
    a, b, c = w.teacher_a, w.teacher_b, w.city_teacher
    w.lessons = {
        "jan": record(w, at(2026, 1, 15), a),
        "aug_last": record(w, at(2026, 8, 31, 23, 30), a),
        "sep_first": record(w, at(2026, 9, 1, 0, 30), a, minutes=45),
        "this_month": record(w, at(2026, 11, 3), a, b),
        "oct": record(w, at(2026, 10, 10), a, status=LessonStatus.PLANNED),
        "nov_planned": record(w, at(2026, 11, 25), a, status=LessonStatus.PLANNED),
        "dec_last": record(w, at(2026, 12, 31, 23, 30), a, status=LessonStatus.PLANNED),
        "next_year": record(w, at(2027, 1, 1, 0, 30), a, status=LessonStatus.PLANNED),
        "last_year": record(w, at(2025, 12, 31, 23, 30), a),
        "b_before": record(w, at(2026, 8, 22, 11), b, org=w.org_b, admin=w.county_b_admin),
        "b_after": record(w, at(2026, 8, 22, 13), b, org=w.org_b, admin=w.county_b_admin),
        "b_dec": record(
            w,
            at(2026, 12, 5),
            b,
            org=w.org_b,
            admin=w.county_b_admin,
            status=LessonStatus.PLANNED,
        ),
        "city": record(w, at(2026, 6, 6), c, org=w.org_b, admin=w.county_b_admin),
        "other": record(w, at(2026, 9, 9), w.other_teacher, admin=w.city_admin),
    }
    cancel(w, w.lessons["oct"])
    return w


def test_the_built_rollup_equals_the_raw_figures(lw):
    assert_equal_to_raw(lw)
    figures = card_figures([lw.teacher_a], NOW)[lw.teacher_a.pk]
    # jan, 31 Aug, 1 Sep (45 min), 3 Nov; planned 25 Nov and 31 Dec 23:30; window: 31 Aug,
    # 1 Sep, 3 Nov and the cancelled 10 Oct
    assert figures == (4, 5.2, 2, 3.0, 4, 1)
    assert card_figures([lw.teacher_b], NOW)[lw.teacher_b.pk] == (3, 4.5, 1, 1.5, 2, 0)


def test_the_rollup_follows_deliveries_cancellations_and_moves(lw):
    w = lw
    county_a = scope_for_user(w.county_a_admin)
    planned = record(w, at(2026, 10, 5), w.teacher_a, status=LessonStatus.PLANNED)
    assert_equal_to_raw(w)
    services.confirm_lesson(planned, scope=county_a, actor=w.county_a_admin)
    services.deliver_lesson(planned, scope=county_a, actor=w.county_a_admin, attendees_count=9)
    assert_equal_to_raw(w)
    cancel(w, w.lessons["nov_planned"])
    cancel(w, w.lessons["b_dec"])
    assert_equal_to_raw(w)
    # moved to another month, then to the next year, on confirming
    services.confirm_lesson(
        w.lessons["dec_last"], scope=county_a, actor=w.county_a_admin, starts_at=at(2026, 11, 28)
    )
    assert_equal_to_raw(w)
    moved = record(w, at(2026, 12, 10), w.teacher_a, status=LessonStatus.PLANNED)
    services.confirm_lesson(moved, scope=county_a, actor=w.county_a_admin, starts_at=at(2027, 2, 1))
    assert_equal_to_raw(w)
    # a save that moves a lesson back into a whole past month
    lesson = w.lessons["b_after"]
    lesson.starts_at = at(2026, 7, 31, 23, 30)
    lesson.save()
    assert_equal_to_raw(w)
    assert card_figures([w.teacher_b], NOW)[w.teacher_b.pk][4] == 1  # left the window


def test_the_rollup_follows_teachers_and_deletions(lw):
    w = lw
    lesson = w.lessons["this_month"]
    lesson.teachers.remove(w.teacher_b)
    assert_equal_to_raw(w)
    lesson.teachers.add(w.city_teacher)
    w.lessons["jan"].teachers.add(w.teacher_b)
    assert_equal_to_raw(w)
    w.city_teacher.lessons.clear()  # from the teacher's side
    w.lessons["sep_first"].teachers.set([w.teacher_b])
    w.teacher_b.lessons.remove(w.lessons["b_before"])
    assert_equal_to_raw(w)
    w.lessons["aug_last"].delete()
    w.lessons["dec_last"].delete()
    assert_equal_to_raw(w)


def test_a_rebuild_makes_the_same_rows(lw):
    rollup.flush()
    kept = rolled_months()
    assert kept == raw_months() and kept
    TeacherMonth.objects.unscoped("the test spoils the rollup").update(lessons=99)
    out = StringIO()
    call_command("rebuild_delivery_rollup", stdout=out)
    assert f"师资月度汇总 {len(kept) // 2} 行" in out.getvalue()  # 14: two keys a row
    assert rolled_months() == kept
    assert_equal_to_raw(lw)
    # one year, one county: the teachers who taught there are counted again whole
    TeacherMonth.objects.unscoped("the test spoils the rollup").filter(
        teacher=lw.teacher_b
    ).delete()
    assert rollup.rebuild(2026, "511123")["teacher_months"] > 0
    assert rolled_months() == kept
    assert_equal_to_raw(lw)


@pytest.mark.parametrize(
    "instant",
    [
        "2026-10-31T16:00:00+00:00",  # 00:00 on 1 November in Shanghai: a month starts
        "2026-08-31T15:30:00+00:00",  # 23:30 on 31 August: a lesson starts right now
        "2026-12-31T16:30:00+00:00",  # 00:30 on New Year's Day: the window is last year's
        "2026-11-03T01:00:00+00:00",  # the moment the lesson of 3 November starts
    ],
)
def test_the_card_equals_the_raw_figures_at_the_edges(lw, travel, instant):
    now = datetime.datetime.fromisoformat(instant)
    travel.move_to(now)
    assert_equal_to_raw(lw, now)


def test_the_card_equals_the_raw_figures_at_the_clocks_instants(clock, world):
    """Lessons around whatever `now` is (the `clock` fixture's instants; the whole suite
    again under faketime at 00:30 on New Year's Day)."""
    w = world
    from dangke.accounts.models import Role
    from dangke.accounts.services import create_user_with_role

    w.other_admin = create_user_with_role(
        "other-admin", password="x", role=Role.REGION_ADMIN, region=w.province
    )
    now = timezone.now()
    local = timezone.localtime(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for offset, status in (
        (datetime.timedelta(hours=-1), LessonStatus.DELIVERED),
        (datetime.timedelta(days=-CANCEL_WINDOW_DAYS + 1), LessonStatus.DELIVERED),
        (datetime.timedelta(days=-CANCEL_WINDOW_DAYS - 1), LessonStatus.DELIVERED),
        (datetime.timedelta(days=-40), LessonStatus.PLANNED),
        (datetime.timedelta(hours=1), LessonStatus.PLANNED),
        (datetime.timedelta(days=20), LessonStatus.PLANNED),
    ):
        record(w, now + offset, w.teacher_a, status=status)
    if month_start < now:
        record(w, month_start, w.teacher_a, w.teacher_b)
    cancel(w, record(w, now - datetime.timedelta(days=3), w.teacher_a, status="planned"))
    assert_equal_to_raw(w, now)


def test_an_office_never_reads_another_citys_teachers(lw):
    w = lw

    def warned(admin):
        rows = warnings_for(scope_for_user(admin), now=NOW, include_quiet=True)
        return {row.teacher.pk for row in rows}

    assert warned(w.city_admin) == {w.teacher_a.pk, w.teacher_b.pk, w.city_teacher.pk}
    assert warned(w.other_admin) == {w.other_teacher.pk}
    # the card's figures name only the pool's teachers, whatever the rollup holds
    pool = pool_teachers(scope_for_user(w.county_a_admin))
    spans = rollup.teacher_spans(
        pool.values("pk"), {"all": rollup.Span(*year_bounds(2026), tuple(LessonStatus.values))}
    )
    assert set(spans["all"]) == {w.teacher_a.pk}


@pytest.mark.parametrize("complement", [True, False])
@pytest.mark.parametrize(
    "instant",
    [
        "2026-11-20T04:00:00+00:00",  # 12:00 on 20 November: the window opens on 22 August
        "2026-08-31T15:30:00+00:00",  # 23:30 on 31 August
        "2026-12-31T16:30:00+00:00",  # 00:30 on New Year's Day
    ],
)
def test_a_cut_month_read_either_way_is_the_same(lw, travel, monkeypatch, instant, complement):
    """A month cut by a span is read from its lessons, or as the whole month less the rest:
    which is a guess of cost only, never of the figures."""
    monkeypatch.setattr(rollup, "by_complement", lambda *args: complement)
    now = datetime.datetime.fromisoformat(instant)
    travel.move_to(now)
    assert_equal_to_raw(lw, now)


def test_a_scope_with_no_pool_teacher_reads_no_spans(world):
    """A judge or a liaison sees no pool teacher: the spans are empty, not an error (the
    warnings page and API answered 500 for them)."""
    from dangke.accounts.scoping import scope_for_user
    from dangke.advice.services import pool_teachers, warnings_for

    for user in (world.judge, world.liaison):
        scope = scope_for_user(user)
        assert not pool_teachers(scope).exists()
        assert warnings_for(scope) == []
