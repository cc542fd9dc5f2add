"""Coverage of the year's required topics, and campaigns (万堂示范课 and the like)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.export import xlsx_response
from dangke.courses.categories import CourseCategory
from dangke.delivery import services
from dangke.delivery.forms import (
    CampaignForm,
    CoverageFilterForm,
    add_service_errors,
)
from dangke.delivery.models import (
    Campaign,
    DeliveryMode,
)
from dangke.regions.models import OrganizationKind

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
