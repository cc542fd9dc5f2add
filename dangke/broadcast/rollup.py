"""The loudspeaker plays' rollup (`PlayTally`, issue #18): plays, listener-times and seconds
per county and local month, so that a province's year figures stop reading every play.

Kept by the writes, as the delivery rollup is: whatever writes plays names them
(`plays_changed`: the stations' reports and the Excel import), and the (county, year,
month) keys they touch are recounted from the raw plays once per transaction, when it
commits, or earlier, when a reader in the same transaction asks (`flush`; `core.pending`).
Nothing deletes a play but the demo's clearing, which rebuilds: the admin shows plays
read-only, so it refuses to delete a station that has any. `rebuild` recounts everything
(`dangke rebuild_broadcast_rollup`, the demo and the province loader, which write plays in
bulk past it)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear, Substr
from django.utils import timezone

from dangke.broadcast.models import PlayLog, PlayTally
from dangke.core.calendar import month_bounds
from dangke.core.pending import RecountOnCommit
from dangke.regions.codes import COUNTY_DIGITS, within_prefixes

BATCH = 5000


def _plays():
    return PlayLog.objects.unscoped("the rollup counts every play by its own keys")


def _recount(keys: set) -> None:
    """The (county, year, month) keys counted again from the raw plays."""
    stale, plays = Q(pk__in=[]), Q(pk__in=[])
    for county, year, month in keys:
        stale |= Q(county=county, year=year, month=month)
        first, last = month_bounds(year, month)
        plays |= Q(
            region__code__startswith=county,
            county_key=county,
            played_at__gte=first,
            played_at__lt=last,
        )
    PlayTally.objects.unscoped("the rollup's own upkeep").filter(stale).delete()
    _insert(_plays().annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS)).filter(plays))


pending = RecountOnCommit("broadcast-plays", _recount)
flush = pending.flush


def plays_changed(plays) -> None:
    """Note the (county, year, month) of these plays as their fields hold them now; they are
    recounted when the transaction commits. A play about to move (its time changed) is
    named before the change too."""
    keys = set()
    for play in plays:
        moment = timezone.localtime(play.played_at)
        keys.add((play.region_id[:COUNTY_DIGITS], moment.year, moment.month))
    pending.note(keys)


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
    pending.forget()
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
