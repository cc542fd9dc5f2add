"""Pages of ordering and delivery: the course menu and orders of a liaison, the office's
queue and demand map, planning runs (start, review, pin/forbid, publish), lessons with
their calendar and iCal feed, and the QR sign-in. Every change goes through
`dangke.delivery.services`; every read through `visible_to(request.scope)`."""

import datetime
import re
from collections import Counter, defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.export import xlsx_response
from dangke.core.ids import db_id
from dangke.core.listing import Column, ListDefinition, ScopedFilterForm, render_list
from dangke.courses.categories import CourseCategory
from dangke.courses.models import CourseSeries, ExcellentDesignation
from dangke.delivery import ical, plan_review, services
from dangke.delivery.forms import (
    AttendanceListForm,
    CampaignForm,
    CoverageFilterForm,
    ManualLessonForm,
    MenuFilterForm,
    OrderForm,
    PlanStartForm,
    SignInForm,
    add_service_errors,
    parse_attendance_list,
)
from dangke.delivery.models import (
    Campaign,
    CourseOrder,
    DeliveryMode,
    Lesson,
    LessonStatus,
    OrderStatus,
    PlanRun,
    PlanState,
)
from dangke.delivery.planning import order_pk
from dangke.delivery.rules import may_manage_lesson, may_plan
from dangke.evaluation.scores import course_ratings
from dangke.faculty.models import Teacher
from dangke.regions.models import Organization, OrganizationKind

ICAL_SALT = "dangke.delivery.ical"


def _month(request) -> tuple[datetime.date, datetime.date]:
    """?month=YYYY-MM (default: this month) as its first and last day."""
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = datetime.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


def _refused(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def index(request):
    scope = request.scope
    if scope.region_codes or scope.is_superuser:
        return redirect("delivery:queue")
    if scope.organization_ids:
        return redirect("delivery:menu")
    return redirect("delivery:lessons")


# --- the liaison: menu and orders -----------------------------------------------------------


@login_required
def menu(request):
    courses = services.orderable_courses(request.scope)
    series = CourseSeries.objects.filter(courses__in=courses).distinct().order_by("name")
    form = MenuFilterForm(request.GET or None, series_choices=[(s.pk, s.name) for s in series])
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            courses = courses.filter(title__icontains=data["q"])
        if data["category"]:
            courses = courses.filter(category=data["category"])
        if data["series"]:
            courses = courses.filter(series_id=data["series"])
        if data["excellent"]:
            courses = courses.filter(excellent_years__isnull=False).distinct()
        if data["level"]:
            courses = courses.filter(teachers__level=data["level"]).distinct()
    courses = list(
        courses.select_related("region", "series")
        .annotate(
            excellent=Exists(ExcellentDesignation.objects.filter(course=OuterRef("pk"))),
            ordered=Count("orders", distinct=True),
        )
        .prefetch_related(Prefetch("teachers", queryset=Teacher.objects.order_by("level", "name")))
        .order_by("category", "code")[:300]
    )
    ratings = course_ratings(course.pk for course in courses)
    for course in courses:
        course.rating = ratings.get(course.pk)
    if form.is_bound and form.is_valid() and form.cleaned_data["order"] == "rating":
        # Rated courses first, best first; a small sample never outranks a large one by luck
        # of a few answers, because courses are compared by the lower end of their interval.
        courses.sort(key=_rating_order)
    can_order = bool(request.scope.organization_ids or request.scope.managed_region_codes)
    context = {"form": form, "courses": courses, "can_order": can_order}
    return render(request, "delivery/menu.html", context)


def _rating_order(course) -> tuple:
    rating = course.rating
    if not rating or rating["score"] is None:
        return (1, 0.0, course.code)
    low = rating["ci95"][0] if rating["ci95"] else rating["score"]
    return (0, -low, course.code)


def _order_page(request, form, *, order=None):
    return render(request, "delivery/order_form.html", {"form": form, "order": order})


@login_required
def order_create(request):
    initial = {}
    if db_id(request.GET.get("course")):
        initial["course"] = db_id(request.GET["course"])
    form = OrderForm(request.POST or None, scope=request.scope, initial=initial)
    if not form.fields["organization"].queryset.exists():
        raise PermissionDenied(_("只有基层党组织联络员或党员教育管理员可以点单"))
    if request.method == "POST" and form.is_valid():
        try:
            order = services.place_order(
                scope=request.scope,
                actor=request.user,
                organization=form.cleaned_data["organization"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("点单已提交：%(order)s") % {"order": order})
            return redirect("delivery:my_orders")
    return _order_page(request, form)


def _my_orders(request):
    orders = CourseOrder.objects.visible_to(request.scope)
    if request.scope.organization_ids:
        return orders.filter(organization_id__in=request.scope.organization_ids)
    return orders.filter(created_by=request.user)


@login_required
def my_orders(request):
    orders = (
        _my_orders(request)
        .select_related("organization", "course", "campaign")
        .prefetch_related("lessons")[:200]
    )
    return render(request, "delivery/my_orders.html", {"orders": orders})


@login_required
def order_edit(request, pk):
    order = get_visible_or_404(
        CourseOrder.objects.select_related("organization"), request.scope, pk=pk
    )
    form = OrderForm(
        request.POST or None,
        scope=request.scope,
        fixed_organization=order.organization,
        initial=OrderForm.initial_of(order),
    )
    if order.status != OrderStatus.SUBMITTED:
        messages.error(
            request,
            _("点单已是「%(status)s」，不能再修改") % {"status": order.get_status_display()},
        )
        return redirect("delivery:my_orders")
    if request.method == "POST" and form.is_valid():
        try:
            services.change_order(
                order, scope=request.scope, actor=request.user, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("点单已修改"))
            return redirect("delivery:my_orders")
    return _order_page(request, form, order=order)


@login_required
@require_POST
def order_withdraw(request, pk):
    order = get_visible_or_404(
        CourseOrder.objects.select_related("organization"), request.scope, pk=pk
    )
    try:
        services.withdraw_order(
            order, scope=request.scope, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("点单已撤回"))
    return redirect("delivery:my_orders")


# --- the office: queue and demand map -------------------------------------------------------


class OrderFilterForm(ScopedFilterForm):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    campaign = forms.ChoiceField(label=gettext_lazy("专项活动"), required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, scope=scope, **kwargs)
        self.fields["status"].choices = [("", _("全部状态")), *OrderStatus.choices]
        campaigns = Campaign.objects.visible_to(scope).order_by("-starts_on")[:100]
        self.fields["campaign"].choices = [("", _("全部活动"))] + [
            (str(c.pk), c.name) for c in campaigns
        ]


def _order_dates(order) -> str:
    parts = list(order.dates or [])
    if order.earliest:
        parts.append(f"{order.earliest:%Y-%m-%d}～{order.latest:%Y-%m-%d}")
    return "、".join(parts)


class OrderList(ListDefinition):
    title = gettext_lazy("点单队列")
    export_name = gettext_lazy("点单队列")
    filter_form = OrderFilterForm
    search_fields = ("organization__name", "course__title", "venue")
    default_sort = "-created_at"
    columns = (
        Column(gettext_lazy("编号"), lambda o: o.code, sort="id"),
        Column(gettext_lazy("点单组织"), lambda o: o.organization.name, sort="organization__name"),
        Column(
            gettext_lazy("课程 / 类别"),
            lambda o: o.course.title if o.course_id else f"〔{o.get_category_display()}〕",
        ),
        Column(gettext_lazy("可选日期"), _order_dates),
        Column(
            gettext_lazy("人数"),
            lambda o: o.expected_attendees,
            sort="expected_attendees",
            numeric=True,
        ),
        Column(gettext_lazy("方式"), lambda o: o.get_mode_display(), sort="mode"),
        Column(gettext_lazy("专项活动"), lambda o: o.campaign.name if o.campaign_id else ""),
        Column(gettext_lazy("状态"), lambda o: o.get_status_display(), sort="status"),
        Column(gettext_lazy("排课结果"), lambda o: o.outcome),
        Column(
            gettext_lazy("提交时间"),
            lambda o: timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
            sort="created_at",
        ),
    )

    def base_queryset(self, request):
        return CourseOrder.objects.select_related("organization", "course", "campaign")

    def filter(self, queryset, data):
        queryset = super().filter(queryset, data)
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("campaign"):
            queryset = queryset.filter(campaign_id=data["campaign"])
        return queryset


@login_required
def queue(request):
    return render_list(request, OrderList(), template="delivery/queue.html")


@login_required
def demand_map(request):
    status = request.GET.get("status", OrderStatus.SUBMITTED)
    if status not in OrderStatus.values and status != "all":
        status = OrderStatus.SUBMITTED
    orders = CourseOrder.objects.visible_to(request.scope)
    if status != "all":
        orders = orders.filter(status=status)
    counts = dict(orders.values_list("organization_id").annotate(n=Count("id")))
    organizations = (
        Organization.objects.visible_to(request.scope)
        .filter(pk__in=list(counts))
        .select_related("region")
    )
    points, missing = [], []
    for org in organizations:
        lat = org.latitude if org.latitude is not None else org.region.latitude
        lon = org.longitude if org.longitude is not None else org.region.longitude
        if lat is None or lon is None:
            missing.append((org, counts[org.pk]))
            continue
        points.append({"name": org.name, "value": [lon, lat, counts[org.pk]]})
    points.sort(key=lambda p: -p["value"][2])
    context = {
        "points": points,
        "missing": missing,
        "status": status,
        "statuses": OrderStatus.choices,
        "total": sum(counts.values()),
    }
    return render(request, "delivery/demand_map.html", context)


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
                _refused(request, error)
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
    """The fragment htmx polls every 2 s; once the run stops, the whole page reloads."""
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
        _refused(request, error)
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
    if items is None or not index.isdigit() or int(index) >= len(items):
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
        _refused(request, error)
    else:
        messages.success(
            request,
            _("已发布：新建授课 %(lessons)s 节，未能安排 %(unserved)s 单")
            % {"lessons": result.planned_orders, "unserved": result.unserved_orders},
        )
    return redirect("delivery:plan", run.pk)


# --- lessons --------------------------------------------------------------------------------


def ical_token(teacher: Teacher) -> str:
    return signing.Signer(salt=ICAL_SALT).sign(str(teacher.pk))


def _lessons(request):
    return (
        Lesson.objects.visible_to(request.scope)
        .select_related("course", "organization")
        .prefetch_related("teachers")
    )


@login_required
def lessons(request):
    """Lessons by month as a calendar grid (teachers see only theirs, by scope)."""
    first, last = _month(request)
    tz = timezone.get_current_timezone()
    rows = _lessons(request).filter(
        starts_at__gte=datetime.datetime.combine(first, datetime.time(), tz),
        starts_at__lt=datetime.datetime.combine(
            last + datetime.timedelta(days=1), datetime.time(), tz
        ),
    )
    by_day = defaultdict(list)
    for lesson in rows:
        by_day[timezone.localtime(lesson.starts_at).date()].append(lesson)
    start = first - datetime.timedelta(days=first.weekday())
    weeks = []
    day = start
    while day <= last:
        weeks.append(
            [
                {"date": d, "in_month": d.month == first.month, "lessons": by_day.get(d, [])}
                for d in (day + datetime.timedelta(days=n) for n in range(7))
            ]
        )
        day += datetime.timedelta(days=7)
    feeds = [
        (teacher, request.build_absolute_uri(reverse("delivery:ical", args=[ical_token(teacher)])))
        for teacher in Teacher.objects.filter(pk__in=request.scope.teacher_ids)
    ]
    context = {
        "weeks": weeks,
        "month_label": first.strftime("%Y-%m"),
        "previous": (first - datetime.timedelta(days=1)).strftime("%Y-%m"),
        "following": (last + datetime.timedelta(days=1)).strftime("%Y-%m"),
        "count": sum(len(v) for v in by_day.values()),
        "feeds": feeds,
        "weekdays": [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")],
    }
    return render(request, "delivery/lessons.html", context)


@login_not_required  # calendar apps hold a signed token, not a session
def ical_feed(request, token):
    """A teacher's lessons for calendar apps: no session, a signed token in the URL."""
    try:
        teacher_pk = int(signing.Signer(salt=ICAL_SALT).unsign(token))
    except (signing.BadSignature, ValueError) as error:
        raise Http404 from error
    teacher = Teacher.objects.filter(pk=teacher_pk).first()
    if teacher is None:
        raise Http404
    since = timezone.now() - datetime.timedelta(days=366)
    rows = (
        teacher.lessons.filter(starts_at__gte=since)
        .select_related("course", "organization")
        .prefetch_related("teachers")
        .order_by("starts_at")
    )
    from dangke.care.rooms import teacher_booking_events

    bookings = teacher_booking_events(teacher, since)  # their own and their groups' rooms
    response = HttpResponse(
        ical.teacher_calendar(teacher, rows, extra_events=bookings),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="dangke.ics"'
    return response


def _lesson(request, pk) -> Lesson:
    return get_visible_or_404(
        Lesson.objects.select_related("course", "organization", "order").prefetch_related(
            "teachers"
        ),
        request.scope,
        pk=pk,
    )


@login_required
def lesson_detail(request, pk):
    lesson = _lesson(request, pk)
    can_manage = may_manage_lesson(request.scope, lesson)
    from dangke.evaluation.rules import may_run_surveys

    context = {
        "lesson": lesson,
        "can_manage": can_manage,
        "attendances": lesson.attendances.all()[:500] if can_manage else [],
        "survey": lesson.surveys.filter(kind="on_site").first(),
        "can_run_survey": may_run_surveys(request.scope, lesson),
    }
    return render(request, "delivery/lesson.html", context)


@login_required
@require_POST
def lesson_action(request, pk, action):
    lesson = _lesson(request, pk)
    try:
        if action == "confirm":
            services.confirm_lesson(lesson, scope=request.scope, actor=request.user)
            messages.success(request, _("已确认授课安排"))
        elif action == "deliver":
            services.deliver_lesson(lesson, scope=request.scope, actor=request.user)
            messages.success(request, _("已登记为「已授课」"))
        elif action == "cancel":
            reason = request.POST.get("reason", "").strip() or _("承办方取消")
            services.cancel_lesson(lesson, scope=request.scope, actor=request.user, reason=reason)
            messages.success(request, _("已取消该授课活动"))
        else:
            raise Http404
    except ValidationError as error:
        _refused(request, error)
    return redirect("delivery:lesson", lesson.pk)


@login_required
def lesson_checkin(request, pk):
    """The liaison's screen: a big QR code attendees scan with their phones."""
    lesson = _lesson(request, pk)
    if not may_manage_lesson(request.scope, lesson):
        raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以组织签到"))
    import segno

    url = request.build_absolute_uri(reverse("delivery:sign", args=[lesson.checkin_token]))
    qr = segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff")
    context = {"lesson": lesson, "url": url, "qr": qr, "count": lesson.attendances.count()}
    return render(request, "delivery/checkin.html", context)


@login_not_required
def sign(request, token):
    """The public, phone-sized sign-in page behind the QR code (no login, no JavaScript)."""
    lesson = (
        Lesson.objects.select_related("course", "organization").filter(checkin_token=token).first()
    )
    if lesson is None:
        raise Http404
    from dangke.members import signin

    known = None if request.GET.get("other") else signin.remembered(request)
    data = request.POST or None
    if data is not None and data.get("remembered") and known:  # the one-tap sign-in
        data = {"name": known["name"], "phone": known["phone"]}
    form = SignInForm(data)
    done, after = None, {}
    if request.method == "POST" and form.is_valid():
        try:
            attendance, created = services.sign_in(token, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            done = _("签到成功，欢迎参加学习！") if created else _("您已经签到过了，无需重复签到。")
            after = signin.after_sign_in(attendance)
    closed = lesson.status == LessonStatus.CANCELLED
    context = {"lesson": lesson, "form": form, "done": done, "closed": closed,
               "known": known, "after": after}  # fmt: skip
    response = render(request, "delivery/sign.html", context)
    if done:
        signin.remember(request, response, name=form.cleaned_data["name"],
                        phone=form.cleaned_data["phone"])  # fmt: skip
    return response


# --- coverage, campaigns, attendance lists, lessons outside the plan -------------------------


def _coverage_rows(figures) -> list[list]:
    return [
        [
            row["name"],
            row["organizations"],
            row["reached"],
            row["percent"],
            row["members_reached"],
            row["lessons"],
            row["hours"],
        ]
        for row in figures["counties"]
    ]


def _coverage_headers() -> list[str]:
    return [
        _("县（市、区）"),
        _("基层党组织"),
        _("已覆盖"),
        _("覆盖率(%)"),
        _("覆盖党员"),
        _("授课场次"),
        _("授课时长(小时)"),
    ]


@login_required
def coverage(request):
    """Organisations and members reached, lessons by category and mode, hours, teachers
    active and a table by county, for the year and (optionally) one campaign."""

    form = CoverageFilterForm(request.GET or None, scope=request.scope)
    year, campaign = form.choice()
    figures = services.coverage(request.scope, year, campaign)
    if request.GET.get("export") == "xlsx":
        stem = _("覆盖情况") + f"-{year}" + (f"-{campaign.name}" if campaign else "")
        stem = re.sub(r"[\[\]:*?/\\\"<>|]", "", stem)  # not allowed in sheet or file names
        return xlsx_response(stem, _coverage_headers(), _coverage_rows(figures))
    chart_data = {
        "by_category": [
            {"name": str(CourseCategory(k).label), "value": v}
            for k, v in figures["by_category"].items()
        ],
        "by_mode": [
            {"name": str(DeliveryMode(k).label), "value": v}
            for k, v in figures["by_mode"].items()
            if v
        ],
    }
    query = request.GET.copy()
    query["export"] = "xlsx"
    context = {
        "form": form,
        "figures": figures,
        "campaign": campaign,
        "chart_data": chart_data,
        "export_query": query.urlencode(),
    }
    return render(request, "delivery/coverage.html", context)


def _can_start_campaign(scope) -> bool:
    return bool(scope.managed_region_codes or scope.is_superuser)


@login_required
def campaigns(request):

    form = None
    if _can_start_campaign(request.scope):
        form = CampaignForm(request.POST or None, scope=request.scope)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有党员教育管理员可以发起专项活动"))
        if form.is_valid():
            try:
                campaign = services.create_campaign(
                    scope=request.scope, actor=request.user, **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("专项活动已创建：%(name)s") % {"name": campaign})
                return redirect("delivery:campaign", campaign.pk)
    rows = list(Campaign.objects.visible_to(request.scope).select_related("region")[:100])
    progress = services.campaign_progress(request.scope, rows)
    context = {"form": form, "rows": [(c, progress[c.pk]) for c in rows]}
    return render(request, "delivery/campaigns.html", context)


@login_required
def campaign_detail(request, pk):

    campaign = get_visible_or_404(Campaign.objects.select_related("region"), request.scope, pk=pk)
    progress = services.campaign_progress(request.scope, [campaign])[campaign.pk]
    kinds = [OrganizationKind(k).label for k in campaign.target_kinds or []]
    context = {
        "campaign": campaign,
        "progress": progress,
        "kinds": kinds,
        "coverage_url": reverse("delivery:coverage")
        + f"?year={campaign.starts_on.year}&campaign={campaign.pk}",
    }
    return render(request, "delivery/campaign.html", context)


@login_required
@require_POST
def lesson_attendance_list(request, pk):
    """The liaison pastes a list; good lines are recorded, bad ones come back to fix."""

    lesson = _lesson(request, pk)
    if not may_manage_lesson(request.scope, lesson):
        raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以登记签到"))
    form = AttendanceListForm(request.POST)
    if not form.is_valid():
        return _lesson_page(request, lesson, list_form=form)
    rows, errors = parse_attendance_list(form.cleaned_data["attendees"])
    if rows:
        try:
            added = services.record_attendance_list(
                lesson, rows, scope=request.scope, actor=request.user
            )
        except ValidationError as error:
            _refused(request, error)
            return redirect("delivery:lesson", lesson.pk)
        messages.success(
            request,
            _("名单登记：新增 %(added)s 人（已签到的 %(known)s 人未重复计入）")
            % {"added": added, "known": len(rows) - added},
        )
    if errors:
        form = AttendanceListForm(initial={"attendees": "\n".join(line for _n, line, _w in errors)})
        lesson.refresh_from_db()
        return _lesson_page(request, lesson, list_form=form, list_errors=errors)
    return redirect("delivery:lesson", lesson.pk)


def _lesson_page(request, lesson, **extra):
    can_manage = may_manage_lesson(request.scope, lesson)
    context = {
        "lesson": lesson,
        "can_manage": can_manage,
        "attendances": lesson.attendances.all()[:500] if can_manage else [],
        **extra,
    }
    return render(request, "delivery/lesson.html", context)


@login_required
def lesson_create(request):
    """Record a lesson given outside the plan (a lecture team's tour, a 先学后讲 session)."""

    form = ManualLessonForm(request.POST or None, scope=request.scope)
    if not form.fields["organization"].queryset.exists():
        raise PermissionDenied(_("只有基层党组织联络员或党员教育管理员可以登记授课活动"))
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.record_manual_lesson(
                scope=request.scope, actor=request.user, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已登记授课活动：%(lesson)s") % {"lesson": lesson})
            return redirect("delivery:lesson", lesson.pk)
    return render(request, "delivery/lesson_form.html", {"form": form})
