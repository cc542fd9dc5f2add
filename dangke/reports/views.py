from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.accounts.landing import is_group_leader_only, is_judge_only, is_organiser_only
from dangke.advice.services import warnings_card
from dangke.care.access import is_counsellor_only
from dangke.core.calendar import report_year
from dangke.courses.categories import CourseCategory
from dangke.courses.models import CourseStatus
from dangke.faculty.models import Teacher, TeacherLevel, TeacherStatus
from dangke.faculty.rules import may_manage_pool
from dangke.regions.models import OrganizationKind
from dangke.reports.homes import (
    group_home,
    is_liaison_only,
    is_teacher_only,
    judge_home,
    liaison_home,
    office_year,
    organiser_home,
    teacher_home,
)
from dangke.reports.queries import year_figures
from dangke.workreport.data import lessons_by_month
from dangke.workreport.services import may_build


def _series(counts: dict, choices) -> list[dict]:
    return [{"name": str(label), "value": counts.get(value, 0)} for value, label in choices.choices]


@login_required
def dashboard(request):
    if is_counsellor_only(request.scope):
        return redirect("care:counselling")
    # A teacher's and a liaison's year is the calendar's (this year's quota, this year's
    # lessons); an office's is the year it reports on, the year just ended until March.
    if is_teacher_only(request.scope):
        teacher = Teacher.objects.unscoped("the user's own teacher record").get(
            pk=request.scope.teacher_ids[0]
        )
        year = timezone.localdate().year
        context = teacher_home(request.scope, teacher, year)
        context.update(warnings_card(request.scope, teacher))
        return render(request, "reports/teacher_home.html", context)
    if is_liaison_only(request.scope):
        year = timezone.localdate().year
        return render(request, "reports/liaison_home.html", liaison_home(request.scope, year))
    if is_judge_only(request.scope):
        return render(request, "reports/judge_home.html", judge_home(request.scope))
    if is_group_leader_only(request.scope):
        year = timezone.localdate().year
        return render(request, "reports/group_home.html", group_home(request.scope, year))
    if is_organiser_only(request.scope):
        return render(request, "reports/organiser_home.html", organiser_home(request.scope))
    year = report_year()
    figures = year_figures(request.scope, year)
    charts = {
        "teachers_by_level": _series(figures["teachers"]["by_level"], TeacherLevel),
        "teachers_by_status": _series(figures["teachers"]["by_status"], TeacherStatus),
        "courses_by_category": _series(figures["courses"]["by_category"], CourseCategory),
        "courses_by_status": _series(figures["courses"]["by_status"], CourseStatus),
        "organizations_by_kind": _series(figures["organizations"]["by_kind"], OrganizationKind),
        "lessons_by_month": [
            {"name": _("%(month)s月") % {"month": month}, "value": n}
            for month, n in lessons_by_month(request.scope, year, "").items()
        ],
    }
    context = {
        "figures": figures,
        "charts": charts,
        "year": year,
        "manages_pool": may_manage_pool(request.scope, figures["region"]["code"]),
        "the_year": office_year(request.scope, figures, year),
        "may_report": may_build(request.scope),
        **warnings_card(request.scope),
    }
    return render(request, "reports/dashboard.html", context)
