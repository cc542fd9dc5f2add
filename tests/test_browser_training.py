"""Menu-style training and the teacher's career in Chromium: a teacher picks modules from
the class menu on the page, the organiser sees the demand chart, and the teacher profile
draws its score trend with ECharts (served locally)."""

import datetime

from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.delivery.models import Lesson, LessonStatus
from dangke.training import services
from tests.test_browser import browser, log_in, pytestmark  # noqa: F401


def test_teacher_picks_modules_and_organiser_sees_demand(browser, live_server, world):  # noqa: F811
    org = scope_for_user(world.organiser)
    today = timezone.localdate()
    klass = services.create_class(
        scope=org, actor=world.organiser, region=world.city, title="师资能力提升班",
        starts_on=today, ends_on=today, max_choices=2,
    )  # fmt: skip
    for topic in ("党的创新理论", "宣讲技巧", "新媒体运用"):
        services.add_module(klass, scope=org, actor=world.organiser, topic=topic, capacity=20)
    services.enroll(klass, scope=org, actor=world.organiser, teacher=world.teacher_a)
    services.open_menu(klass, scope=org, actor=world.organiser)

    page = log_in(browser, live_server, "teacher")
    page.goto(f"{live_server.url}/training/{klass.pk}/")
    page.get_by_label("宣讲技巧").check()
    page.get_by_label("新媒体运用").check()
    page.click("#choose-form button[type=submit]")
    page.wait_for_selector("text=选课已保存")
    assert page.get_by_label("宣讲技巧").is_checked()
    page.close()

    page = log_in(browser, live_server, "organiser")
    page.goto(f"{live_server.url}/training/{klass.pk}/")
    row = page.locator("tr[data-module='宣讲技巧'] [data-demand]")
    assert row.inner_text().strip() == "1 / 20"
    page.wait_for_selector("[data-chart=bar] canvas")
    page.screenshot(path="/tmp/dangke-training-menu.png", full_page=True)
    page.close()


def test_profile_draws_the_career_chart(browser, live_server, world):  # noqa: F811
    lesson = Lesson.objects.create(
        course=world.course_a, organization=world.org_a, status=LessonStatus.DELIVERED,
        starts_at=timezone.now() - datetime.timedelta(days=3),
    )  # fmt: skip
    lesson.teachers.add(world.teacher_a)
    page = log_in(browser, live_server, "county-a")
    page.goto(f"{live_server.url}/faculty/{world.teacher_a.pk}/")
    page.wait_for_selector("#career-chart canvas")
    assert "履职概览" in page.locator("#career").inner_text()
    page.screenshot(path="/tmp/dangke-teacher-career.png", full_page=True)
    page.close()
