"""Scoping fails closed: inside a request, a query of a scoped model must say whose scope
it reads for (`visible_to`) or why it needs none (`unscoped(reason)`), or reach its rows
through an object already held. Outside requests (commands, tasks, the demo builder)
nothing is checked."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.tasks import task
from django.test import RequestFactory

from dangke.accounts.middleware import ScopeMiddleware
from dangke.accounts.scoping import UnscopedQuery, acting_for_system, checking_queries
from dangke.courses.models import Course, Courseware
from dangke.regions.models import Region


@pytest.fixture(autouse=True)
def _strict(settings):
    settings.DANGKE_SCOPING_STRICT = True


def in_request(user, view):
    """Run `view(request)` behind the scoping middleware, as a page would."""
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    return ScopeMiddleware(view)(request)


def test_an_unscoped_query_in_a_request_fails_naming_the_model_and_the_line(world):
    with pytest.raises(UnscopedQuery) as refused:
        in_request(world.county_a_admin, lambda request: list(Course.objects.all()))
    message = str(refused.value)
    assert "courses.Course" in message
    assert "tests/test_scoping_fails_closed.py" in message


@pytest.mark.parametrize(
    "read",
    [
        lambda qs: list(qs),
        lambda qs: qs.count(),
        lambda qs: qs.exists(),
        lambda qs: qs.first(),
        lambda qs: qs.get(code="C-B"),
        lambda qs: list(qs.values_list("title", flat=True)),
        lambda qs: list(qs.iterator()),
        lambda qs: qs.update(title="改"),
        lambda qs: qs.delete(),
    ],
    ids=["list", "count", "exists", "first", "get", "values", "iterator", "update", "delete"],
)
def test_every_way_to_the_database_is_checked(world, read):
    world.course_b.code = "C-B"
    world.course_b.save()
    with checking_queries(), pytest.raises(UnscopedQuery):
        read(Course.objects.filter(region__code__startswith="5111"))
    assert Course.objects.get(pk=world.course_b.pk).title == world.course_b.title


def test_visible_to_in_a_request_sees_only_the_users_county(world):
    titles = in_request(
        world.county_a_admin,
        lambda request: sorted(
            Course.objects.visible_to(request.scope).values_list("title", flat=True)
        ),
    )
    assert titles == [world.course_a.title]


def test_unscoped_with_a_reason_reads_every_county(world):
    with checking_queries():
        count = (
            Course.objects.unscoped("测试：全市课程数")
            .filter(region__code__startswith="5111")
            .count()
        )
    assert count == 2


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_unscoped_without_a_reason_is_refused(world, reason):
    with pytest.raises(TypeError, match="reason"):
        Course.objects.unscoped(reason)


def test_rows_reached_through_an_object_already_held_count_as_scoped(world):
    Courseware.objects.create(
        course=world.course_a,
        version=1,
        file="courseware/a.pdf",
        original_name="课件一.pdf",
        kind="pdf",
        size_bytes=10,
    )
    with checking_queries():
        assert [c.original_name for c in world.course_a.courseware.all()] == ["课件一.pdf"]
        assert list(world.teacher_a.courses.all()) == list(
            Course.objects.visible_to(world.county_a_admin).filter(teachers=world.teacher_a)
        )
        # and a prefetch through the relation of scoped rows
        courses = list(
            Course.objects.visible_to(world.county_a_admin).prefetch_related("courseware")
        )
        assert [len(c.courseware.all()) for c in courses] == [1]


def test_a_mark_is_kept_through_chaining_and_lost_by_or_with_unmarked_rows(world):
    visible = Course.objects.visible_to(world.county_a_admin)
    with checking_queries():
        assert visible.filter(title=world.course_a.title).order_by("pk").exists()
        assert (visible & Course.objects.all()).count() == 1
        assert Course.objects.none().count() == 0
        with pytest.raises(UnscopedQuery):
            (visible | Course.objects.filter(pk=world.course_b.pk)).count()
        with pytest.raises(UnscopedQuery):
            visible.union(Course.objects.all()).count()


def test_djangos_uniqueness_check_is_not_refused(world):
    duplicate = Region(code=world.county_b.code, name="重复", level=world.county_b.level)
    with checking_queries(), pytest.raises(ValidationError) as invalid:
        duplicate.full_clean()
    assert "code" in invalid.value.message_dict


def test_outside_requests_nothing_is_checked(world):
    assert Course.objects.count() == 2
    with checking_queries(), acting_for_system():
        assert Course.objects.count() == 2


def test_in_production_an_unscoped_query_logs_a_warning_and_the_page_works(world, settings, caplog):
    settings.DANGKE_SCOPING_STRICT = False
    caplog.set_level(logging.WARNING, logger="dangke.scoping")
    count = in_request(
        world.county_a_admin, lambda request: Course.objects.filter(title__gt="").count()
    )
    assert count == 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "dangke.scoping"]
    assert len(warnings) == 1
    assert "courses.Course" in warnings[0] and "test_scoping_fails_closed.py" in warnings[0]


def test_a_querysets_own_visible_to_marks_it_scoped(world):
    from dangke.imports.models import ImportJob

    with checking_queries():
        assert ImportJob.objects.visible_to(world.county_a_admin).count() == 0


@task
def count_courses():
    return Course.objects.count()


def test_a_task_run_inside_a_request_acts_for_the_system(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with checking_queries():
        result = count_courses.enqueue()
        assert (result.status, result.return_value) == ("SUCCESSFUL", 2)
        with pytest.raises(UnscopedQuery):
            Course.objects.count()
