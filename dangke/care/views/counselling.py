"""心理健康: talks for all, one-to-one requests for the teacher and the counsellor only, and
monthly numbers for the office."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.care import counselling as services
from dangke.care.access import CareError, is_counsellor_only, own_teacher
from dangke.care.forms import (
    CounsellingForm,
    CounsellorForm,
    ScheduleForm,
    TalkForm,
    style_model_form,
)
from dangke.care.models import CounsellingRequest, Counsellor
from dangke.care.views import office_region, show_error, year_of


@login_required
def counselling(request):
    scope = request.scope
    teacher = own_teacher(scope)
    home = office_region(request)
    mine = CounsellingRequest.objects.visible_to(scope).select_related("counsellor", "teacher")
    context = {
        "teacher": teacher,
        "home": home,
        "counsellor_only": is_counsellor_only(scope),
        "as_counsellor": [r for r in mine if r.counsellor.user_id == request.user.pk],
        "as_teacher": [r for r in mine if r.teacher.user_id == request.user.pk],
        "schedule_form": ScheduleForm(),
    }
    if teacher is not None:
        context["form"] = CounsellingForm(counsellors=services.counsellors_for(scope))
    if not context["counsellor_only"]:
        talks = services.talks_for(scope).prefetch_related("signups")
        context["talks"] = talks[:20]
        context["signed_up"] = (
            set(talks.filter(signups__teacher=teacher).values_list("pk", flat=True))
            if teacher
            else set()
        )
    if home is not None:
        year = year_of(request)
        context |= {
            "year": year,
            "numbers": services.counselling_numbers(scope, year),
            "counsellors": Counsellor.objects.visible_to(scope),
            "counsellor_form": style_model_form(CounsellorForm(prefix="counsellor")),
            "talk_form": style_model_form(TalkForm(prefix="talk")),
        }
        context["total"] = sum(row["requests"] for row in context["numbers"])
    return render(request, "care/counselling.html", context)


@login_required
@require_POST
def ask(request):
    teacher = own_teacher(request.scope)
    if teacher is None:
        raise PermissionDenied
    form = CounsellingForm(request.POST, counsellors=services.counsellors_for(request.scope))
    if form.is_valid():
        try:
            services.request_session(teacher=teacher, **form.cleaned_data)
        except CareError as error:
            show_error(request, error)
        else:
            messages.success(request, _("申请已发送给咨询师，只有您和咨询师能看到"))
    else:
        messages.error(request, _("请选择一位心理咨询师"))
    return redirect("care:counselling")


@login_required
@require_POST
def move(request, pk):
    found = get_visible_or_404(
        CounsellingRequest.objects.select_related("counsellor", "teacher"), request.scope, pk=pk
    )
    form = ScheduleForm(request.POST)
    scheduled_at = form.cleaned_data["scheduled_at"] if form.is_valid() else None
    try:
        services.counsellor_moves(
            user=request.user,
            request=found,
            status=request.POST.get("status", ""),
            scheduled_at=scheduled_at,
        )
    except CareError as error:
        show_error(request, error)
    return redirect("care:counselling")


@login_required
@require_POST
def add(request, what):
    """The office lists a counsellor or a talk."""
    home = office_region(request)
    if home is None:
        raise PermissionDenied
    form_class = {"counsellor": CounsellorForm, "talk": TalkForm}.get(what)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, prefix=what)
    if form.is_valid():
        row = form.save(commit=False)
        row.region = home
        row.save()
        messages.success(request, _("已添加"))
    else:
        messages.error(request, _("请检查填写的内容：%(e)s") % {"e": form.errors.as_text()})
    return redirect("care:counselling")


@login_required
@require_POST
def sign_up(request, pk):
    teacher = own_teacher(request.scope)
    talk = services.talks_for(request.scope).filter(pk=pk).first()
    if talk is None:  # another region's talk is "not found", as everywhere
        raise Http404
    if teacher is None:
        raise PermissionDenied
    try:
        services.sign_up(teacher=teacher, talk=talk)
    except CareError as error:
        show_error(request, error)
    else:
        messages.success(
            request,
            _("已报名：%(title)s（%(when)s）")
            % {
                "title": talk.title,
                "when": timezone.localtime(talk.starts_at).strftime("%m-%d %H:%M"),
            },
        )
    return redirect("care:counselling")
