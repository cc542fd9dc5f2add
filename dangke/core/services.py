"""Shared state-changing functions: the audit trail and protected status changes."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from dangke.core.models import AuditEntry
from dangke.core.signals import statuses_changed
from dangke.core.status import ProtectedStatusModel, StatusTransitionError


def region_code_of(obj) -> str:
    """The region an object belongs to, for scoping its audit entries."""
    code = getattr(obj, "region_id", None)
    return code or ""


def record_audit(
    obj, *, actor, action, field="", from_value="", to_value="", reason="", changes=None
):
    return AuditEntry.objects.create(
        changes=changes or [],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        field=field,
        from_value=str(from_value)[:200],
        to_value=str(to_value)[:200],
        reason=reason,
        region_code=region_code_of(obj),
    )


def label_of(model_cls, status: str) -> str:
    field = model_cls._meta.get_field("status")
    return str(dict(field.flatchoices).get(status, status))


@transaction.atomic
def change_status(obj: ProtectedStatusModel, new_status: str, *, actor, reason: str) -> AuditEntry:
    """Move obj to new_status if its transition table allows it, and audit the change."""
    # Re-read under a row lock so two offices acting at once cannot both pass the check.
    locked = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
    (entry,) = change_statuses([locked], new_status, actor=actor, reasons=[reason])
    obj.status = new_status
    obj._stored_status = new_status
    return entry


def change_statuses(
    objs: list[ProtectedStatusModel], new_status: str, *, actor, reasons: list[str], also=()
) -> list[AuditEntry]:
    """`change_status` for many rows of one model at once, in a number of queries that does
    not grow with the rows: the caller has locked them (select_for_update) in its
    transaction. Every transition is checked before anything is written; the new status (and
    the fields named in `also`, already set on the objects) goes out in one bulk update, and
    one audit entry per object in one insert."""
    if not objs:
        return []
    model = type(objs[0])
    for obj in objs:
        if not obj.can_change_status_to(new_status):
            old_label, new_label = label_of(model, obj.status), label_of(model, new_status)
            which = f"（{obj}）" if len(objs) > 1 else ""
            raise StatusTransitionError(f"不能从「{old_label}」变更为「{new_label}」{which}")
    if any(not reason or not reason.strip() for reason in reasons):
        raise StatusTransitionError("状态变更必须填写原因")
    old_labels = [label_of(model, obj.status) for obj in objs]
    for obj in objs:
        obj.status = new_status
    with transaction.atomic():
        model.objects.bulk_update(objs, ["status", *also], batch_size=500)
        for obj in objs:
            obj._stored_status = new_status
        statuses_changed.send(sender=model, objects=objs)
        content_type = ContentType.objects.get_for_model(model)
        by = actor if getattr(actor, "is_authenticated", False) else None
        new_label = label_of(model, new_status)
        return AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    actor=by, action=AuditEntry.Action.STATUS, content_type=content_type,
                    object_id=str(obj.pk), object_repr=str(obj)[:200], field="status",
                    from_value=old, to_value=new_label, reason=reason.strip(),
                    region_code=region_code_of(obj),
                )
                for obj, old, reason in zip(objs, old_labels, reasons, strict=True)
            ],
            batch_size=500,
        )  # fmt: skip


def notify(users, message: str, url: str = "") -> int:
    """One in-app notification per distinct user (inactive users are skipped)."""
    from dangke.core.models import Notification

    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    Notification.objects.bulk_create(
        Notification(user_id=pk, message=message[:300], url=url) for pk in sorted(recipients)
    )
    return len(recipients)
