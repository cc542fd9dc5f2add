"""The office's evaluation settings and consequences: indicator systems (edited as a
whole tree that must add up), rater roles, feedback rules, rectifications and excellent
proposals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.ids import bounded_year, db_id
from dangke.core.models import AuditEntry
from dangke.core.status import StatusTransitionError
from dangke.delivery.models import Campaign
from dangke.evaluation import consequences, indicators
from dangke.evaluation.indicators import DEFAULT_NAME, leaves_of, tree_rows
from dangke.evaluation.models import (
    ExcellentProposal,
    FeedbackRule,
    IndicatorSystem,
    Rectification,
    RectificationStatus,
)
from dangke.evaluation.rules import may_manage_evaluation
from dangke.regions.models import Region


def _require_manager(request, region_code: str):
    if not may_manage_evaluation(request.scope, region_code):
        raise PermissionDenied(_("只有所在区划的管理员可以修改评价设置"))


def _home_region(request) -> Region | None:
    codes = request.scope.managed_region_codes
    return (
        Region.objects.unscoped("the user's home region").filter(code=codes[0]).first()
        if codes
        else None
    )


@login_required
def systems(request):
    year = timezone.localdate().year
    home = _home_region(request)
    if request.method == "POST":
        if home is None:
            raise PermissionDenied(_("只有区划管理员可以新建指标体系"))
        chosen = bounded_year(request.POST.get("year"), year)
        # A second click (or a second tab) opens the first one's draft, not a second version.
        draft = (
            IndicatorSystem.objects.visible_to(request.scope)
            .filter(region=home, year=chosen, name=DEFAULT_NAME, is_locked=False)
            .first()
        )
        if draft is not None:
            messages.info(request, _("该年度已有默认指标体系，可在此基础上修改"))
            return redirect(draft)
        system = indicators.new_system(home, chosen, scope=request.scope, actor=request.user)
        messages.success(
            request,
            _("已按默认三维度新建指标体系（%(version)s），可在此基础上修改")
            % {"version": system.version_label},
        )
        return redirect(system)
    context = {
        "systems": IndicatorSystem.objects.visible_to(request.scope).select_related(
            "region", "copied_from"
        ),
        "home": home,
        "year": year,
    }
    return render(request, "evaluation/systems.html", context)


def _decimal(value: str, label: str, errors: list[str]) -> Decimal | None:
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        errors.append(_("「%(label)s」的权重不是数字") % {"label": label})
        return None
    if not Decimal(0) <= number <= Decimal(1):
        errors.append(_("「%(label)s」的权重须在 0 到 1 之间") % {"label": label})
        return None
    return number.quantize(Decimal("0.0001"))


@login_required
def system_detail(request, pk):
    """The tree with each leaf's effective weight; when unlocked, edited as one form that
    is saved only if every sibling group adds up to 1."""
    system = get_visible_or_404(
        IndicatorSystem.objects.select_related("region", "copied_from"), request.scope, pk=pk
    )
    can_edit = may_manage_evaluation(request.scope, system.region_id) and not system.is_locked
    rows = tree_rows(system)
    errors: list[str] = []
    if request.method == "POST":
        indicators.ensure_changeable(system, request.scope)
        nodes = [row.node for row in rows]
        for node in nodes:
            name = request.POST.get(f"name-{node.pk}", node.name).strip()
            if not name:
                errors.append(_("指标名称不能为空"))
            node.name = name or node.name
            weight = _decimal(request.POST.get(f"weight-{node.pk}", ""), node.name, errors)
            if weight is not None:
                node.weight = weight
            for field in ("scale_min", "scale_max"):
                raw = request.POST.get(f"{field}-{node.pk}")
                if raw is not None:
                    try:
                        setattr(node, field, int(raw))
                    except ValueError:
                        errors.append(_("「%(name)s」的量表须为整数") % {"name": node.name})
            node.follow_up = bool(request.POST.get(f"follow_up-{node.pk}"))
        if not errors:
            try:
                indicators.edit_tree(system, nodes, scope=request.scope, actor=request.user)
            except indicators.TreeError as error:
                errors = error.errors
            else:
                messages.success(request, _("已保存，各组权重之和均为 1"))
                return redirect(system)
        rows = tree_rows(system) if not nodes else _rows_from(nodes, rows)
    context = {
        "system": system,
        "rows": rows,
        "errors": errors,
        "can_edit": can_edit,
        "can_manage": may_manage_evaluation(request.scope, system.region_id),
        "leaf_total": sum(row.effective_weight for row in rows if row.is_leaf),
        "roles": system.rater_roles.filter(campaign__isnull=True).prefetch_related("asked"),
        "campaign_roles": system.rater_roles.filter(campaign__isnull=False)
        .values("campaign_id", "campaign__name")
        .distinct(),
        # every change of its tree and weights, old and new values (issue #17)
        "history": AuditEntry.objects.filter(
            content_type__app_label="evaluation",
            content_type__model="indicatorsystem",
            object_id=str(system.pk),
        )
        .select_related("actor")
        .order_by("-at", "-id")[:100],
    }
    return render(request, "evaluation/system.html", context)


def _rows_from(nodes, rows):
    """The rows again, showing the unsaved values the user typed."""
    return [
        type(row)(node, row.depth, row.is_leaf, row.effective_weight)
        for node, row in zip(nodes, rows, strict=True)
    ]


@login_required
@require_POST
def system_add(request, pk):
    system = get_visible_or_404(IndicatorSystem, request.scope, pk=pk)
    parent = system.indicators.filter(pk=_int(request.POST.get("parent"))).first()
    name = request.POST.get("name", "").strip()
    try:
        indicators.add_indicator(
            system, parent=parent, key=request.POST.get("key", "").strip(), name=name,
            scope=request.scope, actor=request.user,
        )  # fmt: skip
    except indicators.TreeError as error:
        messages.error(request, "；".join(error.errors))
    else:
        messages.info(
            request, _("已添加「%(name)s」，权重为 0：请调整同组权重使其和为 1") % {"name": name}
        )
    return redirect(system)


@login_required
@require_POST
def system_remove(request, pk, node_pk):
    system = get_visible_or_404(IndicatorSystem, request.scope, pk=pk)
    node = system.indicators.filter(pk=node_pk).first()
    if node:
        indicators.remove_indicator(system, node, scope=request.scope, actor=request.user)
        messages.info(
            request, _("已删除「%(name)s」及其下级指标：请检查同组权重") % {"name": node.name}
        )
    return redirect(system)


def _int(value) -> int:
    return db_id(value) or 0


@login_required
@require_POST
def system_copy(request, pk):
    system = get_visible_or_404(IndicatorSystem, request.scope, pk=pk)
    year = bounded_year(request.POST.get("year"), system.year)
    name = request.POST.get("name", "").strip()[:80] or system.name
    copy = indicators.copy_system(
        system, year=year, name=name, scope=request.scope, actor=request.user
    )
    messages.success(
        request, _("已复制为新版本（%(version)s），可以修改") % {"version": copy.version_label}
    )
    return redirect(copy)


@login_required
def system_roles(request, pk):
    """Rater roles with weights and the indicators each is asked: the system's defaults,
    or a campaign's own set (?campaign=ID)."""
    system = get_visible_or_404(IndicatorSystem, request.scope, pk=pk)
    campaign = None
    if request.GET.get("campaign"):
        campaign = get_visible_or_404(Campaign, request.scope, pk=request.GET["campaign"])
    can_edit = may_manage_evaluation(request.scope, system.region_id) and not system.is_locked
    roles = list(system.rater_roles.filter(campaign=campaign).prefetch_related("asked"))
    if campaign and not roles and request.method == "POST":
        indicators.create_campaign_roles(system, campaign, scope=request.scope, actor=request.user)
        messages.info(
            request, _("已为专项活动「%(name)s」建立单独的评价主体设置") % {"name": campaign.name}
        )
        return redirect(f"{reverse('evaluation:system_roles', args=[pk])}?campaign={campaign.pk}")
    leaves = leaves_of(system)
    errors = []
    if request.method == "POST":
        indicators.ensure_changeable(system, request.scope)
        settings = {}
        for role in roles:
            weight = _decimal(
                request.POST.get(f"weight-{role.pk}", ""), role.get_kind_display(), errors
            )
            min_n = _int(request.POST.get(f"min_n-{role.pk}", role.min_n))
            asked = frozenset(
                leaf.pk for leaf in leaves if request.POST.get(f"asked-{role.pk}-{leaf.pk}")
            )
            if not asked:
                errors.append(
                    _("「%(role)s」至少要询问一项指标") % {"role": role.get_kind_display()}
                )
            if weight is not None:
                settings[role.pk] = indicators.RoleSetting(weight, min_n, asked)
        if not errors:
            try:
                indicators.set_roles(
                    system, settings, campaign=campaign, scope=request.scope,
                    actor=request.user,
                )  # fmt: skip
            except indicators.TreeError as error:
                errors = error.errors
            else:
                messages.success(request, _("评价主体设置已保存"))
                return redirect(request.get_full_path())
    asked_ids = {role.pk: {leaf.pk for leaf in role.asked.all()} for role in roles}
    context = {
        "system": system,
        "campaign": campaign,
        "campaigns": Campaign.objects.visible_to(request.scope).order_by("-starts_on")[:50],
        "roles": [
            (
                role,
                [
                    (leaf, not asked_ids[role.pk] or leaf.pk in asked_ids[role.pk])
                    for leaf in leaves
                ],
            )
            for role in roles
        ],
        "leaves": leaves,
        "errors": errors,
        "can_edit": can_edit,
        "weight_total": sum(role.weight for role in roles),
    }
    return render(request, "evaluation/roles.html", context)


# --- rules and consequences ----------------------------------------------------------------


@login_required
def rules_page(request):
    from django.forms import modelform_factory

    year = timezone.localdate().year
    home = _home_region(request)
    rule = None
    if home is not None:
        rule = (
            FeedbackRule.objects.unscoped("the rule of the user's home region")
            .filter(region=home, year=year)
            .first()
        )
    form_class = modelform_factory(FeedbackRule, fields=consequences.RULE_FIELDS)
    form = form_class(request.POST or None, instance=rule)
    if request.method == "POST":
        if home is None:
            raise PermissionDenied(_("只有区划管理员可以设置反馈调整规则"))
        if form.is_valid():
            saved = form.save(commit=False)
            saved.region, saved.year = home, year
            consequences.save_rule(saved, actor=request.user)
            messages.success(request, _("规则已保存"))
            return redirect("evaluation:rules")
    context = {
        "form": form,
        "rule": rule,
        "home": home,
        "year": year,
        "rules": FeedbackRule.objects.visible_to(request.scope).select_related("region"),
    }
    return render(request, "evaluation/rules.html", context)


@login_required
@require_POST
def rule_apply(request, pk):
    rule = get_visible_or_404(FeedbackRule, request.scope, pk=pk)
    _require_manager(request, rule.region_id)
    outcome = consequences.apply_rules(rule, actor=request.user)
    messages.success(
        request,
        _("已评估 %(scored)s 门样本充足的课程：下达整改 %(rectified)s 门，推荐精品 %(proposed)s 门")
        % {
            "scored": outcome["scored"],
            "rectified": len(outcome["rectified"]),
            "proposed": len(outcome["proposed"]),
        },
    )
    return redirect("evaluation:rectifications")


@login_required
def rectifications(request):
    if request.method == "POST" and request.scope.managed_region_codes:
        outcome = consequences.review_due_rectifications(actor=request.user)
        messages.success(
            request,
            _("到期复评：通过 %(passed)s，下架 %(withdrawn)s，样本不足待定 %(undecided)s")
            % outcome,
        )
        return redirect("evaluation:rectifications")
    status = request.GET.get("status", "")
    queryset = Rectification.objects.visible_to(request.scope).select_related(
        "course", "owner", "rule"
    )
    if status in RectificationStatus.values:
        queryset = queryset.filter(status=status)
    context = {
        "rectifications": queryset[:300],
        "proposals": ExcellentProposal.objects.visible_to(request.scope).select_related(
            "course", "rule"
        )[:100],
        "status": status,
        "statuses": RectificationStatus.choices,
        "today": timezone.localdate(),
        "can_manage": bool(request.scope.managed_region_codes),
    }
    return render(request, "evaluation/rectifications.html", context)


@login_required
def rectification_detail(request, pk):
    rectification = get_visible_or_404(
        Rectification.objects.select_related("course", "owner", "rule__region"),
        request.scope,
        pk=pk,
    )
    can_manage = may_manage_evaluation(request.scope, rectification.region_id)
    if request.method == "POST":
        _require_manager(request, rectification.region_id)
        reason = request.POST.get("reason", "").strip()
        decision = request.POST.get("decision")
        try:
            if decision not in ("pass", "withdraw"):
                raise StatusTransitionError(_("请选择复评结论"))
            consequences.decide_rectification(
                rectification, passed=decision == "pass", actor=request.user, reason=reason
            )
        except StatusTransitionError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已办结整改"))
        return redirect(rectification)
    context = {
        "rectification": rectification,
        "can_manage": can_manage,
        "review": consequences.re_evaluation(rectification)
        if rectification.status == RectificationStatus.OPEN
        else None,
        "audit": AuditEntry.objects.filter(
            object_id=str(rectification.pk), content_type__model="rectification"
        ).order_by("at"),
    }
    return render(request, "evaluation/rectification.html", context)


@login_required
@require_POST
def proposal_decide(request, pk):
    proposal = get_visible_or_404(
        ExcellentProposal.objects.select_related("course"), request.scope, pk=pk
    )
    _require_manager(request, proposal.region_id)
    accept = request.POST.get("decision") == "accept"
    reason = request.POST.get("reason", "").strip() or (
        _("评价得分达到精品推荐线") if accept else _("暂不认定")
    )
    try:
        consequences.decide_proposal(proposal, accept=accept, actor=request.user, reason=reason)
    except StatusTransitionError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已认定为精品课程") if accept else _("已记录：未采纳"))
    return redirect("evaluation:rectifications")
