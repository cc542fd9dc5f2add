"""党员学时档案 in Chromium: a member signs in to a lesson on a phone, the phone remembers
them for the next lesson (one tap) and opens their own year; the liaison signs another
member in from the roster and sees both on the progress page."""

from django.utils import timezone

from dangke.members.models import PartyPost
from dangke.members.services import ensure_years
from tests.members_helpers import lesson, member
from tests.test_browser import browser, log_in, pytestmark  # noqa: F401

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_member_signs_in_on_a_phone_and_liaison_from_the_roster(browser, live_server, world):  # noqa: F811
    zhao = member(world.org_a, "赵敏", "13812345678", post=PartyPost.NONE)
    qian = member(world.org_a, "钱坤", "13800000002")
    ensure_years([zhao.pk, qian.pk], timezone.localdate().year)
    today = timezone.localdate()
    first, second = lesson(world, day=today, minutes=120), lesson(world, day=today)

    context = browser.new_context(locale="zh-CN", **PHONE)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/delivery/sign/{first.checkin_token}/")
    phone.fill("input[name=name]", "赵敏")
    phone.fill("input[name=phone]", "13812345678")
    phone.click("button[type=submit]")
    assert "已计入您本年度的学时" in phone.locator("main").inner_text()
    phone.goto(f"{live_server.url}/delivery/sign/{second.checkin_token}/")
    phone.click("text=以 赵敏（138****5678）签到")
    assert "签到成功" in phone.locator("main").inner_text()
    phone.click("text=查看我的学时")
    mine = phone.locator("main").inner_text()
    assert "赵敏的学时档案" in mine and "3.5" in mine and "13812345678" not in mine
    context.close()

    page = log_in(browser, live_server, "liaison")
    page.goto(f"{live_server.url}/members/lessons/{first.pk}/sign-in/")
    page.check(f"input[name=members][value='{qian.pk}']")
    page.click("text=完成签到")
    assert "已从名册登记 1 人" in page.locator("body").inner_text()
    page.goto(f"{live_server.url}/members/progress/{world.org_a.pk}/")
    summary = page.locator("#progress-summary").inner_text()
    assert "共 2 名党员，已达标 0 名，未达标 2 名" in summary
    rows = page.locator("tbody tr").all_inner_texts()
    assert any("钱坤" in row and "2.0" in row for row in rows)
    assert any("赵敏" in row and "3.5" in row for row in rows)
    page.context.close()
