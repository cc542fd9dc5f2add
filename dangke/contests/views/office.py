"""The office's contest pages: the list, one contest with its stages, entries and judges,
the judge assignment with manual edits, and entry materials."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.contests import rules, services
from dangke.contests.forms import ContestSettingsForm
from dangke.contests.models import (
    STAGE_ORDER,
    Contest,
    ContestEntry,
    Judge,
    JudgeAssignment,
    JudgeKind,
    Round,
    Stage,
)
from dangke.core.ids import bounded_year, db_id
from dangke.courses.models import Course, CourseStatus
from dangke.faculty.models import Teacher
from dangke.insights import services as coaching
from dangke.regions.models import Region, RegionLevel


def error_messages(error: ValidationError) -> list[str]:
    return list(error.messages)


def contest_for(request, pk) -> Contest:
    """The contest if the user may see it, else 404 (never 403: see accounts.scoping)."""
    contest = rules.visible_contests(request.scope).select_related("region", "system").filter(pk=pk)
    contest = contest.first()
    if contest is None:
        raise Http404("未找到，或不在您的管辖范围内")
    return contest


def require_manager(request, contest: Contest) -> None:
    if not rules.may_manage(request.scope, contest):
        raise PermissionDenied(_("只有比赛所在区划的管理员可以操作"))


@login_required
def index(request):
    scope = request.scope
    contests = (
        rules.visible_contests(scope)
        .select_related("region")
        .annotate(
            n_entries=Count("entries", distinct=True),
            n_judges=Count("judges", distinct=True),
        )
        .order_by("-year", "-id")
    )
    judgeships = (
        Judge.objects.unscoped("the user's own judgeships")
        .filter(user=request.user)
        .select_related("contest")
        .filter(contest__status__in=[Stage.FIRST_ROUND, Stage.FINAL])
        if request.user.is_authenticated
        else []
    )
    regions = (
        Region.objects.unscoped("the regions the user manages")
        .filter(code__in=scope.managed_region_codes)
        .order_by("code")
    )
    if request.method == "POST":
        region = regions.filter(code=request.POST.get("region", "")).first()
        if region is None or not rules.may_create_contest(scope, region.code):
            raise PermissionDenied(_("只有区划管理员可以创建擂台赛"))
        year = bounded_year(request.POST.get("year"), timezone.localdate().year)
        try:
            contest = services.create_contest(
                region, year, actor=request.user, name=request.POST.get("name", "").strip()
            )
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
            return redirect("contests:index")
        messages.success(request, _("已创建，现在可以报名"))
        return redirect(contest)
    return render(
        request,
        "contests/index.html",
        {
            "contests": contests,
            "judgeships": judgeships,
            "regions": regions,
            "year": timezone.localdate().year,
        },
    )


def _stages(contest: Contest) -> list[dict]:
    dates = {
        Stage.REGISTRATION: contest.registration_ends,
        Stage.PREPARATION: contest.preparation_ends,
        Stage.FIRST_ROUND: contest.first_round_ends,
        Stage.FINAL: contest.final_on,
        Stage.NOTICE: contest.notice_ends,
        Stage.RESULT: contest.promoted_at,
    }
    current = contest.stage_index
    return [
        {"value": value, "label": Stage(value).label, "date": dates[value],
         "done": index < current, "current": index == current}
        for index, value in enumerate(STAGE_ORDER)
    ]  # fmt: skip


@login_required
def detail(request, pk):
    contest = contest_for(request, pk)
    scope = request.scope
    manager = rules.may_manage(scope, contest)
    show_names = rules.may_see_scores(scope, contest)
    entries = (
        (contest.entries.visible_to(scope) if not show_names else contest.entries.all())
        .select_related("course", "teaching_group")
        .prefetch_related("teachers")
    )
    entries = entries.annotate(
        n_first=Count("reviews", filter=Q(reviews__round=Round.FIRST)),
        n_sheets=Count("reviews__sheet", filter=Q(reviews__round=Round.FIRST)),
    )
    judges = []
    if show_names:
        judges = (
            contest.judges.select_related("home_region", "teacher")
            .prefetch_related("groups")
            .annotate(
                load=Count("assignments", filter=Q(assignments__round=Round.FIRST)),
                done=Count("assignments__sheet", filter=Q(assignments__round=Round.FIRST)),
            )
        )
    entered = contest.entries.values("course_id")
    courses = (
        Course.objects.visible_to(scope)
        .filter(region__code__startswith=contest.region_id, status=CourseStatus.LISTED)
        .exclude(pk__in=entered)
        .order_by("code")
    )
    if not manager:
        courses = courses.filter(teaching_group_id__in=scope.group_ids)
    teachers = (
        Teacher.objects.unscoped("peer judges: teachers of a contest fetched in scope")
        .filter(region__code__startswith=contest.region_id)
        .exclude(pk__in=contest.judges.filter(teacher__isnull=False).values("teacher_id"))
        .filter(pk__in=contest.entries.values("teachers"))
        .order_by("name")
        if manager
        else Teacher.objects.none()
    )
    assigned = (
        JudgeAssignment.objects.unscoped("assignments of a contest fetched in scope")
        .filter(entry__contest=contest, round=Round.FIRST)
        .exists()
    )
    return render(
        request,
        "contests/detail.html",
        {
            "contest": contest,
            "stages": _stages(contest),
            "manager": manager,
            "show_names": show_names,
            "entries": entries,
            "judges": judges,
            "courses": courses if contest.status == Stage.REGISTRATION else [],
            "peer_candidates": teachers,
            "counties": Region.objects.unscoped("counties of a contest fetched in scope")
            .filter(code__startswith=contest.region_id, level=RegionLevel.COUNTY)
            .order_by("code"),
            "assigned": assigned,
            "problems": services.assignment_problems(contest) if manager and assigned else [],
            "next_stage": services.NEXT_STAGE.get(contest.status),
            "judge_kinds": JudgeKind.choices,
            "objection_open": services.objection_open(contest),
        },
    )


def _post_action(request, contest, action, success: str):
    try:
        action()
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect(contest)


@login_required
@require_POST
def advance(request, pk):
    contest = contest_for(request, pk)
    require_manager(request, contest)
    target = services.NEXT_STAGE.get(contest.status)
    label = Stage(target).label if target else ""
    return _post_action(
        request, contest,
        lambda: services.advance_stage(contest, actor=request.user,
                                       reason=request.POST.get("reason", "").strip()),
        _("已进入「%(stage)s」阶段") % {"stage": label},
    )  # fmt: skip


@login_required
def settings(request, pk):
    contest = contest_for(request, pk)
    require_manager(request, contest)
    form = ContestSettingsForm(
        request.POST or None,
        instance=Contest.objects.unscoped("the contest fetched in scope").get(pk=contest.pk),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(
                contest, {f: form.cleaned_data[f] for f in form.fields}, actor=request.user
            )
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("比赛设置已保存"))
            return redirect(contest)
    return render(request, "contests/settings.html", {"contest": contest, "form": form})


@login_required
@require_POST
def add_entry(request, pk):
    contest = contest_for(request, pk)
    course = get_visible_or_404(Course, request.scope, pk=db_id(request.POST.get("course")))
    if not rules.may_enter(request.scope, contest, course):
        raise PermissionDenied(_("只有管理员或该课程所在教研组组长可以报名"))
    return _post_action(
        request, contest,
        lambda: services.register_entry(contest, course, actor=request.user),
        _("已报名：%(course)s") % {"course": course.title},
    )  # fmt: skip


@login_required
@require_POST
def add_judge(request, pk):
    contest = contest_for(request, pk)
    require_manager(request, contest)
    post = request.POST
    in_final = post.get("in_final") == "on"
    if post.get("teacher"):
        teacher = get_visible_or_404(Teacher, request.scope, pk=db_id(post["teacher"]))

        def action():
            services.add_judge(contest, actor=request.user, kind=JudgeKind.PEER,
                               teacher=teacher, in_final=in_final)  # fmt: skip
    else:
        home = (
            Region.objects.unscoped("division codes: public reference data")
            .filter(code=post.get("home_region") or "")
            .first()
        )

        def action():
            services.add_judge(
                contest, actor=request.user, kind=JudgeKind.EXPERT,
                name=post.get("name", "").strip(), affiliation=post.get("affiliation", "").strip(),
                home_region=home, in_final=in_final,
            )  # fmt: skip

    return _post_action(request, contest, action, _("已增加评委"))


@login_required
@require_POST
def void_sheets(request, pk, judge_pk):
    contest = contest_for(request, pk)
    require_manager(request, contest)
    judge = get_object_or_404(contest.judges, pk=judge_pk)
    round_ = request.POST.get("round", "")
    if round_ not in Round.values:
        raise Http404
    try:
        count = services.void_judge_sheets(
            contest, judge, round_, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("已作废 %(name)s 本轮的 %(n)s 份评分表") % {"name": judge.name, "n": count},
        )
    return redirect(f"{reverse('contests:ranking', args=[contest.pk])}?round={round_}")


@login_required
@require_POST
def declare_conflict(request, pk):
    contest = contest_for(request, pk)
    require_manager(request, contest)
    judge = contest.judges.filter(pk=db_id(request.POST.get("judge"))).first()
    entry = contest.entries.filter(code=request.POST.get("code", "").strip().upper()).first()
    if judge is None or entry is None:
        messages.error(request, _("请选择评委并填写作品匿名编号"))
        return redirect(contest)
    try:
        moved_to = services.declare_conflict(
            judge, entry, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("已登记回避：%(judge)s × %(code)s") % {"judge": judge.name, "code": entry.code},
        )
        if moved_to is not None:
            messages.info(request, _("该作品已改派给 %(name)s") % {"name": moved_to.name})
    return redirect(contest)


@login_required
def assignment(request, pk):
    contest = contest_for(request, pk)
    require_manager(request, contest)
    if request.method == "POST":
        if "auto" in request.POST:
            try:
                result = services.assign_first_round(contest, actor=request.user)
            except ValidationError as error:
                for message in error_messages(error):
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _("已分配：每件作品 %(k)s 位评委，每位评委 %(lo)s–%(hi)s 件，用时 %(s).2f 秒")
                    % {"k": contest.judges_per_entry, "lo": result.lo, "hi": result.hi,
                       "s": result.seconds},
                )  # fmt: skip
        else:
            row = JudgeAssignment.objects.filter(
                entry__contest=contest, pk=db_id(request.POST.get("assignment"))
            ).first()
            judge = contest.judges.filter(pk=db_id(request.POST.get("judge"))).first()
            if row is None or judge is None:
                messages.error(request, _("请选择要调整的评审和新评委"))
            else:
                try:
                    swapped = services.replace_judge(row, judge, actor=request.user)
                except ValidationError as error:
                    for message in error_messages(error):
                        messages.error(request, message)
                else:
                    messages.success(request, _("已调整，并通过全部规则复核"))
                    if swapped is not None:
                        messages.info(
                            request,
                            _("为保持工作量均衡，作品 %(code)s 已由 %(new)s 转给 %(old)s")
                            % {"code": swapped.entry.code, "new": judge.name,
                               "old": swapped.judge.name},
                        )  # fmt: skip
        return redirect("contests:assignment", contest.pk)
    entries = contest.entries.select_related("course", "teaching_group").prefetch_related(
        "teachers"
    )
    rows = (
        JudgeAssignment.objects.unscoped("assignments of a contest fetched in scope")
        .filter(entry__contest=contest, round=Round.FIRST)
        .select_related("judge")
        .annotate(scored=Count("sheet"))
        .order_by("judge__kind", "judge_id")
    )
    by_entry: dict[int, list] = {}
    for row in rows:
        by_entry.setdefault(row.entry_id, []).append(row)
    judges = contest.judges.annotate(
        load=Count("assignments", filter=Q(assignments__round=Round.FIRST))
    )
    loads = [judge.load for judge in judges]
    return render(
        request,
        "contests/assignment.html",
        {
            "contest": contest,
            "table": [(entry, by_entry.get(entry.pk, [])) for entry in entries],
            "judges": judges,
            "spread": (max(loads) - min(loads)) if loads else 0,
            "problems": services.assignment_problems(contest) if rows else [],
        },
    )


@login_required
def entry_materials(request, pk, entry_pk):
    contest = contest_for(request, pk)
    entry = get_visible_or_404(
        ContestEntry.objects.filter(contest=contest).select_related("course"),
        request.scope,
        pk=entry_pk,
    )
    if not rules.may_edit_materials(request.scope, entry):
        raise PermissionDenied(_("只有参赛教师、教研组组长或管理员可以上传材料"))
    if request.method == "POST":
        try:
            services.update_materials(
                entry, actor=request.user,
                courseware=request.FILES.get("courseware"),
                recording=request.FILES.get("recording"),
                outline=request.POST.get("outline"),
            )  # fmt: skip
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("参赛材料已保存"))
        return redirect("contests:entry", contest.pk, entry.pk)
    context = {
        "contest": contest,
        "entry": entry,
        "analyses": coaching.entry_analyses(entry, request.scope),
        "may_analyse": coaching.coach_for_entry(entry, request.scope) is not None,
    }
    return render(request, "contests/entry.html", context)
