from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import (
    get_own_or_404,
    get_visible_or_404,
    seen_only_as_shared,
    shared_in_annotation,
)
from dangke.core.listing import Column, ListDefinition, ScopedFilterForm, render_list
from dangke.core.permissions import may
from dangke.core.views import edit_object, history_of
from dangke.courses.categories import CourseCategory
from dangke.faculty import lifecycle
from dangke.faculty.forms import TeacherForm, TeacherStatusForm
from dangke.faculty.models import Teacher, TeacherLevel, TeacherStatus


class TeacherFilterForm(ScopedFilterForm):
    level = forms.ChoiceField(label=_("级别"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    specialty = forms.ChoiceField(label=_("专长"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("全部级别")), *TeacherLevel.choices]
        self.fields["status"].choices = [("", _("全部状态")), *TeacherStatus.choices]
        self.fields["specialty"].choices = [("", _("全部专长")), *CourseCategory.choices]


class TeacherList(ListDefinition):
    title = _("师资库")
    export_name = _("师资")
    filter_form = TeacherFilterForm
    search_fields = ("name", "code", "employer")
    default_sort = "code"
    detail_url_name = "faculty:detail"
    create_url_name = "faculty:create"
    columns = (
        Column(_("师资编号"), lambda t: t.code, sort="code"),
        Column(_("姓名"), lambda t: t.name, sort="name", link=True),
        Column(_("性别"), lambda t: "" if t.shared_in else t.gender),
        Column(_("级别"), lambda t: t.get_level_display(), sort="level"),
        Column(_("状态"), lambda t: t.get_status_display(), sort="status"),
        Column(_("所属区划"), lambda t: t.region.name, sort="region"),
        Column(_("工作单位"), lambda t: t.employer, sort="employer"),
        Column(_("职务/职称"), lambda t: t.position),
        Column(_("专长"), lambda t: [s.get_category_display() for s in t.specialties.all()]),
        Column(_("可授课程"), lambda t: t.course_count, sort="course_count", numeric=True),
    )

    def base_queryset(self, request):
        return Teacher.objects.select_related("region").prefetch_related("specialties")

    def annotate(self, queryset, request):
        from django.db.models import Count, IntegerField, OuterRef, Subquery
        from django.db.models.functions import Coalesce

        # Counted per shown row (a subquery), not by grouping every teacher of the province
        # with their courses before the first 25 are taken.
        courses = (
            Teacher.courses.through.objects.filter(teacher_id=OuterRef("pk"))
            .values("teacher_id")
            .annotate(n=Count("course_id"))
            .values("n")
        )
        # A teacher lent in through an alliance shows no personal field, here or in the export.
        return queryset.annotate(
            course_count=Coalesce(Subquery(courses, output_field=IntegerField()), 0),
            shared_in=shared_in_annotation(Teacher, request.scope),
        )

    def filter(self, queryset, data):
        queryset = super().filter(queryset, data)
        for field in ("level", "status"):
            if data.get(field):
                queryset = queryset.filter(**{field: data[field]})
        if data.get("specialty"):
            queryset = queryset.filter(
                pk__in=Teacher.objects.filter(specialties__category=data["specialty"]).values("pk")
            )
        return queryset

    def can_create(self, request):
        return may(request, "faculty.add_teacher")


@login_required
def teacher_list(request):
    return render_list(request, TeacherList(), template="faculty/teacher_list.html")


@login_required
def teacher_detail(request, pk):
    teacher = get_visible_or_404(
        Teacher.objects.select_related("region", "user").prefetch_related(
            "specialties", "groups", "lecture_teams"
        ),
        request.scope,
        pk=pk,
    )
    courses = teacher.courses.visible_to(request.scope).order_by("code")
    if seen_only_as_shared(teacher, request.scope):
        # Lent through an alliance: the host office sees the professional card only.
        return render(
            request, "faculty/teacher_card.html", {"teacher": teacher, "courses": courses}
        )
    can_change = may(request, "faculty.change_teacher", teacher)
    context = {
        "teacher": teacher,
        "courses": courses,
        "can_change": can_change,
        "status_form": TeacherStatusForm(obj=teacher) if can_change else None,
        "history": history_of(teacher),
        "proposals": teacher.proposals.filter(status="proposed")
        if request.scope.manages_region(teacher.region_id)
        else [],
    }
    return render(request, "faculty/teacher_detail.html", context)


@login_required
def teacher_career(request, pk):
    """The career at a glance, loaded into the teacher's page after it shows (htmx)."""
    teacher = get_own_or_404(Teacher, request.scope, pk=pk)
    return render(request, "faculty/_career.html", career_context(request, teacher))


def career_context(request, teacher) -> dict:
    """The career at a glance: lessons, hours and score (n, interval) per year, categories
    taught, training, this year's progress toward quota and the open proposals."""
    from django.utils import timezone

    from dangke.faculty import lifecycle
    from dangke.faculty.rules import is_own_teacher, may_manage_pool
    from dangke.training.services import trainings_of_teacher

    year = timezone.localdate().year
    years = list(range(year - 3, year + 1))
    career = lifecycle.career(teacher, years)
    chart = {
        "years": [str(row["year"]) for row in career["years"]],
        "lessons": [row["lessons"] for row in career["years"]],
        "score": [row["score"] for row in career["years"]],
        "low": [row["ci95"][0] if row["ci95"] else None for row in career["years"]],
        "high": [row["ci95"][1] if row["ci95"] else None for row in career["years"]],
    }
    manages = may_manage_pool(request.scope, teacher.region_id)
    from dangke.faculty.development_views import plan_context

    return {
        **plan_context(request.scope, teacher),
        "teacher": teacher,
        "career": career,
        "career_chart": chart,
        "category_labels": [
            (CourseCategory(code).label, n) for code, n in career["categories"] if code
        ],
        "progress": lifecycle.progress(teacher, year, figures=career["current"])
        if manages or is_own_teacher(request.scope, teacher)
        else None,
        "trainings": trainings_of_teacher(teacher),
        "awards": teacher.rewards.filter(fund__status="approved", amount__gt=0)
        .select_related("fund")
        .order_by("-fund__year"),
    }


@login_required
def teacher_create(request):
    return edit_object(
        request, Teacher, TeacherForm, perm="faculty.add_teacher", title=_("新建师资"),
        cancel_url="faculty:list",
    )  # fmt: skip


@login_required
def teacher_edit(request, pk):
    return edit_object(
        request, Teacher, TeacherForm, pk=pk, perm="faculty.change_teacher",
        title=_("编辑师资"), cancel_url="faculty:list",
    )  # fmt: skip


@login_required
@require_POST
def teacher_status(request, pk):
    """The office's own decision, through the lifecycle's one door for every edge."""
    teacher = get_own_or_404(Teacher, request.scope, pk=pk)
    form = TeacherStatusForm(request.POST, obj=teacher)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(teacher)
    data = form.cleaned_data
    try:
        lifecycle.decide_status(
            teacher, data["status"], scope=request.scope, actor=request.user,
            reason=data["reason"], plan=data["plan"], deadline=data["deadline"],
        )  # fmt: skip
    except lifecycle.LifecycleError as error:
        messages.error(request, error.message)
    else:
        teacher.refresh_from_db()
        messages.success(
            request,
            gettext("状态已变更为「%(status)s」") % {"status": teacher.get_status_display()},
        )
    return redirect(teacher)


@login_required
def teacher_photo(request, pk):
    """The teacher's photo, for whoever sees the teacher (media files are not served openly)."""
    teacher = get_own_or_404(Teacher, request.scope, pk=pk)
    if not teacher.photo:
        raise Http404(_("没有照片"))
    try:
        return FileResponse(teacher.photo.open("rb"))
    except FileNotFoundError as error:
        raise Http404(_("没有照片")) from error
