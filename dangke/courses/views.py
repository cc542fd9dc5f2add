from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404, seen_only_as_shared
from dangke.core.forms import StatusChangeForm
from dangke.core.listing import Column, ListDefinition, ScopedFilterForm, render_list
from dangke.core.permissions import may
from dangke.core.status import StatusTransitionError
from dangke.core.views import edit_object, history_of
from dangke.courses import services
from dangke.courses.categories import CourseCategory
from dangke.courses.forms import CourseForm, CoursewareForm, OutlineFormSet
from dangke.courses.models import Course, CourseStatus, ExcellentDesignation
from dangke.courses.services import add_courseware


class CourseFilterForm(ScopedFilterForm):
    category = forms.ChoiceField(label=gettext_lazy("类别"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    excellent = forms.ChoiceField(label=gettext_lazy("精品"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部类别")), *CourseCategory.choices]
        self.fields["status"].choices = [("", _("全部状态")), *CourseStatus.choices]
        years = (
            ExcellentDesignation.objects.unscoped("years only, for a filter")
            .order_by("-year")
            .values_list("year", flat=True)
        )
        self.fields["excellent"].choices = [("", _("不限")), ("any", _("精品课程"))] + [
            (str(year), _("%(year)s 年度精品") % {"year": year}) for year in dict.fromkeys(years)
        ]


class CourseList(ListDefinition):
    title = gettext_lazy("课程库")
    export_name = gettext_lazy("课程")
    filter_form = CourseFilterForm
    search_fields = ("title", "code", "summary")
    default_sort = "code"
    detail_url_name = "courses:detail"
    create_url_name = "courses:create"
    columns = (
        Column(gettext_lazy("课程编号"), lambda c: c.code, sort="code"),
        Column(gettext_lazy("课程名称"), lambda c: c.title, sort="title", link=True),
        Column(gettext_lazy("类别"), lambda c: c.get_category_display(), sort="category"),
        Column(gettext_lazy("状态"), lambda c: c.get_status_display(), sort="status"),
        Column(gettext_lazy("所属区划"), lambda c: c.region.name, sort="region"),
        Column(gettext_lazy("课程群组"), lambda c: c.series.name if c.series else ""),
        Column(
            gettext_lazy("课时(分钟)"),
            lambda c: c.duration_minutes,
            sort="duration_minutes",
            numeric=True,
        ),
        Column(
            gettext_lazy("授课师资数"),
            lambda c: c.teacher_count,
            sort="teacher_count",
            numeric=True,
        ),
        Column(gettext_lazy("精品年度"), lambda c: sorted(e.year for e in c.excellent_years.all())),
    )

    def base_queryset(self, request):
        return (
            Course.objects.select_related("region", "series")
            .prefetch_related("excellent_years")
            .annotate(teacher_count=Count("teachers", distinct=True))
        )

    def filter(self, queryset, data):
        queryset = super().filter(queryset, data)
        for field in ("category", "status"):
            if data.get(field):
                queryset = queryset.filter(**{field: data[field]})
        excellent = data.get("excellent")
        if excellent:
            designations = ExcellentDesignation.objects.all()
            if excellent != "any":
                designations = designations.filter(year=int(excellent))
            queryset = queryset.filter(pk__in=designations.values("course_id"))
        return queryset

    def can_create(self, request):
        return may(request, "courses.add_course")


@login_required
def course_list(request):
    return render_list(
        request,
        CourseList(),
        template="courses/course_list.html",
        can_import_package=may(request, "courses.import_package"),
    )


def _course(request, pk):
    return get_visible_or_404(
        Course.objects.select_related("region", "series", "teaching_group", "origin"),
        request.scope,
        pk=pk,
    )


@login_required
def course_detail(request, pk):
    course = _course(request, pk)
    can_change = may(request, "courses.change_course", course)
    outline = list(course.outline.all())
    # Shared in through an alliance: the ally sees the course and its published score, not
    # its history (which names the other city's users) nor its responses.
    shared_in = seen_only_as_shared(course, request.scope)
    context = {
        "course": course,
        "shared_in": shared_in,
        "outline": outline,
        "planned_total": sum(item.planned_minutes for item in outline),
        "teachers": course.teachers.select_related("region").order_by("name"),
        "visible_teacher_ids": set(
            course.teachers.visible_to(request.scope).values_list("pk", flat=True)
        ),
        "courseware": course.courseware.select_related("uploaded_by"),
        # Media attached to the course (360° scenes among them), as the user may see them.
        # (the reverse relation: courses sit below media in the import order)
        "media_works": course.media_works.visible_to(request.scope).order_by("-published_at", "pk")[
            :20
        ],
        "excellent": course.excellent_years.order_by("-year"),
        "can_change": can_change,
        "can_export_package": may(request, "courses.export_package", course),
        # Set when the course came from a course package (RelatedObjectDoesNotExist is an
        # AttributeError, so a native course gives None).
        "origin": getattr(course, "origin", None),
        "status_form": StatusChangeForm(obj=course, offered=services.library_targets(course))
        if can_change
        else None,
        "status_note": _("整改由「教学评估 › 整改」下达并经复评验收。") if can_change else "",
        "courseware_form": CoursewareForm() if can_change else None,
        "history": [] if shared_in else history_of(course),
    }
    return render(request, "courses/course_detail.html", context)


@login_required
def course_create(request):
    return edit_object(
        request, Course, CourseForm, perm="courses.add_course", title=_("新建课程"),
        cancel_url="courses:list",
    )  # fmt: skip


@login_required
def course_edit(request, pk):
    return edit_object(
        request, Course, CourseForm, pk=pk, perm="courses.change_course", title=_("编辑课程"),
        cancel_url="courses:list",
    )  # fmt: skip


@login_required
@require_POST
def course_status(request, pk):
    course = _course(request, pk)
    form = StatusChangeForm(request.POST, obj=course, offered=services.library_targets(course))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(course)
    try:
        services.change_library_status(
            course, form.cleaned_data["status"], scope=request.scope, actor=request.user,
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    except StatusTransitionError as error:
        messages.error(request, error.message)
    else:
        course.refresh_from_db()
        messages.success(
            request,
            _("状态已变更为「%(status)s」") % {"status": course.get_status_display()},
        )
    return redirect(course)


def _changeable(request, pk):
    course = _course(request, pk)
    if not may(request, "courses.change_course", course):
        raise PermissionDenied(_("您没有修改此课程的权限"))
    return course


@login_required
def course_outline(request, pk):
    course = _changeable(request, pk)
    formset = OutlineFormSet(request.POST or None, instance=course)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            formset.save()
        messages.success(request, _("知识点大纲已保存"))
        return redirect(course.get_absolute_url())
    return render(request, "courses/outline_form.html", {"course": course, "formset": formset})


@login_required
@require_POST
def course_courseware(request, pk):
    course = _changeable(request, pk)
    form = CoursewareForm(request.POST, request.FILES)
    if form.is_valid():
        courseware = add_courseware(
            course,
            form.cleaned_data["file"],
            kind=form.kind,
            note=form.cleaned_data["note"],
            actor=request.user,
        )
        messages.success(request, _("已上传课件第 %(v)s 版") % {"v": courseware.version})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(course.get_absolute_url())


@login_required
def courseware_file(request, pk, version):
    """A courseware file, for whoever sees the course: files are never served unscoped."""
    course = _course(request, pk)
    courseware = get_object_or_404(course.courseware, version=version)
    try:
        handle = courseware.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("文件已不在存储中，请重新上传")) from error
    return FileResponse(handle, as_attachment=True, filename=courseware.original_name)
