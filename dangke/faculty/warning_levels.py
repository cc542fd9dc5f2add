"""Kept warning levels (`KeptWarningLevel`): marking them changed when what they were judged
on changes, and keeping a judgement only where nothing changed while it was made.

The judgement reads a teacher's lessons, published scores, level, region, status and the
quota of their level. The lesson and score rollups call `forget` for the teachers they
recount; this module's signals forget a teacher whose record is saved and every teacher a
saved or deleted quota may hold. The mark is written when the writing transaction commits
(a judgement that began before then may have read the old rows), and `keep` leaves a level
alone whose mark is later than the moment its judgement began reading: that teacher is
judged again at the next read (advice.services). Bulk updates of teachers skip the signals:
their levels are good until the day ends, when every level is judged again anyway."""

from __future__ import annotations

import datetime
import functools
import threading

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from dangke.core.calendar import local_midnight
from dangke.faculty.models import KeptWarningLevel, Quota, Teacher

BATCH = 1000


def _kept():
    return KeptWarningLevel.objects.unscoped("kept levels are keyed by teachers already scoped")


_pending = threading.local()


def _marks() -> dict:
    if not hasattr(_pending, "marks"):
        _pending.marks = {"teachers": set(), "all": False}
    return _pending.marks


def forget(teacher_ids) -> None:
    """These teachers' lessons, scores or record change in the current transaction: once it
    commits (or earlier, when this thread reads the kept levels), their levels no longer count."""
    marks = _marks()
    marks["teachers"].update(teacher_ids)
    if marks["teachers"]:
        transaction.on_commit(flush)


def forget_all() -> None:
    """The rollups are rebuilt from the raw rows: judge everyone again."""
    _marks()["all"] = True
    transaction.on_commit(flush)


def forget_quota_holders(quota: Quota) -> None:
    """A quota binds the teachers of its level in its region and below (where no nearer
    quota does: which ones is the judgement's business, so all of them are forgotten)."""
    holders = Teacher.objects.unscoped("teachers a quota may bind").filter(
        level=quota.level, region__code__startswith=quota.region.code
    )
    forget(holders.values_list("pk", flat=True))


def flush() -> None:
    """Write the marks noted so far (idempotent, free when there are none)."""
    marks = _marks()
    teacher_ids, everyone = sorted(marks["teachers"]), marks["all"]
    marks["teachers"].clear()
    marks["all"] = False
    if not teacher_ids and not everyone:
        return
    now = timezone.now()
    if everyone:
        _kept().update(changed_at=now)
    # A row for a teacher never judged too: a judgement of them under way must not keep
    # what it read before this change.
    with transaction.atomic():
        for first in range(0, len(teacher_ids), BATCH):
            still_there = Teacher.objects.unscoped("marking teachers by id").filter(
                pk__in=teacher_ids[first : first + BATCH]
            )  # a deleted teacher's lessons are recounted too
            _kept().bulk_create(
                [
                    KeptWarningLevel(teacher_id=pk, level="", changed_at=now)
                    for pk in still_there.order_by("pk").values_list("pk", flat=True)
                ],
                update_conflicts=True,
                unique_fields=["teacher"],
                update_fields=["changed_at"],
            )


def good_levels(today: datetime.date):
    """The kept levels judged today with nothing changed since (not yet scoped); `flush`
    first, so that this thread's own uncommitted changes count."""
    return _kept().filter(
        Q(changed_at__isnull=True) | Q(changed_at__lt=F("judged_at")),
        judged_at__gte=local_midnight(today),
    )


def keep(levels: dict[int, str], judged_at: datetime.datetime) -> None:
    """Keep these teachers' levels as judged from reads that began at `judged_at`, except
    where a change was marked since (in one statement per batch, so a mark cannot slip in
    between a check and the write). Teachers in ascending order: two requests keeping
    overlapping pools lock their rows in the same order."""
    ids = sorted(levels)
    with transaction.atomic(), connection.cursor() as cursor:
        for first in range(0, len(ids), BATCH):
            batch = ids[first : first + BATCH]
            cursor.execute(
                _keep_sql(len(batch)),
                [value for pk in batch for value in (pk, levels[pk], judged_at)],
            )


@functools.cache
def _keep_sql(rows: int) -> str:
    # INSERT … ON CONFLICT … DO UPDATE … WHERE is the same on SQLite (3.24+) and PostgreSQL.
    quote = connection.ops.quote_name
    table = quote(KeptWarningLevel._meta.db_table)
    teacher, level, judged, changed = (
        quote(KeptWarningLevel._meta.get_field(name).column)
        for name in ("teacher", "level", "judged_at", "changed_at")
    )
    values = ", ".join(["(%s, %s, %s)"] * rows)
    return (
        f"INSERT INTO {table} ({teacher}, {level}, {judged}) VALUES {values} "
        f"ON CONFLICT ({teacher}) DO UPDATE SET {level} = excluded.{level}, "
        f"{judged} = excluded.{judged} "
        f"WHERE {table}.{changed} IS NULL OR {table}.{changed} < excluded.{judged}"
    )


def _teacher_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        forget([instance.pk])


def _quota_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        forget_quota_holders(instance)


def connect() -> None:
    """Called by the app's `ready`."""
    post_save.connect(_teacher_saved, sender=Teacher, dispatch_uid="kept_level_teacher")
    post_save.connect(_quota_changed, sender=Quota, dispatch_uid="kept_level_quota_saved")
    post_delete.connect(_quota_changed, sender=Quota, dispatch_uid="kept_level_quota_deleted")
