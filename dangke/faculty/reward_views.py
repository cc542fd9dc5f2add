"""Reward fund pages: funds of the year, the allocation preview with its rule, adjustments
with reasons, approval, the Excel export for the finance office and PDF certificates."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.export import xlsx_response
from dangke.core.pdf import pdf_response, render_pdf
from dangke.faculty import rewards
from dangke.faculty.forms import RewardFundForm
from dangke.faculty.models import FundStatus, RewardAllocation, RewardFund
from dangke.faculty.review_views import _require_office, _year


def _errors(request, error):
    messages.error(request, "；".join(error.messages))


@login_required
def funds(request):
    home = _require_office(request)
    year = _year(request)
    form = RewardFundForm(
        request.POST or None,
        initial={"name": _("%(y)s 年度优秀师资奖励基金") % {"y": year}, "total": 200000,
                 "cap": 5000},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        if RewardFund.objects.filter(region=home, year=year).exists():
            messages.error(request, _("本年度已设立奖励基金"))
        else:
            fund = rewards.create_fund(
                scope=request.scope, actor=request.user, region=home, year=year,
                **form.cleaned_data,
            )  # fmt: skip
            return redirect(fund)
    listed = (
        RewardFund.objects.visible_to(request.scope)
        .select_related("region")
        .annotate(
            allocated=Sum("allocations__amount"),
            awarded=Count("allocations", filter=Q(allocations__amount__gt=0)),
        )
    )
    return render(
        request, "faculty/funds.html", {"home": home, "year": year, "form": form, "funds": listed}
    )


def _fund(request, pk) -> RewardFund:
    return get_visible_or_404(RewardFund.objects.select_related("region"), request.scope, pk=pk)


@login_required
def fund_detail(request, pk):
    fund = _fund(request, pk)
    allocations = fund.allocations.select_related("teacher", "teacher__region").order_by(
        "-amount", "teacher__code"
    )
    sums = allocations.aggregate(
        rule=Sum("rule_amount"), sum_amount=Sum("amount"), points=Sum("points"),
        awarded=Count("pk", filter=Q(amount__gt=0)), capped=Count("pk", filter=Q(capped=True)),
    )  # fmt: skip
    context = {
        "fund": fund,
        "allocations": allocations,
        "sums": sums,
        "left": fund.total - (sums["sum_amount"] or Decimal("0")),
        "editable": fund.status == FundStatus.DRAFT
        and request.scope.manages_region(fund.region_id),
    }
    return render(request, "faculty/fund.html", context)


@login_required
@require_POST
def fund_allocate(request, pk):
    fund = _fund(request, pk)
    try:
        outcome = rewards.allocate(fund, scope=request.scope, actor=request.user)
    except rewards.RewardError as error:
        _errors(request, error)
    else:
        messages.success(
            request,
            _("已按规则分配：%(n)s 人，共 %(a)s 元，%(c)s 人达到上限")
            % {"n": outcome["teachers"], "a": outcome["allocated"], "c": outcome["capped"]},
        )
    return redirect(fund)


@login_required
@require_POST
def allocation_adjust(request, pk):
    allocation = get_visible_or_404(
        RewardAllocation.objects.select_related("fund", "teacher"), request.scope, pk=pk
    )
    try:
        amount = Decimal(request.POST.get("amount", ""))
        rewards.adjust(allocation, scope=request.scope, actor=request.user, amount=amount,
                       reason=request.POST.get("reason", ""))  # fmt: skip
    except InvalidOperation:
        messages.error(request, _("请填写金额"))
    except rewards.RewardError as error:
        _errors(request, error)
    else:
        messages.success(request, _("已调整 %(n)s 的金额") % {"n": allocation.teacher.name})
    return redirect(allocation.fund)


@login_required
@require_POST
def fund_approve(request, pk):
    fund = _fund(request, pk)
    try:
        rewards.approve(fund, scope=request.scope, actor=request.user)
    except rewards.RewardError as error:
        _errors(request, error)
    else:
        messages.success(request, _("奖励基金已审批"))
    return redirect(fund)


@login_required
def fund_export(request, pk):
    fund = _fund(request, pk)
    stem = _("%(fund)s-财务") % {"fund": fund.name}
    return xlsx_response(stem, rewards.EXPORT_HEADERS, rewards.export_rows(fund))


@login_required
def fund_certificates(request, pk):
    """One certificate page per awarded teacher (approved funds only)."""
    fund = _fund(request, pk)
    if fund.status != FundStatus.APPROVED:
        messages.error(request, _("审批后才能打印证书"))
        return redirect(fund)
    awarded = fund.allocations.filter(amount__gt=0).select_related("teacher")
    teacher = request.GET.get("teacher", "")
    if teacher.isdigit():
        awarded = awarded.filter(teacher_id=int(teacher))
    pdf = render_pdf(
        "faculty/pdf/reward_certificates.html",
        {"fund": fund, "awarded": awarded.order_by("teacher__code"), "today": timezone.localdate()},
    )
    return pdf_response(pdf, f"{fund.name}-证书.pdf")
