"""The alliance page (联盟主页): its charts and the tables they degrade to, the coordinator's
Excel workbook, the work report's alliance line, and what a host office sees of a lent
teacher elsewhere. 乐山 (5111, the test world) allies with 眉山 (5114), as in
tests/test_alliances.py, whose fixture this reuses."""

import datetime
import io
import json
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dangke.accounts.scoping import scope_for_user
from dangke.alliances import services, views
from dangke.delivery.models import CourseOrder
from dangke.regions.models import Organization, OrganizationKind
from tests.test_alliances import _lend, allies  # noqa: F401  (the fixture)

RATING = {"score": 88.4, "ci95": (85.1, 91.7), "n_responses": 36, "n_lessons": 3}


@pytest.fixture
def busy(allies, monkeypatch):  # noqa: F811
    """乐山 shares course_a; a 眉山 community orders it twice; teacher_a is lent to 眉山; a
    summit with 眉山 registered. The shared course's stored rating is a published one."""
    world = allies.world
    city_scope = scope_for_user(world.city_admin)
    services.share_course(allies.alliance, world.course_a, scope=city_scope, actor=world.city_admin)
    allies.ms_org = Organization.objects.create(
        code="O-MS-1",
        name="东坡区某社区党委",
        kind=OrganizationKind.COMMUNITY,
        region=allies.dongpo,
        member_count=40,
    )
    for _ in range(2):
        CourseOrder.objects.create(
            organization=allies.ms_org, course=world.course_a, expected_attendees=30
        )
    allies.exchange = _lend(allies, world.teacher_a)
    allies.event = services.hold_joint_event(
        allies.alliance, scope=city_scope, actor=world.city_admin, kind="summit",
        title="乐眉党员教育研讨峰会", region=world.city, held_on=timezone.localdate(),
        venue="乐山市委党校",
    )  # fmt: skip
    services.register_for_event(
        allies.event, allies.meishan, scope=scope_for_user(allies.ms_admin),
        actor=allies.ms_admin, registered=12,
    )  # fmt: skip
    monkeypatch.setattr(views, "course_ratings", lambda ids: dict.fromkeys(ids, RATING))
    return allies


def _table(page: str, table_id: str) -> list[list[str]]:
    """A table's rows as the cells' texts."""
    table = page[page.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def _chart_data(page: str) -> dict:
    found = re.search(
        r'<script id="alliance-chart-data" type="application/json">(.*?)</script>', page
    )
    return json.loads(found.group(1))


def test_the_page_draws_its_charts_from_local_echarts_over_tables_that_say_the_same(busy, client):
    client.force_login(busy.ms_admin)
    response = client.get(f"/alliances/{busy.alliance.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    # Local ECharts under the CSP (no other host), the containers hidden until drawn.
    assert "/static/vendor/echarts/echarts.min.js" in page and "/static/dangke/alliance.js" in page
    assert "cdn" not in page.lower()
    for chart in ("chart-orders", "chart-exchanges", "chart-ratings"):
        assert f'id="{chart}" hidden' in page, chart
    month = timezone.localdate().month
    data = _chart_data(page)
    assert data["orders"] == [
        {"name": "乐山市", "data": [0] * 12},
        {"name": "眉山市", "data": [2 if m == month else 0 for m in range(1, 13)]},
    ]
    assert data["exchange_members"] == ["乐山市"]
    assert {s["name"]: s["data"] for s in data["exchanges"]} == {
        "待审批": [0], "已同意": [1], "已拒绝": [0], "已结束": [0],
    }  # fmt: skip
    assert data["ratings"] == [
        {"name": busy.world.course_a.title, "origin": "乐山市", "score": 88.4, "n": 36,
         "low": 85.1, "high": 91.7},
    ]  # fmt: skip
    # Without JavaScript the tables tell the same counts.
    months = [str(2 if m == month else 0) for m in range(1, 13)]
    assert _table(page, "orders-by-member")[1:] == [
        ["乐山市", *["0"] * 12, "0"],
        ["眉山市", *months, "2"],
    ]
    assert _table(page, "exchanges-by-member") == [
        ["派出方", "待审批", "已同意", "已拒绝", "已结束", "合计"],
        ["乐山市", "0", "1", "0", "0", "1"],
    ]
    # The chart data names no teacher and nothing personal.
    assert busy.world.teacher_a.name not in json.dumps(data, ensure_ascii=False)


def test_the_city_admin_sees_the_same_figures_and_an_outsider_gets_404(busy, client):
    client.force_login(busy.world.city_admin)
    data = _chart_data(client.get(f"/alliances/{busy.alliance.pk}/").content.decode())
    assert [row["name"] for row in data["orders"]] == ["乐山市", "眉山市"]
    client.force_login(busy.ya_admin)
    assert client.get(f"/alliances/{busy.alliance.pk}/").status_code == 404
    assert client.get(f"/alliances/{busy.alliance.pk}/?export=xlsx").status_code == 404


def test_an_order_made_before_new_year_in_shanghai_counts_in_its_local_month(busy, client):
    """An order placed at 00:30 on 1 January in Shanghai (16:30 UTC the day before) is
    January's, not December's of the year before."""
    year = timezone.localdate().year
    CourseOrder.objects.filter(organization=busy.ms_org).update(
        created_at=datetime.datetime(year - 1, 12, 31, 16, 30, tzinfo=datetime.UTC)
    )
    client.force_login(busy.world.city_admin)
    data = _chart_data(client.get(f"/alliances/{busy.alliance.pk}/?year={year}").content.decode())
    assert data["orders"][1]["data"] == [2] + [0] * 11


def _sheet(workbook, title):
    return [list(row) for row in workbook[title].iter_rows(values_only=True)]


def test_the_excel_export_is_the_workbook_a_coordinator_hands_in(busy, client):
    year = timezone.localdate().year
    today = timezone.localdate()
    client.force_login(busy.world.city_admin)
    response = client.get(f"/alliances/{busy.alliance.pk}/?year={year}&export=xlsx")
    assert response.status_code == 200
    assert f"{year}" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["成员单位", "共享课程库", "师资互派", "联合活动", "年度合作成效"]
    members = _sheet(workbook, "成员单位")
    assert members[0] == [
        "成员单位",
        "区划代码",
        "牵头单位",
        "加入日期",
        "退出日期",
        "联络人",
        "联络电话",
    ]
    assert members[1][:3] == ["乐山市", "5111", "是"]
    assert members[2][:3] + members[2][5:6] == ["眉山市", "5114", None, "刘联络"]
    library = _sheet(workbook, "共享课程库")
    assert library[0][:3] == ["共享方", "课程编号", "课程名称"]
    assert library[1][:3] == ["乐山市", busy.world.course_a.code, busy.world.course_a.title]
    assert library[1][5:] == [88.4, 85.1, 91.7, 36, 3]
    exchanges = _sheet(workbook, "师资互派")
    assert exchanges[0] == [
        "教师", "派出方", "接收方", "用途", "开始日期", "结束日期", "状态", "审批意见",
        "授课课程", "承办组织", "授课时间", "授课状态",
    ]  # fmt: skip
    row = exchanges[1]
    assert row[:4] == [busy.world.teacher_a.name, "市中区", "眉山市", "授课"]
    assert row[4].date() == today and row[6:8] == ["已同意", "同意派出"]
    events = _sheet(workbook, "联合活动")
    assert events[0] == [
        "举办日期", "活动名称", "类型", "承办方", "地点", "参加人数",
        "参加成员", "报名人数", "出席人数",
    ]  # fmt: skip
    assert events[1][1:] == [
        "乐眉党员教育研讨峰会",
        "研讨峰会",
        "乐山市",
        "乐山市委党校",
        0,
        "眉山市",
        12,
        None,
    ]
    assert dict((label, value) for _year, label, value in _sheet(workbook, "年度合作成效")[1:]) == {
        "成员单位": 2,
        "共享课程（门）": 1,
        "其他成员点单共享课程（次）": 2,
        "互派师资（人次）": 1,
        "互派教师授课（场）": 0,
        "联合活动（场）": 1,
        "其中研讨峰会（场）": 1,
    }


def test_the_export_names_the_year_and_leaves_out_other_years(busy, client):
    last_year = timezone.localdate().year - 1
    client.force_login(busy.ms_admin)
    response = client.get(f"/alliances/{busy.alliance.pk}/?year={last_year}&export=xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(_sheet(workbook, "师资互派")) == 1  # headers only
    assert len(_sheet(workbook, "联合活动")) == 1
    figures = _sheet(workbook, "年度合作成效")
    assert {row[0] for row in figures[1:]} == {last_year}


# ------------------------------------------------------------------ the work report's line


def _report_text(code: str, year: int) -> str:
    from dangke.accounts.scoping import Scope
    from dangke.workreport.compose import compose
    from dangke.workreport.data import collect

    return compose(collect(Scope(is_superuser=True, region_codes=(code,)), year, code)).text()


def test_the_work_report_quotes_the_regions_alliance_in_the_seeds_words(busy):
    year = timezone.localdate().year
    line = "与1个城市建立协作联盟，共享课程1门，互派师资1人次，联合举办峰会1场。"
    leshan = _report_text("5111", year)
    assert f"二是开拓跨域协作“新视野”。{line}" in leshan
    assert "协作联盟城市　本年度同在协作联盟的其他成员单位数　1　/alliances/" in leshan
    assert f"二是开拓跨域协作“新视野”。{line}" in _report_text("5114", year)
    # 乐山's county is not itself a member: its report says nothing of alliances.
    assert "协作联盟" not in _report_text(busy.world.county_a.code, year)


def test_no_alliance_line_in_a_year_the_region_was_a_member_of_none(busy):
    assert "协作联盟" not in _report_text("5111", 2025)  # founded on 1 March 2026
    services.leave(
        busy.ms_member, scope=scope_for_user(busy.ms_admin), actor=busy.ms_admin, reason="调整"
    )
    assert "协作联盟" not in _report_text("5114", timezone.localdate().year + 1)


# ------------------------------------------------- a lent teacher and a shared-in course


def test_the_host_lists_a_lent_teacher_nowhere_but_on_the_card(busy, client):
    """Care (festivals, lodging, honours), advice, training rosters, recordings: the host's
    lists hold its own teachers; the teacher's score, feedback and trial pages are 404."""
    from django.urls import reverse

    from dangke.advice.services import pool_teachers
    from dangke.care.honours import candidates
    from dangke.faculty.models import Teacher
    from dangke.insights.forms import RecordingForm

    teacher, scope = busy.world.teacher_a, scope_for_user(busy.ms_admin)
    assert teacher.pk in {t.pk for t in Teacher.objects.visible_to(scope)}  # the card
    assert {t.pk for t in pool_teachers(scope)} == {busy.ms_teacher.pk}
    assert teacher.name not in str(candidates(scope, timezone.localdate().year))
    assert teacher not in RecordingForm(scope=scope).fields["teacher"].queryset
    client.force_login(busy.ms_admin)
    for url in (reverse("care:festivals"), reverse("care:lodging")):
        page = client.get(url)
        assert page.status_code == 200 and teacher.name not in page.content.decode(), url
    for url in (
        reverse("evaluation:teacher_score", args=[teacher.pk]),
        reverse("media:teacher_feedback", args=[teacher.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("faculty:trial_new", args=[teacher.pk])).status_code == 404
    # The home office still reaches them.
    client.force_login(busy.world.city_admin)
    assert client.get(reverse("evaluation:teacher_score", args=[teacher.pk])).status_code == 200


def test_a_shared_in_course_shows_the_ally_its_published_score_not_its_history(
    busy, client, monkeypatch
):
    from django.urls import reverse

    from dangke.evaluation import scores

    course = busy.world.course_a
    monkeypatch.setattr(scores, "course_ratings", lambda ids: dict.fromkeys(ids, RATING))
    client.force_login(busy.ms_admin)
    page = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert 'id="shared-course-score"' in page and "88.4" in page and "3 场、36 份答卷" in page
    assert "变更记录" not in page
    assert reverse("evaluation:course_score", args=[course.pk]) not in page
    assert client.get(reverse("evaluation:course_score", args=[course.pk])).status_code == 404
    # The owning city keeps its history and its evaluation page.
    client.force_login(busy.world.city_admin)
    page = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert "变更记录" in page and reverse("evaluation:course_score", args=[course.pk]) in page
    assert 'id="shared-course-score"' not in page
