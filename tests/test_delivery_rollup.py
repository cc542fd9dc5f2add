"""Issue #18: the year's delivery rollup (`delivery.rollup`) equals the raw computation from
the lessons — the year figures' lessons, attendance, coverage and campaigns, the coverage
page's service, the work report's coverage by area and lessons by month — after each kind of
lesson write, after a rebuild, for each county's scope and the city's. Small data on
purpose: the benchmark, not a test, measures the size."""

import datetime
import threading
import time
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from dangke.accounts.scoping import Scope, scope_for_user
from dangke.core.calendar import year_bounds
from dangke.core.services import change_statuses
from dangke.courses.categories import CourseCategory
from dangke.delivery import rollup, services
from dangke.delivery.models import (
    Campaign,
    CourseOrder,
    DeliveringTeacher,
    Lesson,
    LessonStatus,
    LessonTally,
    OrderStatus,
    OrderTally,
    ReachedOrganization,
)
from dangke.imports.models import ImportJob, ImportState
from dangke.regions.models import Organization, OrganizationKind
from dangke.reports.queries import year_figures
from dangke.workreport.data import coverage_by_area, lessons_by_month
from tests.test_imports import ORG_HEADERS, upload, workbook

YEAR = timezone.localdate().year - 1  # a whole past year: every lesson in it may be given
DELIVERY_KEYS = ("lessons", "attendees", "members_reached", "orders", "campaigns")


def at(year, month, day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def record(w, actor, organization, course, teacher, when, **extra):
    return services.record_manual_lesson(
        scope=scope_for_user(actor), actor=actor, course=course, organization=organization,
        starts_at=when, teachers=[teacher], **extra,
    )  # fmt: skip


@pytest.fixture
def rw(world):
    """County A: org_a hosts a campaign lesson co-hosted by org_b of county B (given, 50
    people), org_a2 a planned and a cancelled one; county B: org_b gives one online (30), and
    one at 00:30 on 1 January of the year after (local time: not this year's). Orders: org_a's
    two placed now (the year after), org_b's placed at 23:30 on 31 December."""
    w = world
    w.org_a2 = Organization.objects.create(
        code="O-A-002", name="张公桥村党支部", kind=OrganizationKind.VILLAGE,
        region=w.village_a, member_count=40,
    )  # fmt: skip
    w.campaign = Campaign.objects.create(
        name="万堂示范课", region=w.county_a, starts_on=datetime.date(YEAR, 1, 1),
        ends_on=datetime.date(YEAR, 12, 31), target_lessons=10,
    )  # fmt: skip
    w.given_a = record(
        w, w.county_a_admin, w.org_a, w.course_a, w.teacher_a, at(YEAR, 6, 1),
        other_organizations=[w.org_b], campaign=w.campaign, attendees_count=50,
    )  # fmt: skip
    w.given_b = record(
        w, w.county_b_admin, w.org_b, w.course_b, w.teacher_b, at(YEAR, 12, 31, 23, 30),
        mode="online", attendees_count=30, duration_minutes=60,
    )  # fmt: skip
    w.next_year = record(
        w, w.county_b_admin, w.org_b, w.course_b, w.teacher_b, at(YEAR + 1, 1, 1, 0, 30),
        status=LessonStatus.PLANNED,
    )  # fmt: skip
    w.planned = record(
        w, w.county_a_admin, w.org_a2, w.course_a, w.teacher_a, at(YEAR, 7, 1),
        status=LessonStatus.PLANNED, mode="loudspeaker",
    )  # fmt: skip
    cancelled = record(
        w, w.county_a_admin, w.org_a2, w.course_a, w.teacher_a, at(YEAR, 7, 2),
        status=LessonStatus.PLANNED,
    )  # fmt: skip
    services.cancel_lesson(
        cancelled, scope=scope_for_user(w.county_a_admin), actor=w.county_a_admin, reason="雨天"
    )
    w.orders = [
        services.place_order(
            scope=scope_for_user(admin), actor=admin, organization=organization,
            course=w.course_a, expected_attendees=30, dates=[timezone.localdate().isoformat()],
        )
        for admin, organization in (
            (w.county_a_admin, w.org_a), (w.county_a_admin, w.org_a), (w.county_b_admin, w.org_b),
        )
    ]  # fmt: skip
    w.orders[2].created_at = at(YEAR, 12, 31, 23, 30)  # a save moving it: old and new keys
    w.orders[2].save()
    return w


@contextmanager
def raw_rows(monkeypatch):
    """Every reader on the raw lessons: no scope reads the rollup, and 'reached' is the
    EXISTS on the year's given lessons the rollup replaced."""

    def reached_raw(year, *, campaign=None, codes=None):
        assert campaign is None and codes is None  # the coverage service has its own raw path
        first, last = year_bounds(year)
        given = Lesson.objects.unscoped("the test's raw computation").filter(
            status=LessonStatus.DELIVERED, starts_at__gte=first, starts_at__lt=last
        )
        return services.hosted_one_of(given.order_by())

    with monkeypatch.context() as patched:
        patched.setattr(Scope, "county_prefixes", lambda scope, region_code=None: None)
        patched.setattr(rollup, "reached_in", reached_raw)
        yield


def _figures(user, campaign, year=YEAR):
    scope = scope_for_user(user)
    figures = year_figures(scope, year)
    code = scope.region_codes[0]
    return {
        "year": {key: figures[key] for key in DELIVERY_KEYS},
        "organizations": figures["organizations"],
        "members": figures["members"],
        "coverage": services.coverage(scope, year),
        "campaign": services.coverage(scope, year, campaign),
        "by_area": coverage_by_area(scope, year, code),
        "by_month": lessons_by_month(scope, year, code),
    }


def assert_rollup_equals_raw(w, monkeypatch) -> dict:
    """For each county admin and the city admin, this year and the next: the figures read
    from the rollup equal those from the raw lessons. Returns the city's of this year."""
    for year in (YEAR, YEAR + 1):
        for user in (w.county_a_admin, w.county_b_admin, w.city_admin):
            assert scope_for_user(user).county_prefixes() is not None
            rolled_up = _figures(user, w.campaign, year)
            with raw_rows(monkeypatch):
                raw = _figures(user, w.campaign, year)
            assert rolled_up == raw, (user.username, year)
    return _figures(w.city_admin, w.campaign)


def test_the_rollup_equals_the_raw_lessons_as_recorded(rw, monkeypatch):
    city = assert_rollup_equals_raw(rw, monkeypatch)
    assert city["year"]["lessons"]["by_state"] == {
        "planned": 1, "confirmed": 0, "delivered": 2, "cancelled": 1,
    }  # fmt: skip
    assert city["year"]["lessons"]["total"] == 3
    assert city["year"]["attendees"] == 80
    assert city["organizations"]["covered"] == 2  # org_a, and org_b as co-host and host
    assert city["year"]["campaigns"][0]["organizations_covered"] == 2
    assert city["year"]["campaigns"][0]["teachers_by_level"]["county"] == 1
    assert city["coverage"]["teachers_active"] == 2
    assert city["coverage"]["hours"] == 2.5
    assert city["by_month"][12] == 1  # 23:30 on 31 December, Shanghai time
    # County A's campaign lesson reaches org_b (county B) for county B's coverage only as a
    # lesson of county A: B's own scope does not see that lesson, so it is not its reach.
    county_b = _figures(rw.county_b_admin, rw.campaign)
    assert county_b["campaign"]["reached"] == 0
    assert county_b["organizations"]["covered"] == 1
    assert _figures(rw.county_b_admin, rw.campaign, YEAR + 1)["year"]["lessons"]["total"] == 1


def test_orders_by_state_are_kept_as_orders_are_placed_withdrawn_planned_and_deleted(
    rw, monkeypatch
):
    w = rw
    assert _figures(w.city_admin, w.campaign, YEAR + 1)["year"]["orders"]["by_state"] == {
        "submitted": 2, "planned": 0, "withdrawn": 0, "unserved": 0,
    }  # fmt: skip
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert city["year"]["orders"]["by_state"]["submitted"] == 1  # 31 December, 23:30 local

    services.withdraw_order(
        w.orders[0], scope=scope_for_user(w.county_a_admin), actor=w.county_a_admin
    )
    with transaction.atomic():  # as publishing a plan does: the orders locked, changed in bulk
        locked = list(CourseOrder.objects.unscoped("the test").select_for_update().filter(
            pk__in=[w.orders[1].pk, w.orders[2].pk]
        ))  # fmt: skip
        change_statuses(
            locked, OrderStatus.UNSERVED, actor=w.city_admin, reasons=["无空闲师资"] * 2
        )
    assert_rollup_equals_raw(w, monkeypatch)
    by_state = _figures(w.county_a_admin, w.campaign, YEAR + 1)["year"]["orders"]["by_state"]
    assert (by_state["withdrawn"], by_state["unserved"], by_state["submitted"]) == (1, 1, 0)

    moved = CourseOrder.objects.unscoped("the test").get(pk=w.orders[2].pk)
    moved.created_at = at(YEAR + 1, 1, 1, 0, 30)  # a save naming only when it was placed
    moved.save(update_fields=["created_at"])
    assert_rollup_equals_raw(w, monkeypatch)

    CourseOrder.objects.unscoped("the test").get(pk=w.orders[2].pk).delete()
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert city["year"]["orders"]["total"] == 0


def test_status_changes_moves_and_attendance_keep_it(rw, monkeypatch):
    w = rw
    scope = scope_for_user(w.county_a_admin)
    # Moved to the year before (its old month and year lose it), then confirmed and given.
    services.confirm_lesson(
        w.planned, scope=scope, actor=w.county_a_admin, starts_at=at(YEAR, 3, 5)
    )
    services.deliver_lesson(w.planned, scope=scope, actor=w.county_a_admin, attendees_count=12)
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert city["year"]["lessons"]["by_state"]["delivered"] == 3
    assert city["year"]["attendees"] == 92
    assert city["organizations"]["covered"] == 3
    assert city["by_month"][3] == 1 and city["by_month"][7] == 0

    services.sign_listed(w.given_b, name="赵六", phone="13900000000")
    services.record_attendance_list(
        w.given_a, [{"name": "钱七", "phone": "13900000001"}], scope=scope, actor=w.county_a_admin
    )
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert city["year"]["attendees"] == 94

    planned = Lesson.objects.get(pk=w.next_year.pk)
    services.cancel_lesson(
        planned, scope=scope_for_user(w.county_b_admin), actor=w.county_b_admin, reason="改期"
    )
    assert_rollup_equals_raw(w, monkeypatch)


def test_co_hosts_teachers_moves_and_deletions_keep_it(rw, monkeypatch):
    w = rw
    # org_a reached by the campaign from both counties: two marks, one organisation
    record(
        w, w.county_b_admin, w.org_b, w.course_b, w.teacher_b, at(YEAR, 8, 1),
        other_organizations=[w.org_a], campaign=w.campaign, attendees_count=5,
    )  # fmt: skip
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert city["year"]["campaigns"][0]["organizations_covered"] == 2
    assert city["year"]["campaigns"][0]["members_reached"] == 95
    lesson = Lesson.objects.get(pk=w.given_a.pk)
    lesson.other_organizations.add(w.org_a2)
    lesson.teachers.add(w.teacher_b)
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert city["organizations"]["covered"] == 3 and city["coverage"]["teachers_active"] == 2
    assert city["year"]["campaigns"][0]["teachers_by_level"]["county"] == 2

    lesson.other_organizations.remove(w.org_b)
    w.org_a.guest_lessons.clear()  # from the organisation's side too
    lesson.teachers.set([w.teacher_b])
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert city["year"]["campaigns"][0]["organizations_covered"] == 3  # org_a, org_a2, org_b

    lesson.organization = w.org_b  # a host moved to another county, and a year later
    lesson.starts_at = at(YEAR + 1, 1, 1, 0, 10)
    lesson.save()
    assert_rollup_equals_raw(w, monkeypatch)

    Lesson.objects.get(pk=w.given_b.pk).delete()
    city = assert_rollup_equals_raw(w, monkeypatch)
    # left: 1 August's campaign lesson at org_b (its co-host org_a cleared above)
    assert (
        city["year"]["lessons"]["by_state"]["delivered"] == 1
        and city["organizations"]["covered"] == 1
    )


def test_a_course_changing_category_recounts_its_lessons(rw, monkeypatch):
    rw.course_a.category = CourseCategory.PARTY_SPIRIT
    rw.course_a.save()
    city = assert_rollup_equals_raw(rw, monkeypatch)
    assert city["year"]["lessons"]["by_category"][CourseCategory.PARTY_SPIRIT] == 2


def test_roster_changes_need_no_upkeep(rw, monkeypatch):
    Organization.objects.filter(pk=rw.org_a.pk).update(member_count=70)
    Organization.objects.filter(pk=rw.org_b.pk).update(is_active=False)
    city = assert_rollup_equals_raw(rw, monkeypatch)
    assert city["year"]["members_reached"] == 70 and city["organizations"]["covered"] == 1


def test_the_writes_are_counted_when_their_transaction_commits(
    rw, django_capture_on_commit_callbacks
):
    rollup.flush()
    lesson, scope = Lesson.objects.get(pk=rw.planned.pk), scope_for_user(rw.county_a_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_lesson(lesson, scope=scope, actor=rw.county_a_admin)
        services.deliver_lesson(lesson, scope=scope, actor=rw.county_a_admin, attendees_count=7)
    assert not any(rollup._keys().values())  # counted on commit, nothing left for a reader
    planned_month = LessonTally.objects.unscoped("the test reads the tallies").get(
        year=YEAR, month=7, mode="loudspeaker"
    )
    assert (planned_month.status, planned_month.lessons, planned_month.attendees) == (
        LessonStatus.DELIVERED, 1, 7,
    )  # fmt: skip
    assert (
        ReachedOrganization.objects.unscoped("the test")
        .filter(organization=rw.org_a2, year=YEAR, campaign=None)
        .exists()
    )


def _spoil():
    LessonTally.objects.unscoped("the test spoils the rollup").update(lessons=99)
    OrderTally.objects.unscoped("the test spoils the rollup").update(orders=99)
    ReachedOrganization.objects.unscoped("the test spoils the rollup").all().delete()
    DeliveringTeacher.objects.unscoped("the test spoils the rollup").filter(year=YEAR).delete()


def test_a_rebuild_recomputes_it_from_the_lessons(rw, monkeypatch):
    rollup.flush()
    _spoil()
    counts = rollup.rebuild()
    assert counts["organizations"] == ReachedOrganization.objects.unscoped("the test").count()
    assert_rollup_equals_raw(rw, monkeypatch)
    _spoil()
    rollup.rebuild(YEAR, region=rw.county_a.code)
    rollup.rebuild(YEAR + 1)
    rollup.rebuild(YEAR, region=rw.county_b.code)
    assert_rollup_equals_raw(rw, monkeypatch)


def test_a_rebuild_of_a_county_counts_its_co_hosts_elsewhere_again(rw, monkeypatch):
    """County A's campaign lesson is co-hosted by org_b of county B: rebuilding county A
    makes org_b's mark again, and county B's coverage is counted again with it."""
    from dangke.delivery.models import ReachTally

    rollup.flush()
    ReachTally.objects.unscoped("the test spoils the rollup").update(organizations=0, members=0)
    rollup.rebuild(YEAR, region=rw.county_a.code)
    county_b = _figures(rw.county_b_admin, rw.campaign)
    assert county_b["organizations"]["covered"] == 1
    assert county_b["year"]["members_reached"] == rw.org_b.member_count
    assert_rollup_equals_raw(rw, monkeypatch)


def test_the_rebuild_command(rw, monkeypatch, capsys):
    rollup.flush()
    _spoil()
    call_command("rebuild_delivery_rollup")
    assert "已重建年度授课汇总" in capsys.readouterr().out
    assert_rollup_equals_raw(rw, monkeypatch)


def test_narrow_scopes_read_the_raw_lessons(rw):
    """A liaison (by organisation) and a township scope never read the rollup."""
    assert scope_for_user(rw.liaison).county_prefixes() is None
    city = scope_for_user(rw.city_admin)
    assert city.county_prefixes("511102001") is None
    assert city.county_prefixes("511102") == ("511102",)
    assert city.county_prefixes("5112") == ()


@pytest.mark.django_db(transaction=True)
def test_two_workers_recounting_one_county_at_once_do_not_double_it(rw):
    """Two sign-ins of one county on two web workers: the second recount waits for the
    first to commit, then replaces its rows (without the wait, READ COMMITTED lets the
    second DELETE miss the first's new rows and the county's lessons count twice)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    lesson = Lesson.objects.get(pk=rw.given_a.pk)
    first_recounted = threading.Event()
    failures = []

    def first_worker():
        try:
            with transaction.atomic():
                rollup.lessons_changed([lesson.pk], reach=False)
                rollup.flush()
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
            rollup.lessons_changed([lesson.pk], reach=False)
            rollup.flush()
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
    county, (first, last) = lesson.region_id[:6], year_bounds(YEAR)
    counted = LessonTally.objects.unscoped("the test reads the tallies").filter(
        county=county, year=YEAR
    )
    raw = Lesson.objects.unscoped("the test's raw count").filter(
        region__code__startswith=county, starts_at__gte=first, starts_at__lt=last
    )
    assert sum(counted.values_list("lessons", flat=True)) == raw.count() == 3


def test_organisation_writes_keep_the_counts_by_kind_and_the_coverage(
    rw, monkeypatch, client, settings, tmp_path
):
    """Members, kind, county and whether active are the organisation's own fields, written
    by its form, the admin and the organisations import: the counts by kind and the coverage
    (organisations reached and their members, per campaign too) follow each write."""
    w = rw
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert (city["year"]["members_reached"], city["members"]) == (
        w.org_a.member_count + w.org_b.member_count,
        w.org_a.member_count + w.org_a2.member_count + w.org_b.member_count,
    )

    w.org_b.member_count += 25  # a co-host of the campaign's lesson and a host
    w.org_b.save()
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert city["year"]["members_reached"] == w.org_a.member_count + w.org_b.member_count
    assert city["year"]["campaigns"][0]["members_reached"] == city["year"]["members_reached"]

    w.org_a.is_active = False  # only the field it names: still counted as a save
    w.org_a.save(update_fields=["is_active"])
    city = assert_rollup_equals_raw(w, monkeypatch)
    assert (
        city["organizations"]["covered"] == 1
        and city["year"]["campaigns"][0]["organizations_covered"] == 1
    )

    w.org_a2.region = w.village_b  # moves to county B, changes kind
    w.org_a2.kind = OrganizationKind.SCHOOL
    w.org_a2.save()
    assert_rollup_equals_raw(w, monkeypatch)
    county_b = _figures(w.county_b_admin, w.campaign)
    assert county_b["organizations"]["by_kind"]["school"] == 1

    # A co-host added, counted, then deleted: its marks go with it.
    co_host = Organization.objects.create(
        code="O-B-009", name="大榜村小学党支部", kind=OrganizationKind.SCHOOL,
        region=w.village_b, member_count=7,
    )  # fmt: skip
    w.given_a.other_organizations.add(co_host)
    assert _figures(w.county_b_admin, w.campaign)["year"]["members_reached"] == (
        w.org_b.member_count + 7
    )
    assert_rollup_equals_raw(w, monkeypatch)
    co_host.delete()
    assert _figures(w.county_b_admin, w.campaign)["year"]["members_reached"] == w.org_b.member_count
    assert_rollup_equals_raw(w, monkeypatch)

    # The organisations import writes in bulk, past the model's signals.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(w.city_admin)
    upload(
        client, "organizations",
        workbook(ORG_HEADERS, [
            [w.org_b.code, w.org_b.name, "村", w.village_b.code, None, 300, None],
            ["O-A-100", "新建企业党支部", "企业", w.village_a.code, None, 12, None],
        ]),
    )  # fmt: skip
    job = ImportJob.objects.latest("id")
    client.post(f"/imports/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.state == ImportState.DONE, job.errors
    assert_rollup_equals_raw(w, monkeypatch)
    county_b = _figures(w.county_b_admin, w.campaign)
    assert county_b["year"]["members_reached"] == 300
    assert _figures(w.county_a_admin, w.campaign)["organizations"]["by_kind"]["enterprise"] == 1


def test_a_rebuild_counts_the_organisations_and_their_coverage_again(rw, monkeypatch):
    from dangke.delivery.models import ReachTally
    from dangke.regions import rollup as organization_rollup
    from dangke.regions.models import OrganizationTally

    rollup.flush()  # what the fixture's writes noted, as at their commit
    ReachTally.objects.unscoped("the test spoils the rollup").update(members=0)
    OrganizationTally.objects.unscoped("the test spoils the rollup").update(organizations=0)
    organization_rollup.rebuild(region=rw.county_a.code)  # county A's coverage, B's still spoilt
    assert _figures(rw.county_a_admin, rw.campaign)["organizations"]["total"] == 2
    assert _figures(rw.county_b_admin, rw.campaign)["year"]["members_reached"] == 0
    call_command("rebuild_organization_rollup")
    assert_rollup_equals_raw(rw, monkeypatch)
