"""The roster import: template, every bad row reported, nothing written; re-import says
what is new, changed and gone; transfers keep the year's hours."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dangke.delivery import services as delivery
from dangke.imports.models import ImportJob, ImportState
from dangke.members.models import Member, MemberStatus, PartyPost, StudyYear
from tests.members_helpers import lesson

HEADERS = ["姓名", "性别", "手机号", "所在党组织", "党内职务", "人员类别", "入党日期", "党员编号"]


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "党员名册"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_roster(client, rows) -> ImportJob:
    client.post(
        "/imports/members/upload/",
        {"members-file": SimpleUploadedFile("名册.xlsx", workbook(rows))},
    )
    job = ImportJob.objects.latest("id")
    if job.state == ImportState.VALID:
        client.post(f"/imports/jobs/{job.pk}/confirm/")
        job.refresh_from_db()
    return job


@pytest.fixture
def county_a(client, world):
    client.force_login(world.county_a_admin)
    return client


GOOD = [
    ["赵敏", "女", "13800000001", "张公桥社区党委", "书记", "正式党员", "2001-07-01", "P001"],
    ["钱坤", "男", 13800000002, "O-A-001", "委员", "正式党员", datetime.date(2010, 5, 4), ""],
    ["孙丽", "女", "", "张公桥社区党委", "无", "预备党员", "", ""],
]


def test_template_offers_the_roster_columns(county_a):
    book = load_workbook(BytesIO(county_a.get("/imports/members/template.xlsx").content))
    headers = [cell.value.rstrip("*") for cell in book["党员名册"][1] if cell.value]
    assert headers == HEADERS
    assert "身份证" not in "".join(headers)


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_written(county_a, world):
    rows = [
        *GOOD,
        ["李雷", "男", "13800000001", "张公桥社区党委", "无", "正式党员", "2001-02-30", ""],
        ["韩梅", "女", "12345", "不存在的支部", "无", "正式党员", "2099-01-01", ""],
        ["王五", "男", "13800000009", "大榜村党支部", "无", "正式党员", "1900-01-01", ""],
    ]
    job = import_roster(county_a, rows)
    assert job.state == ImportState.INVALID
    found = {(e["sheet"], e["row"], e["column"], e["message"]) for e in job.errors}
    assert found == {
        ("党员名册", 5, "手机号", "手机号重复：与第 2 行相同"),
        ("党员名册", 5, "入党日期", "「2001-02-30」不是有效日期（如 2001-07-01）"),
        ("党员名册", 6, "手机号", "「12345」不是 11 位手机号"),
        ("党员名册", 6, "所在党组织", "找不到该党组织（或不在您管理的范围内）"),
        ("党员名册", 6, "入党日期", "日期 2099-01-01 不可能：应在 1921-07-01 到今天之间"),
        # another county's organisation is as unknown as a made-up one
        ("党员名册", 7, "所在党组织", "找不到该党组织（或不在您管理的范围内）"),
        ("党员名册", 7, "入党日期", "日期 1900-01-01 不可能：应在 1921-07-01 到今天之间"),
    }
    assert not Member.objects.exists()


def test_reimport_reports_new_changed_gone_and_keeps_leavers(county_a, world):
    job = import_roster(county_a, GOOD)
    assert job.state == ImportState.DONE, job.message
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 3
    assert StudyYear.objects.count() == 3  # everybody on the roster has a year, 0 学时
    the_lesson = lesson(world, day=timezone.localdate())
    delivery.sign_in(the_lesson.checkin_token, name="孙丽", phone="")
    delivery.sign_in(the_lesson.checkin_token, name="赵敏", phone="13800000001")

    second = [
        ["赵敏", "女", "13900000001", "张公桥社区党委", "书记", "正式党员", "2001-07-01", "P001"],
        ["钱坤", "男", "13800000002", "O-A-001", "委员", "正式党员", "2010-05-04", ""],
        ["周强", "男", "13800000004", "O-A-001", "无", "正式党员", "2015-05-04", ""],
    ]
    job = import_roster(county_a, second)
    assert job.state == ImportState.DONE
    assert job.message == (
        "已导入 3 行：新增 1，更新 1；未变 1，组织关系转入 0，离开 1（已标记，保留本年度学时）"
    )
    zhao = Member.objects.get(number="P001")
    assert zhao.phone == "13900000001"  # recognised by 党员编号, phone updated
    assert StudyYear.objects.get(member=zhao, year=timezone.localdate().year).hours == Decimal(
        "1.5"
    )
    sun = Member.objects.get(name="孙丽")
    assert sun.status == MemberStatus.LEFT and sun.left_on is not None
    assert StudyYear.objects.get(member=sun, year=timezone.localdate().year).is_active is False


def test_a_member_listed_under_another_organisation_has_moved_with_the_years_hours(client, world):
    client.force_login(world.city_admin)
    import_roster(client, [["赵敏", "女", "13800000001", "O-A-001", "无", "正式党员", "", ""]])
    zhao = Member.objects.get()
    delivery.sign_in(
        lesson(world, day=timezone.localdate()).checkin_token, name="赵敏", phone="13800000001"
    )
    job = import_roster(
        client, [["赵敏", "女", "13800000001", "O-B-001", "书记", "正式党员", "", ""]]
    )
    assert "组织关系转入 1" in job.message
    zhao.refresh_from_db()
    assert (zhao.organization, zhao.post, zhao.status) == (
        world.org_b, PartyPost.SECRETARY, MemberStatus.ACTIVE
    )  # fmt: skip
    year = StudyYear.objects.get(member=zhao, year=timezone.localdate().year)
    assert (year.organization, year.hours, year.target) == (
        world.org_b, Decimal("1.5"), Decimal("56")
    )  # fmt: skip
