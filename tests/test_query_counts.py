"""Pages whose query count must not grow with their rows (pretalx's test_featured pattern):
each page is rendered with one and with three times the rows, and the counts must be equal."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangke.delivery import rollup
from dangke.evaluation import services, year_rollup
from dangke.evaluation.models import SurveyComment
from tests.test_delivery import dw  # noqa: F401  (fixture)
from tests.test_evaluation import make_lesson


def queries_for(client, url) -> int:
    rollup.flush()  # the delivery rollup's upkeep of the writes runs on commit, never in a test
    year_rollup.flush()  # and the evaluation rollup's
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def add_comments(world, count: int) -> None:
    for _ in range(count):
        survey = services.open_survey(make_lesson(world), actor=world.county_a_admin)
        SurveyComment.objects.create(
            survey=survey, role="trainee", body="案例很新", submitted_hour=survey.opens_at
        )


def test_comment_queue_queries_do_not_grow_with_comments(world, client):
    client.force_login(world.county_a_admin)
    url = reverse("evaluation:comments")
    add_comments(world, 1)
    one = queries_for(client, url)
    add_comments(world, 2)
    assert queries_for(client, url) == one


def publish_queries(world, served_days: list[int]) -> tuple[int, int]:
    """Queries to publish a plan of one served order per day in `served_days` and one order
    that cannot be served; and how many lessons it made."""
    from dangke.delivery import services as delivery
    from dangke.delivery.models import Lesson
    from tests.test_delivery import day, order_a

    for n in served_days:
        order_a(world, n)
    delivery.place_order(
        scope=world.scope_a, actor=world.county_a_admin, organization=world.org_a,
        category="policy", expected_attendees=20, dates=[day(world, 4)],
    )  # fmt: skip
    run = delivery.start_plan(
        scope=world.scope_a, actor=world.county_a_admin, region_code="511102",
        start=world.start, end=world.end,
    )  # fmt: skip
    ContentType.objects.clear_cache()  # both runs look their content types up afresh
    with CaptureQueriesContext(connection) as captured:
        delivery.publish_plan(run, actor=world.county_a_admin)
    return len(captured.captured_queries), Lesson.objects.count()


def test_publishing_a_plan_takes_the_same_queries_for_one_order_or_three(dw, settings):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    one, lessons = publish_queries(dw, [3])
    assert lessons == 1
    from dangke.delivery.models import CourseOrder, Lesson

    Lesson.objects.all().delete()
    CourseOrder.objects.all().delete()
    three, lessons = publish_queries(dw, [6, 9, 12])
    assert lessons == 3
    assert three == one


def add_campaigns(world, count: int) -> None:
    """`count` campaigns of the report year, each with one lesson given at a second host."""
    import datetime

    from dangke.core.calendar import report_year
    from dangke.delivery.models import Campaign, Lesson, LessonStatus

    year = report_year()
    for n in range(count):
        campaign = Campaign.objects.create(
            name=f"专项活动{Campaign.objects.count() + n}", region=world.county_a,
            starts_on=datetime.date(year, 1, 1), ends_on=datetime.date(year, 12, 31),
            target_lessons=10,
        )  # fmt: skip
        lesson = make_lesson(world)
        lesson.other_organizations.add(world.org_a)
        Lesson.objects.filter(pk=lesson.pk).update(status=LessonStatus.DELIVERED, campaign=campaign)
        rollup.lessons_changed([lesson.pk])  # a raw update: tell the rollup, as services do


def test_dashboard_queries_do_not_grow_with_campaigns(world, client):
    client.force_login(world.county_a_admin)
    url = reverse("reports:dashboard")
    add_campaigns(world, 1)
    client.get(url)  # the first read judges the pool's warning levels and keeps them
    one = queries_for(client, url)
    add_campaigns(world, 2)
    assert "专项活动已授课" in client.get(url).content.decode()
    assert queries_for(client, url) == one
