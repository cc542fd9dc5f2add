"""The care calendar (节日慰问): who is due at which festival, what they received, and the
greeting cards for the whole pool, made by the worker."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.care.access import CareError, may_run_care
from dangke.care.models import CardBatch, CardBatchStatus, CareRecord, Festival
from dangke.core.models import AuditEntry
from dangke.core.services import notify, record_audit
from dangke.faculty.models import POOL_STATUSES, Teacher

# Lunar festivals by Gregorian date (春节: first day of the first month; 重阳: ninth day of the
# ninth month), from the national calendar; add a year here when the table runs out.
SPRING_FESTIVAL = {
    2024: (2, 10),
    2025: (1, 29),
    2026: (2, 17),
    2027: (2, 6),
    2028: (1, 26),
    2029: (2, 13),
    2030: (2, 3),
}
CHONGYANG = {
    2024: (10, 11),
    2025: (10, 29),
    2026: (10, 18),
    2027: (10, 8),
    2028: (10, 26),
    2029: (10, 16),
    2030: (10, 5),
}
RETIREMENT_AGE = 60


def festival_date(festival: str, year: int) -> datetime.date | None:
    fixed = {Festival.PARTY_DAY: (7, 1), Festival.TEACHERS_DAY: (9, 10)}
    table = {Festival.SPRING: SPRING_FESTIVAL, Festival.CHONGYANG: CHONGYANG}
    if festival in fixed:
        return datetime.date(year, *fixed[festival])
    month_day = table.get(festival, {}).get(year)
    return datetime.date(year, *month_day) if month_day else None


def anniversary(teacher: Teacher, year: int) -> tuple[datetime.date, int] | None:
    """The date of the teacher's years-in-the-pool anniversary in `year`, and the years."""
    joined = teacher.joined_on
    if joined is None or joined.year >= year:
        return None
    day = 28 if (joined.month, joined.day) == (2, 29) else joined.day
    return datetime.date(year, joined.month, day), year - joined.year


def due_teachers(teachers, festival: str, year: int):
    """Who the office remembers at a festival: the pool; at 重阳 the retired teachers (age
    60 or more in the year, whatever their status); at their anniversary those who joined
    in an earlier year."""
    if festival == Festival.CHONGYANG:
        return teachers.filter(birth_year__lte=year - RETIREMENT_AGE)
    pool = teachers.filter(status__in=POOL_STATUSES)
    if festival == Festival.ANNIVERSARY:
        return pool.filter(joined_on__year__lt=year)
    return pool


def care_calendar(scope, year: int) -> list[dict]:
    """Each festival of the year: its date, how many are due, how many received anything,
    and the first names still missing. Own teachers only: a teacher lent in through an
    alliance is cared for by their home office."""
    teachers = Teacher.objects.visible_to(scope, shared=False)
    given = {}
    for teacher_id, festival in (
        CareRecord.objects.visible_to(scope).filter(year=year).values_list("teacher_id", "festival")
    ):
        given.setdefault(festival, set()).add(teacher_id)
    calendar = []
    for festival in Festival:
        due = list(
            due_teachers(teachers, festival, year).order_by("code").only("pk", "name", "code")
        )
        received = given.get(festival.value, set())
        missing = [t for t in due if t.pk not in received]
        calendar.append(
            {
                "festival": festival,
                "date": festival_date(festival, year),
                "due": len(due),
                "received": len(due) - len(missing),
                "missing": missing[:12],
                "missing_count": len(missing),
            }
        )
    return calendar


@transaction.atomic
def record_care(
    *, scope, actor, teacher: Teacher, year: int, festival: str, kind: str, given_on, note=""
) -> CareRecord:
    """Record that `teacher` received `kind` at `festival`; refused when they already did."""
    if not may_run_care(scope, teacher.region_id):
        raise PermissionDenied(_("只有管理员可以登记慰问"))
    existing = CareRecord.objects.filter(
        teacher=teacher, year=year, festival=festival, kind=kind
    ).first()
    if existing is not None:
        raise CareError(
            _("%(who)s 已于 %(day)s 收到%(year)s年%(festival)s%(kind)s，不重复发放")
            % {
                "who": teacher.name,
                "day": existing.given_on,
                "year": year,
                "festival": existing.get_festival_display(),
                "kind": existing.get_kind_display(),
            }
        )
    record = CareRecord.objects.create(
        teacher=teacher,
        year=year,
        festival=festival,
        kind=kind,
        given_on=given_on,
        note=note,
        recorded_by=actor,
    )
    record_audit(record, actor=actor, action=AuditEntry.Action.CREATE, to_value=str(record))
    return record


def start_cards(*, scope, actor, region, year: int, festival: str, message: str, sender: str):
    """Queue the greeting cards of the region's pool; the worker renders them."""
    if not may_run_care(scope, region.code):
        raise PermissionDenied(_("只有管理员可以制作贺卡"))
    if not message.strip():
        raise CareError(_("请填写祝福语"))
    batch = CardBatch.objects.create(
        region=region,
        year=year,
        festival=festival,
        message=message.strip(),
        sender=sender.strip() or region.name,
        created_by=actor,
    )
    record_audit(batch, actor=actor, action=AuditEntry.Action.CREATE, to_value=str(batch))
    from dangke.care.tasks import make_cards

    transaction.on_commit(lambda: make_cards.enqueue(batch.pk))
    return batch


def card_teachers(batch: CardBatch):
    teachers = Teacher.objects.filter(region__code__startswith=batch.region_id)
    return due_teachers(teachers, batch.festival, batch.year).order_by("code")


def render_cards(batch_id: int) -> str:
    """Render one A5 page per teacher into the batch's PDF (run by the worker)."""
    from dangke.core.pdf import render_pdf

    batch = CardBatch.objects.get(pk=batch_id)
    if batch.status != CardBatchStatus.QUEUED or not batch.move(CardBatchStatus.RUNNING):
        return f"跳过：贺卡批次已是「{batch.get_status_display()}」"
    try:
        teachers = list(card_teachers(batch).select_related("user"))
        pdf = render_pdf(
            "care/pdf/cards.html",
            {"batch": batch, "teachers": teachers, "today": timezone.localdate()},
        )
        batch.file.save(f"cards-{batch.pk}.pdf", ContentFile(pdf), save=False)
    except Exception as error:  # the batch says why; the worker keeps running
        batch.fail(str(error))
        raise
    batch.move(CardBatchStatus.DONE, file=batch.file.name, cards=len(teachers))
    # the greeting itself reaches each teacher with a login, inside Dangke only
    greeted = [t.user for t in teachers if t.user_id]
    if greeted:
        notify(
            greeted,
            _("%(sender)s：%(message)s") % {"sender": batch.sender, "message": batch.message},
        )
    if batch.created_by_id:
        notify(
            [batch.created_by],
            _("%(batch)s已生成：%(n)s 张") % {"batch": batch, "n": batch.cards},
            url="/care/festivals/",
        )
    return f"{batch.cards} cards"
