"""Coverage (覆盖情况), campaigns and their progress, attendance by list and lessons
recorded outside the plan: the figures on hand-made lessons, scoping and the pages."""

import datetime
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dangke.accounts.scoping import scope_for_user
from dangke.delivery import rollup, services
from dangke.delivery.forms import parse_attendance_list
from dangke.delivery.models import (
    Attendance,
    AttendanceMethod,
    Campaign,
    Lesson,
    LessonSource,
    LessonStatus,
)
from dangke.regions.models import Organization, OrganizationKind
from dangke.reports.queries import year_figures

YEAR = timezone.localdate().year - 1  # a whole past year: every lesson in it may be given


def at(month, day, hour=9):
    return timezone.make_aware(datetime.datetime(YEAR, month, day, hour))


def record(w, actor, organization, course, teacher, when, **extra):
    return services.record_manual_lesson(
        scope=scope_for_user(actor),
        actor=actor,
        course=course,
        organization=organization,
        starts_at=when,
        teachers=[teacher],
        **extra,
    )


@pytest.fixture
def cw(world):
    """Three organisations (two in county A, one in county B) and four lessons: given at
    org_a (offline, theory, 90 min) and org_b (online, policy, 60 min), planned at org_a2
    (loudspeaker, theory), cancelled at org_a2."""
    w = world
    w.org_a2 = Organization.objects.create(
        code="O-A-002",
        name="张公桥村党支部",
        kind=OrganizationKind.VILLAGE,
        region=w.village_a,
        member_count=40,
    )
    w.given_a = record(
        w, w.county_a_admin, w.org_a, w.course_a, w.teacher_a, at(6, 1),
        duration_minutes=90, attendees_count=50,
    )  # fmt: skip
    w.given_b = record(
        w, w.county_b_admin, w.org_b, w.course_b, w.teacher_b, at(6, 2),
        duration_minutes=60, mode="online", attendees_count=30,
    )  # fmt: skip
    w.planned = record(
        w, w.county_a_admin, w.org_a2, w.course_a, w.teacher_a, at(7, 1),
        mode="loudspeaker", status=LessonStatus.PLANNED,
    )  # fmt: skip
    cancelled = record(
        w, w.county_a_admin, w.org_a2, w.course_a, w.teacher_a, at(7, 2),
        status=LessonStatus.PLANNED,
    )  # fmt: skip
    services.cancel_lesson(
        cancelled, scope=scope_for_user(w.county_a_admin), actor=w.county_a_admin, reason="雨天"
    )
    return w


def test_coverage_counts_reached_members_modes_and_categories(cw, django_assert_max_num_queries):
    w = cw
    scope = scope_for_user(w.city_admin)
    rollup.flush()  # the writes' rollup upkeep runs on commit, which a test never reaches
    with django_assert_max_num_queries(8):
        figures = services.coverage(scope, YEAR)
    assert (figures["reached"], figures["organizations"]) == (2, 3)
    assert figures["percent"] == 66.7
    assert (figures["members_reached"], figures["members"]) == (95, 135)
    assert figures["lessons"] == 3  # the cancelled one is left out
    assert figures["lessons_given"] == 2
    assert figures["by_mode"] == {"offline": 1, "online": 1, "loudspeaker": 1}
    assert figures["by_category"]["theory"] == 2 and figures["by_category"]["policy"] == 1
    assert figures["hours"] == 2.5
    assert figures["attendees"] == 80
    assert figures["teachers_active"] == 2
    rows = {row["name"]: row for row in figures["counties"]}
    assert rows["市中区"] == {
        "code": "511102", "name": "市中区", "organizations": 2, "members": 100, "reached": 1,
        "members_reached": 60, "lessons": 2, "hours": 1.5, "percent": 50.0,
    }  # fmt: skip
    assert (rows["犍为县"]["reached"], rows["犍为县"]["hours"]) == (1, 1.0)
    # The same figures as `dangke stats`.
    stats = year_figures(scope, YEAR)
    assert stats["organizations"]["covered"] == figures["reached"]
    assert stats["members_reached"] == figures["members_reached"]
    assert stats["lessons"]["by_mode"] == figures["by_mode"]
    # A co-host is reached as well.
    w.given_a.other_organizations.add(w.org_a2)
    figures = services.coverage(scope, YEAR)
    assert (figures["reached"], figures["members_reached"]) == (3, 135)
    assert {row["name"]: row["reached"] for row in figures["counties"]} == {
        "市中区": 2,
        "犍为县": 1,
    }
    # Another year has none of it.
    assert services.coverage(scope, YEAR - 1)["reached"] == 0


def test_coverage_is_scoped(cw):
    w = cw
    county_b = services.coverage(scope_for_user(w.county_b_admin), YEAR)
    assert (county_b["reached"], county_b["organizations"]) == (1, 1)
    assert county_b["members_reached"] == 35 and county_b["lessons"] == 1
    assert [row["name"] for row in county_b["counties"]] == ["犍为县"]
    county_a = services.coverage(scope_for_user(w.county_a_admin), YEAR)
    assert (county_a["reached"], county_a["organizations"]) == (1, 2)
    assert county_a["by_mode"]["online"] == 0


def test_coverage_page_and_export(client, cw):
    w = cw
    client.force_login(w.county_b_admin)
    page = client.get("/delivery/coverage/", {"year": YEAR}).content.decode()
    assert 'id="figure-reached">1 / 1' in page and "犍为县" in page
    assert 'id="chart-data"' in page and 'data-chart="pie"' in page
    response = client.get("/delivery/coverage/", {"year": YEAR, "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "县（市、区）"
    assert [row[0] for row in rows[1:]] == ["犍为县"]
    assert rows[1][1:] == (1, 1, 100, 35, 1, 1)

    client.force_login(w.city_admin)
    response = client.get("/delivery/coverage/", {"year": YEAR, "export": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["市中区", "犍为县"]
    assert rows[1][1:] == (2, 1, 50, 60, 2, 1.5)
    # A bad year falls back to this year (nothing in it) instead of failing.
    assert client.get("/delivery/coverage/", {"year": "abc"}).status_code == 200


def test_campaign_created_with_progress_and_filtered_coverage(
    client, cw, django_assert_max_num_queries
):
    w = cw
    form = {
        "name": "万堂示范课下基层",
        "region": "511102",
        "starts_on": f"{YEAR}-05-01",
        "ends_on": f"{YEAR}-12-31",
        "target_kinds": ["community", "village"],
        "target_lessons": "4",
        "target_members": "100",
    }
    client.force_login(w.county_b_admin)
    response = client.post("/delivery/campaigns/", form)
    assert "511102" not in [c for c, _ in response.context["form"].fields["region"].choices]
    assert not Campaign.objects.exists()
    client.force_login(w.liaison)
    assert client.post("/delivery/campaigns/", form).status_code == 403

    client.force_login(w.county_a_admin)
    client.post("/delivery/campaigns/", form)
    campaign = Campaign.objects.get()
    assert campaign.target_kinds == ["community", "village"]
    for lesson in (w.given_a, w.planned):
        Lesson.objects.filter(pk=lesson.pk).update(campaign=campaign)
    # A given campaign lesson outside the campaign's region counts nowhere in its progress.
    Lesson.objects.filter(pk=w.given_b.pk).update(campaign=campaign)

    # 7: the lessons an alliance shares in are listed once per scope (Scope.shared_ids)
    with django_assert_max_num_queries(7):
        progress = services.campaign_progress(scope_for_user(w.county_a_admin), [campaign])
    assert progress[campaign.pk] == {
        "lessons": 1, "target_lessons": 4, "lessons_percent": 25.0,
        "members_reached": 60, "target_members": 100, "members_percent": 60.0,
        "organizations_reached": 1, "organizations_targeted": 2, "organizations_percent": 50.0,
    }  # fmt: skip
    listing = client.get("/delivery/campaigns/").content.decode()
    assert "万堂示范课下基层" in listing and "1 / 4" in listing and "60 / 100" in listing
    detail = client.get(f"/delivery/campaigns/{campaign.pk}/").content.decode()
    assert f"campaign={campaign.pk}" in detail and "1 / 2" in detail

    page = client.get("/delivery/coverage/", {"year": YEAR, "campaign": campaign.pk})
    export = client.get(
        "/delivery/coverage/", {"year": YEAR, "campaign": campaign.pk, "export": "xlsx"}
    )
    assert export.status_code == 200
    figures = page.context["figures"]
    assert (figures["reached"], figures["organizations"]) == (1, 2)
    assert figures["lessons"] == 2 and figures["lessons_given"] == 1
    # Another county does not see the campaign.
    client.force_login(w.county_b_admin)
    assert client.get(f"/delivery/campaigns/{campaign.pk}/").status_code == 404
    assert "万堂示范课下基层" not in client.get("/delivery/campaigns/").content.decode()


def test_parse_attendance_list_reports_each_bad_line():
    rows, errors = parse_attendance_list(
        "张三 13800000001 张公桥社区\n\n李四，13800000002\n王五 138000x0003 社区\n"
        "13800000004 赵六\n孙七 13800000001\n钱八 张公桥 第二小组\n"
    )
    assert rows == [
        {"name": "张三", "phone": "13800000001", "organization": "张公桥社区"},
        {"name": "李四", "phone": "13800000002", "organization": ""},
        {"name": "钱八", "phone": "", "organization": "张公桥 第二小组"},
    ]
    assert [(number, why) for number, _line, why in errors] == [
        (4, "手机号「138000x0003」格式不对"),
        (5, "第一项应为姓名"),
        (6, "手机号与第 1 行重复"),
    ]


def test_attendance_by_list_records_good_lines_and_returns_bad_ones(client, cw):
    w = cw
    lesson = w.planned
    text = "张三 13800000001 张公桥村\n王五 138000x0003\n李四 13800000002\n"
    client.force_login(w.county_b_admin)
    url = f"/delivery/lessons/{lesson.pk}/attendance/"
    assert client.post(url, {"attendees": text}).status_code == 404
    client.force_login(w.teacher_user)  # sees the lesson, may not take attendance
    assert client.post(url, {"attendees": text}).status_code == 403

    client.force_login(w.liaison)
    lesson.organization = w.org_a
    Lesson.objects.filter(pk=lesson.pk).update(organization=w.org_a)
    page = client.get(f"/delivery/lessons/{lesson.pk}/").content.decode()
    assert "按名单登记签到" in page
    response = client.post(url, {"attendees": text})
    body = response.content.decode()
    assert response.status_code == 200
    assert "第 2 行" in body and "138000x0003" in body and "新增 2 人" in body
    assert set(Attendance.objects.filter(lesson=lesson).values_list("name", "method")) == {
        ("张三", AttendanceMethod.LIST),
        ("李四", AttendanceMethod.LIST),
    }
    lesson.refresh_from_db()
    assert lesson.attendees_count == 2
    # The same list again adds nobody: each phone signs in once.
    response = client.post(url, {"attendees": "张三 13800000001\n李四 13800000002"}, follow=True)
    assert "新增 0 人" in response.content.decode()
    assert Attendance.objects.filter(lesson=lesson).count() == 2


def test_manual_lesson_recorded_by_liaison_counts_in_coverage(client, cw):
    w = cw
    client.force_login(w.judge)
    assert client.get("/delivery/lessons/new/").status_code == 403
    client.force_login(w.liaison)
    page = client.get("/delivery/lessons/new/")
    assert page.status_code == 200
    assert w.teacher_a.name in page.content.decode()  # from the menu's courses
    form = {
        "course": w.course_a.pk,
        "teachers": [w.teacher_a.pk],
        "organization": w.org_a.pk,
        "starts_at": f"{YEAR}-08-08T09:30",
        "duration_minutes": "120",
        "venue": "村文化广场",
        "mode": "loudspeaker",
        "attendees_count": "45",
    }
    assert (
        "请选择授课师资或宣讲队"
        in client.post("/delivery/lessons/new/", {**form, "teachers": []}).content.decode()
    )
    other = client.post("/delivery/lessons/new/", {**form, "organization": w.org_b.pk})
    assert other.status_code == 200 and not Lesson.objects.filter(organization=w.org_b,
        mode="loudspeaker").exists()  # fmt: skip
    response = client.post("/delivery/lessons/new/", form)
    lesson = Lesson.objects.get(venue="村文化广场")
    assert response.status_code == 302 and response["Location"].endswith(f"/{lesson.pk}/")
    assert lesson.source == LessonSource.MANUAL and lesson.status == LessonStatus.DELIVERED
    assert list(lesson.teachers.all()) == [w.teacher_a] and lesson.attendees_count == 45

    figures = services.coverage(scope_for_user(w.county_a_admin), YEAR)
    assert figures["lessons_given"] == 2 and figures["by_mode"]["loudspeaker"] == 2
    assert figures["hours"] == 3.5  # 90 + 120 minutes
    assert figures["attendees"] == 95


def test_pages_open_for_every_role(client, cw, django_user_model):
    w = cw
    root = django_user_model.objects.create_superuser("root", password="x-pass-123")
    for user in (root, w.city_admin, w.liaison, w.teacher_user, w.judge):
        client.force_login(user)
        for url in (
            "/delivery/coverage/",
            "/delivery/campaigns/",
            f"/delivery/lessons/{w.given_a.pk}/",
        ):
            response = client.get(url)
            assert response.status_code in (200, 404), (user, url)
    client.force_login(root)
    assert "发起专项活动" in client.get("/delivery/campaigns/").content.decode()
    client.force_login(w.liaison)
    assert "发起专项活动" not in client.get("/delivery/campaigns/").content.decode()
    assert "登记授课" in client.get("/delivery/lessons/").content.decode()
