"""The reward fund: the transparent rule (points = lessons × quality factor, cap with the
excess shared again), preview, adjustments with reasons, approval, the Excel export for
the finance office, certificates, and scoping."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from dangke.accounts.scoping import scope_for_user
from dangke.core.models import AuditEntry
from dangke.core.status import ProtectedStatusError
from dangke.delivery.models import Lesson, LessonStatus
from dangke.faculty import rewards
from dangke.faculty.models import FundStatus, RewardFund
from tests.conftest import PASSWORD

YEAR = 2026
# These tests read "this year" and make lessons "days ago": they run late in YEAR.
pytestmark = pytest.mark.usefixtures("pinned_clock")


def give(teacher, org, course, count):
    for i in range(count):
        lesson = Lesson.objects.create(
            course=course, organization=org, status=LessonStatus.DELIVERED,
            starts_at=datetime.datetime(YEAR, 2, 1 + i, 2, tzinfo=datetime.UTC),
        )  # fmt: skip
        lesson.teachers.add(teacher)


def test_share_caps_and_redistributes():
    amounts, capped = rewards.share(
        Decimal("1000"), {"a": Decimal("8"), "b": Decimal("1"), "c": Decimal("1")}, Decimal("500")
    )
    assert capped == {"a"}
    assert amounts == {"a": Decimal("500.00"), "b": Decimal("250.00"), "c": Decimal("250.00")}
    amounts, capped = rewards.share(
        Decimal("100"), {"a": Decimal("1"), "b": Decimal("2")}, Decimal("1000")
    )
    assert amounts == {"a": Decimal("33.00"), "b": Decimal("66.00")}  # whole yuan, floor


def test_factor_needs_enough_responses():
    fund = RewardFund(factor_min_responses=30)
    assert rewards.factor_for(fund, 95.0, 12) == fund.factor_base
    assert rewards.factor_for(fund, 95.0, 40) == Decimal("1.5")
    assert rewards.factor_for(fund, 85.0, 40) == Decimal("1.2")


@pytest.fixture
def fund(world):
    give(world.teacher_a, world.org_a, world.course_a, 6)
    give(world.teacher_b, world.org_b, world.course_b, 2)
    return rewards.create_fund(
        scope=scope_for_user(world.city_admin), actor=world.city_admin, region=world.city,
        year=YEAR, name="年度优秀师资奖励基金", total=Decimal("10000"), cap=Decimal("6000"),
    )  # fmt: skip


def test_allocate_adjust_approve(world, fund):
    admin, office = world.city_admin, scope_for_user(world.city_admin)
    outcome = rewards.allocate(fund, scope=office, actor=admin)
    assert outcome == {"teachers": 2, "allocated": Decimal("10000.00"), "capped": 1}
    by_teacher = {a.teacher: a for a in fund.allocations.all()}
    a, b = by_teacher[world.teacher_a], by_teacher[world.teacher_b]
    assert (a.points, a.amount, a.capped) == (Decimal("6.00"), Decimal("6000.00"), True)
    assert b.amount == Decimal("4000.00")  # the excess above the cap went to B
    with pytest.raises(rewards.RewardError, match="理由"):
        rewards.adjust(b, scope=office, actor=admin, amount=3000, reason="")
    with pytest.raises(rewards.RewardError, match="超过基金总额"):
        rewards.adjust(b, scope=office, actor=admin, amount=4500, reason="多讲一场")
    rewards.adjust(b, scope=office, actor=admin, amount=3500, reason="一场未按时到课")
    b.refresh_from_db()
    assert (b.rule_amount, b.amount, b.adjusted) == (Decimal("4000.00"), Decimal("3500.00"), True)
    assert AuditEntry.objects.filter(reason="一场未按时到课", to_value="李建国 3500.00").exists()
    with pytest.raises(PermissionDenied):
        rewards.adjust(b, scope=scope_for_user(world.county_b_admin), actor=admin, amount=1,
                       reason="x")  # fmt: skip
    rewards.approve(fund, scope=office, actor=admin)
    assert fund.status == FundStatus.APPROVED and fund.approved_by == admin
    with pytest.raises(rewards.RewardError, match="已审批"):
        rewards.adjust(b, scope=office, actor=admin, amount=3000, reason="再调")
    stored = RewardFund.objects.get(pk=fund.pk)
    stored.status = FundStatus.DRAFT
    with pytest.raises(ProtectedStatusError):
        stored.save()


def test_pages_export_and_certificates(world, fund, client):
    office = scope_for_user(world.city_admin)
    rewards.allocate(fund, scope=office, actor=world.city_admin)
    client.login(username="city-admin", password=PASSWORD)
    page = client.get(reverse("faculty:fund", args=[fund.pk])).content.decode()
    assert "积分 = 授课场次 × 质量系数" in page and "王红梅" in page
    response = client.get(reverse("faculty:fund_export", args=[fund.pk]))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = [cell for cell in rows[0] if cell]
    assert header[:2] == ["师资编号", "姓名"] and "核定金额(元)" in header
    data = [row for row in rows[1:] if row[0]]
    assert [(row[1], row[12]) for row in data] == [("王红梅", 6000), ("李建国", 4000)]
    # certificates only once approved
    url = reverse("faculty:fund_certificates", args=[fund.pk])
    assert client.get(url).status_code == 302
    client.post(reverse("faculty:fund_approve", args=[fund.pk]))
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf" and response.content[:4] == b"%PDF"
    # another county's admin sees nothing of the city's fund
    client.login(username="county-b", password=PASSWORD)
    assert client.get(reverse("faculty:fund", args=[fund.pk])).status_code == 404
