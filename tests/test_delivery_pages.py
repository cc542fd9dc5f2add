"""The ordering and delivery pages: the liaison's menu and orders, the office's queue and
map, planning review and publishing, lessons, the iCal feed and the QR sign-in."""

import datetime

import pytest
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.delivery import services
from dangke.delivery.models import (
    Attendance,
    CourseOrder,
    Lesson,
    LessonStatus,
    OrderStatus,
    PlanRun,
    PlanState,
)
from dangke.delivery.views.lessons import ical_token


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def next_month() -> tuple[datetime.date, datetime.date]:
    first = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


@pytest.fixture
def dw(world):
    for org, (lat, lon) in ((world.org_a, (29.60, 103.75)), (world.org_b, (29.22, 103.94))):
        org.latitude, org.longitude = lat, lon
        org.save(update_fields=["latitude", "longitude"])
    world.start, world.end = next_month()
    return world


def place(w, *days, organization=None, course=None, actor=None):
    actor = actor or w.liaison
    return services.place_order(
        scope=scope_for_user(actor),
        actor=actor,
        organization=organization or w.org_a,
        course=course or w.course_a,
        expected_attendees=30,
        dates=[w.start + datetime.timedelta(days=d) for d in days],
    )


def published_lesson(w) -> Lesson:
    place(w, 2)
    run = services.start_plan(
        scope=scope_for_user(w.county_a_admin),
        actor=w.county_a_admin,
        region_code="511102",
        start=w.start,
        end=w.end,
    )
    run.refresh_from_db()
    services.publish_plan(run, actor=w.county_a_admin)
    return Lesson.objects.get()


def test_liaison_orders_from_the_menu_changes_and_withdraws(client, dw):
    w = dw
    client.force_login(w.liaison)
    menu = client.get("/delivery/menu/").content.decode()
    assert w.course_a.title in menu and "县级" in menu
    assert w.course_b.title not in menu  # another county's course is not on this menu
    day = (w.start + datetime.timedelta(days=3)).isoformat()
    form = {
        "organization": w.org_a.pk,
        "course": w.course_a.pk,
        "dates": day,
        "expected_attendees": "40",
        "venue": "社区活动室",
        "mode": "offline",
    }
    response = client.post("/delivery/orders/new/", form, follow=True)
    assert "点单已提交" in response.content.decode()
    order = CourseOrder.objects.get()
    assert order.organization == w.org_a and order.dates == [day]
    # An invalid order comes back with the service's reason on the field.
    bad = client.post("/delivery/orders/new/", {**form, "course": "", "category": ""})
    assert "请选择课程，或至少选择课程类别" in bad.content.decode()
    assert CourseOrder.objects.count() == 1
    # Only a category and a window.
    window = {**form, "course": "", "category": "theory", "dates": "",
              "earliest": w.start.isoformat(), "latest": w.end.isoformat()}  # fmt: skip
    client.post("/delivery/orders/new/", window)
    assert CourseOrder.objects.filter(course=None, category="theory").exists()

    client.post(f"/delivery/orders/{order.pk}/edit/", {**form, "expected_attendees": "55"})
    order.refresh_from_db()
    assert order.expected_attendees == 55
    mine = client.get("/delivery/orders/mine/").content.decode()
    assert order.code in mine and "已提交" in mine
    client.post(f"/delivery/orders/{order.pk}/withdraw/")
    order.refresh_from_db()
    assert order.status == OrderStatus.WITHDRAWN
    assert "已撤回" in client.get("/delivery/orders/mine/").content.decode()
    # Withdrawn: no more changes.
    response = client.post(f"/delivery/orders/{order.pk}/withdraw/", follow=True)
    assert "不能再修改或撤回" in response.content.decode()


def test_other_county_sees_none_of_it(client, dw):
    w = dw
    order = place(w, 2)
    lesson = published_lesson(w)
    run = PlanRun.objects.get()
    client.force_login(w.county_b_admin)
    for url in (
        f"/delivery/orders/{order.pk}/edit/",
        f"/delivery/plans/{run.pk}/",
        f"/delivery/plans/{run.pk}/progress/",
        f"/delivery/lessons/{lesson.pk}/",
        f"/delivery/lessons/{lesson.pk}/checkin/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/delivery/plans/{run.pk}/publish/", f"/delivery/orders/{order.pk}/withdraw/"):
        assert client.post(url).status_code == 404, url
    queue = client.get("/delivery/orders/").content.decode()
    assert w.org_a.name not in queue
    assert (
        w.org_a.name not in client.get("/delivery/orders/map/", {"status": "all"}).content.decode()
    )
    assert w.course_a.title not in client.get("/delivery/lessons/", {
        "month": w.start.strftime("%Y-%m")}).content.decode()  # fmt: skip
    client.force_login(w.county_a_admin)
    assert w.org_a.name in client.get("/delivery/orders/").content.decode()
    assert client.get("/delivery/orders/", {"export": "xlsx"}).status_code == 200
    assert w.org_a.name in client.get("/delivery/orders/map/", {"status": "all"}).content.decode()


def test_plan_review_pin_and_publish(client, dw):
    w = dw
    order = place(w, 2, 3)
    client.force_login(w.county_a_admin)
    response = client.post(
        "/delivery/plans/", {"region": "511102", "month": w.start.strftime("%Y-%m")}
    )
    run = PlanRun.objects.get()
    assert response.url == f"/delivery/plans/{run.pk}/"
    assert run.state == PlanState.DONE
    html = client.get(response.url).content.decode()
    assert w.teacher_a.name in html and w.org_a.name in html and order.code in html
    assert "已证明最优" in html  # the exact solver's plan
    assert "今年首次" in html and "load_spread" in html
    # The progress fragment tells htmx to reload once the run is finished.
    assert client.get(f"/delivery/plans/{run.pk}/progress/")["HX-Refresh"] == "true"
    # Pin the assignment: a new run with the pin, which shows it as pinned.
    assignment = run.plan["assignments"][0]
    response = client.post(
        f"/delivery/plans/{run.pk}/pin/",
        {"order": order.code, "teacher": assignment["teacher"], "date": assignment["date"]},
    )
    pinned = PlanRun.objects.exclude(pk=run.pk).get()
    assert response.url == f"/delivery/plans/{pinned.pk}/"
    assert pinned.pins == [
        {"order": order.code, "teacher": assignment["teacher"], "date": assignment["date"]}
    ]
    assert pinned.state == PlanState.DONE and pinned.plan["assignments"][0]["pinned"]
    # Publishing the superseded run is refused with a reason, the pinned one works.
    response = client.post(f"/delivery/plans/{pinned.pk}/publish/", follow=True)
    assert "已发布：新建授课 1 节" in response.content.decode()
    lesson = Lesson.objects.get()
    assert lesson.order == order and lesson.plan == pinned
    response = client.post(f"/delivery/plans/{run.pk}/publish/", follow=True)
    assert "排课方案已过期" in response.content.decode()
    assert Lesson.objects.count() == 1
    response = client.post(f"/delivery/plans/{pinned.pk}/publish/", follow=True)
    assert "不能重复发布" in response.content.decode()


def test_forbid_replans_without_that_teacher(client, dw):
    w = dw
    order = place(w, 2)
    client.force_login(w.county_a_admin)
    client.post("/delivery/plans/", {"region": "511102", "month": w.start.strftime("%Y-%m")})
    run = PlanRun.objects.get()
    teacher = run.plan["assignments"][0]["teacher"]
    client.post(f"/delivery/plans/{run.pk}/forbid/", {"order": order.code, "teacher": teacher})
    again = PlanRun.objects.exclude(pk=run.pk).get()
    assert again.forbids == [{"order": order.code, "teacher": teacher}]
    assert all(a["teacher"] != teacher for a in again.plan["assignments"])
    html = client.get(f"/delivery/plans/{again.pk}/").content.decode()
    assert "能讲授的师资都已被排除" in html  # teacher a is the only one for course a


def test_liaison_confirms_and_qr_sign_in_counts_each_phone_once(client, dw):
    w = dw
    lesson = published_lesson(w)
    client.force_login(w.liaison)
    client.post(f"/delivery/lessons/{lesson.pk}/confirm/")
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.CONFIRMED
    page = client.get(f"/delivery/lessons/{lesson.pk}/checkin/").content.decode()
    assert "<svg" in page and f"/delivery/sign/{lesson.checkin_token}/" in page
    # The teacher may see the lesson but not run its sign-in.
    client.force_login(w.teacher_user)
    assert client.get(f"/delivery/lessons/{lesson.pk}/checkin/").status_code == 403

    client.logout()
    url = f"/delivery/sign/{lesson.checkin_token}/"
    page = client.get(url).content.decode()
    assert lesson.course.title in page and "<script" not in page
    first = client.post(url, {"name": "赵敏", "phone": "13800000001"}).content.decode()
    assert "签到成功" in first
    again = client.post(url, {"name": "赵敏", "phone": "13800000001"}).content.decode()
    assert "已经签到过" in again
    client.post(url, {"name": "钱坤", "phone": "13800000002"})
    assert Attendance.objects.filter(lesson=lesson).count() == 2
    lesson.refresh_from_db()
    assert lesson.attendees_count == 2
    missing = client.post(url, {"name": "孙丽", "phone": ""}).content.decode()
    assert "签到成功" not in missing
    assert client.get("/delivery/sign/not-a-token/").status_code == 404


def test_ical_feed_needs_a_valid_signed_token(client, dw):
    w = dw
    lesson = published_lesson(w)
    token = ical_token(w.teacher_a)
    response = client.get(f"/delivery/ical/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and f"lesson-{lesson.pk}@" in body
    assert client.get(f"/delivery/ical/{token}x.ics").status_code == 404
    assert client.get(f"/delivery/ical/{w.teacher_a.pk}.ics").status_code == 404
    # The teacher's calendar page offers their feed.
    client.force_login(w.teacher_user)
    page = client.get("/delivery/lessons/", {"month": w.start.strftime("%Y-%m")}).content.decode()
    assert token in page


def test_teacher_calendar_shows_only_their_lessons(client, dw):
    w = dw
    mine = published_lesson(w)
    other = services.record_manual_lesson(
        scope=scope_for_user(w.county_b_admin),
        actor=w.county_b_admin,
        course=w.course_b,
        organization=w.org_b,
        starts_at=timezone.make_aware(
            datetime.datetime.combine(w.start + datetime.timedelta(days=4), datetime.time(14))
        ),
        teachers=[w.teacher_b],
        status=LessonStatus.PLANNED,
    )
    client.force_login(w.teacher_user)
    page = client.get("/delivery/lessons/", {"month": w.start.strftime("%Y-%m")}).content.decode()
    assert f"/delivery/lessons/{mine.pk}/" in page
    assert f"/delivery/lessons/{other.pk}/" not in page and w.course_b.title not in page
    assert client.get(f"/delivery/lessons/{other.pk}/").status_code == 404
    # The teacher sees their lesson but may not confirm it (the host's liaison does).
    client.post(f"/delivery/lessons/{mine.pk}/confirm/")
    mine.refresh_from_db()
    assert mine.status == LessonStatus.PLANNED


def test_pages_render_for_each_role(client, dw):
    w = dw
    place(w, 2)
    for user in (w.liaison, w.county_a_admin, w.city_admin, w.teacher_user, w.organiser):
        client.force_login(user)
        for url in ("/delivery/", "/delivery/menu/", "/delivery/lessons/", "/delivery/plans/"):
            response = client.get(url, follow=True)
            assert response.status_code == 200, (user, url)
    client.force_login(w.teacher_user)
    assert client.get("/delivery/orders/new/").status_code == 403


def test_a_running_plan_polls_every_half_second(client, dw):
    w = dw
    run = PlanRun.objects.create(region=w.county_a, horizon_start=w.start, horizon_end=w.end)
    client.force_login(w.county_a_admin)
    html = client.get(f"/delivery/plans/{run.pk}/").content.decode()
    assert f'hx-get="/delivery/plans/{run.pk}/progress/"' in html and "every 500ms" in html
    fragment = client.get(f"/delivery/plans/{run.pk}/progress/")
    assert "HX-Refresh" not in fragment and "every 500ms" in fragment.content.decode()
    response = client.post(f"/delivery/plans/{run.pk}/publish/", follow=True)
    assert "不能发布" in response.content.decode()


def test_publishing_notifies_teachers_and_liaisons_in_the_app(client, world, settings):
    """The teacher and the host's liaison each see the new lesson under the bell."""
    from dangke.core.models import Notification
    from dangke.delivery import services

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    Notification.objects.all().delete()
    from dangke.accounts.scoping import scope_for_user

    lesson = services.record_manual_lesson(
        scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin,
        course=world.course_a, organization=world.org_a, teachers=[world.teacher_a],
        starts_at=timezone.now(),
    )  # fmt: skip
    lesson_ids = [lesson.pk]
    services.notify_lessons_in_app(lesson_ids, "新的授课安排")
    for user in (world.teacher_user, world.liaison):
        client.force_login(user)
        html = client.get("/accounts/notifications/").content.decode()
        assert "新的授课安排" in html and world.course_a.title in html
        assert 'id="unread-count"' in client.get("/").content.decode()
        client.post("/accounts/notifications/")
        assert 'id="unread-count"' not in client.get("/").content.decode()
    client.force_login(world.county_b_admin)
    assert "新的授课安排" not in client.get("/accounts/notifications/").content.decode()


def test_menu_shows_each_courses_rating_with_its_sample_and_sorts_by_it(client, dw):
    from dangke.courses.models import Course, CourseStatus
    from dangke.evaluation import scores
    from dangke.evaluation import services as evaluation
    from tests.test_evaluation import make_lesson, trainee_answers

    w = dw
    weaker = Course.objects.create(
        code="C-A-002", title="基层党组织书记履职能力提升", category="theory",
        region=w.county_a, status=CourseStatus.LISTED,
    )  # fmt: skip
    weaker.teachers.add(w.city_teacher)
    unrated = Course.objects.create(
        code="C-A-000", title="尚未评价的新课", category="theory", region=w.county_a,
        status=CourseStatus.LISTED,
    )  # fmt: skip
    unrated.teachers.add(w.teacher_a)
    for course, stars in ((w.course_a, [5, 5, 4, 5, 5, 4]), (weaker, [3, 2, 3, 3, 2])):
        survey = evaluation.open_survey(make_lesson(w, course=course), actor=w.county_a_admin)
        trainee_answers(survey, stars)
        scores.refresh_score(survey)
    client.force_login(w.liaison)
    page = client.get("/delivery/menu/", {"order": "rating"}).content.decode()
    page = page[page.index('id="menu-courses"') :]  # the menu itself, after the suggestions
    expected_a = scores.course_score(w.course_a)
    assert f"评分 <strong>{expected_a['score']}</strong>（1 次授课、6 份评价）" in page
    assert "暂无评分" in page
    assert page.index(w.course_a.title) < page.index(weaker.title) < page.index(unrated.title)
    # Teacher level narrows the menu to courses one of whose teachers is of that level.
    city_only = client.get("/delivery/menu/", {"level": "city"}).content.decode()
    city_only = city_only[city_only.index('id="menu-courses"') :]
    assert weaker.title in city_only and w.course_a.title not in city_only
