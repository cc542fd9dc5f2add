"""A course's or teacher's score page at a province's size (issue #18): it scores at most a
few changed lessons while the user waits and leaves the rest to a task, and it lists the
lessons a page at a time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangke.evaluation.models import Survey, SurveyKind
from dangke.evaluation.scores import answer_markers
from dangke.evaluation.views import scores as score_views
from dangke.regions.models import Organization, OrganizationKind
from tests.test_care import rated_lesson

YEAR = 2026
pytestmark = pytest.mark.usefixtures("pinned_clock")


@pytest.fixture
def five_rated_lessons(world):
    from django.core.cache import cache

    cache.clear()  # the guard against queuing twice lives in the cache
    for n in range(5):
        organization = Organization.objects.create(
            code=f"O-S-{n}", name=f"测评党支部{n}", kind=OrganizationKind.VILLAGE,
            region=world.village_a,
        )  # fmt: skip
        rated_lesson(world, world.teacher_a, organization, world.course_a, [4] * 10, YEAR)
    return Survey.objects.filter(kind=SurveyKind.ON_SITE, lesson__course=world.course_a)


def _unscored(surveys) -> int:
    markers = answer_markers(list(surveys))
    return sum(1 for s in surveys if not s.result or s.scored_upto != markers[s.pk])


def test_the_page_scores_a_few_lessons_and_queues_the_rest(
    world, five_rated_lessons, client, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(score_views, "SCORE_ON_VIEW", 2)
    client.force_login(world.county_a_admin)
    url = reverse("evaluation:course_score", args=[world.course_a.pk]) + f"?year={YEAR}"
    assert _unscored(five_rated_lessons.all()) == 5
    html = client.get(url).content.decode()
    # two scored in the request, three by the task it queued (run at once by this backend)
    assert "另有 3 场授课有新答卷，得分正在后台重新计算" in html
    assert html.count("计算中") == 3
    assert "已发布 2 场" in html
    assert _unscored(five_rated_lessons.all()) == 0
    html = client.get(url).content.decode()
    assert "得分正在后台重新计算" not in html
    assert "已发布 5 场" in html


def test_a_reload_while_the_task_waits_queues_nothing_more(
    world, five_rated_lessons, client, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(score_views, "SCORE_ON_VIEW", 0)
    client.force_login(world.county_a_admin)
    url = reverse("evaluation:teacher_score", args=[world.teacher_a.pk]) + f"?year={YEAR}"
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    client.get(url)
    queued = DBTaskResult.objects.filter(task_path="dangke.evaluation.tasks.rescore_surveys")
    assert [sorted(task.args_kwargs["args"][0]) for task in queued] == [
        sorted(s.pk for s in five_rated_lessons)
    ]
    assert not any(q["sql"].startswith("UPDATE") for q in first)  # nothing scored on GET
    assert _unscored(five_rated_lessons.all()) == 5


def test_the_lessons_are_listed_a_page_at_a_time(world, five_rated_lessons, client, monkeypatch):
    monkeypatch.setattr(score_views, "LESSONS_PER_PAGE", 2)
    client.force_login(world.county_a_admin)
    url = reverse("evaluation:course_score", args=[world.course_a.pk])
    pages = [client.get(url, {"year": YEAR, "page": n}).content.decode() for n in (1, 2, 3)]
    shown = [sum(f"测评党支部{n}" in html for n in range(5)) for html in pages]
    assert shown == [2, 2, 1]
    assert "第 3 / 3 页" in pages[2]
    assert all("已发布 5 场" in html for html in pages)  # the score is the whole year's
