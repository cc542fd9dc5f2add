"""The page of one Excel export written in the background: its progress while the worker
writes it, then the download. Only the user who asked for it sees it (404 for others)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.export import XLSX_CONTENT_TYPE
from dangke.core.pdf import _attachment
from dangke.imports.export_jobs import ExportJob, ExportState


@login_required
def detail(request, pk):
    job = get_visible_or_404(ExportJob, request.scope, pk=pk)
    job.fail_if_stale()
    if request.headers.get("HX-Request"):
        response = render(request, "imports/export_job.html#job", {"job": job})
        if not job.is_running:
            response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/export_job.html", {"job": job})


@login_required
def download(request, pk):
    job = get_visible_or_404(ExportJob, request.scope, pk=pk)
    if job.state != ExportState.DONE or not job.file:
        raise Http404
    response = FileResponse(job.file.open("rb"), content_type=XLSX_CONTENT_TYPE)
    response.headers["Content-Disposition"] = _attachment(job.file.name.rsplit("/", 1)[-1])
    return response


app_name = "exports"
urlpatterns = [
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/download/", download, name="download"),
]
