import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.care import rooms as services
from dangke.care.access import CareError, is_counsellor_only, own_teacher
from dangke.care.forms import BookingForm, RoomForm, style_model_form
from dangke.care.models import BookingStatus, Room, RoomBooking
from dangke.care.views import office_region, show_error, year_of
from dangke.core.export import xlsx_response
from dangke.training.models import Enrollment, EnrollmentStatus


@login_required
def index(request):
    """关怀: the teacher's rooms, bookings, classes and talks; the office's overview."""
    scope = request.scope
    if is_counsellor_only(scope):
        return redirect("care:counselling")
    teacher = own_teacher(scope)
    home = office_region(request)
    room_form = style_model_form(RoomForm(request.POST or None)) if home else None
    if request.method == "POST":
        if home is None:
            raise PermissionDenied
        if room_form.is_valid():
            room = room_form.save(commit=False)
            room.region = home
            room.save()
            messages.success(request, _("功能室已添加"))
            return redirect("care:index")
    upcoming = (
        RoomBooking.objects.visible_to(scope)
        .filter(ends_at__gte=timezone.now(), status=BookingStatus.BOOKED)
        .select_related("room", "teaching_group", "booked_by")
        .order_by("starts_at")
    )
    enrollments = []
    if teacher is not None:
        enrollments = (
            Enrollment.objects.unscoped("the user's own enrolments")
            .filter(teacher=teacher)
            .exclude(status=EnrollmentStatus.WITHDRAWN)
            .filter(training_class__ends_on__gte=timezone.localdate())
            .select_related("training_class")
        )
    context = {
        "teacher": teacher,
        "home": home,
        "rooms": services.bookable_rooms(scope).select_related("region"),
        "upcoming": upcoming[:30],
        "room_form": room_form,
        "enrollments": enrollments,
        "year": timezone.localdate().year,
    }
    return render(request, "care/index.html", context)


def _week(request) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return services.monday_of(day)


@login_required
def room(request, pk):
    scope = request.scope
    room = services.bookable_rooms(scope).filter(pk=pk).first()
    if room is None:
        room = get_visible_or_404(Room, scope, pk=pk)  # the office sees its closed rooms
    monday = _week(request)
    form = BookingForm(
        request.POST or None,
        groups=services.groups_for(scope),
        initial={"day": max(monday, timezone.localdate()), "start": "14:00", "end": "17:00"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.book_room(scope=scope, actor=request.user, room=room, **data)
        except CareError as error:
            show_error(request, error)
        else:
            messages.success(
                request,
                _("已预约 %(n)s 次：%(first)s")
                % {"n": len(made), "first": services.describe(made[0])},
            )
            return redirect(f"{room.get_absolute_url()}?week={services.monday_of(data['day'])}")
    grid = services.week_grid(room, monday)
    context = {
        "room": room,
        "grid": grid,
        "form": form,
        "monday": monday,
        "previous": monday - datetime.timedelta(weeks=1),
        "following": monday + datetime.timedelta(weeks=1),
        "cancellable": {
            b.pk for b in grid["bookings"] if services.may_cancel(scope, request.user, b)
        },
    }
    return render(request, "care/room.html", context)


@login_required
@require_POST
def cancel(request, pk):
    booking = get_visible_or_404(RoomBooking.objects.select_related("room"), request.scope, pk=pk)
    try:
        n = services.cancel_booking(
            scope=request.scope,
            actor=request.user,
            booking=booking,
            following=request.POST.get("following") == "1",
        )
    except CareError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已取消 %(n)s 次预约") % {"n": n})
    week = services.monday_of(timezone.localtime(booking.starts_at).date())
    return redirect(f"{booking.room.get_absolute_url()}?week={week}")


@login_required
def use(request):
    """Hours booked and cancelled per room and month: the figure the year's report quotes."""
    year = year_of(request)
    rows = services.room_use(request.scope, year)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("功能室使用-%(year)s") % {"year": year},
            [_("功能室"), _("类型"), _("月份"), _("预约次数"), _("预约小时"), _("取消小时")],
            (
                [
                    r["room"].name,
                    r["room"].get_kind_display(),
                    f"{year}-{r['month']:02d}",
                    r["bookings"],
                    r["hours_booked"],
                    r["hours_cancelled"],
                ]
                for r in rows
            ),
        )
    totals = {
        "booked": round(sum(r["hours_booked"] for r in rows), 1),
        "cancelled": round(sum(r["hours_cancelled"] for r in rows), 1),
    }
    return render(request, "care/use.html", {"rows": rows, "year": year, "totals": totals})
