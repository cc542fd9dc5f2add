"""The office's survey pages: the list, opening a survey for a lesson, its page with the
venue QR code (printable poster and full-screen slide), one-time invitations, closing it,
the follow-up link a liaison forwards, and the review of free-text comments."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.listing import Column, ListDefinition, render_list
from dangke.core.redirects import next_or
from dangke.delivery.models import Lesson
from dangke.evaluation import services
from dangke.evaluation.basis import basis_citation, survey_basis
from dangke.evaluation.models import (
    CommentStatus,
    RaterKind,
    SurplusDecision,
    Survey,
    SurveyComment,
    SurveyKind,
)
from dangke.evaluation.rules import may_manage_evaluation, may_run_class_surveys, may_run_surveys
from dangke.evaluation.scores import refresh_score
from dangke.evaluation.views.integrity import integrity_context


def _state(survey: Survey) -> str:
    now = timezone.now()
    if now < survey.opens_at:
        return str(_("未开始"))
    return str(_("进行中")) if now < survey.closes_at else str(_("已结束"))


class SurveyList(ListDefinition):
    title = gettext_lazy("课程测评")
    export_name = gettext_lazy("课程测评")
    search_fields = ("title",)
    default_sort = "-opens_at"
    detail_url_name = "evaluation:survey"
    columns = (
        Column(gettext_lazy("测评"), lambda s: s.title, sort="title", link=True),
        Column(gettext_lazy("类型"), lambda s: s.get_kind_display(), sort="kind"),
        Column(gettext_lazy("开始"), lambda s: timezone.localtime(s.opens_at), sort="opens_at"),
        Column(gettext_lazy("截止"), lambda s: timezone.localtime(s.closes_at), sort="closes_at"),
        Column(gettext_lazy("状态"), _state),
        Column(gettext_lazy("答卷"), lambda s: s.answers, sort="answers", numeric=True),
        Column(
            gettext_lazy("得分"),
            lambda s: s.result.get("score") if s.result else None,
            numeric=True,
        ),
    )

    def base_queryset(self, request):
        return Survey.objects.select_related("lesson").annotate(answers=Count("responses"))


@login_required
def index(request):
    return render_list(request, SurveyList(), template="evaluation/surveys.html")


def _survey(request, pk) -> Survey:
    return get_visible_or_404(
        Survey.objects.select_related(
            "lesson__course", "lesson__organization", "training_class", "system", "main"
        ).prefetch_related("lesson__teachers"),
        request.scope,
        pk=pk,
    )


def _may_run(scope, survey: Survey) -> bool:
    if survey.training_class_id:
        return may_run_class_surveys(scope, survey.training_class)
    return survey.lesson is not None and may_run_surveys(scope, survey.lesson)


def _require_runner(request, survey_or_lesson):
    if isinstance(survey_or_lesson, Survey):
        allowed = _may_run(request.scope, survey_or_lesson)
    else:
        allowed = may_run_surveys(request.scope, survey_or_lesson)
    if not allowed:
        raise PermissionDenied(_("只有所在区划的管理员、培训主办方或承办组织的联络员可以组织测评"))


@login_required
@require_POST
def open_for_lesson(request, lesson_pk):
    lesson = get_visible_or_404(
        Lesson.objects.select_related("course", "organization"), request.scope, pk=lesson_pk
    )
    _require_runner(request, lesson)
    try:
        survey = services.open_survey(lesson, actor=request.user)
    except services.SurveyError as error:
        messages.error(request, " ".join(error.messages))
        existing = lesson.surveys.filter(kind=SurveyKind.ON_SITE).first()
        return redirect(existing or reverse("delivery:lesson", args=[lesson.pk]))
    messages.success(request, _("已发起测评：请在授课现场展示二维码"))
    return redirect(survey)


@login_required
@require_POST
def open_for_class(request, class_pk):
    from dangke.training.models import TrainingClass

    training_class = get_visible_or_404(TrainingClass, request.scope, pk=class_pk)
    if not may_run_class_surveys(request.scope, training_class):
        raise PermissionDenied(_("只有所在区划的管理员或培训主办方可以组织培训班测评"))
    try:
        survey = services.open_class_survey(training_class, actor=request.user)
    except services.SurveyError as error:
        messages.error(request, " ".join(error.messages))
        existing = training_class.surveys.filter(kind=SurveyKind.ON_SITE).first()
        return redirect(existing or training_class)
    messages.success(request, _("已发起培训班测评：请在课堂展示二维码"))
    return redirect(survey)


def _qr_svg(url: str, scale: int) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale, dark="#000", light="#fff")


@login_required
def survey_detail(request, pk):
    survey = _survey(request, pk)
    can_run = _may_run(request.scope, survey)
    url = request.build_absolute_uri(reverse("evaluation:rate", args=[survey.public_key]))
    counts = dict(survey.responses.values_list("role").annotate(n=Count("id")).order_by())
    roles = services.stage_roles(survey)
    main = survey.on_site
    context = {
        "survey": survey,
        "main": main,
        "state": _state(survey),
        "url": url,
        "qr": _qr_svg(url, 5),
        "can_run": can_run,
        "roles": [
            {"kind": kind, "label": role.label, "n": counts.get(kind, 0), "leaves": role.leaves}
            for kind, role in roles.items()
        ],
        "invitations": survey.invitations.all() if can_run else [],
        "invite_roles": [(k, r.label) for k, r in roles.items() if k != RaterKind.TRAINEE],
        "follow_ups": main.follow_ups.all(),
        "result": refresh_score(main),
        "basis_citation": basis_citation(survey_basis(main)),
        "allowance": services.sheet_allowance(main),
        "may_decide_surplus": may_manage_evaluation(request.scope, main.region_id),
        "surplus_choices": [
            (SurplusDecision.KEEP_CAP, SurplusDecision.KEEP_CAP.label),
            (SurplusDecision.COUNT_ALL, SurplusDecision.COUNT_ALL.label),
        ],
    }
    context |= integrity_context(request, survey)
    context["quizzes"] = survey.quizzes.prefetch_related("questions") if can_run else []
    return render(request, "evaluation/survey.html", context)


@login_required
def survey_poster(request, pk):
    survey = _survey(request, pk)
    _require_runner(request, survey)
    url = request.build_absolute_uri(reverse("evaluation:rate", args=[survey.public_key]))
    context = {"survey": survey, "url": url, "qr": _qr_svg(url, 12)}
    return render(request, "evaluation/poster.html", context)


@login_required
def survey_slide(request, pk):
    survey = _survey(request, pk)
    _require_runner(request, survey)
    url = request.build_absolute_uri(reverse("evaluation:rate", args=[survey.public_key]))
    context = {
        "survey": survey,
        "url": url,
        "qr": _qr_svg(url, 14),
        "count": survey.responses.filter(role=RaterKind.TRAINEE).count(),
    }
    return render(request, "evaluation/slide.html", context)


@login_required
@require_POST
def survey_invite(request, pk):
    survey = _survey(request, pk)
    _require_runner(request, survey)
    try:
        invitations = services.invite(
            survey,
            role=request.POST.get("role", ""),
            names=request.POST.get("names", "").splitlines(),
            actor=request.user,
        )
    except services.SurveyError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已生成 %(n)s 个一次性邀请链接") % {"n": len(invitations)})
    return redirect(survey)


@login_required
@require_POST
def survey_close(request, pk):
    survey = _survey(request, pk)
    _require_runner(request, survey)
    try:
        services.close_survey(survey, actor=request.user)
    except services.SurveyError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("测评已结束"))
    return redirect(survey)


@login_required
@require_POST
def survey_surplus(request, pk):
    """The office decides about trainee sheets beyond sign-ins plus margin (audited)."""
    survey = _survey(request, pk)
    if not may_manage_evaluation(request.scope, survey.on_site.region_id):
        raise PermissionDenied(_("只有所在区划的管理员可以决定超出的答卷"))
    try:
        margin = int(request.POST.get("margin", ""))
    except ValueError:
        messages.error(request, _("允许超出的份数须是整数"))
        return redirect(survey)
    try:
        services.decide_surplus(
            survey, decision=request.POST.get("decision", ""), margin=margin,
            actor=request.user, reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except services.SurveyError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已记录决定，成绩已重新计算"))
    return redirect(survey)


@login_required
def invitation_links(request, pk):
    """The unused invitation links of a survey as a printable list, one slip per rater."""
    survey = _survey(request, pk)
    _require_runner(request, survey)
    slips = [
        {
            "invitation": invitation,
            "url": request.build_absolute_uri(
                reverse("evaluation:rate_invited", args=[invitation.code])
            ),
        }
        for invitation in survey.invitations.filter(used_at__isnull=True)
    ]
    for slip in slips:
        slip["qr"] = _qr_svg(slip["url"], 3)
    return render(request, "evaluation/invitations.html", {"survey": survey, "slips": slips})


@login_required
def follow_up_share(request, pk):
    """What a liaison forwards for the follow-up: the link and QR code for attendees, and
    the secretary's one-time link."""
    survey = _survey(request, pk)
    if survey.kind != SurveyKind.FOLLOW_UP:
        return redirect(survey)
    _require_runner(request, survey)
    url = request.build_absolute_uri(reverse("evaluation:rate", args=[survey.public_key]))
    secretary = [
        request.build_absolute_uri(reverse("evaluation:rate_invited", args=[i.code]))
        for i in survey.invitations.filter(role=RaterKind.SECRETARY, used_at__isnull=True)
    ]
    context = {"survey": survey, "url": url, "qr": _qr_svg(url, 6), "secretary": secretary}
    return render(request, "evaluation/follow_up_share.html", context)


# --- comments ------------------------------------------------------------------------------


@login_required
def comments(request):
    """The office's queue of free-text comments waiting for review."""
    status = request.GET.get("status", CommentStatus.PENDING)
    if status not in CommentStatus.values:
        status = CommentStatus.PENDING
    visible = SurveyComment.objects.visible_to(request.scope).select_related(
        "survey__lesson__course", "survey__lesson__organization"
    )
    manageable = [
        comment
        for comment in visible.filter(status=status)[:200]
        if may_manage_evaluation(request.scope, comment.survey.region_id)
    ]
    counts = dict(visible.values_list("status").annotate(n=Count("id")).order_by())
    context = {
        "comments": manageable,
        "status": status,
        "tabs": [(value, label, counts.get(value, 0)) for value, label in CommentStatus.choices],
    }
    return render(request, "evaluation/comments.html", context)


@login_required
@require_POST
def comment_review(request, pk):
    comment = get_visible_or_404(
        SurveyComment.objects.select_related("survey"), request.scope, pk=pk
    )
    if not may_manage_evaluation(request.scope, comment.survey.region_id):
        raise PermissionDenied(_("只有所在区划的管理员可以审核留言"))
    try:
        services.review_comment(comment, request.POST.get("status", ""), actor=request.user)
    except services.SurveyError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(next_or(request, "evaluation:comments"))


def visible_comments(scope, surveys, teacher_ids=()):
    """Reviewed comments a viewer may read: public ones, and 仅老师可见 ones when the
    viewer is the teacher; the office reads everything it reviewed."""
    from dangke.evaluation.rules import may_read_private_comments

    allowed = Q(status=CommentStatus.PUBLIC)
    if may_read_private_comments(scope, teacher_ids):
        allowed |= Q(status=CommentStatus.PRIVATE)
    queryset = SurveyComment.objects.unscoped("comments of surveys in scope").filter(
        survey__in=surveys
    )
    return queryset.filter(allowed)
