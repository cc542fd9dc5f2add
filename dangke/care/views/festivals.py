from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.accounts.scoping import get_visible_or_404
from dangke.care import festivals as services
from dangke.care.access import CareError
from dangke.care.forms import CardsForm, CareRecordForm
from dangke.care.models import CardBatch, CardBatchStatus, CareRecord
from dangke.care.views import office_region, show_error, year_of
from dangke.core.export import xlsx_response
from dangke.faculty.models import Teacher


@login_required
def festivals(request):
    """The care calendar, what each teacher received, and greeting cards for the pool."""
    home = office_region(request)
    if home is None:
        raise PermissionDenied
    scope = request.scope
    year = year_of(request)
    # Own teachers only: a teacher lent in through an alliance is cared for at home.
    teachers = Teacher.objects.visible_to(scope, shared=False).order_by("code")
    record_form = CareRecordForm(teachers=teachers, initial={"given_on": timezone.localdate()})
    cards_form = CardsForm(initial={"sender": home.name})
    if request.method == "POST" and request.POST.get("form") == "record":
        record_form = CareRecordForm(request.POST, teachers=teachers)
        if record_form.is_valid():
            try:
                services.record_care(
                    scope=scope, actor=request.user, year=year, **record_form.cleaned_data
                )
            except CareError as error:
                show_error(request, error)
            else:
                messages.success(request, _("慰问已登记"))
                return redirect(f"{request.path}?year={year}")
    elif request.method == "POST" and request.POST.get("form") == "cards":
        cards_form = CardsForm(request.POST)
        if cards_form.is_valid():
            try:
                services.start_cards(
                    scope=scope,
                    actor=request.user,
                    region=home,
                    year=year,
                    **cards_form.cleaned_data,
                )
            except CareError as error:
                show_error(request, error)
            else:
                messages.success(request, _("贺卡正在生成，完成后会通知您"))
                return redirect(f"{request.path}?year={year}")
    records = (
        CareRecord.objects.visible_to(scope)
        .filter(year=year)
        .select_related("teacher", "recorded_by")
    )
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("慰问记录-%(year)s") % {"year": year},
            [_("师资编号"), _("姓名"), _("节日"), _("慰问方式"), _("日期"), _("说明")],
            (
                [
                    r.teacher.code,
                    r.teacher.name,
                    r.get_festival_display(),
                    r.get_kind_display(),
                    r.given_on,
                    r.note,
                ]
                for r in records
            ),
        )
    context = {
        "year": year,
        "calendar": services.care_calendar(scope, year),
        "records": records[:30],
        "record_form": record_form,
        "cards_form": cards_form,
        "batches": CardBatch.objects.visible_to(scope)[:10],
    }
    return render(request, "care/festivals.html", context)


@login_required
def cards(request, pk):
    batch = get_visible_or_404(CardBatch, request.scope, pk=pk)
    if batch.status != CardBatchStatus.DONE or not batch.file:
        raise Http404
    return FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=f"{batch.year}-{batch.get_festival_display()}-贺卡.pdf",
        content_type="application/pdf",
    )
