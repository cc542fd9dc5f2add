"""Pages of the pool's lifecycle: my progress (teacher), the annual review and quotas,
status proposals, the pool's gaps and candidates (office). Thin: the work is done in
`dangke.faculty.lifecycle`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_own_or_404, get_visible_or_404
from dangke.core.export import xlsx_response
from dangke.core.ids import bounded_year
from dangke.core.redirects import next_or
from dangke.faculty import lifecycle, review_sheet
from dangke.faculty.forms import DecisionForm, LifecycleRuleForm, QuotaForm, TrialLectureForm
from dangke.faculty.models import (
    AnnualReview,
    LifecycleRule,
    ProposalStatus,
    Quota,
    StatusProposal,
    Teacher,
    TeacherLevel,
)
from dangke.faculty.rules import may_manage_pool
from dangke.regions.models import Region


def _year(request) -> int:
    value = request.GET.get("year", "") or request.POST.get("year", "")
    return bounded_year(value, timezone.localdate().year)


def _home_region(request) -> Region | None:
    """The region the office acts for: the first region the user administers."""
    codes = request.scope.managed_region_codes
    if request.scope.is_superuser and not codes:
        codes = request.scope.region_codes or tuple(
            Region.objects.unscoped("a superuser's first province")
            .filter(parent__isnull=True)
            .values_list("code", flat=True)[:1]
        )
    return (
        Region.objects.unscoped("the user's home region").filter(code=codes[0]).first()
        if codes
        else None
    )


def _require_office(request) -> Region:
    home = _home_region(request)
    if home is None or not may_manage_pool(request.scope, home.code):
        raise PermissionDenied(_("只有区划管理员可以管理师资考核"))
    return home


@login_required
def mine(request):
    """The teacher's own progress toward this year's quota."""
    teachers = list(
        Teacher.objects.unscoped("the user's own teacher records")
        .filter(pk__in=request.scope.teacher_ids)
        .select_related("region")
    )
    year = _year(request)
    rows = [
        {
            "teacher": teacher,
            "progress": lifecycle.progress(teacher, year),
            "reviews": AnnualReview.objects.unscoped("reviews of the user's own teacher records")
            .filter(teacher=teacher)
            .order_by("-year")[:5],
        }
        for teacher in teachers
    ]
    return render(request, "faculty/mine.html", {"rows": rows, "year": year})


def _office_reviews(request, home: Region, year: int):
    return (
        AnnualReview.objects.visible_to(request.scope)
        .filter(year=year, region__code__startswith=home.code)
        .select_related("teacher", "region", "quota")
        .order_by("teacher__code")
    )


@login_required
def review(request):
    """The office's annual review: quotas, counts, who is behind, and the actions."""
    home = _require_office(request)
    year = _year(request)
    reviews = _office_reviews(request, home, year)
    show = request.GET.get("show", "behind")
    failing = lifecycle.behind(reviews)
    page = Paginator(failing if show == "behind" else reviews, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for shown in page:
        shown.lagging = lifecycle.lagging(shown, today)
    context = {
        "home": home,
        "year": year,
        "show": show,
        "page": page,
        "counts": lifecycle.review_counts(reviews),
        "lagging_count": failing.filter(lifecycle.lagging_q(year, today)).count(),
        "quotas": Quota.objects.visible_to(request.scope)
        .filter(year=year)
        .select_related("region"),
        "rule": LifecycleRule.objects.unscoped("the rule of the user's home region")
        .filter(region=home, year=year)
        .first(),
        "open_proposals": StatusProposal.objects.visible_to(request.scope)
        .filter(status=ProposalStatus.PROPOSED)
        .count(),
        "computed_at": reviews.order_by("-computed_at")
        .values_list("computed_at", flat=True)
        .first(),
        "elapsed_percent": round(lifecycle.elapsed_share(year, timezone.localdate()) * 100),
    }
    return render(request, "faculty/review.html", context)


@login_required
def review_export(request):
    """The year's review of every teacher in the office's pool, as a sheet."""
    home = _require_office(request)
    year = _year(request)
    reviews = _office_reviews(request, home, year)
    if request.GET.get("show") == "behind":
        reviews = lifecycle.behind(reviews)
    stem = _("%(region)s%(year)s年度师资考核") % {"region": home.name, "year": year}
    return xlsx_response(stem, review_sheet.HEADERS, review_sheet.rows(reviews))


@login_required
@require_POST
def review_compute(request):
    home = _require_office(request)
    year = _year(request)
    final = request.POST.get("final") == "1"
    counts = lifecycle.compute_reviews(
        home.code, year, actor=request.user, final=True if final else None
    )
    messages.success(
        request,
        _("已计算 %(n)s 名师资的 %(year)s 年度考核：达标 %(p)s，未达标 %(f)s，无考核指标 %(q)s")
        % {"n": counts["reviews"], "year": year, "p": counts["passed"], "f": counts["failed"],
           "q": counts["no_quota"]},
    )  # fmt: skip
    return redirect(f"{_url('faculty:review')}?year={year}")


def _url(name, *args):
    return reverse(name, args=args)


@login_required
def quotas(request):
    home = _require_office(request)
    year = _year(request)
    level = request.POST.get("level") or request.GET.get("level") or TeacherLevel.COUNTY
    instance = (
        Quota.objects.unscoped("the quota of the user's home region")
        .filter(region=home, year=year, level=level)
        .first()
    )
    form = QuotaForm(request.POST or None, instance=instance, initial={"level": level})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "level"}
        lifecycle.set_quota(
            scope=request.scope, actor=request.user, region=home, year=year,
            level=form.cleaned_data["level"], **data,
        )  # fmt: skip
        messages.success(request, _("考核指标已保存"))
        return redirect(f"{_url('faculty:quotas')}?year={year}")
    context = {
        "home": home,
        "year": year,
        "form": form,
        "quotas": Quota.objects.visible_to(request.scope)
        .filter(year=year)
        .select_related("region"),
    }
    return render(request, "faculty/quotas.html", context)


@login_required
def rule(request):
    home = _require_office(request)
    year = _year(request)
    instance = (
        LifecycleRule.objects.unscoped("the rule of the user's home region")
        .filter(region=home, year=year)
        .first()
    )
    form = LifecycleRuleForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        lifecycle.set_rule(
            scope=request.scope, actor=request.user, region=home, year=year, **form.cleaned_data
        )
        messages.success(request, _("能进能退规则已保存"))
        return redirect(f"{_url('faculty:proposals')}?year={year}")
    return render(
        request, "faculty/rule.html", {"home": home, "year": year, "form": form, "rule": instance}
    )


@login_required
@require_POST
def propose(request):
    home = _require_office(request)
    year = _year(request)
    found = lifecycle.rule_for(home.code, year)
    if found is None or not may_manage_pool(request.scope, found.region_id):
        messages.error(request, _("尚未设置 %(year)s 年的能进能退规则") % {"year": year})
        return redirect(f"{_url('faculty:rule')}?year={year}")
    made = lifecycle.propose_changes(found, actor=request.user)
    messages.success(request, _("按规则生成 %(n)s 条状态变更提议，待确认") % {"n": len(made)})
    return redirect(_url("faculty:proposals"))


@login_required
def proposals(request):
    _require_office(request)
    status = request.GET.get("status", ProposalStatus.PROPOSED)
    queryset = (
        StatusProposal.objects.visible_to(request.scope)
        .select_related("teacher", "teacher__region", "decided_by")
        .order_by("-created_at", "-id")
    )
    if status in ProposalStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": ProposalStatus.choices,
        "year": _year(request),
        "form": DecisionForm(),
    }
    return render(request, "faculty/proposals.html", context)


@login_required
@require_POST
def proposal_decide(request, pk):
    proposal = get_visible_or_404(StatusProposal, request.scope, pk=pk)
    if not may_manage_pool(request.scope, proposal.region_id):
        raise PermissionDenied(_("只有师资所在区划的管理员可以确认状态变更"))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写内容"))
        return redirect("faculty:proposals")
    data = form.cleaned_data
    try:
        lifecycle.decide_proposal(
            proposal, confirm=data["decision"] == "confirm", actor=request.user,
            scope=request.scope, note=data["note"], plan=data["plan"] or None,
            deadline=data["deadline"],
        )  # fmt: skip
    except lifecycle.LifecycleError as error:
        messages.error(request, "；".join(error.messages))
    else:
        proposal.refresh_from_db()
        messages.success(
            request,
            _("「%(t)s · %(k)s」%(s)s")
            % {"t": proposal.teacher.name, "k": proposal.get_kind_display(),
               "s": proposal.get_status_display()},
        )  # fmt: skip
    return redirect(next_or(request, "faculty:proposals"))


@login_required
def pool(request):
    home = _require_office(request)
    year = _year(request)
    context = {"home": home, "year": year, **lifecycle.pool_gaps(home.code, year)}
    context["trial_form"] = TrialLectureForm(initial={"held_on": timezone.localdate()})
    return render(request, "faculty/pool.html", context)


@login_required
@require_POST
def trial_new(request, pk):
    teacher = get_own_or_404(Teacher, request.scope, pk=pk)  # a lent teacher's record is home's
    form = TrialLectureForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.record_trial(teacher, scope=request.scope, actor=request.user,
                                   **form.cleaned_data)  # fmt: skip
        except lifecycle.LifecycleError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, _("已登记 %(name)s 的试讲") % {"name": teacher.name})
    else:
        messages.error(request, _("请填写试讲日期、题目和得分"))
    return redirect(next_or(request, "faculty:pool"))
