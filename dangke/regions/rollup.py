"""Active organisations and their members per county and kind (`OrganizationTally`, issue
#18), so that a province's figures stop reading its 100,000 organisations per request.

Kept by the writes: an organisation's save or deletion (its form, the admin) by the model's
signals, the organisations import by naming what it wrote (`organizations_changed`); the
counties touched are recounted from the organisations when the transaction commits
(`core.pending`). Each recount is announced by `organizations_recounted`: the delivery
rollup's coverage, which counts organisations and their members too, listens. `rebuild`
recounts everything (the demo and the province loader, which write organisations in bulk).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Substr
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import Signal

from dangke.core.pending import RecountOnCommit
from dangke.regions.codes import COUNTY_DIGITS, within_prefixes
from dangke.regions.models import Organization, OrganizationTally

BATCH = 5000

# Sent after the counties' organisations were recounted (and by `rebuild`, with the region
# rebuilt): `counties`, a set of county codes, or `region`, a code prefix (every county).
organizations_recounted = Signal()

# The fields a tally or a coverage counts by: a save naming none of them changes nothing.
COUNTED_FIELDS = frozenset({"kind", "region", "region_id", "member_count", "is_active"})


def _organizations():
    return Organization.objects.unscoped("the rollup counts every organisation by its county")


def _in_counties(organizations, counties):
    """The organisations whose region code cut to the county is one of `counties` (a
    city-level organisation's code is its own county key): the prefix lets the index serve,
    the cut makes it exact."""
    return organizations.annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS)).filter(
        within_prefixes("region__code", tuple(counties)), county_key__in=counties
    )


def _insert(organizations) -> int:
    rows = [
        OrganizationTally(county=county, kind=kind, organizations=n, members=members or 0)
        for county, kind, n, members in organizations.filter(is_active=True)
        .annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS))
        .values_list("county_key", "kind")
        .annotate(n=Count("pk"), members=Sum("member_count"))
        .order_by()
    ]
    OrganizationTally.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _recount(counties: set) -> None:
    OrganizationTally.objects.unscoped("the rollup's own upkeep").filter(
        county__in=counties
    ).delete()
    _insert(_in_counties(_organizations(), counties))
    organizations_recounted.send(sender=OrganizationTally, counties=counties)


pending = RecountOnCommit("regions-organizations", _recount)
flush = pending.flush


def organizations_changed(organization_ids) -> None:
    """Note the counties of these organisations as the database holds them now; recounted
    when the transaction commits. Call it after a write, and before one that may move an
    organisation to another county."""
    ids = [pk for pk in organization_ids if pk is not None]
    for start in range(0, len(ids), BATCH):
        pending.note(
            region_id[:COUNTY_DIGITS]
            for region_id in _organizations()
            .filter(pk__in=ids[start : start + BATCH])
            .values_list("region_id", flat=True)
            .distinct()
        )


def rebuild(region: str | None = None) -> int:
    """Recount the tallies from the organisations, everywhere or within one region (cut to
    its county). Returns the rows written."""
    pending.forget()
    region = (region or "")[:COUNTY_DIGITS]
    with transaction.atomic():
        OrganizationTally.objects.unscoped("the rollup is rebuilt").filter(
            county__startswith=region
        ).delete()
        organizations = _organizations()
        if region:
            organizations = organizations.filter(region__code__startswith=region)
        written = _insert(organizations)
        organizations_recounted.send(sender=OrganizationTally, region=region)
    return written


def tallies(codes: tuple[str, ...]):
    """The tallies within the region prefixes `codes` (`Scope.county_prefixes`)."""
    flush()
    return OrganizationTally.objects.unscoped("read by the scope's region prefixes").filter(
        within_prefixes("county", codes)
    )


def _counted(update_fields) -> bool:
    return update_fields is None or bool(COUNTED_FIELDS & set(update_fields))


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw and instance.pk is not None and _counted(update_fields):
        organizations_changed([instance.pk])  # its county before the save: it may move


def _after_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw and _counted(update_fields):
        pending.note([instance.region_id[:COUNTY_DIGITS]])


def _before_delete(sender, instance, **kwargs):
    pending.note([instance.region_id[:COUNTY_DIGITS]])


def connect() -> None:
    pre_save.connect(_before_save, sender=Organization, dispatch_uid="organization_tally_pre")
    post_save.connect(_after_save, sender=Organization, dispatch_uid="organization_tally_post")
    pre_delete.connect(_before_delete, sender=Organization, dispatch_uid="organization_tally_del")
