"""Evaluation's figures for `dangke stats --json` and the dashboard."""

from django.db.models import Count, Q

from dangke.accounts.scoping import visible_within
from dangke.evaluation import year_rollup
from dangke.evaluation.models import (
    CommentStatus,
    ExcellentProposal,
    Rectification,
    Survey,
    SurveyComment,
    SurveyKind,
)
from dangke.evaluation.rollups import responses_by_role


def evaluation_figures(scope, year: int, region_code: str | None = None) -> dict:
    """Surveys opened for the year's lessons, responses by role, lessons with a published
    score, comments by review state, rectifications by state, excellent proposals. A scope
    of a county or wider reads the surveys and sheets from the rollup per county and year
    (`year_rollup`; a province has half a million surveys a year)."""
    surveys = visible_within(Survey, scope, region_code).filter(opens_at__year=year)
    comments = SurveyComment.objects.unscoped("comments of surveys in scope").filter(
        survey__in=surveys
    )
    rectifications = visible_within(Rectification, scope, region_code).filter(created_at__year=year)
    proposals = visible_within(ExcellentProposal, scope, region_code).filter(year=year)
    codes = scope.county_prefixes(region_code)
    counts = year_rollup.survey_figures(codes, year) if codes is not None else None
    if counts is None:  # narrower than a county, or no row of the year: the raw rows
        counts = _raw_survey_figures(surveys)
    by_role = counts["responses_by_role"]
    by_status = dict(comments.values_list("status").annotate(n=Count("id")).order_by())
    return {
        "surveys": counts["surveys"],
        "follow_up_surveys": counts["follow_up_surveys"],
        "responses": sum(by_role.values()),
        "responses_by_role": by_role,
        "scores_published": counts["scores_published"],
        "comments": {status: by_status.get(status, 0) for status in CommentStatus.values},
        "rectifications": dict(
            rectifications.values_list("status").annotate(n=Count("id")).order_by()
        ),
        "excellent_proposals": proposals.count(),
    }


def _raw_survey_figures(surveys) -> dict:
    """The raw computation `year_rollup` stands for: the surveys counted one by one, their
    sheets added up from each survey's tallies."""
    counts = surveys.aggregate(
        surveys=Count("id", filter=Q(kind=SurveyKind.ON_SITE)),
        follow_up_surveys=Count("id", filter=Q(kind=SurveyKind.FOLLOW_UP)),
        scores_published=Count("id", filter=Q(kind=SurveyKind.ON_SITE, published_at__isnull=False)),
    )
    return {**counts, "responses_by_role": responses_by_role(surveys)}
