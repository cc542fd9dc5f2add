"""The office's decisions on integrity flags: exclude a flag's sheets with a reason, or
revoke such a decision. The flags and both scores are shown on the survey and score
pages (`integrity_context`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.evaluation import integrity
from dangke.evaluation.models import ResponseExclusion, Survey, SurveyKind
from dangke.evaluation.rules import may_manage_evaluation
from dangke.evaluation.services import SurveyError


def integrity_context(request, survey: Survey) -> dict:
    """Flags, the two scores and the decisions, for a survey's and a lesson's page. Only
    the on-site survey is checked (the follow-up asks the same people later)."""
    if survey.kind != SurveyKind.ON_SITE:
        return {}
    flags = integrity.survey_flags(survey)
    return {
        "integrity_flags": flags,
        "integrity_comparison": integrity.score_comparison(survey, flags),
        "integrity_exclusions": integrity.exclusions_of(survey),
        "may_decide_integrity": may_manage_evaluation(request.scope, survey.region_id),
    }


def _back(request, survey: Survey):
    target = request.POST.get("next", "")
    if target == "lesson" and survey.lesson_id:
        return redirect("evaluation:lesson_score", survey.lesson_id)
    return redirect(survey)


@login_required
@require_POST
def exclude(request, pk):
    survey = get_visible_or_404(
        Survey.objects.select_related("lesson", "system"), request.scope, pk=pk
    )
    if not may_manage_evaluation(request.scope, survey.on_site.region_id):
        raise PermissionDenied(_("只有所在区划的管理员可以排除答卷"))
    try:
        integrity.exclude_flagged(
            survey, key=request.POST.get("flag", ""), reason=request.POST.get("reason", ""),
            actor=request.user,
        )  # fmt: skip
    except SurveyError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已排除这些答卷，成绩已重新计算"))
    return _back(request, survey)


@login_required
@require_POST
def revoke(request, pk):
    exclusion = get_visible_or_404(
        ResponseExclusion.objects.select_related("survey__lesson"), request.scope, pk=pk
    )
    survey = exclusion.survey
    if not may_manage_evaluation(request.scope, survey.region_id):
        raise PermissionDenied(_("只有所在区划的管理员可以撤销排除"))
    try:
        integrity.revoke_exclusion(
            exclusion, reason=request.POST.get("reason", ""), actor=request.user
        )
    except SurveyError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤销排除，这些答卷重新计入成绩"))
    return _back(request, survey)
