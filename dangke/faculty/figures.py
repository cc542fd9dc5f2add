"""Faculty lifecycle figures for `dangke stats --json` and the dashboard (teachers by
status are in `teachers.by_status`): warnings, rectifications, exits and admissions
confirmed in the year, quota attainment of the year's annual reviews, and the reward
fund (when one exists)."""

from django.db.models import Count, Q, Sum

from dangke.accounts.scoping import visible_within
from dangke.core.calendar import year_bounds
from dangke.faculty.models import (
    AnnualReview,
    ProposalKind,
    ProposalStatus,
    RewardAllocation,
    RewardFund,
    StatusProposal,
)


def faculty_figures(scope, year: int, region_code: str | None = None) -> dict:
    start, end = year_bounds(year)
    in_year = Q(status=ProposalStatus.CONFIRMED, decided_at__gte=start, decided_at__lt=end)
    confirmed, open_count = {}, 0
    for kind, n_confirmed, n_open in (
        visible_within(StatusProposal, scope, region_code)
        .values_list("kind")
        .annotate(
            n_confirmed=Count("pk", filter=in_year),
            n_open=Count("pk", filter=Q(status=ProposalStatus.PROPOSED)),
        )
        .order_by()
    ):
        confirmed[kind] = n_confirmed
        open_count += n_open
    reviews = visible_within(AnnualReview, scope, region_code).filter(year=year)
    counts = reviews.aggregate(
        n_reviews=Count("pk"),
        n_passed=Count("pk", filter=Q(passed=True)),
        n_failed=Count("pk", filter=Q(passed=False)),
    )
    judged = counts["n_passed"] + counts["n_failed"]
    return {
        "warnings": confirmed.get(ProposalKind.WARNING, 0),
        "rectifications": confirmed.get(ProposalKind.RECTIFY, 0),
        "exits": confirmed.get(ProposalKind.EXIT, 0),
        "admissions": confirmed.get(ProposalKind.ADMIT, 0),
        "proposals_open": open_count,
        "quota_attainment": {
            "reviews": counts["n_reviews"],
            "passed": counts["n_passed"],
            "failed": counts["n_failed"],
            "percent": round(100 * counts["n_passed"] / judged, 1) if judged else None,
        },
        "rewards": reward_figures(scope, year, region_code),
    }


def reward_figures(scope, year: int, region_code: str | None = None) -> dict:
    """The year's reward funds: total, allocated to teachers, teachers awarded (approved
    funds only count as awarded)."""
    funds = visible_within(RewardFund, scope, region_code).filter(year=year)
    fund_sums = funds.aggregate(n=Count("pk"), total=Sum("total"))
    given = (
        RewardAllocation.objects.unscoped("allocations of funds in scope")
        .filter(fund__in=funds, amount__gt=0)
        .aggregate(total=Sum("amount"), teachers=Count("teacher", distinct=True))
    )
    return {
        "funds": fund_sums["n"],
        "total": float(fund_sums["total"] or 0),
        "allocated": float(given["total"] or 0),
        "teachers": given["teachers"],
    }
