"""Evaluation's figures for `dangke stats --json` and the dashboard."""

from django.db.models import Count, Q

from dangke.accounts.scoping import visible_within
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
    score, comments by review state, rectifications by state, excellent proposals."""
    surveys = visible_within(Survey, scope, region_code).filter(opens_at__year=year)
    comments = SurveyComment.objects.unscoped("comments of surveys in scope").filter(
        survey__in=surveys
    )
    rectifications = visible_within(Rectification, scope, region_code).filter(created_at__year=year)
    proposals = visible_within(ExcellentProposal, scope, region_code).filter(year=year)
    counts = surveys.aggregate(
        on_site=Count("id", filter=Q(kind=SurveyKind.ON_SITE)),
        follow_up=Count("id", filter=Q(kind=SurveyKind.FOLLOW_UP)),
        published=Count("id", filter=Q(kind=SurveyKind.ON_SITE, published_at__isnull=False)),
    )
    by_role = responses_by_role(surveys)  # the tallies: a province has millions of sheets
    by_status = dict(comments.values_list("status").annotate(n=Count("id")).order_by())
    return {
        "surveys": counts["on_site"],
        "follow_up_surveys": counts["follow_up"],
        "responses": sum(by_role.values()),
        "responses_by_role": by_role,
        "scores_published": counts["published"],
        "comments": {status: by_status.get(status, 0) for status in CommentStatus.values},
        "rectifications": dict(
            rectifications.values_list("status").annotate(n=Count("id")).order_by()
        ),
        "excellent_proposals": proposals.count(),
    }
