from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.export import XLSX_CONTENT_TYPE, xlsx_response
from dangke.imports import services
from dangke.imports.blank import template_workbook
from dangke.imports.forms import WorkbookUploadForm
from dangke.imports.models import ImportJob
from dangke.imports.registry import sheets


def _sheet_or_404(kind):
    if kind not in sheets():
        raise Http404(_("没有这种导入"))
    return sheets()[kind]


def _require_admin(request):
    if not request.scope.managed_region_codes:
        raise PermissionDenied(_("只有党员教育管理员可以导入数据"))


@login_required
def index(request):
    _require_admin(request)
    jobs = ImportJob.objects.visible_to(request.scope).select_related("created_by")[:20]
    kinds = [(sheet, WorkbookUploadForm(prefix=sheet.kind)) for sheet in sheets().values()]
    return render(request, "imports/index.html", {"kinds": kinds, "jobs": jobs})


@login_required
def template(request, kind):
    _require_admin(request)
    sheet = _sheet_or_404(kind)
    filename = _("%(kind)s导入模板.xlsx") % {"kind": sheet.title}
    response = HttpResponse(template_workbook(sheet), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_POST
def upload(request, kind):
    _require_admin(request)
    sheet = _sheet_or_404(kind)
    form = WorkbookUploadForm(request.POST, request.FILES, prefix=kind)
    if not form.is_valid():
        for error in form.errors["file"]:
            messages.error(
                request, _("%(kind)s：%(error)s") % {"kind": sheet.title, "error": error}
            )
        return redirect("imports:index")
    job = services.create_job(
        user=request.user, scope=request.scope, kind=kind, upload=form.cleaned_data["file"]
    )
    return redirect("imports:job", pk=job.pk)


def _job(request, pk):
    return get_visible_or_404(ImportJob.objects.select_related("created_by"), request.scope, pk=pk)


@login_required
def job_detail(request, pk):
    job = _job(request, pk)
    sheet = sheets()[job.kind]
    done, total = services.read_progress(job)
    errors_by_sheet: dict[str, list] = {}
    for error in job.errors:
        errors_by_sheet.setdefault(error["sheet"], []).append(error)
    key_index = 2 + list(sheet.columns).index(sheet.key_column)
    updated_rows = [
        {"row": cells[0], "key": cells[key_index]}
        for cells in job.preview
        if cells[1] == "更新"  # the preview's operation cell: 更新 / 新增
    ]
    context = {
        "updated_rows": updated_rows,
        "key_header": sheet.key_column.header,
        "job": job,
        "sheet": sheet,
        "done": done,
        "total": total,
        "errors_by_sheet": errors_by_sheet,
        "preview_headers": [_("行号"), _("操作"), *(column.header for column in sheet.columns)],
        "can_confirm": services.can_confirm(job, request.user),
    }
    return render(request, "imports/job.html", context)


@login_required
def job_progress(request, pk):
    """The progress fragment htmx polls; once the job stops running the whole page reloads
    to show the result."""
    job = _job(request, pk)
    job.fail_if_stale()
    done, total = services.read_progress(job)
    response = render(
        request, "imports/job.html#progress", {"job": job, "done": done, "total": total}
    )
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
def job_errors(request, pk):
    job = _job(request, pk)
    rows = [
        [error["sheet"], error["row"], error["column"], error["value"], error["message"]]
        for error in job.errors
    ]
    stem = (_("导入错误") + "-" + job.original_name.rsplit(".", 1)[0])[:60]
    return xlsx_response(stem, [_("工作表"), _("行号"), _("列"), _("填写内容"), _("问题")], rows)


@login_required
@require_POST
def job_confirm(request, pk):
    _require_admin(request)
    job = _job(request, pk)
    try:
        services.confirm(job, user=request.user)
    except services.ImportNotAllowed as error:
        messages.error(request, str(error))
    return redirect("imports:job", pk=job.pk)
