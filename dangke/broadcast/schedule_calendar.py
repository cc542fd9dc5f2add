"""The broadcast schedule as a month grid: the slots of each day that a scope sees, with
the slots that overlap on a shared station flagged as conflicts.

Scheduling refuses overlaps (`services.schedule_slot`), yet a conflict can still appear
— rows written by the admin site or an import, or a programme re-recorded longer than its
slot — so the calendar checks the month it shows and makes each conflict visible."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangke.broadcast.models import BroadcastSlot
from dangke.core.calendar import month_bounds

# Monday first, as Chinese calendars are.
WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


@dataclass
class CalendarSlot:
    slot: BroadcastSlot
    station_count: int
    conflicts_with: list[BroadcastSlot] = field(default_factory=list)

    @property
    def start(self):
        return timezone.localtime(self.slot.start)

    @property
    def end(self):
        return timezone.localtime(self.slot.end)

    @property
    def has_conflict(self) -> bool:
        return bool(self.conflicts_with)


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    slots: list[CalendarSlot] = field(default_factory=list)

    @property
    def conflict_count(self) -> int:
        return sum(1 for item in self.slots if item.has_conflict)


def month_calendar(scope, year: int, month: int) -> dict:
    """{"weeks": [[CalendarDay × 7], …], "slot_count", "conflict_count", "weekdays"} for
    the month in Asia/Shanghai; weeks start on Monday and include the neighbouring months'
    days (without their slots) so the grid is whole."""
    start, end = month_bounds(year, month)
    slots = list(
        BroadcastSlot.objects.visible_to(scope)
        .filter(start__lt=end, end__gt=start)
        .select_related("programme", "target_region")
        .annotate(station_count=Count("stations"))
        .order_by("start", "pk")
    )
    conflicts = _conflicts(slots)
    by_day: dict[date, list[CalendarSlot]] = {}
    for slot in slots:
        item = CalendarSlot(slot, slot.station_count, conflicts.get(slot.pk, []))
        by_day.setdefault(item.start.date(), []).append(item)
    today = timezone.localdate()
    weeks = [
        [
            CalendarDay(
                day=day,
                in_month=day.month == month,
                is_today=day == today,
                slots=by_day.get(day, []) if day.month == month else [],
            )
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    return {
        "weeks": weeks,
        "weekdays": WEEKDAYS,
        "slot_count": len(slots),
        "conflict_count": sum(1 for slot in slots if slot.pk in conflicts),
    }


def _conflicts(slots: list[BroadcastSlot]) -> dict[int, list[BroadcastSlot]]:
    """slot id → the other slots that overlap it in time and share at least one station.
    Overlapping pairs are found by a sweep over start times; only their stations are read."""
    pairs = []
    active: list[BroadcastSlot] = []
    for slot in slots:  # sorted by start
        active = [other for other in active if other.end > slot.start]
        pairs.extend((other, slot) for other in active)
        active.append(slot)
    if not pairs:
        return {}
    ids = {slot.pk for pair in pairs for slot in pair}
    through = BroadcastSlot.stations.through
    stations: dict[int, set[int]] = {}
    for slot_id, station_id in through.objects.filter(broadcastslot_id__in=ids).values_list(
        "broadcastslot_id", "broadcaststation_id"
    ):
        stations.setdefault(slot_id, set()).add(station_id)
    found: dict[int, list[BroadcastSlot]] = {}
    for first, second in pairs:
        if stations.get(first.pk, set()) & stations.get(second.pk, set()):
            found.setdefault(first.pk, []).append(second)
            found.setdefault(second.pk, []).append(first)
    return found
