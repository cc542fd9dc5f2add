"""The 年度报告 page: request a year's report, watch it being written, download both files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.pdf import _attachment
from dangke.workreport import services
from dangke.workreport.forms import ReportForm
from dangke.workreport.models import AnnualReport, ReportState

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _require_builder(request):
    if not services.may_build(request.scope):
        raise PermissionDenied(_("只有党员教育管理员和培训主办方可以生成年度报告"))


@login_required
def index(request):
    _require_builder(request)
    scope = request.scope
    form = ReportForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        services.request_report(
            user=request.user,
            scope=scope,
            region=form.cleaned_data["region"],
            year=form.cleaned_data["year"],
        )
        messages.success(request, _("已提交，报告正在后台生成"))
        return redirect("workreport:index")
    reports = AnnualReport.objects.visible_to(scope).select_related("region", "created_by")[:20]
    return render(request, "workreport/index.html", {"form": form, "reports": reports})


@login_required
def progress(request, pk):
    """The row htmx polls; once the report stops running the whole page reloads."""
    report = get_visible_or_404(AnnualReport.objects.select_related("region"), request.scope, pk=pk)
    report.fail_if_stale()
    response = render(request, "workreport/index.html#row", {"report": report})
    if not report.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
def download(request, pk, kind):
    report = get_visible_or_404(AnnualReport.objects.select_related("region"), request.scope, pk=pk)
    if kind not in CONTENT_TYPES or report.state != ReportState.DONE:
        raise Http404
    stored = report.docx if kind == "docx" else report.pdf
    if not stored:
        raise Http404
    response = FileResponse(stored.open("rb"), content_type=CONTENT_TYPES[kind])
    response.headers["Content-Disposition"] = _attachment(f"{report.title}.{kind}")
    return response
