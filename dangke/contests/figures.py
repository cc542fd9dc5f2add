"""The contest's figures for `dangke stats --json` and the dashboard."""

from django.db.models import Count, Q

from dangke.accounts.scoping import visible_within
from dangke.contests.models import Contest, JudgeKind, JudgeScore


def contest_figures(scope, year: int, region_code: str | None = None) -> dict:
    """Contests of the year by stage, entries, judges (experts and peers), review sheets
    submitted, and the courses promoted to the excellent library. Three queries."""
    contests = visible_within(Contest, scope, region_code).filter(year=year)
    by_stage = dict(contests.values_list("status").annotate(n=Count("id")).order_by())
    # One row per (entry, judge, award) of a contest: tens of thousands at most a year.
    counts = contests.aggregate(
        n_entries=Count("entries", distinct=True),
        n_judges=Count("judges", distinct=True),
        experts=Count("judges", filter=Q(judges__kind=JudgeKind.EXPERT), distinct=True),
        peers=Count("judges", filter=Q(judges__kind=JudgeKind.PEER), distinct=True),
        n_promoted=Count("awards", distinct=True),
    )
    return {
        "contests": sum(by_stage.values()),
        "by_stage": by_stage,
        "entries": counts["n_entries"],
        "judges": counts["n_judges"],
        "expert_judges": counts["experts"],
        "peer_judges": counts["peers"],
        "reviews": JudgeScore.objects.unscoped("reviews of contests in scope")
        .filter(assignment__entry__contest__in=contests)
        .count(),
        "promoted_courses": counts["n_promoted"],
    }
