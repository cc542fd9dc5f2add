"""Ordering, planning, publishing, lessons, attendance, the schedule command and iCal, on
the fixed world of tests/conftest.py."""

import datetime
import json
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dangke.accounts.scoping import get_visible_or_404, scope_for_user
from dangke.core.models import AuditEntry
from dangke.core.status import ProtectedStatusError, StatusTransitionError
from dangke.delivery import services
from dangke.delivery.ical import calendar_text, fold, lesson_events, teacher_calendar
from dangke.delivery.models import (
    Attendance,
    Campaign,
    CourseOrder,
    Lesson,
    LessonSource,
    LessonStatus,
    OrderStatus,
    PlanRun,
    PlanState,
)
from dangke.delivery.planning import assemble, build_problem, order_dates
from dangke.delivery.services import DeliveryError
from engines.scheduling import check, generate, load_problem
from tests.conftest import make_teacher


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def next_month() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


@pytest.fixture
def dw(world):
    """The world with places on the map and a second teacher of course A, farther out."""
    for org, (lat, lon) in ((world.org_a, (29.60, 103.75)), (world.org_b, (29.22, 103.94))):
        org.latitude, org.longitude = lat, lon
        org.save(update_fields=["latitude", "longitude"])
    world.teacher_a2 = make_teacher(
        "T-A-002", "陈思远", world.county_a, home_latitude=29.75, home_longitude=103.75
    )
    world.course_a.teachers.add(world.teacher_a2)
    world.start, world.end = next_month()
    world.scope_a = scope_for_user(world.county_a_admin)
    world.scope_b = scope_for_user(world.county_b_admin)
    return world


def day(w, n: int) -> datetime.date:
    return w.start + datetime.timedelta(days=n)


def order_a(w, *dates, **extra) -> CourseOrder:
    fields = {"course": w.course_a, "expected_attendees": 40, "dates": [day(w, d) for d in dates]}
    return services.place_order(
        scope=scope_for_user(w.liaison), actor=w.liaison, organization=w.org_a, **(fields | extra)
    )


def test_orders_belong_to_their_organisation(dw):
    w = dw
    liaison = scope_for_user(w.liaison)
    order = order_a(w, 3, 4)
    assert order.region_id == w.village_a.code
    assert order.category == "theory" and order.status == OrderStatus.SUBMITTED
    assert order.dates == [day(w, 3).isoformat(), day(w, 4).isoformat()]
    with pytest.raises(DeliveryError, match="只能为本组织点单"):
        services.place_order(
            scope=liaison, actor=w.liaison, organization=w.org_b, course=w.course_b,
            expected_attendees=10, dates=[day(w, 1)],
        )  # fmt: skip
    with pytest.raises(DeliveryError) as error:
        services.place_order(
            scope=liaison, actor=w.liaison, organization=w.org_a, expected_attendees=0,
            earliest=day(w, 5), latest=day(w, 1),
        )  # fmt: skip
    assert set(error.value.message_dict) == {"course", "latest", "expected_attendees"}
    services.change_order(order, scope=liaison, actor=w.liaison, expected_attendees=55)
    order.refresh_from_db()
    assert order.expected_attendees == 55
    assert AuditEntry.objects.filter(object_id=str(order.pk), action="update").exists()
    services.withdraw_order(order, scope=liaison, actor=w.liaison)
    assert CourseOrder.objects.get(pk=order.pk).status == OrderStatus.WITHDRAWN
    with pytest.raises(DeliveryError, match="已撤回"):
        services.change_order(order, scope=liaison, actor=w.liaison, notes="再改一次")
    # The county-b admin neither sees nor changes it.
    with pytest.raises(DeliveryError):
        services.change_order(order, scope=w.scope_b, actor=w.county_b_admin, notes="x")


def test_window_skips_busy_months():
    order = CourseOrder(dates=["2026-05-03", "2026-07-01"], earliest=datetime.date(2026, 5, 30),
                        latest=datetime.date(2026, 6, 2))  # fmt: skip
    days = order_dates(order, datetime.date(2026, 5, 1), datetime.date(2026, 6, 30), [5])
    # listed dates count even in a busy month; the window skips May
    assert [d.isoformat() for d in days] == ["2026-05-03", "2026-06-01", "2026-06-02"]


def test_build_problem_from_the_database(dw):
    w = dw
    first = order_a(w, 2, 3)
    second = services.place_order(
        scope=w.scope_a, actor=w.county_a_admin, organization=w.org_a, category="theory",
        expected_attendees=25, earliest=day(w, 5), latest=day(w, 7),
    )  # fmt: skip
    services.place_order(
        scope=w.scope_b, actor=w.county_b_admin, organization=w.org_b, course=w.course_b,
        expected_attendees=30, dates=[day(w, 2)],
    )  # fmt: skip
    doc = build_problem("511102", w.start, w.end, scope=w.scope_a)
    problem = load_problem(doc)  # the engine accepts it as it is
    assert [t.id for t in problem.teachers] == ["T-A-001", "T-A-002"]  # county a only
    teacher = doc["teachers"][0]
    assert teacher["courses"] == ["C-A-001"] and teacher["categories"] == ["理论教育"]
    assert (teacher["max_per_month"], teacher["max_per_year"], teacher["max_km"]) == (8, 60, 80)
    assert teacher["rating"] is None and teacher["booked_year"] == 0
    assert [o["id"] for o in doc["orders"]] == [f"R{first.pk}", f"R{second.pk}"]
    assert doc["orders"][1] == {
        "id": f"R{second.pk}", "organization": "O-A-001", "course": None, "category": "理论教育",
        "dates": [day(w, n).isoformat() for n in (5, 6, 7)], "attendees": 25,
    }  # fmt: skip
    assert doc["organizations"] == [
        {"id": "O-A-001", "location": [29.60, 103.75], "members": 60, "covered": False}
    ]
    # A lesson in the horizon: the organisation is covered, the teacher booked that day.
    services.record_manual_lesson(
        scope=w.scope_a, actor=w.county_a_admin, course=w.course_a, organization=w.org_a,
        teachers=[w.teacher_a], starts_at=datetime.datetime.combine(day(w, 2), datetime.time(14)),
        status=LessonStatus.PLANNED,
    )  # fmt: skip
    doc = build_problem("511102", w.start, w.end, scope=w.scope_a)
    teacher = doc["teachers"][0]
    assert teacher["unavailable"] == [day(w, 2).isoformat()]
    assert teacher["booked_year"] == 1
    assert teacher["booked_per_month"] == {w.start.strftime("%Y-%m"): 1}
    assert doc["organizations"][0]["covered"] is True
    # The city admin plans the whole city: both counties; a teacher without a home is noted.
    assembly = assemble("5111", w.start, w.end, scope=scope_for_user(w.city_admin))
    load_problem(assembly.doc)
    assert {t["id"] for t in assembly.doc["teachers"]} == {"T-A-001", "T-A-002", "T-B-001"}
    assert len(assembly.doc["orders"]) == 3
    assert any("T-C-001" in note for note in assembly.notes)


def test_plan_publish_and_refuse_to_publish_twice(dw):
    w = dw
    served = order_a(w, 3)
    unservable = services.place_order(
        scope=w.scope_a, actor=w.county_a_admin, organization=w.org_a, category="policy",
        expected_attendees=20, dates=[day(w, 4)],
    )  # fmt: skip
    run = services.start_plan(
        scope=w.scope_a, actor=w.county_a_admin, region_code="511102", start=w.start, end=w.end
    )
    assert run.state == PlanState.DONE, run.message
    assert run.objective > 0 and run.upper_bound >= run.objective and run.solve_seconds >= 0
    assert check(load_problem(run.problem), run.plan) == []
    assert run.plan["assignments"] == [
        {"order": f"R{served.pk}", "teacher": "T-A-001", "date": day(w, 3).isoformat(),
         "km": run.plan["assignments"][0]["km"]}
    ]  # fmt: skip
    assert run.plan["coverage_gained"] == ["O-A-001"]
    assert "安排 1 单，未能安排 1 单" in run.message

    result = services.publish_plan(run, actor=w.county_a_admin)
    assert result.planned_orders == 1 and result.unserved_orders == 1
    lesson = Lesson.objects.get()
    assert (lesson.status, lesson.source, lesson.plan_id) == ("planned", "plan", run.pk)
    assert lesson.order_id == served.pk and lesson.region_id == w.village_a.code
    assert list(lesson.teachers.all()) == [w.teacher_a]
    assert timezone.localtime(lesson.starts_at) == timezone.make_aware(
        datetime.datetime.combine(day(w, 3), datetime.time(9))
    )
    served.refresh_from_db()
    unservable.refresh_from_db()
    assert served.status == OrderStatus.PLANNED and "王红梅" in served.outcome
    assert unservable.status == OrderStatus.UNSERVED
    assert unservable.outcome == "没有擅长「形势政策」类课程的师资"
    run.refresh_from_db()
    assert run.state == PlanState.PUBLISHED and run.published_by == w.county_a_admin
    with pytest.raises(DeliveryError, match="已经发布"):
        services.publish_plan(run, actor=w.county_a_admin)
    assert Lesson.objects.count() == 1
    assert not mail.outbox  # no SMTP host configured: no email


def test_publishing_needs_the_region_admin_and_a_fresh_plan(dw):
    w = dw
    order = order_a(w, 3, 4)
    run = services.start_plan(
        scope=w.scope_a, actor=w.county_a_admin, region_code="511102", start=w.start, end=w.end
    )
    with pytest.raises(PermissionDenied, match="管理员"):
        services.publish_plan(run, actor=w.county_b_admin)
    services.change_order(order, scope=w.scope_a, actor=w.county_a_admin, expected_attendees=80)
    with pytest.raises(DeliveryError, match=r"已过期.*被修改"):
        services.publish_plan(run, actor=w.county_a_admin)
    assert not Lesson.objects.exists()
    assert CourseOrder.objects.get(pk=order.pk).status == OrderStatus.SUBMITTED
    # Re-plan the same region and horizon, then publish.
    fresh = services.replan(run, scope=w.scope_a, actor=w.county_a_admin)
    assert fresh.parent_id == run.pk and fresh.state == PlanState.DONE
    services.publish_plan(fresh, actor=w.county_a_admin)
    assert Lesson.objects.get().order_id == order.pk
    # Another county's admin cannot plan here.
    with pytest.raises(PermissionDenied, match="管理员可以排课"):
        services.start_plan(
            scope=w.scope_b, actor=w.county_b_admin, region_code="511102",
            start=w.start, end=w.end,
        )  # fmt: skip


def test_publish_sends_mail_when_smtp_is_configured(
    dw, settings, django_capture_on_commit_callbacks
):
    w = dw
    settings.SMTP_HOST = "smtp.example.org"
    w.teacher_user.email = "teacher@example.org"
    w.teacher_user.save(update_fields=["email"])
    order_a(w, 3)
    run = services.start_plan(
        scope=w.scope_a, actor=w.county_a_admin, region_code="511102", start=w.start, end=w.end
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_plan(run, actor=w.county_a_admin)
    assert [m.to for m in mail.outbox] == [["teacher@example.org"]]
    assert "坚持党建引领激活村级治理新动能" in mail.outbox[0].body


def test_forbid_and_pin(dw):
    w = dw
    order = order_a(w, 3)
    key = f"R{order.pk}"
    plan = lambda **extra: services.start_plan(  # noqa: E731
        scope=w.scope_a, actor=w.county_a_admin, region_code="511102", start=w.start,
        end=w.end, **extra,
    )  # fmt: skip
    assert plan().plan["assignments"][0]["teacher"] == "T-A-001"  # the nearer one
    forbidden = plan(forbids=[{"order": key, "teacher": "T-A-001"}])
    assert forbidden.problem["forbidden"] == [{"order": key, "teacher": "T-A-001"}]
    assert [a["teacher"] for a in forbidden.plan["assignments"]] == ["T-A-002"]
    pinned = plan(pins=[{"order": key, "teacher": "T-A-002", "date": day(w, 3).isoformat()}])
    assert pinned.state == PlanState.DONE, pinned.message
    assert pinned.problem["orders"] == []  # the pinned order left the problem...
    teacher = next(t for t in pinned.problem["teachers"] if t["id"] == "T-A-002")
    assert teacher["booked_year"] == 1 and teacher["unavailable"] == [day(w, 3).isoformat()]
    assert pinned.plan["assignments"] == [  # ...and is in the plan as pinned
        {"order": key, "teacher": "T-A-002", "date": day(w, 3).isoformat(),
         "km": pinned.plan["assignments"][0]["km"], "pinned": True}
    ]  # fmt: skip
    services.publish_plan(pinned, actor=w.county_a_admin)
    assert list(Lesson.objects.get(order=order).teachers.all()) == [w.teacher_a2]
    # A pin that cannot be honoured fails the run cleanly, storing no plan.
    bad = plan(pins=[{"order": "R999999", "teacher": "T-A-001"}])
    assert bad.state == PlanState.FAILED
    assert "R999999 不在本次排课范围内" in bad.message
    assert bad.plan == {} and bad.problem == {} and bad.objective is None
    with pytest.raises(DeliveryError, match="不能发布"):
        services.publish_plan(bad, actor=w.county_a_admin)


def test_lesson_states_go_through_change_status(dw):
    w = dw
    lesson = services.record_manual_lesson(
        scope=w.scope_a, actor=w.county_a_admin, course=w.course_a, organization=w.org_a,
        teachers=[w.teacher_a], starts_at=datetime.datetime.combine(day(w, 2), datetime.time(9)),
        status=LessonStatus.PLANNED,
    )  # fmt: skip
    liaison = scope_for_user(w.liaison)
    with pytest.raises(StatusTransitionError, match="不能从「计划」变更为「已授课」"):
        services.deliver_lesson(lesson, scope=liaison, actor=w.liaison)
    lesson.status = LessonStatus.DELIVERED
    with pytest.raises(ProtectedStatusError):
        lesson.save()
    lesson = Lesson.objects.get(pk=lesson.pk)
    with pytest.raises(PermissionDenied):
        services.confirm_lesson(lesson, scope=w.scope_b, actor=w.county_b_admin)
    services.confirm_lesson(lesson, scope=liaison, actor=w.liaison, venue="社区党群服务中心")
    services.deliver_lesson(lesson, scope=liaison, actor=w.liaison, attendees_count=45)
    lesson.refresh_from_db()
    assert (lesson.status, lesson.venue, lesson.attendees_count) == (
        "delivered",
        "社区党群服务中心",
        45,
    )
    assert list(
        AuditEntry.objects.filter(object_id=str(lesson.pk), field="status")
        .order_by("at", "id")
        .values_list("to_value", flat=True)
    ) == ["已确认", "已授课"]
    with pytest.raises(StatusTransitionError):
        services.cancel_lesson(lesson, scope=liaison, actor=w.liaison, reason="晚了")
    # A tour of a lecture team, given last week, recorded directly.
    from dangke.faculty.models import LectureTeam

    team = LectureTeam.objects.create(name="市中区宣讲队", region=w.county_a)
    team.members.add(w.teacher_a, w.teacher_a2)
    tour = services.record_manual_lesson(
        scope=w.scope_a, actor=w.county_a_admin, course=w.course_a, organization=w.org_a,
        lecture_team=team, starts_at=timezone.now() - datetime.timedelta(days=7),
        attendees_count=30,
    )  # fmt: skip
    assert tour.status == LessonStatus.DELIVERED and tour.source == LessonSource.MANUAL
    assert set(tour.teachers.all()) == {w.teacher_a, w.teacher_a2}
    with pytest.raises(DeliveryError, match="尚未开始"):
        services.record_manual_lesson(
            scope=w.scope_a, actor=w.county_a_admin, course=w.course_a, organization=w.org_a,
            teachers=[w.teacher_a], starts_at=timezone.now() + datetime.timedelta(days=1),
        )  # fmt: skip


def test_attendance_by_token_counts_each_phone_once(dw):
    w = dw
    lesson = services.record_manual_lesson(
        scope=w.scope_a, actor=w.county_a_admin, course=w.course_a, organization=w.org_a,
        teachers=[w.teacher_a], starts_at=timezone.now() - datetime.timedelta(hours=1),
    )  # fmt: skip
    token = lesson.checkin_token
    assert len(token) >= 20
    _, created = services.sign_in(token, name="张三", phone="13800000001")
    assert created
    _, created = services.sign_in(token, name="张三", phone="13800000001")
    assert not created
    services.sign_in(token, name="李四")
    services.sign_in(token, name="李四")  # no phone: cannot tell them apart, both count
    added = services.record_attendance_list(
        lesson,
        [{"name": "张三", "phone": "13800000001"}, {"name": "王五", "phone": "13800000002"}],
        scope=scope_for_user(w.liaison),
        actor=w.liaison,
    )
    assert added == 1
    lesson.refresh_from_db()
    assert lesson.attendees_count == 4 == Attendance.objects.filter(lesson=lesson).count()
    with pytest.raises(DeliveryError, match="签到码无效"):
        services.sign_in("nope", name="赵六")
    with pytest.raises(DeliveryError, match="请填写姓名"):
        services.sign_in(token, name=" ")


def test_county_b_never_sees_county_a(dw):
    w = dw
    order_a(w, 3)
    run = services.start_plan(
        scope=w.scope_a, actor=w.county_a_admin, region_code="511102", start=w.start, end=w.end
    )
    services.publish_plan(run, actor=w.county_a_admin)
    lesson = Lesson.objects.get()
    services.sign_in(lesson.checkin_token, name="张三", phone="13800000001")
    Campaign.objects.create(
        name="市中区条例专题", region=w.county_a, starts_on=w.start, ends_on=w.end
    )
    for model in (CourseOrder, Lesson, PlanRun, Attendance, Campaign):
        assert model.objects.visible_to(w.scope_a).count() == 1, model
        assert not model.objects.visible_to(w.scope_b).exists(), model
    assert Lesson.objects.visible_to(scope_for_user(w.teacher_user)).get() == lesson
    assert Lesson.objects.visible_to(scope_for_user(w.liaison)).get() == lesson
    from django.http import Http404

    with pytest.raises(Http404):
        get_visible_or_404(Lesson, w.county_b_admin, pk=lesson.pk)
    # County b's problem does not contain county a's orders or teachers.
    doc = build_problem("511123", w.start, w.end, scope=w.scope_b)
    assert doc["orders"] == [] and [t["id"] for t in doc["teachers"]] == ["T-B-001"]
    from dangke.delivery.planning import PlanningError

    with pytest.raises(PlanningError, match="不在您的管辖范围内"):
        build_problem("511102", w.start, w.end, scope=w.scope_b)


def test_schedule_command(tmp_path, db):
    source, target = tmp_path / "problem.json", tmp_path / "plan.json"
    source.write_text(json.dumps(generate(3, teachers=15, orders=30)), encoding="utf-8")
    out = StringIO()
    call_command("schedule", "--input", str(source), "--output", str(target), stdout=out)
    assert "排课方案已写入" in out.getvalue()
    plan = json.loads(target.read_text(encoding="utf-8"))
    assert check(load_problem(json.loads(source.read_text(encoding="utf-8"))), plan) == []
    call_command("schedule", "--input", str(source), "--output", str(target), "--greedy",
                 stdout=out)  # fmt: skip
    assert json.loads(target.read_text(encoding="utf-8"))["method"].startswith("greedy")

    bad = generate(3, teachers=15, orders=30)
    bad["teachers"][2]["max_per_month"] = -1
    del bad["orders"][4]["attendees"]
    source.write_text(json.dumps(bad), encoding="utf-8")
    target.unlink()
    with pytest.raises(CommandError, match="未写出排课方案") as error:
        call_command("schedule", "--input", str(source), "--output", str(target))
    assert error.value.returncode == 2
    assert not target.exists() and list(tmp_path.iterdir()) == [source]


def test_schedule_command_names_field_and_record(tmp_path, db, capsys):
    source, target = tmp_path / "problem.json", tmp_path / "plan.json"
    bad = generate(3, teachers=15, orders=30)
    bad["teachers"][2]["max_per_month"] = -1
    source.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("schedule", "--input", str(source), "--output", str(target))
    err = capsys.readouterr().err
    assert f"teachers[2] (id {bad['teachers'][2]['id']}): max_per_month -1" in err


def test_ical_feed(clock, dw):
    w = dw
    w.course_a.title = "坚持党建引领激活村级治理新动能：乡村振兴中的基层组织建设, 理论与实践; 案例"
    w.course_a.save(update_fields=["title"])
    lesson = services.record_manual_lesson(
        scope=w.scope_a, actor=w.county_a_admin, course=w.course_a, organization=w.org_a,
        teachers=[w.teacher_a], status=LessonStatus.PLANNED,
        starts_at=timezone.make_aware(datetime.datetime.combine(day(w, 2), datetime.time(9))),
    )  # fmt: skip
    lessons = Lesson.objects.select_related("course", "organization").prefetch_related("teachers")
    stamp = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    text = teacher_calendar(w.teacher_a, lessons, stamp=stamp)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    physical = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    # unfold (RFC 5545 §3.1) and read the properties back
    logical = text.replace("\r\n ", "").split("\r\n")[:-1]
    assert logical[0] == "BEGIN:VCALENDAR" and logical[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in logical and logical.count("BEGIN:VEVENT") == 1
    props = dict(line.split(":", 1) for line in logical if ":" in line)
    assert props["UID"] == f"lesson-{lesson.pk}@dangke"
    start_utc = timezone.localtime(lesson.starts_at).astimezone(datetime.UTC)
    assert props["DTSTART"] == start_utc.strftime("%Y%m%dT%H%M%SZ")
    assert start_utc.hour == 1  # 09:00 in Asia/Shanghai
    assert props["DTEND"] == (start_utc + datetime.timedelta(minutes=90)).strftime("%Y%m%dT%H%M%SZ")
    assert props["STATUS"] == "TENTATIVE"
    assert props["SUMMARY"] == (
        "授课：坚持党建引领激活村级治理新动能：乡村振兴中的基层组织建设\\, 理论与实践\\; 案例"
    )
    assert "承办组织：张公桥社区党委\\n授课师资：王红梅" in props["DESCRIPTION"]
    assert props["DTSTAMP"] == "20260101T000000Z"
    assert fold("a" * 80) == "a" * 75 + "\r\n " + "a" * 5
    assert len(lesson_events([])) == 0
    assert calendar_text([], name="空", stamp=stamp).count("\r\n") == 8
