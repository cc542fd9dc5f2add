"""Course packages (课程包) on the web: 导出课程包 on a course's page, 导入课程包 for a
region admin. The work is courses.packages'; these views only read the request and show
what it answered."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.permissions import require
from dangke.courses import packages
from dangke.courses.forms import PackageImportForm
from dangke.courses.models import Course


@login_required
def course_package(request, pk):
    """The course's package as a download: 404 outside the scope, 403 for a user who sees
    the course but does not manage its region."""
    course = get_visible_or_404(
        Course.objects.select_related("region", "series"), request.scope, pk=pk
    )
    require(request, "courses.export_package", course)
    # FileResponse streams the package from this file and closes it when it is sent.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        packages.write_package(course, handle)
    except packages.PackageRejected as error:
        handle.close()
        for problem in error.problems:
            messages.error(request, problem)
        return redirect(course)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"课程包-{course.code}.zip")


@login_required
def package_import(request):
    require(request, "courses.import_package")
    form = PackageImportForm(request.POST or None, request.FILES or None, scope=request.scope)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = getattr(upload, "temporary_file_path", None)
        try:
            result = packages.import_package(
                path() if path else upload,
                region=form.cleaned_data["region"],
                actor=request.user,
                scope=request.scope,
            )
        except packages.PackageRejected as error:
            problems = error.problems
        else:
            if result.outcome == packages.ImportOutcome.UNCHANGED:
                messages.info(request, result.message)
            else:
                messages.success(request, result.message)
            return redirect(result.course)
    upload_name = request.FILES["file"].name if problems else ""
    context = {"form": form, "problems": problems, "upload_name": upload_name}
    return render(request, "courses/package_import.html", context)
