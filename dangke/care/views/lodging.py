import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.care import lodging as services
from dangke.care.access import CareError, may_run_care
from dangke.care.forms import ApartmentForm, NeedsForm, StayForm, style_model_form
from dangke.care.models import Apartment, Bed, ClassNeeds, Stay, StayPurpose, StayStatus
from dangke.care.views import office_region, show_error
from dangke.core.export import xlsx_response
from dangke.core.redirects import next_or
from dangke.faculty.models import Teacher
from dangke.training.models import Enrollment, TrainingClass


def _stay_form(request, data=None, teachers=None, initial=None):
    return StayForm(
        data,
        # Own teachers only: lodging records personal data a lent teacher's host never sees.
        teachers=teachers
        if teachers is not None
        else Teacher.objects.visible_to(request.scope, shared=False),
        beds=Bed.objects.visible_to(request.scope).select_related("apartment"),
        initial=initial,
    )


@login_required
def overview(request):
    """Apartments and their beds, the stays of the coming weeks, assigning a bed."""
    home = office_region(request)
    if home is None:
        raise PermissionDenied
    scope = request.scope
    apartment_form = style_model_form(ApartmentForm(prefix="apartment"))
    stay_form = _stay_form(request)
    if request.method == "POST" and "apartment-name" in request.POST:
        apartment_form = style_model_form(ApartmentForm(request.POST, prefix="apartment"))
        if apartment_form.is_valid():
            with transaction.atomic():
                apartment = apartment_form.save(commit=False)
                apartment.region = home
                apartment.save()
                data = apartment_form.cleaned_data
                Bed.objects.bulk_create(
                    Bed(apartment=apartment, room_number=f"{room + 101}", label=f"{bed + 1}")
                    for room in range(data["rooms"])
                    for bed in range(data["beds_per_room"])
                )
            messages.success(request, _("教师公寓已添加"))
            return redirect("care:lodging")
    elif request.method == "POST":
        stay_form = _stay_form(request, request.POST)
        if stay_form.is_valid():
            try:
                services.assign_stay(scope=scope, actor=request.user, **stay_form.cleaned_data)
            except CareError as error:
                show_error(request, error)
            else:
                messages.success(request, _("住宿已安排"))
                return redirect("care:lodging")
    stays = (
        Stay.objects.visible_to(scope)
        .filter(status=StayStatus.BOOKED, check_out__gte=timezone.localdate())
        .select_related("teacher", "bed__apartment", "training_class")
    )
    context = {
        "apartments": Apartment.objects.visible_to(scope).prefetch_related("beds"),
        "stays": stays[:200],
        "stay_form": stay_form,
        "apartment_form": apartment_form,
    }
    return render(request, "care/lodging.html", context)


@login_required
@require_POST
def stay_cancel(request, pk):
    stay = get_visible_or_404(Stay.objects.select_related("bed__apartment"), request.scope, pk=pk)
    try:
        services.cancel_stay(scope=request.scope, actor=request.user, stay=stay)
    except CareError as error:
        show_error(request, error)
    return redirect(next_or(request, "care:lodging"))


@login_required
def training_class(request, pk):
    """A class's meal counts per day and meal, and who still needs a bed."""
    klass = get_visible_or_404(TrainingClass.objects.select_related("region"), request.scope, pk=pk)
    runs = may_run_care(request.scope, klass.region_id)
    if not runs:
        raise Http404
    rows = services.meal_counts(klass)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("工作餐-%(title)s") % {"title": klass.title},
            [_("日期"), _("餐次"), _("份数"), _("清真"), _("素食"), _("饮食说明")],
            (
                [r["day"], r["meal_label"], r["total"], r["halal"], r["vegetarian"], r["notes"]]
                for r in rows
            ),
        )
    waiting = services.still_need_bed(klass)
    stay_form = None
    if waiting:
        teachers = Teacher.objects.filter(pk__in=[e.teacher_id for e in waiting if e.teacher_id])
        check_out = klass.ends_on + datetime.timedelta(days=1)
        stay_form = _stay_form(
            request,
            teachers=teachers,
            initial={
                "check_in": klass.starts_on,
                "check_out": check_out,
                "purpose": StayPurpose.TRAINING,
            },
        )
        stay_form.fields["bed"].queryset = services.free_beds(
            stay_form.fields["bed"].queryset, klass.starts_on, check_out
        )
    if request.method == "POST":
        form = _stay_form(request, request.POST)
        if form.is_valid():
            try:
                services.assign_stay(
                    scope=request.scope,
                    actor=request.user,
                    training_class=klass,
                    **form.cleaned_data,
                )
            except CareError as error:
                show_error(request, error)
            else:
                messages.success(request, _("住宿已安排"))
        return redirect("care:class", klass.pk)
    context = {
        "klass": klass,
        "rows": rows,
        "waiting": waiting,
        "stay_form": stay_form,
        "stays": Stay.objects.unscoped("stays of a class fetched in scope")
        .filter(training_class=klass, status=StayStatus.BOOKED)
        .select_related("teacher", "bed__apartment"),
    }
    return render(request, "care/class.html", context)


@login_required
def needs(request, pk):
    """A participant says whether they need a bed and what they eat."""
    own = Enrollment.objects.filter(
        teacher_id__in=request.scope.teacher_ids
    ) | Enrollment.objects.filter(user_id=request.user.pk)
    enrollment = (
        own.unscoped("the user's own enrolments")
        .select_related("training_class")
        .filter(pk=pk)
        .first()
    )
    if enrollment is None:
        raise Http404
    current = (
        ClassNeeds.objects.unscoped("the user's own enrolment")
        .filter(enrollment=enrollment)
        .first()
    )
    initial = (
        {"needs_bed": current.needs_bed, "diet": current.diet, "diet_note": current.diet_note}
        if current
        else {}
    )
    form = NeedsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_needs(enrollment=enrollment, **form.cleaned_data)
        except CareError as error:
            show_error(request, error)
        else:
            messages.success(request, _("食宿需求已提交"))
            return redirect("care:index")
    return render(request, "care/needs.html", {"enrollment": enrollment, "form": form})
