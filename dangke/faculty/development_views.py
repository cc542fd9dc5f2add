"""The 青云梯 page of a teacher: their development plan and the steps taken on it. Everyone
who sees the teacher's plan reads it; the teacher and their group leader keep it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.accounts.scoping import get_own_or_404, get_visible_or_404
from dangke.faculty import development
from dangke.faculty.forms import DevelopmentPlanForm, DevelopmentRecordForm
from dangke.faculty.models import DevelopmentPlan, DevelopmentRecord, Teacher


def plan_context(scope, teacher: Teacher) -> dict:
    """What the career panel and the plan page show of the plan, as `scope` may see it."""
    return {
        "development_plan": DevelopmentPlan.objects.visible_to(scope)
        .filter(teacher=teacher)
        .first(),
        "development_records": list(
            DevelopmentRecord.objects.visible_to(scope).filter(teacher=teacher)
        ),
        "may_keep_plan": development.may_keep_plan(scope, teacher),
    }


@login_required
def development_page(request, pk):
    teacher = get_own_or_404(Teacher, request.scope, pk=pk)
    context = plan_context(request.scope, teacher)
    plan = context["development_plan"]
    this_year = timezone.localdate().year
    plan_form = DevelopmentPlanForm(
        instance=plan, initial={"start_year": this_year, "end_year": this_year + 2}
    )
    record_form = DevelopmentRecordForm(initial={"year": this_year})
    if request.method == "POST":
        if not context["may_keep_plan"]:
            raise PermissionDenied(_("只有本人或所在教研组组长可以维护发展规划"))
        action = request.POST.get("action")
        try:
            if action == "plan":
                plan_form = DevelopmentPlanForm(request.POST, instance=plan)
                if plan_form.is_valid():
                    development.save_plan(
                        teacher, scope=request.scope, actor=request.user, **plan_form.cleaned_data
                    )
                    messages.success(request, _("发展规划已保存"))
                    return redirect("faculty:development", pk=teacher.pk)
            elif action == "record":
                record_form = DevelopmentRecordForm(request.POST)
                if record_form.is_valid():
                    development.add_record(
                        teacher,
                        scope=request.scope,
                        actor=request.user,
                        **record_form.cleaned_data,
                    )
                    messages.success(request, _("已记入发展记录"))
                    return redirect("faculty:development", pk=teacher.pk)
            elif action == "delete":
                chosen = request.POST.get("record", "")
                record = get_visible_or_404(
                    DevelopmentRecord.objects.filter(teacher=teacher),
                    request.scope,
                    pk=int(chosen) if chosen.isdigit() else 0,
                )
                development.delete_record(record, scope=request.scope, actor=request.user)
                messages.success(request, _("已删除该条记录"))
                return redirect("faculty:development", pk=teacher.pk)
        except development.DevelopmentError as error:
            for message in error.messages:
                messages.error(request, message)
    context |= {"teacher": teacher, "plan_form": plan_form, "record_form": record_form}
    return render(request, "faculty/development.html", context)
