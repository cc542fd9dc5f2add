"""Issue #18: the warnings card reads kept levels (`faculty.KeptWarningLevel`) instead of
judging a whole pool on every request. The kept levels equal the live judgement
(`advice.services.warnings_for`) scope by scope, and again after each write the judgement
reads (lessons, scores, the teacher's record, the quota) and on the next day; a judgement
that a change overtook is not kept. Small data: the benchmark measures the size."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.advice.services import kept_levels, pool_teachers, warnings_card, warnings_for
from dangke.delivery import services as delivery
from dangke.delivery.models import LessonStatus
from dangke.evaluation.rollups import refresh_teacher_years
from dangke.faculty import warning_levels
from dangke.faculty.models import POOL_STATUSES, KeptWarningLevel, Quota, Teacher, TeacherLevel

pytestmark = pytest.mark.usefixtures("pinned_clock")


@pytest.fixture
def quota(world):
    return Quota.objects.create(
        region=world.city, year=2026, level=TeacherLevel.COUNTY, min_lessons=2,
        min_hours=Decimal("3"), min_score=Decimal("80"), min_responses=0,
    )  # fmt: skip


def admins(world):
    return (world.city_admin, world.county_a_admin, world.county_b_admin, world.group_leader)


def kept(scope) -> dict[int, str]:
    return dict(kept_levels(pool_teachers(scope)).values_list("teacher_id", "level"))


def live(scope) -> dict[int, str]:
    return {row.teacher.pk: row.level for row in warnings_for(scope, include_quiet=True)}


def assert_kept_equals_live(world):
    for user in admins(world):
        scope = scope_for_user(user)
        assert kept(scope) == live(scope), user.username


def deliver(world, teacher, days_ago, minutes=120):
    admin = world.county_a_admin
    return delivery.record_manual_lesson(
        scope=scope_for_user(admin), actor=admin, course=world.course_a,
        organization=world.org_a, starts_at=timezone.now() - datetime.timedelta(days=days_ago),
        teachers=[teacher], status=LessonStatus.DELIVERED, duration_minutes=minutes,
    )  # fmt: skip


def test_kept_levels_equal_the_live_judgement_in_every_scope(world, quota):
    assert_kept_equals_live(world)
    assert kept(scope_for_user(world.county_a_admin)) == {world.teacher_a.pk: "warn"}
    # Judged once: the second read judges nobody.
    judged = set(KeptWarningLevel.objects.unscoped("test").values_list("teacher_id", "judged_at"))
    assert_kept_equals_live(world)
    assert set(
        KeptWarningLevel.objects.unscoped("test").values_list("teacher_id", "judged_at")
    ) == (judged)


def test_the_card_counts_from_kept_levels_and_follows_lessons(world, quota):
    scope = scope_for_user(world.county_a_admin)
    card = warnings_card(scope)["warning_card"]
    assert (card["warn"], card["watch"]) == (1, 0)
    assert [row.teacher.pk for row in card["rows"]] == [world.teacher_a.pk]

    deliver(world, world.teacher_a, days_ago=30)
    deliver(world, world.teacher_a, days_ago=10)
    card = warnings_card(scope)["warning_card"]
    assert (card["warn"], card["watch"], card["rows"]) == (0, 0, [])
    assert_kept_equals_live(world)


def test_the_teachers_record_the_quota_and_the_scores_each_forget_the_level(world, quota):
    county_a = scope_for_user(world.county_a_admin)
    assert kept(county_a) == {world.teacher_a.pk: "warn"}

    world.teacher_a.level = TeacherLevel.CITY  # no quota binds a city teacher
    world.teacher_a.save(update_fields=["level"])
    assert kept(county_a) == live(county_a) == {world.teacher_a.pk: ""}

    world.teacher_a.level = TeacherLevel.COUNTY
    world.teacher_a.save(update_fields=["level"])
    quota.min_lessons, quota.min_hours = 0, Decimal("0")
    quota.save()
    assert kept(county_a) == live(county_a)
    quota.delete()
    assert kept(county_a) == live(county_a)

    before = KeptWarningLevel.objects.unscoped("test").get(teacher=world.teacher_a).judged_at
    refresh_teacher_years([world.teacher_a.pk])
    kept(county_a)
    after = KeptWarningLevel.objects.unscoped("test").get(teacher=world.teacher_a).judged_at
    assert after > before  # judged again after its scores were recomputed


def test_a_level_is_good_for_its_day_only(world, quota):
    scope = scope_for_user(world.county_a_admin)
    kept(scope)
    row = KeptWarningLevel.objects.unscoped("test").get(teacher=world.teacher_a)
    with time_machine.travel(row.judged_at + datetime.timedelta(days=1), tick=False):
        assert kept(scope) == live(scope)
        again = KeptWarningLevel.objects.unscoped("test").get(teacher=world.teacher_a)
    assert timezone.localdate(again.judged_at) == timezone.localdate(row.judged_at) + (
        datetime.timedelta(days=1)
    )


def test_a_judgement_overtaken_by_a_change_is_not_kept(world, quota):
    """A judgement began reading; the teacher's lessons changed and committed before it
    wrote: what it read may be the old rows, so its level is not kept."""
    warning_levels.flush()  # the world's own writes commit
    began = timezone.now()
    warning_levels.forget([world.teacher_a.pk])
    warning_levels.flush()  # the change commits (marks are written on commit)
    warning_levels.keep({world.teacher_a.pk: "warn", world.teacher_b.pk: "warn"}, began)
    rows = dict(KeptWarningLevel.objects.unscoped("test").values_list("teacher_id", "judged_at"))
    assert rows[world.teacher_a.pk] is None  # marked, never judged since
    assert rows[world.teacher_b.pk] == began
    good = warning_levels.good_levels(timezone.localdate(began))
    assert set(good.values_list("teacher_id", flat=True)) == {world.teacher_b.pk}


def test_a_mark_for_a_teacher_deleted_since_is_dropped(world, quota):
    """The lessons of a deleted teacher are recounted after the teacher is gone."""
    gone = world.teacher_b.pk + 1000
    warning_levels.forget([gone, world.teacher_b.pk])
    warning_levels.flush()
    marked = set(KeptWarningLevel.objects.unscoped("test").values_list("teacher_id", flat=True))
    assert world.teacher_b.pk in marked and gone not in marked


def test_the_days_judgement_ahead_leaves_the_offices_first_read_nothing_to_judge(world, quota):
    out = StringIO()
    call_command("judge_warnings", stdout=out)
    pool = set(Teacher.objects.filter(status__in=POOL_STATUSES).values_list("pk", flat=True))
    assert len(pool) >= 2
    assert f"判定当日预警等级的教师 {len(pool):,} 名" in out.getvalue()
    rows = KeptWarningLevel.objects.unscoped("test")
    good = warning_levels.good_levels(timezone.localdate())
    assert set(good.values_list("teacher_id", flat=True)) == pool
    judged_at = dict(rows.values_list("teacher_id", "judged_at"))
    assert_kept_equals_live(world)  # the offices' reads: every level as judged ahead
    assert dict(rows.values_list("teacher_id", "judged_at")) == judged_at
    out = StringIO()
    call_command("judge_warnings", stdout=out)
    assert "判定当日预警等级的教师 0 名" in out.getvalue()
