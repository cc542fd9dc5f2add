"""Pages of the study records: scoping, masking, the member's own view, the QR sign-in's
remembered phone, the roster sign-in, exports audited, figures that agree."""

import datetime
import json
from io import BytesIO, StringIO

import pytest
from django.core import signing
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from dangke.core.calendar import report_year
from dangke.core.models import AuditEntry
from dangke.delivery.models import Attendance
from dangke.members.models import (
    AttendanceMatch,
    MatchOutcome,
    Member,
    PartyPost,
    StudyClass,
    StudyYear,
)
from dangke.members.services import ensure_years
from tests.members_helpers import lesson, member


@pytest.fixture
def roster(world):
    zhao = member(world.org_a, "赵敏", "13812345678", post=PartyPost.SECRETARY)
    qian = member(world.org_a, "钱坤", "13800000002")
    li = member(world.org_b, "李四", "13700000000")
    # On the roster this year and in the year the office reports on (the last one, in
    # January and February).
    for year in {timezone.localdate().year, report_year()}:
        ensure_years([zhao.pk, qian.pk, li.pk], year)
    return zhao, qian, li


def test_a_county_admin_never_sees_another_countys_members(client, world, roster):
    zhao, _qian, li = roster
    client.force_login(world.county_b_admin)
    page = client.get("/members/roster/").content.decode()
    assert "李四" in page and "赵敏" not in page and "钱坤" not in page
    assert client.get(f"/members/{zhao.pk}/").status_code == 404
    years = client.get("/members/years/").content.decode()
    assert "李四" in years and "赵敏" not in years
    row = StudyYear.objects.filter(member=zhao).first()
    assert client.get(f"/members/years/{row.pk}/").status_code == 404
    completion = client.get("/members/completion/").content.decode()
    assert "市中区" not in completion and "犍为县" in completion
    assert client.get(f"/members/progress/{world.org_a.pk}/").status_code == 404
    assert client.get(f"/members/{li.pk}/").status_code == 200


def test_phones_are_masked_in_lists_and_full_only_for_liaison_and_region_admins(
    client, world, roster
):
    zhao = roster[0]
    for user in (world.liaison, world.county_a_admin, world.city_admin):
        client.force_login(user)
        assert "138****5678" in client.get("/members/roster/").content.decode()
        assert "13812345678" not in client.get("/members/roster/").content.decode()
        detail = client.get(f"/members/{zhao.pk}/").content.decode()
        assert '<dd class="col-sm-8" id="member-phone">13812345678</dd>' in detail
    client.force_login(world.organiser)  # sees the city, administers nothing
    detail = client.get(f"/members/{zhao.pk}/").content.decode()
    assert '<dd class="col-sm-8" id="member-phone">138****5678</dd>' in detail


def test_every_roster_export_is_audited_and_masked(client, world, roster):
    client.force_login(world.county_a_admin)
    response = client.get("/members/roster/?export=xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "138****5678" in cells and "13812345678" not in cells and "李四" not in cells
    client.get(f"/members/progress/{world.org_a.pk}/?export=xlsx")
    entries = AuditEntry.objects.filter(field="export").order_by("id")
    assert [(e.actor, e.to_value, e.object_repr) for e in entries] == [
        (world.county_a_admin, "2 行", "导出党员名册"),
        (world.county_a_admin, "2 行", "导出张公桥社区党委学时进度"),
    ]


def test_qr_sign_in_remembers_the_phone_and_gives_a_member_their_link(client, world, roster):
    zhao = roster[0]
    today = timezone.localdate()
    first, second = lesson(world, day=today), lesson(world, day=today)
    url = f"/delivery/sign/{first.checkin_token}/"
    page = client.post(url, {"name": "赵敏", "phone": "13812345678"}).content.decode()
    assert "已计入您本年度的学时" in page
    assert f"/members/me/{zhao.view_token}/" in page
    # The next lesson on this device: one tap, the phone masked on the button.
    page = client.get(f"/delivery/sign/{second.checkin_token}/").content.decode()
    assert "以 赵敏（138****5678）签到" in page and 'name="phone"' not in page
    client.post(f"/delivery/sign/{second.checkin_token}/", {"remembered": "1"})
    assert AttendanceMatch.objects.get(attendance__lesson=second).member == zhao
    assert StudyYear.objects.get(member=zhao, year=timezone.localdate().year).hours == 3
    # "Not me" shows the form again.
    assert (
        'name="phone"'
        in client.get(f"/delivery/sign/{second.checkin_token}/?other=1").content.decode()
    )


def test_a_forged_cookie_is_ignored(client, world, roster):
    the_lesson = lesson(world, day=timezone.localdate())
    forged = signing.dumps({"n": "赵敏", "p": "13812345678"}, salt="another-salt")
    client.cookies["dangke_signin"] = forged
    page = client.get(f"/delivery/sign/{the_lesson.checkin_token}/").content.decode()
    assert "以 赵敏" not in page and 'name="phone"' in page


def test_a_stranger_signing_in_gets_no_link_and_old_lessons_hand_out_none(client, world, roster):
    zhao = roster[0]
    page = client.post(
        f"/delivery/sign/{lesson(world, day=timezone.localdate()).checkin_token}/",
        {"name": "赵小敏", "phone": "13812345678"},
    ).content.decode()
    assert "签到成功" in page and "/members/me/" not in page
    assert "联络员核对您的党员身份后计入学时" in page
    old = lesson(world, day=timezone.localdate() - datetime.timedelta(days=3))
    page = client.post(
        f"/delivery/sign/{old.checkin_token}/", {"name": "赵敏", "phone": "13812345678"}
    ).content.decode()
    assert "已计入您本年度的学时" in page and zhao.view_token not in page


def test_the_members_own_view_needs_the_token_not_a_phone(client, world, roster):
    zhao = roster[0]
    page = client.get(f"/members/me/{zhao.view_token}/")
    assert page.status_code == 200 and "赵敏的学时档案" in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    assert "13812345678" not in page.content.decode()
    # one character off (a different one: the token may well end in "x")
    near = zhao.view_token[:-1] + ("y" if zhao.view_token.endswith("x") else "x")
    for guess in ("13812345678", "1", near, "a" * 24):
        assert client.get(f"/members/me/{guess}/").status_code == 404
    # The liaison reissues the link: the old one stops working.
    old = zhao.view_token
    client.force_login(world.liaison)
    client.post(f"/members/{zhao.pk}/reissue-link/")
    zhao.refresh_from_db()
    client.logout()
    assert client.get(f"/members/me/{old}/").status_code == 404
    assert client.get(f"/members/me/{zhao.view_token}/").status_code == 200


def test_liaison_signs_in_from_the_roster_and_resolves_a_sign_in(client, world, roster):
    zhao, qian, _li = roster
    the_lesson = lesson(world, day=timezone.localdate())
    client.post(
        f"/delivery/sign/{the_lesson.checkin_token}/", {"name": "钱小坤", "phone": "13800000002"}
    )
    client.force_login(world.liaison)
    waiting = client.get("/members/sign-ins/to-check/").content.decode()
    assert "钱小坤" in waiting and f"/members/lessons/{the_lesson.pk}/sign-in/" in waiting
    client.force_login(world.county_b_admin)
    assert "钱小坤" not in client.get("/members/sign-ins/to-check/").content.decode()
    client.force_login(world.liaison)
    page = client.get(f"/members/lessons/{the_lesson.pk}/sign-in/").content.decode()
    assert "赵敏" in page and "李四" not in page and "待核对" in page
    client.post(
        f"/members/lessons/{the_lesson.pk}/sign-in/", {"action": "pick", "members": [zhao.pk]}
    )
    unresolved = AttendanceMatch.objects.get(outcome=MatchOutcome.UNRESOLVED)
    client.post(
        f"/members/lessons/{the_lesson.pk}/sign-in/",
        {"action": "resolve", "match": unresolved.pk, "member": qian.pk},
    )
    assert Attendance.objects.filter(lesson=the_lesson).count() == 2
    assert {m.member for m in AttendanceMatch.objects.all()} == {zhao, qian}
    progress = client.get(f"/members/progress/{world.org_a.pk}/").content.decode()
    assert "共 2 名党员，已达标 0 名，未达标 2 名" in progress
    client.force_login(world.county_b_admin)
    assert client.get(f"/members/lessons/{the_lesson.pk}/sign-in/").status_code == 404


def test_completion_page_and_stats_agree_with_the_ledger(client, world, roster):
    _zhao, qian, _li = roster
    year = report_year()  # what `dangke stats` and the completion page show by default
    StudyYear.objects.filter(member=qian, year=year).update(
        hours=40, met=True
    )  # damaged; rebuilt below
    call_command(
        "rebuild_study_years", "--year", str(year), stdout=StringIO()
    )  # the ledger says 0 for all
    out = StringIO()
    call_command("stats", "--json", stdout=out)
    study = json.loads(out.getvalue())["members_study"]
    assert study == {
        "registered": 3, "with_hours": 0, "hours_total": 0.0, "avg_hours": 0.0,
        "target_met": 0, "target_met_rate": 0.0, "leaders": 1, "leaders_target_met": 0,
    }  # fmt: skip
    the_lesson = lesson(world, day=datetime.date(year, 1, 2), minutes=360)
    client.post(
        f"/delivery/sign/{the_lesson.checkin_token}/", {"name": "钱坤", "phone": "13800000002"}
    )
    out = StringIO()
    call_command("stats", "--json", stdout=out)
    study = json.loads(out.getvalue())["members_study"]
    assert (study["with_hours"], study["hours_total"], study["avg_hours"]) == (1, 8.0, 2.7)
    client.force_login(world.city_admin)
    page = client.get("/members/completion/?level=organization").content.decode()
    assert "张公桥社区党委" in page and "大榜村党支部" in page
    none_page = client.get(f"/members/years/?show=none&year={year}").content.decode()
    assert "赵敏" in none_page and "李四" in none_page and "钱坤" not in none_page
    secretaries = client.get(f"/members/years/?show=no_concentrated&year={year}").content.decode()
    assert "赵敏" in secretaries and "李四" not in secretaries
    assert Member.objects.count() == 3


def test_the_admins_dashboard_shows_the_years_completion(client, world, roster):
    client.force_login(world.county_a_admin)
    page = client.get("/").content.decode()
    assert 'id="members-study-card"' in page and 'data-figure="study-met">0%' in page


def test_completion_and_progress_pages_read_the_rollup_in_few_queries(
    client, world, roster, django_assert_max_num_queries
):
    client.force_login(world.city_admin)
    client.get("/members/completion/")  # warm the session and scope
    for level in ("county", "township", "organization"):
        with django_assert_max_num_queries(12):
            assert client.get(f"/members/completion/?level={level}").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/members/progress/{world.org_a.pk}/").status_code == 200


def test_a_class_enrols_members_from_the_roster_and_days_become_hours(client, world, roster):
    zhao, qian, li = roster
    client.force_login(world.county_a_admin)
    response = client.post(
        "/members/classes/",
        {"title": "乡镇党校第一期", "starts_on": "2026-03-01", "ends_on": "2026-03-02"},
    )
    study_class = StudyClass.objects.get()
    assert response.status_code == 302
    page = client.get(f"/members/classes/{study_class.pk}/?organization={world.org_a.pk}")
    assert "赵敏" in page.content.decode()
    # another county's member cannot be slipped in
    client.post(
        f"/members/classes/{study_class.pk}/",
        {"action": "enrol", "members": [zhao.pk, qian.pk, li.pk]},
    )
    assert set(study_class.enrolments.values_list("member__name", flat=True)) == {"赵敏", "钱坤"}
    enrolment = study_class.enrolments.get(member=zhao)
    client.post(
        f"/members/classes/{study_class.pk}/",
        {"action": "days", "enrolment": enrolment.pk, "days": "1.5"},
    )
    year = StudyYear.objects.get(member=zhao, year=2026)
    assert (year.hours, year.concentrated) == (12, True)
    record = client.get(f"/members/{zhao.pk}/?year=2026").content.decode()
    assert f'<a href="/members/classes/{study_class.pk}/">乡镇党校第一期</a>' in record
    client.force_login(world.county_b_admin)
    assert client.get(f"/members/classes/{study_class.pk}/").status_code == 404
