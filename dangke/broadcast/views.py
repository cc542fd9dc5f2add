import datetime
import shutil
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.accounts.scoping import get_visible_or_404
from dangke.broadcast import services
from dangke.broadcast.forms import ProgrammeForm, SlotForm
from dangke.broadcast.models import AudioProgramme, BroadcastStation, StationStatus
from dangke.broadcast.schedule_calendar import month_calendar
from dangke.broadcast.speech import ESPEAK
from dangke.core.export import xlsx_response
from dangke.core.listing import Column, ListDefinition, ScopedFilterForm, render_list


def _month(request, default=None) -> tuple[int, int]:
    """?month=YYYY-MM, defaulting to `default` or the current month in Asia/Shanghai."""
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        datetime.date(year, month, 1)
    except ValueError:
        if default is not None:
            return default
        today = timezone.localdate()
        year, month = today.year, today.month
    return year, month


UNREACHED_PER_PAGE = 60


def _filter_unreached(villages: list[dict], params) -> list[dict]:
    """The not-reached villages narrowed by ?county= (code), ?reason=none|silent and ?q=."""
    county = params.get("county", "")
    reason = params.get("reason", "")
    words = params.get("q", "").strip()
    return [
        village
        for village in villages
        if village["code"].startswith(county)
        and (reason != "none" or not village["has_station"])
        and (reason != "silent" or village["has_station"])
        and (not words or words in village["name"] or village["code"].startswith(words))
    ]


@login_required
def overview(request):
    year, month = _month(request, default=services.latest_month_with_plays(request.scope))
    figures = services.monthly_figures(request.scope, year, month)
    unreached = _filter_unreached(figures["unreached_villages"], request.GET)
    if request.GET.get("export") == "unreached":
        rows = [
            [v["code"], v["name"], _("有站点未播放") if v["has_station"] else _("无站点")]
            for v in unreached
        ]
        return xlsx_response(
            _("未覆盖村-%(month)s") % {"month": f"{year}{month:02}"},
            [_("区划代码"), _("村（社区）"), _("情况")],
            rows,
        )
    previous, following = _neighbours(year, month)
    context = {
        "figures": figures,
        "month_label": f"{year}-{month:02}",
        "stations_label": f"{figures['stations_active']:,} / {figures['stations']:,}",
        "previous": previous,
        "following": following,
        "unreached_page": Paginator(unreached, UNREACHED_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "unreached_filters": {
            "county": request.GET.get("county", ""),
            "reason": request.GET.get("reason", ""),
            "q": request.GET.get("q", ""),
        },
        "unreached_query": urlencode(
            {
                "month": f"{year}-{month:02}",
                **{
                    key: request.GET[key]
                    for key in ("county", "reason", "q")
                    if request.GET.get(key)
                },
            }
        ),
        "chart_data": {
            "plays_by_county": [
                {"name": county["name"], "value": county["plays"]}
                for county in figures["by_county"]
            ]
        },
    }
    return render(request, "broadcast/overview.html", context)


class StationFilterForm(ScopedFilterForm):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部状态")), *StationStatus.choices]


class StationList(ListDefinition):
    title = gettext_lazy("大喇叭站点")
    export_name = gettext_lazy("大喇叭站点")
    filter_form = StationFilterForm
    search_fields = ("name", "code")
    default_sort = "code"
    columns = (
        Column(gettext_lazy("站点编号"), lambda s: s.code, sort="code"),
        Column(gettext_lazy("站点名称"), lambda s: s.name, sort="name"),
        Column(gettext_lazy("所在村（社区）"), lambda s: s.village.name),
        Column(gettext_lazy("状态"), lambda s: s.get_status_display(), sort="status"),
        Column(
            gettext_lazy("估计收听人数"),
            lambda s: s.estimated_listeners,
            sort="estimated_listeners",
            numeric=True,
        ),
        Column(
            gettext_lazy("最近上报"),
            lambda s: (
                timezone.localtime(s.last_seen_at).strftime("%Y-%m-%d %H:%M")
                if s.last_seen_at
                else ""
            ),
            sort="last_seen_at",
        ),
    )

    def base_queryset(self, request):
        return BroadcastStation.objects.select_related("village")

    def filter(self, queryset, data):
        queryset = super().filter(queryset, data)
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        return queryset


@login_required
def station_list(request):
    return render_list(request, StationList())


def _require_admin(request):
    if not request.scope.managed_region_codes:
        raise PermissionDenied(_("只有党员教育管理员可以安排播出"))


def _neighbours(year: int, month: int) -> tuple[str, str]:
    first = datetime.date(year, month, 1)
    previous = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
    following = (first + datetime.timedelta(days=32)).strftime("%Y-%m")
    return previous, following


@login_required
def schedule(request):
    """The month's slots as a calendar grid (conflicts flagged) and, for admins, the form
    that schedules a programme to all stations of a county. ?month=YYYY-MM."""
    can_schedule = bool(request.scope.managed_region_codes)
    form = SlotForm(request.POST or None, scope=request.scope) if can_schedule else None
    if request.method == "POST":
        _require_admin(request)
        if form.is_valid():
            start = form.start()
            try:
                result = services.schedule_slot(
                    form.cleaned_data["programme"],
                    start,
                    target_region=form.cleaned_data["target_region"],
                    created_by=request.user,
                    scope=request.scope,
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _("已安排到 %(n)s 个站点") % {"n": result.station_count},
                )
                for warning in result.warnings:
                    messages.warning(request, warning)
                month = timezone.localtime(start).strftime("%Y-%m")
                return redirect(f"{reverse('broadcast:schedule')}?month={month}")
    year, month = _month(request)
    previous, following = _neighbours(year, month)
    context = {
        "form": form,
        "calendar": month_calendar(request.scope, year, month),
        "month_label": f"{year}-{month:02}",
        "month_title": _("%(year)d年%(month)d月") % {"year": year, "month": month},
        "previous": previous,
        "following": following,
        "this_month": timezone.localdate().strftime("%Y-%m"),
    }
    return render(request, "broadcast/schedule.html", context)


@login_required
def programmes(request):
    can_create = bool(request.scope.managed_region_codes)
    form = (
        ProgrammeForm(request.POST or None, request.FILES or None, scope=request.scope)
        if can_create
        else None
    )
    if request.method == "POST":
        _require_admin(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                programme = services.create_programme(
                    title=data["title"],
                    region=data["region"],
                    duration_seconds=int(data["duration_minutes"] * Decimal(60)),
                    audio=data["audio"],
                    text=data["text"],
                    created_by=request.user,
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                if not programme.audio:
                    from dangke.broadcast.tasks import synthesise_programme

                    synthesise_programme.enqueue(programme.pk)
                    messages.success(request, _("节目已保存，正在后台合成语音"))
                else:
                    messages.success(request, _("节目已保存"))
                return redirect("broadcast:programmes")
    listed = (
        AudioProgramme.objects.visible_to(request.scope)
        .select_related("region")
        .order_by("-created_at")[:100]
    )
    context = {
        "form": form,
        "programmes": listed,
        "speech_available": shutil.which(ESPEAK) is not None,
    }
    return render(request, "broadcast/programmes.html", context)


@login_required
def programme_audio(request, pk):
    """A programme's recording for staff who see the programme (never a public URL)."""
    programme = get_visible_or_404(AudioProgramme, request.scope, pk=pk)
    if not programme.audio:
        raise Http404(_("该节目还没有音频"))
    return FileResponse(programme.audio.open("rb"))
