"""Columns (专栏) and series (系列): the editors' catalogue of new-media works.

Every change — create, rename, reorder, archive, restore — goes through this module, is
checked against the editor's scope (they must administer the entry's region) and is
audited. Names are unique in a region; the order is a `position` among the entries of the
same region. Archiving hides an entry from the work form and the portal's filters but keeps
its works where they are."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.media.models import MediaColumn, MediaSeries, WorkStatus

KINDS = {"columns": MediaColumn, "series": MediaSeries}
NAME_MAX_CHARS = 100


def kind_label(model) -> str:
    return str(model._meta.verbose_name)


def _require_manager(scope, region_code: str, model) -> None:
    if scope is None or not scope.manages_region(region_code):
        raise PermissionDenied(
            _("只有该区划的党员教育管理员可以管理%(kind)s") % {"kind": kind_label(model)}
        )


def _clean_name(model, name: str, region_code: str, *, exclude_pk=None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("请填写%(kind)s名称") % {"kind": kind_label(model)})
    if len(name) > NAME_MAX_CHARS:
        raise ValidationError(
            _("%(kind)s名称不能超过 %(n)d 个字") % {"kind": kind_label(model), "n": NAME_MAX_CHARS}
        )
    clash = (
        model.objects.unscoped("a name clash in the region")
        .filter(region_id=region_code, name=name)
        .exclude(pk=exclude_pk)
    )
    if clash.exists():
        raise ValidationError(
            _("本区划已有名为「%(name)s」的%(kind)s") % {"name": name, "kind": kind_label(model)}
        )
    return name


def listed(model, scope):
    """The entries the scope sees, in the editors' order, with their works counted."""
    return (
        model.objects.visible_to(scope)
        .select_related("region")
        .annotate(
            work_count=Count("works", distinct=True),
            published_count=Count(
                "works", filter=Q(works__status=WorkStatus.PUBLISHED), distinct=True
            ),
        )
        .order_by("is_archived", "region_id", "position", "name")
    )


def assignable(model, scope, current=None):
    """Entries a work may be put in: not archived, of the regions the editor administers
    or of the regions above them (a county's work may go in the city's column). The work's
    present entry stays offered even when archived, so saving a form never drops it."""
    codes = tuple(scope.managed_region_codes) if scope is not None else ()
    condition = Q(pk__in=[])
    if scope is not None and scope.is_superuser:
        condition = Q()
    above = {code[:n] for code in codes for n in (2, 4, 6, 9) if n < len(code)}
    if above:
        condition |= Q(region_id__in=above)
    for code in codes:
        condition |= Q(region__code__startswith=code)
    entries = model.objects.unscoped("managed regions and those above").filter(
        condition, is_archived=False
    )
    if current:
        entries = entries | model.objects.unscoped("the work's present entry").filter(
            pk=getattr(current, "pk", current)
        )
    return entries.order_by("region_id", "position", "name")


@transaction.atomic
def create_entry(model, *, name: str, region, actor, scope, description: str = ""):
    _require_manager(scope, region.code, model)
    name = _clean_name(model, name, region.code)
    last = (
        model.objects.unscoped("positions in a region the user manages")
        .filter(region=region)
        .aggregate(last=Max("position"))["last"]
        or 0
    )
    try:
        with transaction.atomic():
            entry = model.objects.create(
                name=name, region=region, description=description.strip(), position=last + 1
            )
    except IntegrityError as error:  # the same name saved a moment ago by someone else
        raise ValidationError(
            _("本区划已有名为「%(name)s」的%(kind)s") % {"name": name, "kind": kind_label(model)}
        ) from error
    record_audit(entry, actor=actor, action=AuditEntry.Action.CREATE, to_value=name)
    return entry


@transaction.atomic
def rename_entry(entry, *, name: str, actor, scope, description: str | None = None):
    model = type(entry)
    _require_manager(scope, entry.region_id, model)
    old = entry.name
    entry.name = _clean_name(model, name, entry.region_id, exclude_pk=entry.pk)
    fields = ["name"]
    if description is not None:
        entry.description = description.strip()
        fields.append("description")
    entry.save(update_fields=fields)
    if old != entry.name:
        record_audit(
            entry,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            field="name",
            from_value=old,
            to_value=entry.name,
        )
    return entry


@transaction.atomic
def move_entry(entry, direction: str, *, actor, scope) -> bool:
    """Move one place up or down among the entries of the same region (renumbering them
    1, 2, 3… on the way). Returns False when it is already first or last."""
    model = type(entry)
    _require_manager(scope, entry.region_id, model)
    if direction not in ("up", "down"):
        raise ValidationError(_("未知的移动方向"))
    siblings = list(
        model.objects.unscoped("siblings of the entry held")
        .select_for_update()
        .filter(region_id=entry.region_id, is_archived=entry.is_archived)
        .order_by("position", "name", "pk")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == entry.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            model.objects.unscoped("siblings of the entry held").filter(pk=sibling.pk).update(
                position=position
            )
        if sibling.pk == entry.pk:
            entry.position = position
    record_audit(
        entry,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        field="position",
        to_value=str(entry.position),
    )
    return True


@transaction.atomic
def set_archived(entry, archived: bool, *, actor, scope):
    model = type(entry)
    _require_manager(scope, entry.region_id, model)
    if entry.is_archived == archived:
        return entry
    entry.is_archived = archived
    entry.save(update_fields=["is_archived"])
    record_audit(
        entry,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        field="is_archived",
        from_value=_("已归档") if not archived else _("使用中"),
        to_value=_("已归档") if archived else _("使用中"),
    )
    return entry


def portal_filters(works) -> dict:
    """The columns and series a portal page offers as filters: those not archived that
    hold at least one of `works` (the region's published works)."""
    return {
        "columns": list(
            MediaColumn.objects.unscoped("columns of works in scope")
            .filter(is_archived=False, works__in=works.values("pk"))
            .distinct()
            .order_by("position", "name")
        ),
        "series": list(
            MediaSeries.objects.unscoped("series of works in scope")
            .filter(is_archived=False, works__in=works.values("pk"))
            .distinct()
            .order_by("position", "name")
        ),
    }
