"""Delivery analysis figures for `dangke stats --json` and the dashboard."""

from django.db.models import Count, FloatField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from dangke.accounts.scoping import visible_within
from dangke.insights.models import AnalysisState, DeliveryAnalysis


def insights_figures(scope, year: int, region_code: str | None = None) -> dict:
    """Recordings uploaded in the year by state, teachers analysed, hours of audio."""
    # Narrowed by the teacher's region: the scoped path is the region a report is shared
    # with, empty for the teacher's own unshared reports.
    analyses = visible_within(DeliveryAnalysis, scope, region_code, path="region__code").filter(
        created_at__year=year
    )
    by_state = dict(analyses.values_list("state").annotate(n=Count("id")).order_by())
    totals = analyses.aggregate(
        teachers=Count("teacher_id", distinct=True),
        seconds=Sum(
            Cast(KeyTextTransform("duration_s", "report"), FloatField()),
            filter=Q(state=AnalysisState.DONE),
        ),
    )
    return {
        "analyses": sum(by_state.values()),
        "by_state": by_state,
        "teachers": totals["teachers"],
        "hours_analysed": round((totals["seconds"] or 0) / 3600, 1),
    }
