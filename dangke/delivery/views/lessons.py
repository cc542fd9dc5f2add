"""Lessons: the calendar and list, a lesson's page and actions, the QR sign-in, the
attendance list, lessons outside the plan, and a teacher's iCal feed."""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Window
from django.db.models.functions import RowNumber, TruncDate
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.delivery import ical, services
from dangke.delivery.forms import (
    AttendanceListForm,
    ManualLessonForm,
    SignInForm,
    add_service_errors,
    parse_attendance_list,
)
from dangke.delivery.models import (
    Lesson,
    LessonStatus,
)
from dangke.delivery.rules import may_manage_lesson
from dangke.delivery.views.common import month_of_request, show_refusal
from dangke.faculty.models import Teacher

ICAL_SALT = "dangke.delivery.ical"


# --- lessons --------------------------------------------------------------------------------


DAY_LESSONS = 8  # lessons a calendar day shows; the rest are counted


def ical_token(teacher: Teacher) -> str:
    return signing.Signer(salt=ICAL_SALT).sign(str(teacher.pk))


def _lessons(request):
    return (
        Lesson.objects.visible_to(request.scope)
        .select_related("course", "organization")
        .prefetch_related("teachers")
    )


@login_required
def lessons(request):
    """Lessons by month as a calendar grid (teachers see only theirs, by scope)."""
    first, last = month_of_request(request)
    tz = timezone.get_current_timezone()
    rows = _lessons(request).filter(
        starts_at__gte=datetime.datetime.combine(first, datetime.time(), tz),
        starts_at__lt=datetime.datetime.combine(
            last + datetime.timedelta(days=1), datetime.time(), tz
        ),
    )
    # A day shows its first DAY_LESSONS lessons and how many more: a city's busiest month
    # holds thousands (issue #18), which no calendar cell can show and no page should render.
    local_day = TruncDate("starts_at", tzinfo=tz)
    per_day = rows.annotate(day=local_day).values_list("day").annotate(n=Count("pk"))
    totals = dict(per_day.order_by())
    # Numbered on the lessons alone, then joined: numbering the joined rows sorted every
    # lesson of a province's busiest month with its course and organisation (0.5 s of 0.6 s).
    first_of_day = (
        rows.select_related(None)
        .prefetch_related(None)
        .annotate(place=Window(RowNumber(), partition_by=local_day, order_by=("starts_at", "pk")))
        .filter(place__lte=DAY_LESSONS)
        .values_list("pk", flat=True)
    )
    shown = rows.filter(pk__in=list(first_of_day))
    by_day = defaultdict(list)
    for lesson in shown.order_by("starts_at", "pk"):
        by_day[timezone.localtime(lesson.starts_at).date()].append(lesson)
    start = first - datetime.timedelta(days=first.weekday())
    weeks = []
    day = start
    while day <= last:
        weeks.append(
            [
                {
                    "date": d,
                    "in_month": d.month == first.month,
                    "lessons": by_day.get(d, []),
                    "more": totals.get(d, 0) - len(by_day.get(d, [])),
                }
                for d in (day + datetime.timedelta(days=n) for n in range(7))
            ]
        )
        day += datetime.timedelta(days=7)
    feeds = [
        (teacher, request.build_absolute_uri(reverse("delivery:ical", args=[ical_token(teacher)])))
        for teacher in Teacher.objects.unscoped("the user's own teacher records").filter(
            pk__in=request.scope.teacher_ids
        )
    ]
    context = {
        "weeks": weeks,
        "month_label": first.strftime("%Y-%m"),
        "previous": (first - datetime.timedelta(days=1)).strftime("%Y-%m"),
        "following": (last + datetime.timedelta(days=1)).strftime("%Y-%m"),
        "count": sum(totals.values()),
        "feeds": feeds,
        "weekdays": [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")],
    }
    return render(request, "delivery/lessons.html", context)


@login_not_required  # calendar apps hold a signed token, not a session
def ical_feed(request, token):
    """A teacher's lessons for calendar apps: no session, a signed token in the URL."""
    try:
        teacher_pk = int(signing.Signer(salt=ICAL_SALT).unsign(token))
    except (signing.BadSignature, ValueError) as error:
        raise Http404 from error
    teacher = (
        Teacher.objects.unscoped("the teacher named by the signed token")
        .filter(pk=teacher_pk)
        .first()
    )
    if teacher is None:
        raise Http404
    since = timezone.now() - datetime.timedelta(days=366)
    rows = (
        teacher.lessons.filter(starts_at__gte=since)
        .select_related("course", "organization")
        .prefetch_related("teachers")
        .order_by("starts_at")
    )
    from dangke.care.rooms import teacher_booking_events

    bookings = teacher_booking_events(teacher, since)  # their own and their groups' rooms
    response = HttpResponse(
        ical.teacher_calendar(teacher, rows, extra_events=bookings),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="dangke.ics"'
    return response


def _lesson(request, pk) -> Lesson:
    return get_visible_or_404(
        Lesson.objects.select_related("course", "organization", "order").prefetch_related(
            "teachers"
        ),
        request.scope,
        pk=pk,
    )


@login_required
def lesson_detail(request, pk):
    lesson = _lesson(request, pk)
    can_manage = may_manage_lesson(request.scope, lesson)
    from dangke.evaluation.rules import may_run_surveys

    context = {
        "lesson": lesson,
        "can_manage": can_manage,
        "attendances": lesson.attendances.all()[:500] if can_manage else [],
        "survey": lesson.surveys.filter(kind="on_site").first(),
        "can_run_survey": may_run_surveys(request.scope, lesson),
    }
    return render(request, "delivery/lesson.html", context)


@login_required
@require_POST
def lesson_action(request, pk, action):
    lesson = _lesson(request, pk)
    try:
        if action == "confirm":
            services.confirm_lesson(lesson, scope=request.scope, actor=request.user)
            messages.success(request, _("已确认授课安排"))
        elif action == "deliver":
            services.deliver_lesson(lesson, scope=request.scope, actor=request.user)
            messages.success(request, _("已登记为「已授课」"))
        elif action == "cancel":
            reason = request.POST.get("reason", "").strip() or _("承办方取消")
            services.cancel_lesson(lesson, scope=request.scope, actor=request.user, reason=reason)
            messages.success(request, _("已取消该授课活动"))
        else:
            raise Http404
    except ValidationError as error:
        show_refusal(request, error)
    return redirect("delivery:lesson", lesson.pk)


@login_required
def lesson_checkin(request, pk):
    """The liaison's screen: a big QR code attendees scan with their phones."""
    lesson = _lesson(request, pk)
    if not may_manage_lesson(request.scope, lesson):
        raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以组织签到"))
    import segno

    url = request.build_absolute_uri(reverse("delivery:sign", args=[lesson.checkin_token]))
    qr = segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff")
    context = {"lesson": lesson, "url": url, "qr": qr, "count": lesson.attendances.count()}
    return render(request, "delivery/checkin.html", context)


@login_not_required
def sign(request, token):
    """The public, phone-sized sign-in page behind the QR code (no login, no JavaScript)."""
    lesson = (
        Lesson.objects.unscoped("public sign-in page, by the QR token")
        .select_related("course", "organization")
        .filter(checkin_token=token)
        .first()
    )
    if lesson is None:
        raise Http404
    from dangke.members import signin

    known = None if request.GET.get("other") else signin.remembered(request)
    data = request.POST or None
    if data is not None and data.get("remembered") and known:  # the one-tap sign-in
        data = {"name": known["name"], "phone": known["phone"]}
    form = SignInForm(data)
    done, after = None, {}
    if request.method == "POST" and form.is_valid():
        try:
            attendance, created = services.sign_in(token, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            done = _("签到成功，欢迎参加学习！") if created else _("您已经签到过了，无需重复签到。")
            after = signin.after_sign_in(attendance)
    closed = lesson.status == LessonStatus.CANCELLED
    context = {"lesson": lesson, "form": form, "done": done, "closed": closed,
               "known": known, "after": after}  # fmt: skip
    response = render(request, "delivery/sign.html", context)
    if done:
        signin.remember(request, response, name=form.cleaned_data["name"],
                        phone=form.cleaned_data["phone"])  # fmt: skip
    return response


@login_required
@require_POST
def lesson_attendance_list(request, pk):
    """The liaison pastes a list; good lines are recorded, bad ones come back to fix."""

    lesson = _lesson(request, pk)
    if not may_manage_lesson(request.scope, lesson):
        raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以登记签到"))
    form = AttendanceListForm(request.POST)
    if not form.is_valid():
        return _lesson_page(request, lesson, list_form=form)
    rows, errors = parse_attendance_list(form.cleaned_data["attendees"])
    if rows:
        try:
            added = services.record_attendance_list(
                lesson, rows, scope=request.scope, actor=request.user
            )
        except ValidationError as error:
            show_refusal(request, error)
            return redirect("delivery:lesson", lesson.pk)
        messages.success(
            request,
            _("名单登记：新增 %(added)s 人（已签到的 %(known)s 人未重复计入）")
            % {"added": added, "known": len(rows) - added},
        )
    if errors:
        form = AttendanceListForm(initial={"attendees": "\n".join(line for _n, line, _w in errors)})
        lesson.refresh_from_db()
        return _lesson_page(request, lesson, list_form=form, list_errors=errors)
    return redirect("delivery:lesson", lesson.pk)


def _lesson_page(request, lesson, **extra):
    can_manage = may_manage_lesson(request.scope, lesson)
    context = {
        "lesson": lesson,
        "can_manage": can_manage,
        "attendances": lesson.attendances.all()[:500] if can_manage else [],
        **extra,
    }
    return render(request, "delivery/lesson.html", context)


@login_required
def lesson_create(request):
    """Record a lesson given outside the plan (a lecture team's tour, a 先学后讲 session)."""

    form = ManualLessonForm(request.POST or None, scope=request.scope)
    if not form.fields["organization"].queryset.exists():
        raise PermissionDenied(_("只有基层党组织联络员或党员教育管理员可以登记授课活动"))
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.record_manual_lesson(
                scope=request.scope, actor=request.user, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已登记授课活动：%(lesson)s") % {"lesson": lesson})
            return redirect("delivery:lesson", lesson.pk)
    return render(request, "delivery/lesson_form.html", {"form": form})
