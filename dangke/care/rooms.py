"""Booking the office's rooms: a clash is refused naming the booking it clashes with,
weekly series are booked whole or not at all, the booker or the office cancels."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.care.access import CareError, may_run_care, own_teacher, reachable
from dangke.care.models import BookingStatus, Room, RoomBooking
from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.delivery.ical import CalendarEvent
from dangke.faculty.models import TeachingGroup

MAX_WEEKS = 20
DAY_STARTS, DAY_ENDS = 8, 22  # the hours a week calendar shows


def bookable_rooms(scope):
    return reachable(Room, scope).filter(is_active=True).order_by("region_id", "kind", "name")


def groups_for(scope):
    """The teaching groups a user may book for: their own (as member or leader)."""
    teacher = own_teacher(scope)
    groups = TeachingGroup.objects.unscoped("the user's own groups").filter(pk__in=scope.group_ids)
    if teacher is not None:
        groups = groups | teacher.groups.all()
    return groups.distinct().order_by("name")


def describe(booking: RoomBooking) -> str:
    start, end = timezone.localtime(booking.starts_at), timezone.localtime(booking.ends_at)
    who = booking.teaching_group.name if booking.teaching_group_id else booking.booked_by
    return _("%(day)s %(start)s–%(end)s「%(title)s」（%(who)s）") % {
        "day": start.strftime("%Y-%m-%d"),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "title": booking.title,
        "who": who,
    }


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


@transaction.atomic
def book_room(
    *,
    scope,
    actor,
    room: Room,
    day: datetime.date,
    start: datetime.time,
    end: datetime.time,
    title: str,
    teaching_group: TeachingGroup | None = None,
    weeks: int = 1,
) -> list[RoomBooking]:
    """Book `room` on `day` from `start` to `end` (local time), repeated on the same weekday
    for `weeks` weeks. Refused as a whole when any of them clashes."""
    if not bookable_rooms(scope).filter(pk=room.pk).exists():
        raise CareError(_("该功能室不在您可预约的范围内"))
    if end <= start:
        raise CareError(_("结束时间须晚于开始时间"))
    if not 1 <= weeks <= MAX_WEEKS:
        raise CareError(_("每周重复次数须在 1 到 %(n)s 之间") % {"n": MAX_WEEKS})
    own_group = teaching_group is None or groups_for(scope).filter(pk=teaching_group.pk).exists()
    if not (own_group or may_run_care(scope, room.region_id)):
        raise CareError(_("只能为本人所在的教研组预约"))
    if _at(day, start) < timezone.now():
        raise CareError(_("不能预约已经过去的时间"))
    Room.objects.unscoped("locks the room held").select_for_update().filter(
        pk=room.pk
    ).first()  # one booker at a time
    series = uuid.uuid4() if weeks > 1 else None
    bookings = []
    for week in range(weeks):
        # local dates, then local times: a week later is the same wall-clock hour
        date = day + datetime.timedelta(weeks=week)
        starts_at, ends_at = _at(date, start), _at(date, end)
        clash = (
            RoomBooking.objects.unscoped("clashes in the room held")
            .filter(
                room=room,
                status=BookingStatus.BOOKED,
                starts_at__lt=ends_at,
                ends_at__gt=starts_at,
            )
            .select_related("booked_by", "teaching_group")
            .first()
        )
        if clash is not None:
            raise CareError(
                _("%(room)s 在该时段已被预约：%(clash)s，请换一个时间")
                % {"room": room.name, "clash": describe(clash)}
            )
        bookings.append(
            RoomBooking.objects.create(
                room=room,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                booked_by=actor,
                teaching_group=teaching_group,
                series=series,
            )
        )
    record_audit(
        bookings[0],
        actor=actor,
        action=AuditEntry.Action.CREATE,
        to_value=describe(bookings[0]),
        reason=_("每周重复 %(n)s 次") % {"n": weeks} if weeks > 1 else "",
    )
    return bookings


def may_cancel(scope, actor, booking: RoomBooking) -> bool:
    return booking.booked_by_id == getattr(actor, "pk", None) or may_run_care(
        scope, booking.room.region_id
    )


@transaction.atomic
def cancel_booking(*, scope, actor, booking: RoomBooking, following: bool = False) -> int:
    """Cancel a booking (and, with `following`, the later ones of its weekly series)."""
    if not may_cancel(scope, actor, booking):
        raise PermissionDenied(_("只有预约人或管理员可以取消该预约"))
    if booking.status == BookingStatus.CANCELLED:
        raise CareError(_("该预约已经取消"))
    targets = RoomBooking.objects.unscoped("the booking fetched in scope").filter(pk=booking.pk)
    if following and booking.series:
        targets = RoomBooking.objects.filter(
            series=booking.series, starts_at__gte=booking.starts_at
        )
    cancelled = targets.filter(status=BookingStatus.BOOKED).update(
        status=BookingStatus.CANCELLED, cancelled_at=timezone.now()
    )
    record_audit(
        booking,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        field="status",
        from_value=BookingStatus.BOOKED.label,
        to_value=BookingStatus.CANCELLED.label,
        reason=_("取消 %(n)s 次预约") % {"n": cancelled},
    )
    return cancelled


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_grid(room: Room, monday: datetime.date) -> dict:
    """The room's week as hour rows × seven days; a cell holds the booking that covers that
    hour (booked ones only), or None when the hour is free."""
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    bookings = list(
        room.bookings.filter(
            status=BookingStatus.BOOKED,
            starts_at__lt=_at(days[-1] + datetime.timedelta(days=1), datetime.time()),
            ends_at__gt=_at(monday, datetime.time()),
        ).select_related("booked_by", "teaching_group")
    )
    rows = []
    for hour in range(DAY_STARTS, DAY_ENDS):
        cells = []
        for day in days:
            start = _at(day, datetime.time(hour))
            end = start + datetime.timedelta(hours=1)
            cells.append(
                {
                    "day": day,
                    "hour": hour,
                    "booking": next(
                        (b for b in bookings if b.starts_at < end and b.ends_at > start), None
                    ),
                }
            )
        rows.append({"hour": hour, "cells": cells})
    return {"days": days, "rows": rows, "bookings": bookings}


def room_use(scope, year: int) -> list[dict]:
    """Hours booked and hours cancelled per room and month of `year` (local months), for the
    rooms the user sees by region."""
    start = _at(datetime.date(year, 1, 1), datetime.time())
    end = _at(datetime.date(year + 1, 1, 1), datetime.time())
    rooms = Room.objects.visible_to(scope)
    totals: dict[tuple, dict] = defaultdict(lambda: {"booked": 0.0, "cancelled": 0.0, "count": 0})
    bookings = (
        RoomBooking.objects.unscoped("bookings of rooms in scope")
        .filter(room__in=rooms, starts_at__gte=start, starts_at__lt=end)
        .select_related("room")
    )
    for booking in bookings:
        month = timezone.localtime(booking.starts_at).month
        row = totals[(booking.room, month)]
        if booking.status == BookingStatus.BOOKED:
            row["booked"] += booking.hours
            row["count"] += 1
        else:
            row["cancelled"] += booking.hours
    return [
        {
            "room": room,
            "month": month,
            "bookings": row["count"],
            "hours_booked": round(row["booked"], 1),
            "hours_cancelled": round(row["cancelled"], 1),
        }
        for (room, month), row in sorted(
            totals.items(), key=lambda item: (item[0][0].region_id, item[0][0].name, item[0][1])
        )
    ]


def teacher_booking_events(teacher, since: datetime.datetime) -> list[CalendarEvent]:
    """The bookings a teacher's calendar feed carries: their own and their groups'."""
    bookings = (
        RoomBooking.objects.unscoped("the teacher's own and their groups' bookings")
        .filter(starts_at__gte=since)
        .filter(_own_or_group(teacher))
        .distinct()
        .select_related("room", "teaching_group")
        .order_by("starts_at")
    )
    return [
        CalendarEvent(
            uid=f"care-booking-{booking.pk}@dangke",
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            summary=_("%(kind)s：%(title)s")
            % {"kind": booking.room.get_kind_display(), "title": booking.title},
            location=" ".join(filter(None, [booking.room.name, booking.room.location])),
            description=booking.teaching_group.name if booking.teaching_group_id else "",
            status="CANCELLED" if booking.status == BookingStatus.CANCELLED else "CONFIRMED",
        )
        for booking in bookings
    ]


def _own_or_group(teacher) -> Q:
    own = Q(teaching_group__teachers=teacher)
    if teacher.user_id:
        own |= Q(booked_by_id=teacher.user_id)
    return own
