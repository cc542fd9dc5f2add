"""The contest's figures for `dangke stats --json` and the dashboard."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from dangke.accounts.scoping import visible_within
from dangke.contests.models import Contest, ContestAward, ContestEntry, Judge, JudgeKind, JudgeScore


def _per_contest(rows, contest_path: str = "contest"):
    """How many of `rows` belong to the contest of the outer row (0 when none)."""
    counted = (
        rows.filter(**{contest_path: OuterRef("pk")})
        .order_by()
        .values(contest_path)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def contest_figures(scope, year: int, region_code: str | None = None) -> dict:
    """Contests of the year by stage, entries, judges (experts and peers), review sheets
    submitted, and the courses promoted to the excellent library. One query: each is
    counted per contest and added up (a judge, entry or award belongs to one contest), not
    by joining them all, whose cross product a province's 21 contests made 126,000 rows."""
    judges = Judge.objects.unscoped("judges of contests in scope")
    by_stage = {}
    totals = dict.fromkeys(("entries", "judges", "experts", "peers", "reviews", "promoted"), 0)
    for row in (
        visible_within(Contest, scope, region_code)
        .filter(year=year)
        .values("status")
        .annotate(
            n=Count("pk"),
            entries=Sum(
                _per_contest(ContestEntry.objects.unscoped("entries of contests in scope"))
            ),
            judges=Sum(_per_contest(judges)),
            experts=Sum(_per_contest(judges.filter(kind=JudgeKind.EXPERT))),
            peers=Sum(_per_contest(judges.filter(kind=JudgeKind.PEER))),
            reviews=Sum(
                _per_contest(
                    JudgeScore.objects.unscoped("reviews of contests in scope"),
                    "assignment__entry__contest",
                )
            ),
            promoted=Sum(_per_contest(ContestAward.objects.unscoped("awards in scope"))),
        )
        .order_by()
    ):
        by_stage[row["status"]] = row["n"]
        for key in totals:
            totals[key] += row[key] or 0
    return {
        "contests": sum(by_stage.values()),
        "by_stage": by_stage,
        "entries": totals["entries"],
        "judges": totals["judges"],
        "expert_judges": totals["experts"],
        "peer_judges": totals["peers"],
        "reviews": totals["reviews"],
        "promoted_courses": totals["promoted"],
    }
