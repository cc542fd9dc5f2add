"""The evaluation loop in Chromium: an organiser opens a survey for a lesson, phones scan
the venue code and submit, an expert answers by one-time link, the score appears."""

import datetime

from django.utils import timezone

from dangke.delivery.models import Lesson
from dangke.evaluation.models import Response
from tests.test_browser import browser, log_in, pytestmark  # noqa: F401

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def rate_on_a_phone(chromium, url, stars: int, comment: str = "") -> str:
    context = chromium.new_context(locale="zh-CN", **PHONE)  # a phone of its own
    page = context.new_page()
    page.goto(url)
    for group in page.locator("[role=radiogroup]").all():
        group.locator(f"label[title='{stars}']").click()
    if comment:
        page.fill("textarea[name=comment]", comment)
    page.click("button[type=submit]")
    text = page.locator("main").inner_text()
    context.close()
    return text


def test_survey_from_venue_code_to_published_score(browser, live_server, world):  # noqa: F811
    lesson = Lesson.objects.create(
        course=world.course_a, organization=world.org_a, attendees_count=12,
        starts_at=timezone.now() - datetime.timedelta(minutes=30),
    )  # fmt: skip
    lesson.teachers.add(world.teacher_a)
    page = log_in(browser, live_server, "organiser")
    page.goto(f"{live_server.url}/delivery/lessons/{lesson.pk}/")
    page.click("#lesson-evaluation button[type=submit]")
    page.wait_for_selector("#rate-url")
    venue_url = page.get_attribute("#rate-url", "href")

    for stars in (5, 4, 5, 4, 3):
        assert "已收到您的评价" in rate_on_a_phone(browser, venue_url, stars, "案例很实用")
    assert Response.objects.filter(role="trainee").count() == 5

    page.select_option("#invite-role", "expert")
    page.fill("#invite-names", "赵教授")
    page.click("form[action$='/invite/'] button[type=submit]")
    expert_url = page.locator("code.user-select-all").first.inner_text()
    assert "已收到您的评价" in rate_on_a_phone(browser, expert_url, 4)

    page.goto(f"{live_server.url}/evaluation/lessons/{lesson.pk}/score/")
    score = page.locator("#lesson-score").inner_text()
    assert "95% 区间" in score and "样本不足" not in score
    page.screenshot(path="/tmp/dangke-lesson-score.png", full_page=True)
    page.close()
