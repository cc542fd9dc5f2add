"""The year's loudspeaker figures for `dangke stats` (the lead wires them into
reports.queries). Every key is always present, with zeros, like `year_figures`."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from dangke.accounts.scoping import as_scope, visible_within
from dangke.broadcast import rollup
from dangke.broadcast.models import BroadcastStation, PlayLog, StationStatus
from dangke.core.calendar import report_year


def broadcast_figures(scope, year: int | None = None, region_code: str | None = None) -> dict:
    """Keys: stations{total,by_status}, plays{total,by_month{"YYYY-MM": n}}, listeners
    (listener-times reached, 人次), hours. Months are those of Asia/Shanghai."""
    scope = as_scope(scope)
    year = year or report_year()
    zone = timezone.get_default_timezone()

    by_status = {value: 0 for value in StationStatus.values}
    stations = visible_within(BroadcastStation, scope, region_code)
    for row in stations.values("status").annotate(n=Count("pk")):
        by_status[row["status"]] += row["n"]

    by_month = {f"{year}-{month:02d}": 0 for month in range(1, 13)}
    listeners = seconds = 0
    codes = scope.county_prefixes(region_code)
    if codes is None:  # narrower than a county: its own plays are few
        plays = visible_within(PlayLog, scope, region_code).filter(
            played_at__gte=datetime(year, 1, 1, tzinfo=zone),
            played_at__lt=datetime(year + 1, 1, 1, tzinfo=zone),
        )
        months = (
            plays.annotate(month=ExtractMonth("played_at", tzinfo=zone))
            .values_list("month")
            .annotate(n=Count("pk"), people=Sum("listeners"), length=Sum("duration_seconds"))
            .order_by()
        )
    else:  # a county or wider: the plays' rollup per county and month (broadcast.rollup)
        months = (
            rollup.tallies(codes, year)
            .values_list("month")
            .annotate(n=Sum("plays"), people=Sum("listeners"), length=Sum("seconds"))
            .order_by()
        )
    for month, n, people, length in months:
        by_month[f"{year}-{month:02d}"] += n
        listeners += people or 0
        seconds += length or 0
    return {
        "stations": {"total": sum(by_status.values()), "by_status": by_status},
        "plays": {"total": sum(by_month.values()), "by_month": by_month},
        "listeners": listeners,
        "hours": round(seconds / 3600, 1),
    }
