"""The evaluation figures' rollup per county and year (issue #18): a province's year of half a
million surveys and fifteen million answer sheets read as a row per county.

A row (`EvaluationYear`) holds a county-year's surveys by kind, the on-site ones with a
published score, and the sheets per rater role of the surveys that had closed by the row's
`closed_by`. Readers add, live, the tallies (`ResponseTally`) of the surveys of those counties
and year still open at `closed_by` — few, found by the index on `Survey.closes_at` — so a
rater's answer (`rollups.count_response`, one upsert) never touches a row: answers land only
on open surveys.

Kept by the writes: a survey's save (its kind, publication, window or region) or deletion
names its county-year, before and after the write when the key may move; the keys are
recounted from the raw rows once per transaction, when it commits (`transaction.on_commit`),
or earlier, when a reader in the same transaction asks (`flush`), each under a PostgreSQL
lock per key: never increment arithmetic. The only other write that changes a closed
survey's sheets, `rollups.rebuild_tallies` (`dangke rescore`, the demo and province loaders),
recounts the keys of the surveys it recounted. `rebuild` recomputes everything (`dangke
rebuild_evaluation_rollup`); `advance` (`dangke evaluation_tick`, hourly) moves `closed_by`
on, so that the live part stays the surveys open now.

Readers ask `survey_figures` with the scope's county prefixes (`Scope.county_prefixes`); a
narrower scope (a township, an organisation, a teacher) keeps the raw computation, as does a
scope with no row of the year (no survey, or a rollup not built yet).
"""

from __future__ import annotations

import datetime
import threading
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear, Substr
from django.db.models.signals import post_save, pre_delete, pre_save
from django.utils import timezone

from dangke.core.calendar import year_bounds
from dangke.core.locks import hold_locks
from dangke.evaluation.models import EvaluationYear, ResponseTally, Survey, SurveyKind
from dangke.regions.codes import COUNTY_DIGITS, within_prefixes

# A sheet is accepted when its survey is open as the request starts and is committed a moment
# later: a survey counts as closed in a row only once it closed this long before the count.
CLOSING_MARGIN = datetime.timedelta(minutes=5)
LOCK_NAMESPACE = "evaluation-county-year"
# Up to this many counties a recount finds each by its code prefix (the region index);
# more (a rebuild of tallies over a province) by the cut code, in one scan.
PREFIX_LOOKUPS = 20
BATCH = 1000

_pending = threading.local()


def _keys() -> set[tuple[str, int]]:
    if not hasattr(_pending, "keys"):
        _pending.keys = set()
    return _pending.keys


def _surveys():
    return Survey.objects.unscoped("the evaluation rollup counts every survey by its own key")


def _tallies():
    return ResponseTally.objects.unscoped("the evaluation rollup counts every survey's sheets")


def _rows():
    return EvaluationYear.objects.unscoped("the evaluation rollup's own upkeep")


def closed_by(now=None) -> datetime.datetime:
    """The instant up to which a count now takes closed surveys: the whole hour before now
    less the margin (rows counted within an hour share it, so readers group them)."""
    moment = (now or timezone.now()) - CLOSING_MARGIN
    return moment.replace(minute=0, second=0, microsecond=0)


def survey_key(region_id: str, opens_at: datetime.datetime) -> tuple[str, int]:
    return region_id[:COUNTY_DIGITS], timezone.localtime(opens_at).year


# --- which keys a write touches -----------------------------------------------------------


def note(keys) -> None:
    """Recount these (county, year) keys when the transaction commits (or before the next
    read in it)."""
    _keys().update(keys)
    transaction.on_commit(flush)  # every call registers; the first to run empties the set


def surveys_changed(survey_ids) -> None:
    """Note the keys of these surveys as they are in the database now."""
    ids = [pk for pk in survey_ids if pk is not None]
    if not ids:
        return
    keyed = (
        _surveys()
        .filter(pk__in=ids)
        .annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS), y=ExtractYear("opens_at"))
        .values_list("county_key", "y")
        .distinct()
    )
    note(keyed)


def flush() -> None:
    """Recount the keys noted so far from the raw rows (idempotent; no query when none)."""
    keys = _keys()
    if not keys:
        return
    pending = set(keys)
    keys.clear()
    recount(pending)


# --- counting from the raw rows ---------------------------------------------------------------


def _by_year(pairs) -> dict[int, set[str]]:
    grouped: dict[int, set[str]] = defaultdict(set)
    for county, year in pairs:
        grouped[year].add(county)
    return grouped


def _in_counties(counties, path: str = "") -> Q:
    """Surveys (at `path`) whose county key is one of `counties` (a city-level survey's
    shorter code too), on an annotation `county_key`: a few by their prefix, so the region
    index serves, and the cut making it exact; many by the cut alone."""
    if len(counties) > PREFIX_LOOKUPS:
        return Q(county_key__in=sorted(counties))
    condition = Q(pk__in=[])
    for county in counties:
        condition |= Q(**{f"{path}region__code__startswith": county}, county_key=county)
    return condition


def _within(region: str, path: str = "") -> Q:
    return Q(**{f"{path}region__code__startswith": region}) if region else Q()


def _count(year: int, condition, moment) -> dict[str, EvaluationYear]:
    """The rows of `year` for the surveys matching `condition(path)`, counted from the
    surveys and their tallies, the sheets of those closed by `moment`."""
    first, last = year_bounds(year)
    rows: dict[str, EvaluationYear] = {}
    surveys = (
        _surveys()
        .annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS))
        .filter(condition(""), opens_at__gte=first, opens_at__lt=last)
        .values("county_key")
        .annotate(
            on_site=Count("pk", filter=Q(kind=SurveyKind.ON_SITE)),
            follow_up=Count("pk", filter=Q(kind=SurveyKind.FOLLOW_UP)),
            published=Count("pk", filter=Q(kind=SurveyKind.ON_SITE, published_at__isnull=False)),
        )
        .order_by()
    )
    for row in surveys:
        rows[row["county_key"]] = EvaluationYear(
            county=row["county_key"],
            year=year,
            surveys=row["on_site"],
            follow_up_surveys=row["follow_up"],
            scores_published=row["published"],
            closed_by=moment,
            closed_sheets={},
        )
    sheets = (
        _tallies()
        .annotate(county_key=Substr("survey__region_id", 1, COUNTY_DIGITS))
        .filter(
            condition("survey__"),
            survey__opens_at__gte=first,
            survey__opens_at__lt=last,
            survey__closes_at__lte=moment,
        )
        .values_list("county_key", "role")
        .annotate(n=Sum("responses"))
        .order_by()
    )
    for county, role, n in sheets:
        if n and county in rows:
            rows[county].closed_sheets[role] = n
    return rows


def _lock(pairs) -> None:
    """Two commits recounting one key at once (two surveys of a county opened on two web
    workers) would each delete the key's row and insert their own: the second waits."""
    hold_locks((LOCK_NAMESPACE, f"{county}:{year}") for county, year in pairs)


def recount(pairs, *, now=None) -> int:
    """Recount these (county, year) keys from the raw rows; returns the rows written."""
    pairs = set(pairs)
    if not pairs:
        return 0
    written = 0
    with transaction.atomic():
        _lock(pairs)
        moment = closed_by(now)
        for year, counties in sorted(_by_year(pairs).items()):
            _rows().filter(year=year, county__in=sorted(counties)).delete()
            rows = _count(year, lambda path, c=counties: _in_counties(c, path), moment)
            EvaluationYear.objects.bulk_create(rows.values(), batch_size=BATCH)
            written += len(rows)
    return written


def rebuild(year: int | None = None, region: str | None = None, *, now=None) -> int:
    """Recompute the rollup from the raw rows: every year or one local year, everywhere or
    within one region (its code cut to the county: a row is made of one county's surveys).
    Each year in one transaction holding its keys' locks; returns the rows written."""
    region = (region or "")[:COUNTY_DIGITS]
    if year is not None:
        years = {year}
    else:
        years = set(
            _surveys()
            .filter(_within(region))
            .annotate(y=ExtractYear("opens_at"))
            .values_list("y", flat=True)
            .distinct()
        )
        years |= set(
            _rows().filter(county__startswith=region).values_list("year", flat=True).distinct()
        )
    written = 0
    for each in sorted(years):
        first, last = year_bounds(each)
        with transaction.atomic():
            kept = _rows().filter(year=each, county__startswith=region)
            present = (
                _surveys()
                .filter(_within(region), opens_at__gte=first, opens_at__lt=last)
                .annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS))
                .values_list("county_key", flat=True)
                .distinct()
            )
            counties = set(kept.values_list("county", flat=True)) | set(present)
            _lock((county, each) for county in counties)  # before counting: see every commit
            kept.delete()
            rows = _count(each, lambda path: _within(region, path), closed_by(now))
            # a county first seen after the locks were taken is its own writer's to count
            kept_rows = [row for county, row in rows.items() if county in counties]
            EvaluationYear.objects.bulk_create(kept_rows, batch_size=BATCH)
            written += len(kept_rows)
    return written


def advance(*, now=None) -> int:
    """Move every row's `closed_by` on to now (`dangke evaluation_tick`): the rows whose
    surveys closed since are recounted, the others only take the new instant (nothing of
    theirs closed in between). Keeps the live part of a read to the surveys open now, even
    for a quiet county. Returns the rows recounted."""
    moment = closed_by(now)
    with transaction.atomic():
        stale = list(
            _rows().filter(closed_by__lt=moment).values_list("county", "year", "closed_by")
        )
        if not stale:
            return 0
        _lock((county, year) for county, year, _ in stale)
        earliest = min(counted for _, _, counted in stale)
        closing = set(
            _surveys()
            .filter(closes_at__gt=earliest, closes_at__lte=moment)
            .annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS), y=ExtractYear("opens_at"))
            .values_list("county_key", "y")
            .distinct()
        )
        recounted = {(county, year) for county, year, _ in stale} & closing
        recount(recounted, now=now)
        for year, counties in _by_year(
            (county, year) for county, year, _ in stale if (county, year) not in recounted
        ).items():
            _rows().filter(year=year, county__in=sorted(counties), closed_by__lt=moment).update(
                closed_by=moment
            )
    return len(recounted)


# --- reading ------------------------------------------------------------------------------------


def survey_figures(codes: tuple[str, ...], year: int) -> dict | None:
    """The surveys of `year` within the region prefixes `codes` (`Scope.county_prefixes`):
    on-site and follow-up surveys, on-site ones with a published score, and sheets per role.
    None when no row of the year lies within them: the caller counts the raw rows."""
    flush()
    rows = list(
        EvaluationYear.objects.unscoped("read by the scope's region prefixes")
        .filter(within_prefixes("county", codes), year=year)
        .values_list(
            "county",
            "closed_by",
            "surveys",
            "follow_up_surveys",
            "scores_published",
            "closed_sheets",
        )
    )
    if not rows:
        return None
    by_role: Counter[str] = Counter()
    counties_at: dict[datetime.datetime, list[str]] = defaultdict(list)
    for county, counted, *_counts, sheets in rows:
        by_role.update(sheets)
        counties_at[counted].append(county)
    by_role.update(_open_sheets(codes, year, counties_at))
    return {
        "surveys": sum(row[2] for row in rows),
        "follow_up_surveys": sum(row[3] for row in rows),
        "scores_published": sum(row[4] for row in rows),
        "responses_by_role": {role: n for role, n in sorted(by_role.items()) if n},
    }


def _open_sheets(codes, year: int, counties_at: dict) -> dict[str, int]:
    """Sheets per role of the surveys (of `year`, within `codes`) still open when their
    county's row was counted: closing after its `closed_by`."""
    first, last = year_bounds(year)
    earliest = min(counties_at)
    tallies = _tallies().filter(
        within_prefixes("survey__region__code", codes),
        survey__opens_at__gte=first,
        survey__opens_at__lt=last,
        survey__closes_at__gt=earliest,
    )
    if len(counties_at) > 1:  # rows counted at different instants: each county by its own
        counted = [county for counties in counties_at.values() for county in counties]
        condition = ~Q(county_key__in=counted)  # a county whose row is not written yet
        for moment, counties in counties_at.items():
            condition |= Q(county_key__in=counties, survey__closes_at__gt=moment)
        tallies = tallies.annotate(county_key=Substr("survey__region_id", 1, COUNTY_DIGITS)).filter(
            condition
        )
    return dict(tallies.values_list("role").annotate(n=Sum("responses")).order_by())


# --- the writes the signals see -----------------------------------------------------------------

# A save naming its fields moves no key unless it names one of these.
_KEY_FIELDS = {"opens_at", "region", "region_id"}
# What a row counts a survey by: a save naming none of these leaves it as it was.
_COUNTED_FIELDS = _KEY_FIELDS | {"kind", "published_at", "closes_at"}


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not _KEY_FIELDS & set(update_fields):
        return
    # where it was: a moved survey leaves its old key
    note(
        survey_key(region_id, opens_at)
        for region_id, opens_at in _surveys()
        .filter(pk=instance.pk)
        .values_list("region_id", "opens_at")
    )


def _after_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    if update_fields is not None and not _COUNTED_FIELDS & set(update_fields):
        return
    note([survey_key(instance.region_id, instance.opens_at)])


def _before_delete(sender, instance, **kwargs):
    note([survey_key(instance.region_id, instance.opens_at)])


def connect() -> None:
    """Called by the app's `ready`."""
    pre_save.connect(_before_save, sender=Survey, dispatch_uid="evaluation_year_before_save")
    post_save.connect(_after_save, sender=Survey, dispatch_uid="evaluation_year_after_save")
    pre_delete.connect(_before_delete, sender=Survey, dispatch_uid="evaluation_year_delete")
