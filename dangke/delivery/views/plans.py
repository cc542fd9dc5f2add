"""Planning runs: start one, watch it, review the plan, pin or forbid an assignment,
release and publish."""

from collections import Counter, defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.export import xlsx_response
from dangke.delivery import plan_review, services
from dangke.delivery.forms import (
    PlanStartForm,
)
from dangke.delivery.models import (
    CourseOrder,
    PlanRun,
    PlanState,
)
from dangke.delivery.planning import order_pk
from dangke.delivery.rules import may_plan
from dangke.delivery.views.common import show_refusal
from dangke.faculty.models import Teacher

# --- planning -------------------------------------------------------------------------------


@login_required
def plans(request):
    can_plan = bool(request.scope.managed_region_codes or request.scope.is_superuser)
    form = PlanStartForm(request.POST or None, scope=request.scope) if can_plan else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有党员教育管理员可以排课"))
        if form.is_valid():
            start, end = form.cleaned_data["month"]
            try:
                run = services.start_plan(
                    scope=request.scope,
                    actor=request.user,
                    region_code=form.cleaned_data["region"],
                    start=start,
                    end=end,
                    use_greedy=form.cleaned_data["use_greedy"],
                )
            except ValidationError as error:
                show_refusal(request, error)
            else:
                return redirect("delivery:plan", run.pk)
    runs = PlanRun.objects.visible_to(request.scope).select_related("region", "created_by")[:50]
    return render(request, "delivery/plans.html", {"form": form, "runs": runs})


PLAN_ROWS_PER_PAGE = 50


def _gap_label(run: PlanRun) -> str:
    """How far the plan is from the best possible. The exact solver's bound exceeds its
    objective only by the rounding of costs, so its plans read as proven optimal."""
    gap = run.gap
    if gap is None:
        return _("未给出上界")
    exact = str((run.plan or {}).get("method", "")).startswith("exact")
    if gap <= 1e-9 or (exact and gap < 1e-4):
        return _("已证明最优")
    if gap < 1e-4:
        return _("与最优方案相差不到 0.01 %")
    return _("与最优方案相差 %(gap)s %%") % {"gap": f"{gap * 100:.2f}"}


def _review(request, run: PlanRun) -> dict:
    """Everything the review page shows of a finished run, read through the scope."""
    plan = run.plan or {}
    assignments = plan.get("assignments", [])
    unserved = plan.get("unserved", [])
    keys = [a["order"] for a in assignments] + [u["order"] for u in unserved]
    orders = {
        order.code: order
        for order in CourseOrder.objects.visible_to(request.scope)
        .filter(pk__in=[order_pk(key) for key in keys])
        .select_related("organization", "course")
    }
    codes = {a["teacher"] for a in assignments}
    teachers = {t.code: t for t in Teacher.objects.visible_to(request.scope).filter(code__in=codes)}
    gained = set(plan.get("coverage_gained", []))
    rows = []
    for a in assignments:
        order = orders.get(a["order"])
        rows.append(
            {
                "key": a["order"],
                "order": order,
                "teacher_code": a["teacher"],
                "teacher": teachers.get(a["teacher"]),
                "date": a["date"],
                "km": a.get("km", 0),
                "pinned": a.get("pinned", False),
                "first": bool(order and order.organization.code in gained),
            }
        )
    unserved_rows = [
        {
            "key": u["order"],
            "order": orders.get(u["order"]),
            "reason": services.readable_reason(u.get("reason", "")),
        }
        for u in unserved
    ]
    load = Counter(a["teacher"] for a in assignments)
    km = defaultdict(float)
    for a in assignments:
        km[a["teacher"]] += a.get("km", 0)
    busiest = [
        {"name": teachers[code].name if code in teachers else code, "value": count}
        for code, count in sorted(load.items(), key=lambda item: (-item[1], item[0]))[:10]
    ]
    scores = plan_review.teacher_scores(request.scope, teachers.values(), run.horizon_start.year)
    figures = plan_review.summary(rows, len(unserved_rows), len(gained), scores)
    return {
        "rows": rows,
        "unserved": unserved_rows,
        "gap_label": _gap_label(run),
        "figures": figures,
        "busiest": busiest,
        "chart_data": {"load_spread": figures["load_spread"]},
    }


def _plan_run(request, pk) -> PlanRun:
    return get_visible_or_404(PlanRun.objects.select_related("region"), request.scope, pk=pk)


@login_required
def plan_detail(request, pk):
    run = _plan_run(request, pk)
    context = {
        "run": run,
        "running": run.state in (PlanState.QUEUED, PlanState.RUNNING),
        "can_plan": may_plan(request.scope, run.region_id),
    }
    if run.state in (PlanState.DONE, PlanState.PUBLISHED):
        context.update(_review(request, run))
        rows, context["filters"] = plan_review.filter_rows(context["rows"], request.GET)
        if request.GET.get("export") == "xlsx":
            stem = _("排课方案") + f"-{run.region.name}-{run.horizon_start:%Y%m}"
            return xlsx_response(stem, plan_review.export_headers(), plan_review.export_rows(rows))
        page = Paginator(rows, PLAN_ROWS_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            shown=len(rows),
            query=query.urlencode(),
            counties=plan_review.counties(context["rows"]),
            categories=plan_review.categories(),
        )
    return render(request, "delivery/plan.html", context)


@login_required
def plan_progress(request, pk):
    """The fragment htmx polls every 0.5 s; once the run stops, the whole page reloads."""
    run = _plan_run(request, pk)
    run.fail_if_stale()
    running = run.state in (PlanState.QUEUED, PlanState.RUNNING)
    response = render(request, "delivery/plan.html#progress", {"run": run, "running": running})
    if not running:
        response["HX-Refresh"] = "true"
    return response


def _replan(request, run, pins, forbids):
    try:
        new = services.replan(
            run, scope=request.scope, actor=request.user, pins=pins, forbids=forbids
        )
    except ValidationError as error:
        show_refusal(request, error)
        return redirect("delivery:plan", run.pk)
    messages.info(request, _("已按新的指定与排除重新排课"))
    return redirect("delivery:plan", new.pk)


@login_required
@require_POST
def plan_pin(request, pk):
    run = _plan_run(request, pk)
    order, teacher, day = (request.POST.get(k, "") for k in ("order", "teacher", "date"))
    if not order or not teacher:
        raise Http404
    pins = [p for p in run.pins if p.get("order") != order]
    pins.append({"order": order, "teacher": teacher, **({"date": day} if day else {})})
    forbids = [f for f in run.forbids if f != {"order": order, "teacher": teacher}]
    return _replan(request, run, pins, forbids)


@login_required
@require_POST
def plan_forbid(request, pk):
    run = _plan_run(request, pk)
    order, teacher = request.POST.get("order", ""), request.POST.get("teacher", "")
    if not order or not teacher:
        raise Http404
    pair = {"order": order, "teacher": teacher}
    pins = [p for p in run.pins if not (p.get("order") == order and p.get("teacher") == teacher)]
    forbids = [f for f in run.forbids if f != pair] + [pair]
    return _replan(request, run, pins, forbids)


@login_required
@require_POST
def plan_release(request, pk):
    """Drop one pin or forbid (by its index) and plan again."""
    run = _plan_run(request, pk)
    kind, index = request.POST.get("kind"), request.POST.get("index", "")
    pins, forbids = list(run.pins), list(run.forbids)
    items = pins if kind == "pin" else forbids if kind == "forbid" else None
    if items is None or not (index.isascii() and index.isdigit()) or int(index) >= len(items):
        raise Http404
    del items[int(index)]
    return _replan(request, run, pins, forbids)


@login_required
@require_POST
def plan_publish(request, pk):
    run = _plan_run(request, pk)
    try:
        result = services.publish_plan(run, actor=request.user, scope=request.scope)
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _("已发布：新建授课 %(lessons)s 节，未能安排 %(unserved)s 单")
            % {"lessons": result.planned_orders, "unserved": result.unserved_orders},
        )
    return redirect("delivery:plan", run.pk)
