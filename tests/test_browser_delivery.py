"""The ordering loop in Chromium: a liaison orders a course from the menu, the county office
plans the month and publishes, the teacher finds the lesson and its iCal feed, the liaison
confirms and shows the sign-in code, two phones sign in, and coverage counts the village."""

import datetime

import pytest
from django.utils import timezone

from dangke.delivery.models import Attendance, Lesson, LessonStatus
from tests.test_browser import browser, log_in, pytestmark  # noqa: F401

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def next_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def sign_in_on_a_phone(chromium, url, name, phone) -> str:
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(url)
    page.fill("input[name=name]", name)
    page.fill("input[name=phone]", phone)
    page.click("button[type=submit]")
    text = page.locator("main").inner_text()
    context.close()
    return text


def test_order_plan_publish_confirm_sign_in_and_coverage(browser, live_server, world):  # noqa: F811
    for org, (lat, lon) in ((world.org_a, (29.60, 103.75)), (world.org_b, (29.22, 103.94))):
        org.latitude, org.longitude = lat, lon
        org.save(update_fields=["latitude", "longitude"])
    day = next_month() + datetime.timedelta(days=2)

    liaison = log_in(browser, live_server, "liaison")
    liaison.goto(f"{live_server.url}/delivery/menu/")
    liaison.locator("#menu-courses .card", has_text=world.course_a.title).get_by_role(
        "link", name="点单"
    ).click()
    liaison.fill("[name=dates]", day.isoformat())
    liaison.fill("[name=expected_attendees]", "40")
    liaison.fill("[name=venue]", "社区活动室")
    liaison.click("main form button[type=submit]")
    assert "点单已提交" in liaison.locator("main").inner_text()

    office = log_in(browser, live_server, "county-a")
    office.goto(f"{live_server.url}/delivery/plans/")
    office.select_option("[name=region]", "511102")
    office.fill("[name=month]", day.strftime("%Y-%m"))
    office.click("main form button[type=submit]")
    office.wait_for_selector("form[action$='/publish/'] button")
    plan = office.locator("main").inner_text()
    assert world.teacher_a.name in plan and world.org_a.name in plan
    office.click("form[action$='/publish/'] button")
    lesson = Lesson.objects.get()
    assert lesson.status == LessonStatus.PLANNED and lesson.teachers.get() == world.teacher_a

    teacher = log_in(browser, live_server, "teacher")
    teacher.goto(f"{live_server.url}/delivery/lessons/?month={day:%Y-%m}")
    assert world.course_a.title in teacher.locator("main").inner_text()
    feed = teacher.locator("a[href$='.ics']").first.get_attribute("href")
    ical = teacher.request.get(feed if feed.startswith("http") else live_server.url + feed)
    assert "BEGIN:VEVENT" in ical.text() and f"lesson-{lesson.pk}@" in ical.text()

    liaison.goto(f"{live_server.url}/delivery/lessons/{lesson.pk}/")
    liaison.click("form[action$='/confirm/'] button")
    liaison.get_by_role("link", name="扫码签到").click()
    liaison.locator("#checkin-qr svg").wait_for()  # the click only starts the navigation
    assert liaison.locator("#checkin-qr svg").count() == 1
    sign_url = liaison.locator("p.text-break").inner_text().strip()
    assert "签到成功" in sign_in_on_a_phone(browser, sign_url, "赵敏", "13800000001")
    assert "签到成功" in sign_in_on_a_phone(browser, sign_url, "钱坤", "13800000002")
    assert "已经签到过" in sign_in_on_a_phone(browser, sign_url, "赵敏", "13800000001")
    assert Attendance.objects.filter(lesson=lesson).count() == 2

    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.CONFIRMED and lesson.attendees_count == 2

    # The day comes (moved here rather than waited for); the liaison records the lesson as
    # given, and only then does it count as coverage.
    given = timezone.now() - datetime.timedelta(hours=2)
    Lesson.objects.filter(pk=lesson.pk).update(starts_at=given)
    office.goto(f"{live_server.url}/delivery/coverage/?year={given.year}")
    assert office.locator("#figure-reached").inner_text().startswith("0 /")
    liaison.goto(f"{live_server.url}/delivery/lessons/{lesson.pk}/")
    liaison.click("form[action$='/deliver/'] button")
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.DELIVERED
    office.goto(f"{live_server.url}/delivery/coverage/?year={given.year}")
    assert office.locator("#figure-reached").inner_text().startswith("1 /")
    office.screenshot(path="/tmp/dangke-coverage.png", full_page=True)
    for page in (liaison, office, teacher):
        page.close()
