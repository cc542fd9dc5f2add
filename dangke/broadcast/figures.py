"""The year's loudspeaker figures for `dangke stats` (the lead wires them into
reports.queries). Every key is always present, with zeros, like `year_figures`."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dangke.accounts.scoping import as_scope, visible_within
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

    plays = visible_within(PlayLog, scope, region_code).filter(
        played_at__gte=datetime(year, 1, 1, tzinfo=zone),
        played_at__lt=datetime(year + 1, 1, 1, tzinfo=zone),
    )
    by_month = {f"{year}-{month:02d}": 0 for month in range(1, 13)}
    for row in (
        plays.annotate(month=TruncMonth("played_at", tzinfo=zone))
        .values("month")
        .annotate(n=Count("pk"))
    ):
        by_month[f"{row['month']:%Y-%m}"] += row["n"]
    totals = plays.aggregate(listeners=Sum("listeners"), seconds=Sum("duration_seconds"))
    return {
        "stations": {"total": sum(by_status.values()), "by_status": by_status},
        "plays": {"total": sum(by_month.values()), "by_month": by_month},
        "listeners": totals["listeners"] or 0,
        "hours": round((totals["seconds"] or 0) / 3600, 1),
    }
