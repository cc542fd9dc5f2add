"""The reward fund (奖励基金): a transparent rule, previewed, adjusted with reasons,
approved, exported for the finance office, with certificates for awarded teachers.

The rule. A teacher in the pool with at least `min_lessons` lessons given in the year
earns points = lessons × quality factor, the factor taken from their annual score when it
rests on at least `factor_min_responses` answers (≥ 90: excellent, ≥ 80: good, else base;
too few answers: base). The fund is shared in proportion to points; a share above the cap
is cut to the cap and the excess shared again among the others (until no one is above).
Amounts are whole yuan, rounded down, so the sum never exceeds the fund.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.core.models import AuditEntry
from dangke.core.services import change_status, record_audit
from dangke.faculty import lifecycle
from dangke.faculty.models import (
    AnnualReview,
    FundStatus,
    RewardAllocation,
    RewardFund,
)


class RewardError(lifecycle.LifecycleError):
    """A reward action that cannot go ahead (the message says why, in Chinese)."""


def _require_office(scope, fund: RewardFund):
    if not scope.manages_region(fund.region_id):
        raise PermissionDenied(_("只有基金所属区划的管理员可以操作奖励基金"))


def _require_draft(fund: RewardFund):
    if fund.status != FundStatus.DRAFT:
        raise RewardError(_("奖励基金已审批，不能再修改"))


@transaction.atomic
def create_fund(*, scope, actor, region, year: int, **fields) -> RewardFund:
    if not scope.manages_region(region.code):
        raise RewardError(_("只能为本人管辖的区划设立奖励基金"))
    fund = RewardFund.objects.create(region=region, year=year, **fields)
    record_audit(fund, actor=actor, action=AuditEntry.Action.CREATE, to_value=f"{fund.total}")
    return fund


def factor_for(fund: RewardFund, score, n_responses: int) -> Decimal:
    if score is None or n_responses < fund.factor_min_responses:
        return fund.factor_base
    if score >= 90:
        return fund.factor_excellent
    if score >= 80:
        return fund.factor_good
    return fund.factor_base


def share(total: Decimal, points: dict, cap: Decimal) -> tuple[dict, set]:
    """Share `total` in proportion to `points`, none above `cap` (water-filling); whole
    yuan, rounded down. Returns ({key: amount}, {keys at the cap})."""
    amounts: dict = {}
    capped: set = set()
    remaining = Decimal(total)
    open_keys = {k for k, p in points.items() if p > 0}
    while open_keys:
        pool = sum(points[k] for k in open_keys)
        newly = {k for k in open_keys if remaining * points[k] / pool >= cap}
        if not newly:
            break
        for key in newly:
            amounts[key] = cap
            remaining -= cap
        capped |= newly
        open_keys -= newly
    pool = sum(points[k] for k in open_keys)
    for key in open_keys:
        amounts[key] = (remaining * points[key] / pool).quantize(Decimal("1"), ROUND_FLOOR)
    for key in points:
        amounts.setdefault(key, Decimal("0"))
    return {k: Decimal(v).quantize(Decimal("0.01")) for k, v in amounts.items()}, capped


@transaction.atomic
def allocate(fund: RewardFund, *, scope, actor, recompute_reviews: bool = True) -> dict:
    """Preview (or redo) the allocation by the rule; adjustments made before are
    discarded. Reads the year's annual reviews, recomputed first from the data."""
    _require_office(scope, fund)
    _require_draft(fund)
    if recompute_reviews:
        lifecycle.compute_reviews(fund.region_id, fund.year, actor=actor)
    reviews = list(
        AnnualReview.objects.unscoped("reviews of the fund's region, office checked")
        .filter(
            region__code__startswith=fund.region_id,
            year=fund.year,
            teacher__status__in=lifecycle.IN_POOL,
            lessons__gte=max(fund.min_lessons, 1),
        )
        .select_related("teacher")
    )
    factors = {r.teacher_id: factor_for(fund, r.score, r.n_responses) for r in reviews}
    points = {r.teacher_id: Decimal(r.lessons) * factors[r.teacher_id] for r in reviews}
    amounts, capped = share(fund.total, points, fund.cap)
    fund.allocations.all().delete()
    RewardAllocation.objects.bulk_create(
        RewardAllocation(
            fund=fund, teacher_id=r.teacher_id, lessons=r.lessons, hours=r.hours,
            score=r.score, n_responses=r.n_responses, factor=factors[r.teacher_id],
            points=points[r.teacher_id], rule_amount=amounts[r.teacher_id],
            amount=amounts[r.teacher_id], capped=r.teacher_id in capped,
        )
        for r in reviews
    )  # fmt: skip
    RewardFund.objects.unscoped("the fund fetched in scope").filter(pk=fund.pk).update(
        computed_at=timezone.now()
    )
    allocated = sum(amounts.values(), Decimal("0"))
    record_audit(
        fund, actor=actor, action=AuditEntry.Action.UPDATE, field="allocations",
        to_value=_("按规则分配 %(n)s 人，共 %(a)s 元") % {"n": len(reviews), "a": allocated},
    )  # fmt: skip
    return {"teachers": len(reviews), "allocated": allocated, "capped": len(capped)}


@transaction.atomic
def adjust(allocation: RewardAllocation, *, scope, actor, amount, reason: str):
    """Change one teacher's amount, with a reason; the fund's total still binds."""
    fund = RewardFund.objects.select_for_update().get(pk=allocation.fund_id)
    _require_office(scope, fund)
    _require_draft(fund)
    reason = (reason or "").strip()
    if not reason:
        raise RewardError(_("调整金额须填写理由"))
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount < 0:
        raise RewardError(_("金额不能为负"))
    others = fund.allocations.exclude(pk=allocation.pk).aggregate(s=Sum("amount"))["s"] or Decimal(
        "0"
    )
    if others + amount > fund.total:
        raise RewardError(
            _("调整后合计 %(s)s 元，超过基金总额 %(t)s 元")
            % {"s": others + amount, "t": fund.total}
        )
    old = allocation.amount
    allocation.amount = amount
    allocation.adjustment_reason = reason[:200]
    allocation.save(update_fields=["amount", "adjustment_reason"])
    name = allocation.teacher.name
    record_audit(
        fund, actor=actor, action=AuditEntry.Action.UPDATE, field="amount",
        from_value=f"{name} {old}", to_value=f"{name} {amount}", reason=reason,
    )  # fmt: skip
    return allocation


@transaction.atomic
def approve(fund: RewardFund, *, scope, actor, reason: str = "") -> RewardFund:
    _require_office(scope, fund)
    if not fund.allocations.exists():
        raise RewardError(_("请先按规则生成分配方案"))
    total = fund.allocations.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    change_status(
        fund, FundStatus.APPROVED, actor=actor,
        reason=reason or _("审批通过：%(n)s 人，共 %(s)s 元")
        % {"n": fund.allocations.filter(amount__gt=0).count(), "s": total},
    )  # fmt: skip
    RewardFund.objects.unscoped("the fund held").filter(pk=fund.pk).update(
        approved_by=actor if getattr(actor, "is_authenticated", False) else None,
        approved_at=timezone.now(),
    )
    fund.refresh_from_db()
    return fund


EXPORT_HEADERS = (
    gettext_lazy("师资编号"), gettext_lazy("姓名"), gettext_lazy("级别"), gettext_lazy("所属区划"),
    gettext_lazy("工作单位"), gettext_lazy("授课场次"), gettext_lazy("授课时长(小时)"),
    gettext_lazy("年度得分"), gettext_lazy("有效答卷"), gettext_lazy("质量系数"),
    gettext_lazy("积分"), gettext_lazy("按规则金额(元)"), gettext_lazy("核定金额(元)"),
    gettext_lazy("调整理由"),
)  # fmt: skip


def export_rows(fund: RewardFund):
    for a in fund.allocations.select_related("teacher__region").order_by(
        "-amount", "teacher__code"
    ):
        t = a.teacher
        yield (
            t.code, t.name, t.get_level_display(), t.region.name, t.employer, a.lessons,
            float(a.hours), a.score, a.n_responses, float(a.factor), float(a.points),
            float(a.rule_amount), float(a.amount), a.adjustment_reason,
        )  # fmt: skip
