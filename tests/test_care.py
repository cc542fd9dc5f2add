"""以情聚心: room bookings and their clashes, bed-nights and meal counts, counselling kept
private from everyone but the teacher and the counsellor, festival care without double
giving, greeting cards, the dossier and the 评优评先 list."""

import datetime
import io
import subprocess

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangke.accounts.models import ApiToken, Role, User
from dangke.accounts.scoping import scope_for_user
from dangke.accounts.services import create_user_with_role
from dangke.care import counselling, festivals, lodging, rooms
from dangke.care.access import CareError
from dangke.care.models import (
    Apartment,
    Bed,
    BookingStatus,
    CardBatch,
    CardBatchStatus,
    CareKind,
    CareRecord,
    ClassNeeds,
    CounsellingRequest,
    CounsellingStatus,
    Counsellor,
    Diet,
    Festival,
    Room,
    RoomBooking,
    RoomKind,
    StayPurpose,
)
from dangke.core.models import AuditEntry
from dangke.delivery.models import Lesson, LessonStatus
from dangke.faculty import lifecycle
from dangke.training.models import Enrollment, ModuleChoice, TrainingClass, TrainingModule
from tests.conftest import PASSWORD

SECRET_NOTE = "最近睡不好，想聊聊家里的事"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def next_monday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday())


@pytest.fixture
def room(world):
    return Room.objects.create(
        region=world.city, name="第一备课室", kind=RoomKind.PREPARATION, equipment="智能教学设备"
    )


def book(world, room, user, day, start, end, title="备课", **extra):
    return rooms.book_room(
        scope=scope_for_user(user),
        actor=user,
        room=room,
        day=day,
        start=datetime.time(*start),
        end=datetime.time(*end),
        title=title,
        **extra,
    )


# --- rooms ------------------------------------------------------------------------------------


def test_a_teacher_books_a_city_room_and_a_clash_is_refused_naming_the_booking(world, room):
    monday = next_monday()
    made = book(world, room, world.teacher_user, monday, (14, 0), (17, 0), title="党史专题备课")
    assert len(made) == 1
    with pytest.raises(CareError) as refused:
        book(world, room, world.county_a_admin, monday, (16, 30), (18, 0), title="会议")
    assert str(refused.value) == (
        f"第一备课室 在该时段已被预约：{monday:%Y-%m-%d} 14:00–17:00「党史专题备课」（teacher），"
        "请换一个时间"
    )
    # touching ends do not clash
    assert book(world, room, world.county_a_admin, monday, (17, 0), (18, 0))


def test_the_room_page_refuses_a_clash_with_a_message_and_books_a_free_slot(world, room):
    monday = next_monday()
    book(world, room, world.teacher_user, monday, (9, 0), (11, 0), title="集体备课")
    client = client_for(world.teacher_user)
    url = reverse("care:room", args=[room.pk])
    form = {
        "day": monday.isoformat(),
        "start": "10:00",
        "end": "12:00",
        "title": "试讲",
        "weeks": 1,
    }
    page = client.post(url, form, follow=True)
    assert "已被预约" in page.content.decode() and "集体备课" in page.content.decode()
    assert RoomBooking.objects.count() == 1
    form |= {"start": "13:00", "end": "15:00"}
    page = client.post(url, form, follow=True)
    assert "已预约 1 次" in page.content.decode()
    week = client.get(url, {"week": monday.isoformat()}).content.decode()
    assert week.count("table-danger") == 4  # 9, 10, 13 and 14 o'clock are taken


def test_weekly_bookings_are_booked_whole_or_not_at_all(world, room):
    monday = next_monday()
    book(world, room, world.county_a_admin, monday + datetime.timedelta(weeks=2), (9, 0), (10, 0))
    with pytest.raises(CareError):
        book(world, room, world.teacher_user, monday, (9, 0), (12, 0), weeks=4)
    assert RoomBooking.objects.count() == 1
    made = book(world, room, world.teacher_user, monday, (13, 0), (15, 0), weeks=4)
    local = [timezone.localtime(b.starts_at) for b in made]
    assert [d.date() for d in local] == [monday + datetime.timedelta(weeks=n) for n in range(4)]
    assert {d.hour for d in local} == {13} and len({b.series for b in made}) == 1


def test_cancelled_by_the_booker_or_the_office_not_by_another_teacher(world, room):
    monday = next_monday()
    first, *rest = book(world, room, world.teacher_user, monday, (9, 0), (10, 0), weeks=3)
    other = create_user_with_role("t2", password=PASSWORD, role=Role.TEACHER, region=world.county_b)
    with pytest.raises(PermissionDenied):
        rooms.cancel_booking(scope=scope_for_user(other), actor=other, booking=first)
    scope = scope_for_user(world.teacher_user)
    assert rooms.cancel_booking(scope=scope, actor=world.teacher_user, booking=first) == 1
    scope = scope_for_user(world.city_admin)
    assert (
        rooms.cancel_booking(scope=scope, actor=world.city_admin, booking=rest[0], following=True)
        == 2
    )
    assert set(RoomBooking.objects.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    assert book(world, room, world.county_b_admin, monday, (9, 0), (10, 0))  # free again


def test_group_bookings_are_seen_by_members_and_in_their_calendar_feed(world, room):
    from dangke.delivery.views.lessons import ical_token

    monday = next_monday()
    book(
        world, room, world.group_leader, monday, (14, 0), (16, 0),
        title="第一教研组集体备课", teaching_group=world.group,
    )  # fmt: skip
    member = create_user_with_role(
        "member", password=PASSWORD, role=Role.TEACHER, region=world.city
    )
    world.city_teacher.user = member
    world.city_teacher.save(update_fields=["user"])
    assert RoomBooking.objects.visible_to(scope_for_user(member)).count() == 1
    assert RoomBooking.objects.visible_to(scope_for_user(world.teacher_user)).count() == 0
    feed = Client().get(reverse("delivery:ical", args=[ical_token(world.city_teacher)]))
    text = feed.content.decode()
    assert "SUMMARY:备课室：第一教研组集体备课" in text
    page = client_for(member).get(reverse("care:index")).content.decode()
    assert "第一教研组集体备课" in page


def test_use_per_room_and_month_counts_booked_and_cancelled_hours(world, room):
    monday = next_monday()
    book(world, room, world.teacher_user, monday, (9, 0), (12, 0))
    cancelled = book(world, room, world.teacher_user, monday, (14, 0), (15, 30))[0]
    rooms.cancel_booking(
        scope=scope_for_user(world.teacher_user), actor=world.teacher_user, booking=cancelled
    )
    rows = rooms.room_use(scope_for_user(world.city_admin), monday.year)
    assert [
        (r["room"].name, r["month"], r["hours_booked"], r["hours_cancelled"]) for r in rows
    ] == [("第一备课室", monday.month, 3.0, 1.5)]
    assert rooms.room_use(scope_for_user(world.county_a_admin), monday.year) == []
    from dangke.care.figures import care_figures

    figures = care_figures(scope_for_user(world.city_admin), monday.year)
    assert (figures["rooms"], figures["room_hours_booked"], figures["room_hours_cancelled"]) == (
        1, 3.0, 1.5,
    )  # fmt: skip
    response = client_for(world.city_admin).get(
        reverse("care:use"), {"year": monday.year, "export": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.iter_rows(values_only=True))[1] == (
        "第一备课室", "备课室", f"{monday.year}-{monday.month:02d}", 1, 3, 1.5,
    )  # fmt: skip


# --- lodging and meals ------------------------------------------------------------------------


@pytest.fixture
def lodging_world(world):
    apartment = Apartment.objects.create(region=world.city, name="党校教师公寓")
    beds = [
        Bed.objects.create(apartment=apartment, room_number="101", label=str(n)) for n in (1, 2)
    ]
    start = next_monday()
    klass = TrainingClass.objects.create(
        title="师资示范培训班", region=world.city, starts_on=start,
        ends_on=start + datetime.timedelta(days=2),
    )  # fmt: skip
    enrollments = [
        Enrollment.objects.create(training_class=klass, teacher=t, name=t.name)
        for t in (world.teacher_a, world.teacher_b, world.city_teacher)
    ]
    return world, beds, klass, enrollments


def stay(world, bed, teacher, check_in, nights, klass=None):
    return lodging.assign_stay(
        scope=scope_for_user(world.city_admin), actor=world.city_admin, bed=bed, teacher=teacher,
        check_in=check_in, check_out=check_in + datetime.timedelta(days=nights),
        purpose=StayPurpose.TRAINING, training_class=klass,
    )  # fmt: skip


def test_no_bed_is_given_twice_for_a_night(lodging_world):
    world, (bed, other_bed), klass, _ = lodging_world
    day = klass.starts_on
    stay(world, bed, world.teacher_a, day, 2)
    with pytest.raises(CareError) as refused:
        stay(world, bed, world.teacher_b, day + datetime.timedelta(days=1), 2)
    assert "已安排给 王红梅" in str(refused.value)
    with pytest.raises(CareError):  # one teacher, two beds, one night
        stay(world, other_bed, world.teacher_a, day + datetime.timedelta(days=1), 1)
    # the night the first stay checks out is free
    assert stay(world, bed, world.teacher_b, day + datetime.timedelta(days=2), 1)
    with pytest.raises(CareError):
        stay(world, other_bed, world.city_teacher, day, 0)


def test_the_organiser_sees_who_needs_a_bed_and_the_meal_counts(lodging_world):
    world, (bed, other_bed), klass, (e_a, e_b, e_c) = lodging_world
    lodging.set_needs(enrollment=e_a, needs_bed=True, diet=Diet.HALAL, diet_note="不吃猪肉")
    lodging.set_needs(enrollment=e_b, needs_bed=True, diet=Diet.VEGETARIAN, diet_note="")
    lodging.set_needs(enrollment=e_c, needs_bed=False, diet="", diet_note="")
    assert [e.name for e in lodging.still_need_bed(klass)] == ["王红梅", "李建国"]
    stay(world, bed, world.teacher_a, klass.starts_on, 3, klass)  # three nights
    assert [e.name for e in lodging.still_need_bed(klass)] == ["李建国"]
    stay(world, other_bed, world.teacher_b, klass.starts_on, 1, klass)  # the first night only
    assert lodging.still_need_bed(klass) == []
    counts = {(r["day"], r["meal"]): r for r in lodging.meal_counts(klass, today=klass.starts_on)}
    first, second = klass.starts_on, klass.starts_on + datetime.timedelta(days=1)
    assert counts[(first, "breakfast")]["total"] == 0
    assert counts[(first, "lunch")]["total"] == 3
    assert (counts[(first, "lunch")]["halal"], counts[(first, "lunch")]["vegetarian"]) == (1, 1)
    assert counts[(first, "lunch")]["notes"] == "王红梅：不吃猪肉"
    assert counts[(first, "dinner")]["total"] == 2
    assert counts[(second, "breakfast")]["total"] == 2
    assert counts[(second, "dinner")]["total"] == 1  # 李建国 went home


def test_meal_counts_of_a_past_day_follow_the_sign_ins_and_export(lodging_world):
    world, _, klass, (e_a, e_b, _e_c) = lodging_world
    module = TrainingModule.objects.create(
        training_class=klass, topic="专题一",
        starts_at=timezone.make_aware(datetime.datetime.combine(klass.starts_on, datetime.time(9))),
    )  # fmt: skip
    ModuleChoice.objects.create(enrollment=e_a, module=module, attended=True)
    ModuleChoice.objects.create(enrollment=e_b, module=module, attended=False)
    later = klass.ends_on + datetime.timedelta(days=1)
    counts = {(r["day"], r["meal"]): r["total"] for r in lodging.meal_counts(klass, today=later)}
    assert counts[(klass.starts_on, "lunch")] == 1
    assert counts[(klass.ends_on, "lunch")] == 3  # no sign-in that day: the enrolment
    response = client_for(world.organiser).get(
        reverse("care:class", args=[klass.pk]), {"export": "xlsx"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("日期", "餐次", "份数", "清真", "素食", "饮食说明")
    assert len(rows) == 1 + 3 * 3
    assert (
        client_for(world.county_b_admin).get(reverse("care:class", args=[klass.pk])).status_code
        == 404
    )


# --- counselling ------------------------------------------------------------------------------


@pytest.fixture
def counselled(world):
    counsellor_user = create_user_with_role(
        "counsellor", password=PASSWORD, role=Role.COUNSELLOR, region=world.city
    )
    counsellor = Counsellor.objects.create(region=world.city, name="孙慧敏", user=counsellor_user)
    other_user = create_user_with_role(
        "counsellor-2", password=PASSWORD, role=Role.COUNSELLOR, region=world.city
    )
    Counsellor.objects.create(region=world.city, name="周宁", user=other_user)
    client_for(world.teacher_user).post(
        reverse("care:ask"),
        {"counsellor": counsellor.pk, "preferred_time": "周三下午", "note": SECRET_NOTE},
    )
    request = CounsellingRequest.objects.get()
    return world, counsellor_user, other_user, request


def test_a_request_is_seen_by_its_teacher_and_its_counsellor_and_nobody_else(counselled):
    world, counsellor_user, other_user, request = counselled
    superuser = User.objects.create_superuser("root", password=PASSWORD)
    seen = {
        user.username: CounsellingRequest.objects.visible_to(scope_for_user(user)).count()
        for user in (
            world.teacher_user, counsellor_user, other_user, world.city_admin,
            world.county_a_admin, world.organiser, world.group_leader, superuser,
        )
    }  # fmt: skip
    assert seen == {
        "teacher": 1, "counsellor": 1, "counsellor-2": 0, "city-admin": 0,
        "county-a": 0, "organiser": 0, "group-leader": 0, "root": 0,
    }  # fmt: skip
    page = client_for(counsellor_user).get(reverse("care:counselling")).content.decode()
    assert SECRET_NOTE in page and "王红梅" in page and "周三下午" in page
    assert (
        SECRET_NOTE not in client_for(other_user).get(reverse("care:counselling")).content.decode()
    )
    # the counsellor schedules, the teacher sees the time
    when = timezone.localtime(timezone.now() + datetime.timedelta(days=3)).replace(
        second=0, microsecond=0
    )
    client_for(counsellor_user).post(
        reverse("care:move", args=[request.pk]),
        {"status": "scheduled", "scheduled_at": when.strftime("%Y-%m-%dT%H:%M")},
    )
    request.refresh_from_db()
    assert request.status == CounsellingStatus.SCHEDULED and request.scheduled_at == when
    assert (
        client_for(world.city_admin).post(reverse("care:move", args=[request.pk])).status_code
        == 404
    )


def test_no_admin_page_export_api_or_audit_line_shows_who_asked(counselled, settings):
    world, _counsellor_user, _, _request = counselled
    superuser = User.objects.create_superuser("root", password=PASSWORD)
    # no audit line of any kind about the request
    request_type = ContentType.objects.get_for_model(CounsellingRequest)
    assert not AuditEntry.objects.filter(content_type=request_type).exists()
    for entry in AuditEntry.objects.all():
        assert SECRET_NOTE not in f"{entry.object_repr}{entry.to_value}{entry.reason}"
    # not in the Django admin at all
    assert CounsellingRequest not in admin.site._registry
    # the office's pages and exports: numbers only
    year = timezone.localdate().year
    office_pages = [
        reverse("reports:dashboard"), reverse("care:index"), reverse("care:counselling"),
        reverse("care:use"), reverse("care:festivals"), reverse("care:honours"),
        reverse("care:lodging"), reverse("faculty:detail", args=[world.teacher_a.pk]),
        reverse("care:festivals") + "?export=xlsx", reverse("care:honours") + "?export=xlsx",
        reverse("care:use") + "?export=xlsx", reverse("faculty:list") + "?export=xlsx",
        reverse("care:dossier", args=[world.teacher_a.pk]),
        "/admin/", "/admin/accounts/", *(
            f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            for model in admin.site._registry
        ),
    ]  # fmt: skip
    for user in (world.city_admin, world.county_a_admin, superuser):
        client = client_for(user)
        for url in office_pages:
            response = client.get(url)
            body = response.content.decode("utf-8", errors="ignore")
            assert SECRET_NOTE not in body and "周三下午" not in body, (user, url)
            if url == reverse("care:counselling") and user != superuser:
                assert "一对一辅导人次" in body
                assert "王红梅" not in body
    numbers = counselling.counselling_numbers(scope_for_user(world.city_admin), year)
    assert sum(row["requests"] for row in numbers) == 1
    # every GET of the API, as the city admin's token
    token = ApiToken.issue(world.city_admin)
    api = Client(headers={"authorization": f"Bearer {token}"})
    schema = api.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        url = path.replace("{", "").replace("}", "")
        for name in ("teacher_id", "pk", "id", "lesson_id", "contest_id", "year"):
            url = url.replace(name, str(world.teacher_a.pk if name != "year" else year))
        body = api.get(url).content.decode()
        assert SECRET_NOTE not in body and "周三下午" not in body, url
        assert "王红梅" not in body or "counselling_requests" not in body, url
    # the year's figures carry the count, nothing else about it
    care = api.get(f"/api/v1/stats?year={timezone.localdate().year}").json()["care"]
    assert care["counselling_requests"] == 1


def test_a_counsellor_login_sees_nothing_else(counselled):
    world, counsellor_user, _, _ = counselled
    client = client_for(counsellor_user)
    home = client.get(reverse("reports:dashboard"))
    assert home.status_code == 302 and home.url == reverse("care:counselling")
    page = client.get(reverse("care:counselling")).content.decode()
    assert "心理辅导" in page and "师资库" not in page and "点单与排课" not in page
    assert "王红梅" not in client.get(reverse("faculty:list")).content.decode()
    assert client.get(reverse("faculty:detail", args=[world.teacher_a.pk])).status_code == 404


def test_talks_are_signed_up_for_until_full(world):
    from dangke.care.models import Talk

    talk = Talk.objects.create(
        region=world.city, title="压力管理与情绪调适", capacity=1,
        starts_at=timezone.now() + datetime.timedelta(days=5),
    )  # fmt: skip
    client_for(world.teacher_user).post(reverse("care:sign_up", args=[talk.pk]))
    assert talk.signups.get().teacher == world.teacher_a
    with pytest.raises(CareError, match="名额已满"):
        counselling.sign_up(teacher=world.teacher_b, talk=talk)


# --- festival care ----------------------------------------------------------------------------


def test_festival_care_is_never_given_twice_and_the_calendar_shows_who_is_missing(world):
    year = 2026
    world.teacher_b.birth_year = 1960
    world.teacher_b.save(update_fields=["birth_year"])
    scope = scope_for_user(world.city_admin)
    festivals.record_care(
        scope=scope, actor=world.city_admin, teacher=world.teacher_a, year=year,
        festival=Festival.SPRING, kind=CareKind.GIFT, given_on=datetime.date(2026, 2, 10),
    )  # fmt: skip
    with pytest.raises(CareError) as refused:
        festivals.record_care(
            scope=scope, actor=world.city_admin, teacher=world.teacher_a, year=year,
            festival=Festival.SPRING, kind=CareKind.GIFT, given_on=datetime.date(2026, 2, 12),
        )  # fmt: skip
    assert str(refused.value) == "王红梅 已于 2026-02-10 收到2026年春节慰问品，不重复发放"
    with pytest.raises(PermissionDenied):  # county B's admin cannot record for county A's teacher
        festivals.record_care(
            scope=scope_for_user(world.county_b_admin), actor=world.county_b_admin,
            teacher=world.teacher_a, year=year, festival=Festival.SPRING, kind=CareKind.CARD,
            given_on=datetime.date(2026, 2, 10),
        )  # fmt: skip
    calendar = {row["festival"]: row for row in festivals.care_calendar(scope, year)}
    spring = calendar[Festival.SPRING]
    assert (spring["date"], spring["due"], spring["received"]) == (datetime.date(2026, 2, 17), 3, 1)
    assert [t.name for t in spring["missing"]] == ["李建国", "张志强"]
    assert calendar[Festival.CHONGYANG]["due"] == 1  # born 1960: 66 in 2026
    assert calendar[Festival.CHONGYANG]["date"] == datetime.date(2026, 10, 18)
    assert CareRecord.objects.visible_to(scope_for_user(world.county_b_admin)).count() == 0


def test_greeting_cards_are_made_by_the_worker_with_the_pools_names(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path
    client = client_for(world.city_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("care:festivals") + "?year=2026",
            {
                "form": "cards",
                "festival": "teachers_day",
                "message": "节日快乐",
                "sender": "乐山市委组织部",
            },
        )
    assert response.status_code == 302
    batch = CardBatch.objects.get()
    assert (batch.status, batch.cards) == (CardBatchStatus.DONE, 3)
    pdf = client.get(reverse("care:cards", args=[batch.pk]))
    path = tmp_path / "cards.pdf"
    path.write_bytes(b"".join(pdf.streaming_content))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    for name in ("王红梅", "李建国", "张志强"):
        assert f"尊敬的{name}老师" in text
    assert text.count("教师节快乐") == 3 and "乐山市委组织部" in text
    assert world.city_admin.notifications.filter(message__contains="3 张").exists()
    assert world.teacher_user.notifications.get().message == "乐山市委组织部：节日快乐"
    assert (
        client_for(world.county_a_admin).get(reverse("care:cards", args=[batch.pk])).status_code
        == 404
    )


# --- dossier and honours ----------------------------------------------------------------------


def given_lessons(world, year):
    tz = timezone.get_current_timezone()
    moments = [
        datetime.datetime(year, 1, 1, 0, 30, tzinfo=tz),  # the first half hour of the year
        datetime.datetime(year, 6, 3, 9, 0, tzinfo=tz),
        datetime.datetime(year, 12, 31, 23, 0, tzinfo=tz),
    ]
    for moment in moments:
        lesson = Lesson.objects.create(
            course=world.course_a, organization=world.org_a, starts_at=moment,
            status=LessonStatus.DELIVERED, duration_minutes=90,
        )  # fmt: skip
        lesson.teachers.add(world.teacher_a)
    for moment, status in (
        (datetime.datetime(year - 1, 12, 31, 23, 30, tzinfo=tz), LessonStatus.DELIVERED),
        (datetime.datetime(year, 3, 3, 9, 0, tzinfo=tz), LessonStatus.CANCELLED),
    ):
        lesson = Lesson.objects.create(
            course=world.course_a, organization=world.org_a, starts_at=moment, status=status
        )
        lesson.teachers.add(world.teacher_a)


def test_the_dossier_command_counts_the_lessons_the_teacher_gave_that_year(world, tmp_path):
    from docx import Document

    year = 2026
    given_lessons(world, year)
    output = tmp_path / "d.docx"
    out = io.StringIO()
    call_command("dossier", "teacher", "--year", str(year), "--output", str(output), stdout=out)
    figures = lifecycle.lesson_figures([world.teacher_a.pk], year)[world.teacher_a.pk]
    assert figures["lessons"] == 3
    assert "授课 3 场，4.5 小时" in out.getvalue()
    document = Document(str(output))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "王红梅 2026年度个人教学档案" in text
    assert "2026年共授课 3 场，4.5 小时。" in text
    details = document.tables[1]
    assert [row.cells[0].text for row in details.rows[1:]] == [
        "2026-01-01", "2026-06-03", "2026-12-31",
    ]  # fmt: skip
    pdf = tmp_path / "d.pdf"
    call_command("dossier", "teacher", "--year", str(year), "--output", str(pdf), stdout=out)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "2026年共授课 3 场" in text


def test_the_dossier_download_is_scoped_like_the_teacher(world):
    url = reverse("care:dossier", args=[world.teacher_a.pk])
    response = client_for(world.teacher_user).get(url, {"year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for(world.county_b_admin).get(url).status_code == 404
    page = client_for(world.county_a_admin).get(
        reverse("faculty:detail", args=[world.teacher_a.pk])
    )
    assert url in page.content.decode()


def test_the_honours_page_shows_its_rule_and_leaves_out_those_without_enough_raters(world):
    given_lessons(world, 2026)
    client = client_for(world.city_admin)
    page = client.get(reverse("care:honours"), {"year": 2026}).content.decode()
    assert "入围条件" in page and "0 人入围" in page and "3 人未达入围条件" in page
    rows = list(
        load_workbook(
            io.BytesIO(
                client.get(reverse("care:honours"), {"year": 2026, "export": "xlsx"}).content
            )
        ).active.iter_rows(values_only=True)
    )
    assert rows == [
        ("排名", "师资编号", "姓名", "授课场次", "指标场次", "授课小时", "年度得分", "有效答卷",
         "95%区间下限", "95%区间上限", "擂台赛十佳"),
    ]  # fmt: skip
    assert client_for(world.teacher_user).get(reverse("care:honours")).status_code == 403


def test_class_needs_are_the_participants_own(lodging_world):
    world, _, _klass, (e_a, e_b, _) = lodging_world
    client = client_for(world.teacher_user)
    response = client.post(
        reverse("care:needs", args=[e_a.pk]), {"needs_bed": "on", "diet": "vegetarian"}
    )
    assert response.status_code == 302
    assert ClassNeeds.objects.get(enrollment=e_a).diet == Diet.VEGETARIAN
    assert client.get(reverse("care:needs", args=[e_b.pk])).status_code == 404


def rated_lesson(world, teacher, org, course, answers, year):
    from dangke.evaluation import services as evaluation
    from dangke.evaluation.models import RaterKind

    lesson = Lesson.objects.create(
        course=course, organization=org, attendees_count=30, status=LessonStatus.DELIVERED,
        starts_at=timezone.make_aware(datetime.datetime(year, 6, 3, 9)),
    )  # fmt: skip
    lesson.teachers.add(teacher)
    survey = evaluation.open_survey(lesson, actor=world.city_admin)
    keys = ("depth", "practice", "timeliness", "interaction", "interest", "multimedia", "mastery")
    for value in answers:
        evaluation.submit_response(
            survey, role=RaterKind.TRAINEE, raw_answers={k: str(value) for k in keys},
            nonce=evaluation.new_form_nonce(survey),
            now=survey.opens_at + datetime.timedelta(minutes=30),
        )  # fmt: skip


def test_honours_rank_by_the_lower_end_of_the_interval_and_need_enough_raters(world):
    from dangke.care import honours
    from dangke.evaluation.scores import teacher_year_results

    year = timezone.localdate().year - 1  # a year wholly past, whatever today is
    rated_lesson(world, world.teacher_a, world.org_a, world.course_a, [4] * 10, year)
    rated_lesson(world, world.teacher_b, world.org_b, world.course_b, [5, 3] * 6, year)
    rated_lesson(world, world.city_teacher, world.org_a, world.course_a, [5] * 9, year)
    result = honours.candidates(scope_for_user(world.city_admin), year)
    ranked = [row["teacher"] for row in result["rows"]]
    assert world.city_teacher not in ranked  # nine responses are not enough
    lows = {t: teacher_year_results(t, year)["ci95"][0] for t in ranked}
    assert set(ranked) == {world.teacher_a, world.teacher_b}
    assert ranked == sorted(ranked, key=lambda t: -lows[t])
    assert [row["rank"] for row in result["rows"]] == [1, 2]
    assert result["left_out"] == 1
    assert "不少于 10 份有效答卷" in result["rule"]
    county_b = honours.candidates(scope_for_user(world.county_b_admin), year)
    assert [row["teacher"] for row in county_b["rows"]] == [world.teacher_b]


def test_the_week_calendar_costs_the_same_queries_for_one_booking_or_three(world, room):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monday = next_monday()
    client = client_for(world.teacher_user)
    url = reverse("care:room", args=[room.pk])
    book(world, room, world.teacher_user, monday, (9, 0), (10, 0))
    client.get(url, {"week": monday.isoformat()})  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"week": monday.isoformat()})
    book(world, room, world.teacher_user, monday, (11, 0), (12, 0))
    book(world, room, world.county_a_admin, monday, (14, 0), (15, 0))
    with CaptureQueriesContext(connection) as three:
        page = client.get(url, {"week": monday.isoformat()})
    assert page.content.decode().count("table-danger") == 3
    assert len(three.captured_queries) == len(one.captured_queries)
