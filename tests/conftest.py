"""A small world with fixed role users (two counties of one city), used by every test
that checks what a user may see or do."""

from dataclasses import dataclass

import pytest

from dangke.accounts.models import Role
from dangke.accounts.services import create_user_with_role
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseStatus
from dangke.faculty.models import (
    Teacher,
    TeacherLevel,
    TeacherSpecialty,
    TeacherStatus,
    TeachingGroup,
)
from dangke.regions.models import Organization, OrganizationKind, Region, RegionLevel

PASSWORD = "test-pass-123"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that loads a demo (`bulk_build`), once its transaction is rolled back:
    on PostgreSQL the rows it wrote stay in the tables as dead rows until a vacuum, so the
    tests after it (another demo build above all) would read through them — the province
    build after another took 180 s instead of 27."""
    result = yield
    if item.get_closest_marker("bulk_build") is not None:
        _vacuum_the_test_database(item.config)
    return result


def _vacuum_the_test_database(config) -> None:
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    if connection.vendor != "postgresql":
        return
    with config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


@dataclass
class World:
    province: Region
    city: Region
    county_a: Region
    county_b: Region
    village_a: Region
    village_b: Region
    group: TeachingGroup
    teacher_a: Teacher
    teacher_b: Teacher
    city_teacher: Teacher
    org_a: Organization
    org_b: Organization
    course_a: Course
    course_b: Course
    city_admin: object
    county_a_admin: object
    county_b_admin: object
    organiser: object
    group_leader: object
    teacher_user: object
    liaison: object
    judge: object


def make_region(code, name, level, parent=None):
    return Region.objects.create(code=code, name=name, level=level, parent=parent)


def make_teacher(
    code, name, region, level=TeacherLevel.COUNTY, status=TeacherStatus.ACTIVE, **extra
):
    teacher = Teacher.objects.create(
        code=code, name=name, region=region, level=level, status=status, **extra
    )
    TeacherSpecialty.objects.create(teacher=teacher, category=CourseCategory.THEORY)
    return teacher


@pytest.fixture
def world(db) -> World:
    province = make_region("51", "四川省", RegionLevel.PROVINCE)
    city = make_region("5111", "乐山市", RegionLevel.CITY, province)
    county_a = make_region("511102", "市中区", RegionLevel.COUNTY, city)
    county_b = make_region("511123", "犍为县", RegionLevel.COUNTY, city)
    town_a = make_region("511102001", "张公桥街道", RegionLevel.TOWNSHIP, county_a)
    town_b = make_region("511123100", "玉津镇", RegionLevel.TOWNSHIP, county_b)
    village_a = make_region("511102001001", "张公桥社区", RegionLevel.VILLAGE, town_a)
    village_b = make_region("511123100201", "大榜村", RegionLevel.VILLAGE, town_b)
    group = TeachingGroup.objects.create(name="第一教研组", region=city)
    teacher_a = make_teacher(
        "T-A-001", "王红梅", county_a, home_latitude=29.58, home_longitude=103.76
    )
    teacher_b = make_teacher(
        "T-B-001", "李建国", county_b, home_latitude=29.21, home_longitude=103.95
    )
    city_teacher = make_teacher("T-C-001", "张志强", city, level=TeacherLevel.CITY)
    city_teacher.groups.add(group)
    org_a = Organization.objects.create(
        code="O-A-001",
        name="张公桥社区党委",
        kind=OrganizationKind.COMMUNITY,
        region=village_a,
        member_count=60,
    )
    org_b = Organization.objects.create(
        code="O-B-001",
        name="大榜村党支部",
        kind=OrganizationKind.VILLAGE,
        region=village_b,
        member_count=35,
    )
    course_a = Course.objects.create(
        code="C-A-001",
        title="坚持党建引领激活村级治理新动能",
        category=CourseCategory.THEORY,
        region=county_a,
        status=CourseStatus.LISTED,
    )
    course_a.teachers.add(teacher_a)
    course_b = Course.objects.create(
        code="C-B-001",
        title="强化国土空间规划引领",
        category=CourseCategory.POLICY,
        region=county_b,
        status=CourseStatus.LISTED,
        teaching_group=group,
    )
    course_b.teachers.add(teacher_b)

    def user(name, role, region, **binding):
        return create_user_with_role(name, password=PASSWORD, role=role, region=region, **binding)

    teacher_user = user("teacher", Role.TEACHER, county_a)
    teacher_a.user = teacher_user
    teacher_a.save(update_fields=["user"])
    return World(
        province=province,
        city=city,
        county_a=county_a,
        county_b=county_b,
        village_a=village_a,
        village_b=village_b,
        group=group,
        teacher_a=teacher_a,
        teacher_b=teacher_b,
        city_teacher=city_teacher,
        org_a=org_a,
        org_b=org_b,
        course_a=course_a,
        course_b=course_b,
        city_admin=user("city-admin", Role.REGION_ADMIN, city),
        county_a_admin=user("county-a", Role.REGION_ADMIN, county_a),
        county_b_admin=user("county-b", Role.REGION_ADMIN, county_b),
        organiser=user("organiser", Role.ORGANISER, city),
        group_leader=user("group-leader", Role.GROUP_LEADER, city, teaching_group=group),
        teacher_user=teacher_user,
        liaison=user("liaison", Role.LIAISON, county_a, organization=org_a),
        judge=user("judge", Role.JUDGE, city),
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at production strength costs ~0.3 s per user; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _scoping_fails_closed(settings):
    """In a request, a query of a scoped model without visible_to(scope) or unscoped(reason)
    raises UnscopedQuery (production only logs it)."""
    settings.DANGKE_SCOPING_STRICT = True


@pytest.fixture(autouse=True)
def _heartbeats_from_moves_only(settings):
    """No heartbeat thread beside a test's task body (tests/test_jobs.py turns it on):
    a second connection to the in-memory test database could lock the test's own."""
    settings.JOB_HEARTBEAT_SECONDS = 0


@pytest.fixture(autouse=True)
def _no_logged_exceptions(request, caplog):
    """A test fails when an error was logged with its traceback (a 500 Django swallowed, a
    task that died): such errors hide behind a page that still rendered. A test that causes
    one on purpose says so with `@pytest.mark.logs_errors`."""
    import logging

    caplog.set_level(logging.ERROR)
    yield
    if request.node.get_closest_marker("logs_errors"):
        return
    logged = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR and r.exc_info]
    assert not logged, "logged: " + "; ".join(
        f"{r.name}: {r.getMessage()} ({r.exc_info[0].__name__})" for r in logged
    )


# Instants at which a date computed the wrong way shows (each in UTC, as CI's clock runs):
# 00:30 on New Year's Day in Shanghai (still 31 December in UTC), a minute before midnight on
# New Year's Eve, 00:40 on an ordinary day (the hour main's CI went red), and a leap day.
CLOCK_INSTANTS = {
    "new-year-0030": "2026-12-31T16:30:00+00:00",
    "new-years-eve-2359": "2026-12-31T15:59:00+00:00",
    "ordinary-day-0040": "2026-12-06T16:40:00+00:00",
    "leap-day-0030": "2028-02-28T16:30:00+00:00",
}


@pytest.fixture(params=list(CLOCK_INSTANTS))
def clock(request):
    """Runs the test at each of `CLOCK_INSTANTS` (the clock then runs on). Ask for it before
    any fixture that writes rows, so that they are written at the moved clock too."""
    import datetime

    import time_machine

    instant = datetime.datetime.fromisoformat(CLOCK_INSTANTS[request.param])
    with time_machine.travel(instant, tick=True):
        yield instant


# 12:00 on 20 November 2026 in Shanghai: late in a year, far from any boundary.
PINNED_INSTANT = "2026-11-20T04:00:00+00:00"


@pytest.fixture
def pinned_clock():
    """For tests whose subject is not the calendar but that read 'this year' and make
    lessons 'a few days ago': at 00:30 on 1 January those lie in another year, rightly.
    Such tests run at `PINNED_INSTANT`; the calendar's own tests use `clock`."""
    import datetime

    import time_machine

    with time_machine.travel(datetime.datetime.fromisoformat(PINNED_INSTANT), tick=True):
        yield


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """A browser test fails on any Content-Security-Policy violation (tests/test_browser.py
    collects them from every page it opens)."""
    yield
    if request.node.get_closest_marker("browser") is None:
        return
    from tests.test_browser import CSP_VIOLATIONS

    found = list(CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()
    assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)
