"""Training pages: the class list, a class with its module menu and demand, choosing
modules (participants), attendance, completion and 先学后讲 sessions (organisers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.ids import db_id
from dangke.courses.models import Course, CourseStatus
from dangke.evaluation.rules import may_run_class_surveys
from dangke.faculty.models import Teacher
from dangke.regions.models import Organization, Region
from dangke.training import services
from dangke.training.forms import CascadeForm, ModuleForm, TrainingClassForm
from dangke.training.models import (
    CascadeSession,
    ClassStatus,
    Enrollment,
    TrainingClass,
    TrainingModule,
)


def _errors(request, error):
    messages.error(request, "；".join(getattr(error, "messages", [str(error)])))


def _home_region(request) -> Region | None:
    scope = request.scope
    for code in scope.managed_region_codes or scope.region_codes:
        if services.may_run_class(scope, code):
            return Region.objects.unscoped("a region the user runs").filter(code=code).first()
    return None


@login_required
def index(request):
    classes = (
        TrainingClass.objects.visible_to(request.scope)
        .select_related("region")
        .order_by("-starts_on", "-id")
    )
    own = Q(teacher_id__in=request.scope.teacher_ids)
    if request.user.pk:
        own |= Q(user_id=request.user.pk)
    mine = (
        Enrollment.objects.unscoped("the user's own enrolments")
        .filter(own)
        .select_related("training_class")
    )
    home = _home_region(request)
    form = TrainingClassForm(request.POST or None) if home else None
    if request.method == "POST":
        if home is None:
            raise PermissionDenied(_("只有区划管理员或培训主办方可以举办培训班"))
        if form.is_valid():
            created = services.create_class(
                scope=request.scope, actor=request.user, region=home, **form.cleaned_data
            )
            messages.success(request, _("培训班已创建：请添加培训模块（菜单）"))
            return redirect(created)
    context = {"classes": classes[:100], "mine": mine, "form": form, "home": home}
    return render(request, "training/index.html", context)


def _class(request, pk) -> TrainingClass:
    return get_visible_or_404(TrainingClass.objects.select_related("region"), request.scope, pk=pk)


@login_required
def detail(request, pk):
    training_class = _class(request, pk)
    scope = request.scope
    runs = services.may_run_class(scope, training_class.region_id)
    enrollments = list(
        training_class.enrollments.select_related("teacher").prefetch_related("choices__module")
    )
    own = [e for e in enrollments if services.is_participant(scope, e)]
    demand = services.demand(training_class)
    context = {
        "training_class": training_class,
        "runs": runs,
        "demand": demand,
        "chart_data": {
            "demand": [{"name": row["module"].topic, "value": row["chosen"]} for row in demand]
        },
        "enrollments": enrollments if runs else own,
        "own": own,
        "own_module_ids": {c.module_id for e in own for c in e.choices.all()},
        "modules": training_class.modules.filter(is_offered=True),
        "topics": training_class.topics.annotate(n_posts=Count("posts")),
        "essays": training_class.essays.select_related("enrollment")
        if runs
        else training_class.essays.filter(enrollment__in=own),
        "published": training_class.essays.filter(status="published").select_related("enrollment"),
        "class_survey": training_class.surveys.filter(kind="on_site").first(),
        "runs_survey": may_run_class_surveys(scope, training_class),
        "cascades": CascadeSession.objects.visible_to(scope)
        .filter(enrollment__training_class=training_class)
        .select_related("lesson__organization", "lesson__course", "enrollment"),
    }
    if runs:
        teachers = Teacher.objects.visible_to(scope).order_by("code")
        # A lent teacher may teach a module (their card is all the form shows), but only
        # the office's own teachers are enrolled as trainees: a roster is their record.
        own = Teacher.objects.visible_to(scope, shared=False).order_by("code")
        context |= {
            "module_form": ModuleForm(teachers=teachers),
            "teachers": own.exclude(
                pk__in=[e.teacher_id for e in enrollments if e.teacher_id]
            ).filter(status__in=("active", "warning", "rectifying", "candidate"))[:300],
            "cascade_form": _cascade_form(request, training_class),
        }
    return render(request, "training/detail.html", context)


def _cascade_form(request, training_class, data=None):
    courses = (
        Course.objects.unscoped("listed courses of the class's city")
        .filter(status=CourseStatus.LISTED)
        .filter(region__code__startswith=training_class.region_id[:4])
    )
    # 先学后讲 goes back to villages and communities
    organizations = Organization.objects.visible_to(request.scope).filter(
        is_active=True, kind__in=("village", "community")
    )
    return CascadeForm(
        data, courses=courses.order_by("code"), organizations=organizations.order_by("code")
    )


@login_required
@require_POST
def module_add(request, pk):
    training_class = _class(request, pk)
    form = ModuleForm(request.POST, teachers=Teacher.objects.visible_to(request.scope))
    if form.is_valid():
        try:
            services.add_module(
                training_class, scope=request.scope, actor=request.user, **form.cleaned_data
            )
        except services.TrainingError as error:
            _errors(request, error)
    else:
        messages.error(request, _("请填写模块专题和容量"))
    return redirect(training_class)


@login_required
@require_POST
def module_adjust(request, pk):
    module = get_visible_or_404(
        TrainingModule.objects.select_related("training_class"), request.scope, pk=pk
    )
    capacity = request.POST.get("capacity", "")
    # A number the small-integer column can hold; anything else leaves the capacity as it is.
    fits = capacity.isascii() and capacity.isdigit() and int(capacity) <= 32767
    try:
        services.adjust_module(
            module, scope=request.scope, actor=request.user,
            capacity=int(capacity) if fits else None,
            is_offered=request.POST.get("is_offered") == "1", note=request.POST.get("note", ""),
        )  # fmt: skip
    except services.TrainingError as error:
        _errors(request, error)
    return redirect(module.training_class)


@login_required
@require_POST
def advance(request, pk):
    """Publish the menu, start the class, or close it (结业)."""
    training_class = _class(request, pk)
    step = {
        ClassStatus.DRAFT: services.open_menu,
        ClassStatus.CHOOSING: services.start_class,
        ClassStatus.RUNNING: services.complete_class,
    }.get(training_class.status)
    if step is None:
        messages.error(request, _("该培训班已结束"))
        return redirect(training_class)
    try:
        outcome = step(training_class, scope=request.scope, actor=request.user)
    except services.TrainingError as error:
        _errors(request, error)
    else:
        training_class.refresh_from_db()
        detail = (
            ""
            if not isinstance(outcome, dict)
            else "：" + "，".join(f"{key} {value}" for key, value in outcome.items())
        )
        messages.success(request, training_class.get_status_display() + detail)
    return redirect(training_class)


@login_required
@require_POST
def enroll(request, pk):
    training_class = _class(request, pk)
    ids = [key for key in map(db_id, request.POST.getlist("teachers")) if key is not None]
    teachers = Teacher.objects.visible_to(request.scope, shared=False).filter(pk__in=ids)
    try:
        for teacher in teachers:
            services.enroll(
                training_class, scope=request.scope, actor=request.user, teacher=teacher
            )
        name = request.POST.get("name", "").strip()
        if name:
            services.enroll(
                training_class, scope=request.scope, actor=request.user, name=name,
                organization_name=request.POST.get("organization_name", ""),
            )  # fmt: skip
    except services.TrainingError as error:
        _errors(request, error)
    return redirect(training_class)


@login_required
@require_POST
def choose(request, pk):
    enrollment = get_visible_or_404(
        Enrollment.objects.select_related("training_class"), request.scope, pk=pk
    )
    try:
        services.choose_modules(enrollment, request.POST.getlist("modules"), scope=request.scope)
    except services.TrainingError as error:
        _errors(request, error)
    else:
        messages.success(request, _("选课已保存"))
    return redirect(enrollment.training_class)


@login_required
def attendance(request, pk):
    module = get_visible_or_404(
        TrainingModule.objects.select_related("training_class"), request.scope, pk=pk
    )
    if not services.may_run_class(request.scope, module.training_class.region_id):
        raise PermissionDenied(_("只有主办方可以登记签到"))
    if request.method == "POST":
        try:
            n = services.record_attendance(
                module, request.POST.getlist("present"), scope=request.scope, actor=request.user
            )
        except services.TrainingError as error:
            _errors(request, error)
        else:
            messages.success(request, _("已登记签到 %(n)s 人") % {"n": n})
            return redirect(module.training_class)
    choices = module.choices.select_related("enrollment").order_by("chosen_at", "id")
    return render(request, "training/attendance.html", {"module": module, "choices": choices})


@login_required
@require_POST
def cascade(request, pk):
    """Record a 先学后讲 session of one of the class's participants."""
    training_class = _class(request, pk)
    enrollment_id = request.POST.get("enrollment", "")
    enrollment = get_visible_or_404(
        Enrollment.objects.filter(training_class=training_class).select_related("teacher"),
        request.scope,
        pk=db_id(enrollment_id) or 0,
    )
    form = _cascade_form(request, training_class, request.POST)
    if form.is_valid():
        try:
            services.record_cascade_session(
                enrollment, scope=request.scope, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:  # TrainingError, or delivery's DeliveryError
            _errors(request, error)
        else:
            messages.success(request, _("先学后讲已登记为授课活动，计入覆盖"))
    else:
        messages.error(request, _("请填写课程、组织和时间"))
    return redirect(training_class)


# --- forums and essays ------------------------------------------------------------------------


@login_required
@require_POST
def topic_add(request, pk):
    training_class = _class(request, pk)
    books = []
    for line in request.POST.get("study_list", "").splitlines():
        title, _sep, author = line.partition("｜" if "｜" in line else "|")
        if title.strip():
            books.append({"title": title.strip(), "author": author.strip()})
    try:
        services.add_topic(
            training_class, scope=request.scope, actor=request.user,
            title=request.POST.get("title", ""), guide=request.POST.get("guide", ""),
            study_list=books,
        )  # fmt: skip
    except services.TrainingError as error:
        _errors(request, error)
    return redirect(training_class)


@login_required
def topic(request, pk):
    from dangke.training.models import ForumTopic

    item = get_visible_or_404(
        ForumTopic.objects.select_related("training_class"), request.scope, pk=pk
    )
    runs = services.may_run_class(request.scope, item.training_class.region_id)
    if request.method == "POST":
        parent = None
        if db_id(request.POST.get("parent")):
            parent = item.posts.filter(pk=db_id(request.POST["parent"])).first()
        try:
            services.post(item, scope=request.scope, user=request.user,
                          body=request.POST.get("body", ""), parent=parent)  # fmt: skip
        except services.TrainingError as error:
            _errors(request, error)
        return redirect(item)
    posts = list(item.posts.filter(parent__isnull=True).prefetch_related("replies"))
    context = {
        "topic": item,
        "posts": posts,
        "runs": runs,
        "may_post": services.may_take_part(request.scope, item.training_class),
    }
    return render(request, "training/topic.html", context)


@login_required
@require_POST
def post_hide(request, pk):
    from dangke.training.models import Post

    item = get_visible_or_404(
        Post.objects.select_related("topic__training_class"), request.scope, pk=pk
    )
    try:
        services.hide_post(item, scope=request.scope, actor=request.user,
                           reason=request.POST.get("reason", ""))  # fmt: skip
    except services.TrainingError as error:
        _errors(request, error)
    return redirect(item.topic)


@login_required
@require_POST
def essay_submit(request, pk):
    from dangke.training.models import Essay

    enrollment = get_visible_or_404(
        Enrollment.objects.select_related("training_class"), request.scope, pk=pk
    )
    essay = None
    if db_id(request.POST.get("essay")):
        essay = (
            Essay.objects.unscoped("an essay of the enrolment held")
            .filter(pk=db_id(request.POST["essay"]), enrollment=enrollment)
            .first()
        )
    try:
        services.submit_essay(enrollment, scope=request.scope, essay=essay,
                              title=request.POST.get("title", ""),
                              body=request.POST.get("body", ""))  # fmt: skip
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("心得体会已提交"))
    return redirect(enrollment.training_class)


@login_required
@require_POST
def essay_review(request, pk):
    from dangke.training.models import Essay

    essay = get_visible_or_404(Essay.objects.select_related("training_class"), request.scope, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            services.publish_essay(essay, scope=request.scope, actor=request.user)
        else:
            services.review_essay(
                essay, scope=request.scope, actor=request.user, accept=action == "accept",
                note=request.POST.get("note", ""),
            )  # fmt: skip
    except ValidationError as error:
        _errors(request, error)
    return redirect(essay.training_class)
