"""The loudspeaker plays' rollup (`PlayTally`, issue #18): plays, listener-times and seconds
per county and local month, so that a province's year figures stop reading every play.

Kept by the writes, as the delivery rollup is: whatever writes plays names them
(`plays_changed`: the stations' reports and the Excel import), and the (county, year,
month) keys they touch are recounted from the raw plays once per transaction, when it
commits (or earlier, when a reader in the same transaction asks: `flush`). Nothing deletes a
play but the demo's clearing, which rebuilds: the admin shows plays read-only, so it refuses
to delete a station that has any. `rebuild` recounts everything
(`dangke rebuild_broadcast_rollup`, the demo and the province loader, which write plays in
bulk past it)."""

from __future__ import annotations

import threading

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear, Substr
from django.utils import timezone

from dangke.broadcast.models import PlayLog, PlayTally
from dangke.core.calendar import month_bounds
from dangke.core.locks import hold_locks
from dangke.regions.codes import COUNTY_DIGITS, within_prefixes

BATCH = 5000

_pending = threading.local()


def _keys() -> set:
    if not hasattr(_pending, "keys"):
        _pending.keys = set()
    return _pending.keys


def _plays():
    return PlayLog.objects.unscoped("the rollup counts every play by its own keys")


def plays_changed(plays) -> None:
    """Note the (county, year, month) of these plays as their fields hold them now; they are
    recounted when the transaction commits. A play about to move (its time changed) is
    named before the change too."""
    keys = _keys()
    for play in plays:
        moment = timezone.localtime(play.played_at)
        keys.add((play.region_id[:COUNTY_DIGITS], moment.year, moment.month))
    if keys:
        transaction.on_commit(flush)  # every call registers; the first to run empties it


def flush() -> None:
    """Recount the keys noted so far from the raw plays (idempotent, cheap when none)."""
    keys = set(_keys())
    _keys().clear()
    if not keys:
        return
    with transaction.atomic():
        # Two commits recounting one key at once would each delete and insert: the second
        # DELETE (READ COMMITTED) misses the first's rows and the month counts twice.
        hold_locks(("broadcast-plays", f"{county}:{year}:{month}") for county, year, month in keys)
        condition = Q(pk__in=[])
        for county, year, month in keys:
            condition |= Q(county=county, year=year, month=month)
        PlayTally.objects.unscoped("the rollup's own upkeep").filter(condition).delete()
        plays = Q(pk__in=[])
        for county, year, month in keys:
            first, last = month_bounds(year, month)
            plays |= Q(
                region__code__startswith=county,
                county_key=county,
                played_at__gte=first,
                played_at__lt=last,
            )
        _insert(_plays().annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS)).filter(plays))


def _insert(plays) -> int:
    rows = [
        PlayTally(
            county=county, year=year, month=month, plays=n, listeners=listeners or 0,
            seconds=seconds or 0,
        )
        for county, year, month, n, listeners, seconds in plays.annotate(
            county_key=Substr("region_id", 1, COUNTY_DIGITS),
            y=ExtractYear("played_at"),
            m=ExtractMonth("played_at"),
        )
        .values_list("county_key", "y", "m")
        .annotate(n=Count("pk"), people=Sum("listeners"), length=Sum("duration_seconds"))
        .order_by()
    ]  # fmt: skip
    PlayTally.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def rebuild(region: str | None = None) -> int:
    """Recount the rollup from the raw plays, everywhere or within one region (its code cut
    to the county: a row is made of one county's plays). Returns the rows written."""
    _keys().clear()
    region = (region or "")[:COUNTY_DIGITS]
    with transaction.atomic():
        PlayTally.objects.unscoped("the rollup is rebuilt").filter(
            county__startswith=region
        ).delete()
        plays = _plays()
        if region:
            plays = plays.filter(region__code__startswith=region)
        return _insert(plays)


def tallies(codes: tuple[str, ...], year: int):
    """The months of `year` within the region prefixes `codes` (`Scope.county_prefixes`)."""
    flush()
    return PlayTally.objects.unscoped("read by the scope's region prefixes").filter(
        within_prefixes("county", codes), year=year
    )
