"""The study figures pages and `dangke stats` read: all from the rollup (`StudyYear`),
one grouped query each, scoped like every other figure."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Left
from django.utils import timezone

from dangke.accounts.scoping import as_scope, visible_within
from dangke.core.calendar import report_year
from dangke.members import rollup as study_rollup
from dangke.members.models import PartyPost, StudyYear
from dangke.regions.models import Organization, Region

LEVELS = {"county": 6, "township": 9}


def _totals() -> dict:
    return {
        "registered": Count("pk"),
        "with_hours": Count("pk", filter=Q(hours__gt=0)),
        "hours_total": Sum("hours"),
        "target_met": Count("pk", filter=Q(met=True)),
        "leaders": Count("pk", filter=Q(is_leader=True)),
        "leaders_target_met": Count("pk", filter=Q(is_leader=True, met=True)),
        "secretaries_without_concentrated": Count(
            "pk", filter=Q(member__post=PartyPost.SECRETARY, concentrated=False)
        ),
    }


def _finish(row: dict) -> dict:
    registered = row.get("registered") or 0
    total = row.get("hours_total") or Decimal("0")
    row["hours_total"] = float(total)
    row["avg_hours"] = round(float(total) / registered, 1) if registered else 0.0
    row["target_met_rate"] = round(row["target_met"] / registered, 3) if registered else 0.0
    row["without_hours"] = registered - row["with_hours"]
    return row


def study_figures(scope, year: int | None = None, region_code: str | None = None) -> dict:
    """`members_study` of `dangke stats`: registered (members with a year on the roster,
    leavers included), with_hours, hours_total, avg_hours, target_met (hours reach their
    own target; leaders also need a 集中培训), target_met_rate, leaders (书记 and 班子成员),
    leaders_target_met."""
    scope = as_scope(scope)
    year = year or report_year()
    codes = scope.county_prefixes(region_code)
    if codes is None:
        figures = (
            visible_within(StudyYear, scope, region_code).filter(year=year).aggregate(**_totals())
        )
    else:  # the counties' tallies (`members.rollup`), for a county or wider
        figures = study_rollup.tallies(codes, year).aggregate(
            **{name: Sum(name) for name in study_rollup.FIGURES}
        )
        figures = {name: value or 0 for name, value in figures.items()}
    figures = _finish(figures)
    keys = ("registered", "with_hours", "hours_total", "avg_hours", "target_met",
            "target_met_rate", "leaders", "leaders_target_met")  # fmt: skip
    return {key: figures[key] for key in keys}


def completion(scope, year: int, *, region_code: str = "", level: str = "county") -> dict:
    """Completion by county, township or organisation inside `region_code`: one row per
    group with its counts, and the total."""
    scope = as_scope(scope)
    rows = visible_within(StudyYear, scope, region_code or None).filter(year=year)
    total = _finish(rows.aggregate(**_totals()))
    if level == "organization":
        grouped = rows.values("organization_id").annotate(**_totals()).order_by("organization_id")
        names = dict(
            Organization.objects.unscoped("names of organisations in the figures")
            .filter(pk__in=[row["organization_id"] for row in grouped])
            .values_list("pk", "name")
        )
        groups = [
            _finish({**row, "key": str(row["organization_id"]),
                     "name": names.get(row["organization_id"], "")})
            for row in grouped
        ]  # fmt: skip
    else:
        length = LEVELS[level]
        grouped = (
            rows.annotate(key=Left("region_id", length))
            .values("key")
            .annotate(**_totals())
            .order_by("key")
        )
        names = dict(
            Region.objects.unscoped("region names")
            .filter(code__in=[row["key"] for row in grouped])
            .values_list("code", "name")
        )
        groups = [_finish({**row, "name": names.get(row["key"], row["key"])}) for row in grouped]
    groups.sort(key=lambda row: (row["target_met_rate"], row["key"]))
    return {"total": total, "groups": groups}


def weeks_left(year: int, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    if today.year > year:
        return 0
    if today.year < year:
        return 52
    return (datetime.date(year, 12, 31) - today).days // 7
