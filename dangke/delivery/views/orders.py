"""The liaison's course menu and orders; the office's order queue and demand map."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.ids import db_id
from dangke.core.listing import Column, ListDefinition, ScopedFilterForm, render_list
from dangke.courses.models import CourseSeries, ExcellentDesignation
from dangke.delivery import services
from dangke.delivery.forms import (
    MenuFilterForm,
    OrderForm,
    add_service_errors,
)
from dangke.delivery.models import (
    Campaign,
    CourseOrder,
    OrderStatus,
)
from dangke.delivery.views.common import show_refusal
from dangke.evaluation.scores import course_ratings
from dangke.faculty.models import Teacher
from dangke.regions.models import Organization


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
    series = (
        CourseSeries.objects.unscoped("series of the orderable catalogue")
        .filter(courses__in=courses)
        .distinct()
        .order_by("name")
    )
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
        show_refusal(request, error)
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
