"""Pages of delivery analysis: upload and list, the report, progress, corrections, PDF."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.contests.models import ContestEntry
from dangke.core.pdf import pdf_response, render_pdf
from dangke.core.uploads import UploadRejected
from dangke.insights import presentation, rules, services
from dangke.insights.forms import RecordingForm
from dangke.insights.models import AnalysisState, DeliveryAnalysis


@login_required
def index(request):
    scope = request.scope
    if request.method == "POST":
        form = RecordingForm(request.POST, request.FILES, scope=scope)
        if form.is_valid():
            data = form.cleaned_data
            analysis = services.create_analysis(
                user=request.user,
                scope=scope,
                teacher=data["teacher"],
                course=data["course"],
                lesson=data["lesson"],
                entry=data["entry"],
                upload=data["recording"],
                title=data["title"],
            )
            messages.success(request, _("录音已上传，正在后台分析"))
            return redirect("insights:detail", pk=analysis.pk)
    else:
        form = RecordingForm(scope=scope)
    analyses = DeliveryAnalysis.objects.visible_to(scope).select_related("teacher", "course")
    teacher_id = request.GET.get("teacher", "")
    if teacher_id.isdigit():
        analyses = analyses.filter(teacher_id=int(teacher_id))
    page = Paginator(analyses, 25).get_page(request.GET.get("page"))
    rows = [(a, presentation.headline(a.report)) for a in page.object_list]
    return render(
        request,
        "insights/index.html",
        {"form": form, "page": page, "rows": rows, "teacher_id": teacher_id},
    )


def _analysis(request, pk):
    return get_visible_or_404(
        DeliveryAnalysis.objects.select_related(
            "teacher", "course", "lesson", "entry__contest", "region", "created_by"
        ),
        request.scope,
        pk=pk,
    )


@login_required
def detail(request, pk):
    analysis = _analysis(request, pk)
    report = services.effective_report(analysis)
    query = request.GET.get("q", "").strip()
    earlier = (
        DeliveryAnalysis.objects.visible_to(request.scope)
        .filter(teacher=analysis.teacher, state=AnalysisState.DONE)
        .exclude(pk=analysis.pk)
        .select_related("course")
        .order_by("-created_at")[:8]
    )
    context = {
        "analysis": analysis,
        "report": report,
        "view": presentation.report_view(report, query=query) if report else None,
        "query": query,
        "chart_data": presentation.chart_data(report) if report else None,
        "body": presentation.body_view(report, fluid=True) if report else None,
        "history": presentation.history(analysis, report, earlier),
        "may_coach": rules.may_coach(request.scope, analysis.teacher),
    }
    return render(request, "insights/detail.html", context)


@login_required
def progress(request, pk):
    """The progress fragment htmx polls; once the run stops the whole page reloads."""
    analysis = _analysis(request, pk)
    analysis.fail_if_stale()
    response = render(request, "insights/detail.html#progress", {"analysis": analysis})
    if not analysis.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def boundaries(request, pk):
    analysis = _analysis(request, pk)
    outline = (analysis.report or {}).get("outline") or []
    starts: list[float | None] = []
    try:
        for index in range(len(outline)):
            raw = request.POST.get(f"start_{index}", "").strip()
            starts.append(presentation.parse_clock(raw) if raw else None)
        if request.POST.get("reset"):
            starts = [None] * len(outline)
        services.set_boundaries(analysis, starts, user=request.user, scope=request.scope)
    except (ValueError, services.AnalysisNotAllowed) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("分段已更新，用时与建议已重新计算"))
    return redirect("insights:detail", pk=analysis.pk)


@login_required
@require_POST
def rerun(request, pk):
    analysis = _analysis(request, pk)
    try:
        services.reanalyse(analysis, user=request.user, scope=request.scope)
    except services.AnalysisNotAllowed as error:
        messages.error(request, str(error))
    return redirect("insights:detail", pk=analysis.pk)


@login_required
@require_POST
def share(request, pk):
    analysis = _analysis(request, pk)
    shared = request.POST.get("shared") == "1"
    services.share(analysis, shared, user=request.user, scope=request.scope)
    if shared:
        messages.success(
            request, _("已共享给%(region)s组织部门") % {"region": analysis.region.name}
        )
    else:
        messages.success(request, _("已取消共享，只有本人和教研组组长可以查看"))
    return redirect("insights:detail", pk=analysis.pk)


@login_required
@require_POST
def analyse_entry(request, entry_pk):
    """Analyse a contest entry's submitted recording (from the entry's page)."""
    entry = get_visible_or_404(
        ContestEntry.objects.select_related("contest", "course"), request.scope, pk=entry_pk
    )
    teacher = services.coach_for_entry(entry, request.scope)
    if teacher is None:
        raise PermissionDenied(_("只有参赛教师本人或所在教研组组长可以分析参赛录像"))
    try:
        analysis = services.analyse_entry_recording(
            entry, teacher=teacher, user=request.user, scope=request.scope
        )
    except (services.AnalysisNotAllowed, UploadRejected) as error:
        messages.error(request, str(error))
        return redirect("contests:entry", entry.contest_id, entry.pk)
    messages.success(request, _("参赛录像已提交分析"))
    return redirect("insights:detail", pk=analysis.pk)


@login_required
def pdf(request, pk):
    analysis = _analysis(request, pk)
    report = services.effective_report(analysis)
    if not report:
        raise PermissionDenied(_("分析完成后才能下载报告"))
    context = {
        "analysis": analysis,
        "report": report,
        "view": presentation.report_view(report),
        "rate_svg": presentation.rate_svg(report),
        "bars": presentation.point_bars(report),
        "body": presentation.body_view(report),
    }
    document = render_pdf("insights/pdf/report.html", context, request=request)
    filename = _("授课分析-%(teacher)s-%(date)s.pdf") % {
        "teacher": analysis.teacher.name,
        "date": analysis.created_at.strftime("%Y%m%d"),
    }
    return pdf_response(document, filename)
