"""Office pages (login required): works list, edit, detail with status, moderation queue,
feedback. Every read goes through `visible_to(request.scope)`; changes need the user to
administer the row's region (rules.py)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_own_or_404, get_visible_or_404
from dangke.core.audit import form_changes
from dangke.core.forms import StatusChangeForm
from dangke.core.ids import db_id
from dangke.core.listing import Column, ListDefinition, ScopedFilterForm, render_list
from dangke.core.permissions import may
from dangke.core.redirects import next_or
from dangke.core.status import StatusTransitionError
from dangke.core.views import history_of
from dangke.faculty.models import Teacher
from dangke.media import services
from dangke.media.feedback import teacher_feedback, work_feedback
from dangke.media.forms import WorkForm
from dangke.media.models import (
    CommentStatus,
    MediaColumn,
    MediaComment,
    MediaKind,
    MediaSeries,
    MediaWork,
    WorkStatus,
)
from dangke.media.views.files import ranged_file_response


class WorkFilterForm(ScopedFilterForm):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    column = forms.ChoiceField(label=gettext_lazy("专栏"), required=False)
    series = forms.ChoiceField(label=gettext_lazy("系列"), required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, scope=scope, **kwargs)
        self.fields["kind"].choices = [("", _("全部类型")), *MediaKind.choices]
        self.fields["status"].choices = [("", _("全部状态")), *WorkStatus.choices]
        # The columns and series of the works this user sees (a county's works may sit in
        # the city's column).
        works = MediaWork.objects.visible_to(scope).values("pk")
        for name, model, label in (
            ("column", MediaColumn, _("全部专栏")),
            ("series", MediaSeries, _("全部系列")),
        ):
            entries = (
                model.objects.unscoped("columns and series of works in scope")
                .filter(works__in=works)
                .distinct()
                .order_by("position", "name")
            )
            self.fields[name].choices = [("", label), *((str(e.pk), e.name) for e in entries)]


class WorkList(ListDefinition):
    title = gettext_lazy("新媒体作品")
    export_name = gettext_lazy("新媒体作品")
    filter_form = WorkFilterForm
    search_fields = ("title", "column__name", "series__name", "teacher__name")
    default_sort = "-pk"
    detail_url_name = "media:detail"
    create_url_name = "media:create"
    columns = (
        Column(gettext_lazy("标题"), lambda w: w.title, sort="title", link=True),
        Column(gettext_lazy("类型"), lambda w: w.get_kind_display(), sort="kind"),
        Column(gettext_lazy("专栏"), lambda w: w.column.name if w.column else ""),
        Column(
            gettext_lazy("系列"),
            lambda w: (
                (f"{w.series.name} · " + _("第 %(n)d 集") % {"n": w.episode})
                if w.series and w.episode
                else (w.series.name if w.series else "")
            ),
        ),
        Column(gettext_lazy("授课教师"), lambda w: w.teacher.name if w.teacher else ""),
        Column(gettext_lazy("所属区划"), lambda w: w.region.name),
        Column(gettext_lazy("状态"), lambda w: w.get_status_display(), sort="status"),
        Column(gettext_lazy("播放"), lambda w: w.view_count, sort="view_count", numeric=True),
        Column(
            gettext_lazy("完播"),
            lambda w: w.completion_count,
            sort="completion_count",
            numeric=True,
        ),
        Column(
            gettext_lazy("发布时间"),
            lambda w: w.published_at.strftime("%Y-%m-%d") if w.published_at else "",
            sort="published_at",
        ),
    )

    def base_queryset(self, request):
        return MediaWork.objects.select_related("region", "column", "series", "teacher")

    def filter(self, queryset, data):
        queryset = super().filter(queryset, data)
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("column"):
            queryset = queryset.filter(column_id=data["column"])
        if data.get("series"):
            queryset = queryset.filter(series_id=data["series"])
        return queryset

    def can_create(self, request) -> bool:
        return may(request, "media.add_mediawork")


@login_required
def work_list(request):
    return render_list(request, WorkList())


def _work(request, pk):
    return get_visible_or_404(
        MediaWork.objects.select_related("region", "column", "series", "course", "teacher"),
        request.scope,
        pk=pk,
    )


def _edit(request, work: MediaWork | None):
    form = WorkForm(request.POST or None, request.FILES or None, instance=work, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        changes = form_changes(form)
        try:
            saved = services.save_work(
                form.save(commit=False),
                actor=request.user,
                upload=form.cleaned_data.get("upload"),
                changed="、".join(change["label"] for change in changes),
                changes=changes,
            )
        except ValidationError as error:
            form.add_error("upload", error)
        else:
            messages.success(request, _("已保存：%(name)s") % {"name": saved})
            return redirect(saved.get_absolute_url())
    title = _("编辑作品") if work else _("新建作品")
    context = {"form": form, "object": work, "title": title, "cancel_url": "media:list"}
    return render(request, "core/form.html", context)


@login_required
def work_create(request):
    if not may(request, "media.add_mediawork"):
        raise PermissionDenied(_("只有党员教育管理员可以新建作品"))
    return _edit(request, None)


@login_required
def work_edit(request, pk):
    work = _work(request, pk)
    if not may(request, "media.change_mediawork", work):
        raise PermissionDenied(_("您没有修改此项的权限"))
    return _edit(request, work)


@login_required
def work_detail(request, pk):
    work = _work(request, pk)
    can_change = may(request, "media.change_mediawork", work)
    counts = {
        row["status"]: row["n"]
        for row in work.comments.order_by().values("status").annotate(n=Count("pk"))
    }
    context = {
        "work": work,
        "can_change": can_change,
        "status_form": StatusChangeForm(obj=work) if can_change else None,
        "status_url": reverse("media:status", args=[work.pk]),
        "history": history_of(work),
        "comment_counts": [(label, counts.get(value, 0)) for value, label in CommentStatus.choices],
        "public_url": reverse("media:watch", args=[work.pk]) if work.is_published else "",
    }
    return render(request, "media/work_detail.html", context)


@login_required
@require_POST
def work_status(request, pk):
    work = _work(request, pk)
    if not may(request, "media.change_mediawork", work):
        raise PermissionDenied(_("您没有修改此项的权限"))
    form = StatusChangeForm(request.POST, obj=work)
    if form.is_valid():
        try:
            services.set_work_status(
                work,
                form.cleaned_data["status"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except StatusTransitionError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("状态已变更为「%(status)s」") % {"status": work.get_status_display()}
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(work.get_absolute_url())


@login_required
def work_file(request, pk):
    """The office's preview of a work's file, whatever its status (scoped)."""
    work = _work(request, pk)
    if not work.file:
        raise PermissionDenied(_("该作品没有文件"))
    return ranged_file_response(request, work.file, work.file_kind)


@login_required
def comment_queue(request):
    """Comments and 弹幕 to moderate: pending first, then the newest."""
    comments = (
        MediaComment.objects.visible_to(request.scope)
        .select_related("work")
        .annotate(
            pending_first=Case(
                When(status=CommentStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "-created_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status in CommentStatus.values:
        comments = comments.filter(status=status)
    else:
        status = ""
        comments = comments.exclude(status=CommentStatus.REMOVED)
    work_id = request.GET.get("work", "")
    if db_id(work_id):
        comments = comments.filter(work_id=db_id(work_id))
    page = Paginator(comments, 50).get_page(request.GET.get("page"))
    manageable = {
        comment.pk
        for comment in page.object_list
        if may(request, "media.moderate_comment", comment)
    }
    context = {
        "page": page,
        "manageable": manageable,
        "status": status,
        "work_id": work_id,
        "statuses": CommentStatus.choices,
        "actions": [
            (CommentStatus.PUBLIC, _("公开"), "btn-outline-success"),
            (CommentStatus.PRIVATE, _("仅老师可见"), "btn-outline-secondary"),
            (CommentStatus.REMOVED, _("删除"), "btn-outline-danger"),
        ],
    }
    return render(request, "media/comments.html", context)


@login_required
@require_POST
def comment_moderate(request, pk):
    comment = get_visible_or_404(MediaComment, request.scope, pk=pk)
    if not may(request, "media.moderate_comment", comment):
        raise PermissionDenied(_("只有党员教育管理员可以审核评论"))
    try:
        services.moderate(comment, request.POST.get("status", ""), actor=request.user)
    except StatusTransitionError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("已设为「%(status)s」") % {"status": comment.get_status_display()}
        )
    return redirect(next_or(request, "media:comments"))


@login_required
def work_feedback_page(request, pk):
    work = _work(request, pk)
    return render(
        request,
        "media/feedback.html",
        {"work": work, "title": work.title, "summary": work_feedback(work)},
    )


@login_required
def teacher_feedback_page(request, pk):
    teacher = get_own_or_404(Teacher, request.scope, pk=pk)  # a lent teacher's: home only
    summary = teacher_feedback(teacher, request.scope)
    works = {
        work.pk: work
        for work in MediaWork.objects.visible_to(request.scope).filter(
            pk__in=summary["by_work"].keys()
        )
    }
    per_work = [(works[pk], part) for pk, part in summary["by_work"].items() if pk in works]
    context = {"teacher": teacher, "title": teacher.name, "summary": summary, "per_work": per_work}
    return render(request, "media/feedback.html", context)
