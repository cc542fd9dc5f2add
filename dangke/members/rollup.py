"""The members' study figures per county and year (`StudyTally`, issue #18), so that the
工作台 and `stats` of a city or the province stop adding up every member-year per request.

Kept by the writes of the member-years themselves: `services.refresh_years` (every ledger
write and roster change goes through it) names the counties and year of the rows it reads
and writes, `rebuild_study_years` those of the rows it removes, and a member-year saved on
its own (the admin, a test) is named by the model's signals; the keys are recounted from
the member-years when the transaction commits (`core.pending`). Members are not deleted but
by the demo's clearing, which rebuilds, as the demo's bulk load does; `rebuild` recounts
everything (`dangke rebuild_study_years`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.db.models.signals import post_save, pre_save

from dangke.core.pending import RecountOnCommit
from dangke.members.models import StudyTally, StudyYear
from dangke.regions.codes import COUNTY_DIGITS, within_prefixes

BATCH = 5000

FIGURES = {
    "registered": Count("pk"),
    "with_hours": Count("pk", filter=Q(hours__gt=0)),
    "hours_total": Sum("hours"),
    "target_met": Count("pk", filter=Q(met=True)),
    "leaders": Count("pk", filter=Q(is_leader=True)),
    "leaders_target_met": Count("pk", filter=Q(is_leader=True, met=True)),
}


def _study_years():
    return StudyYear.objects.unscoped("the rollup counts every member-year by its county")


def _insert(study_years) -> int:
    rows = [
        StudyTally(county=row.pop("county_key"), year=row.pop("year"), **row)
        for row in study_years.annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS))
        .values("county_key", "year")
        .annotate(**FIGURES)
        .order_by()
    ]
    for row in rows:
        row.hours_total = row.hours_total or 0
    StudyTally.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _recount(keys: set) -> None:
    stale, wanted = Q(pk__in=[]), Q(pk__in=[])
    for county, year in keys:
        stale |= Q(county=county, year=year)
        wanted |= Q(region__code__startswith=county, county_key=county, year=year)
    StudyTally.objects.unscoped("the rollup's own upkeep").filter(stale).delete()
    _insert(
        _study_years().annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS)).filter(wanted)
    )


pending = RecountOnCommit("members-study", _recount)
flush = pending.flush


def study_years_changed(region_ids, year: int) -> None:
    """Note the counties of these region codes (member-years' regions) in `year`."""
    pending.note((region_id[:COUNTY_DIGITS], year) for region_id in region_ids)


def rebuild(year: int | None = None, region: str | None = None) -> int:
    """Recount the tallies from the member-years: every year or one, everywhere or within
    one region (cut to its county). Returns the rows written."""
    pending.forget()
    region = (region or "")[:COUNTY_DIGITS]
    with transaction.atomic():
        stale = StudyTally.objects.unscoped("the rollup is rebuilt").filter(
            county__startswith=region
        )
        study_years = _study_years().filter(region__code__startswith=region)
        if year is not None:
            stale, study_years = stale.filter(year=year), study_years.filter(year=year)
        stale.delete()
        return _insert(study_years)


def tallies(codes: tuple[str, ...], year: int):
    """The year's tallies within the region prefixes `codes` (`Scope.county_prefixes`)."""
    flush()
    return StudyTally.objects.unscoped("read by the scope's region prefixes").filter(
        within_prefixes("county", codes), year=year
    )


def _before_save(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk is not None:  # where it was: it may move county or year
        for region_id, year in (
            _study_years().filter(pk=instance.pk).values_list("region_id", "year")
        ):
            study_years_changed([region_id], year)


def _after_save(sender, instance, raw=False, **kwargs):
    if not raw:
        study_years_changed([instance.region_id], instance.year)


def connect() -> None:
    pre_save.connect(_before_save, sender=StudyYear, dispatch_uid="study_tally_pre")
    post_save.connect(_after_save, sender=StudyYear, dispatch_uid="study_tally_post")
