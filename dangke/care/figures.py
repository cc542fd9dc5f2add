"""Care figures for `dangke stats --json`: rooms and their hours booked and cancelled in
the year, beds and bed-nights given, festival care records, and one-to-one counselling
requests — a count only, never who asked (six queries)."""

import datetime

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from dangke.accounts.scoping import visible_within
from dangke.care.models import (
    Bed,
    BookingStatus,
    CareRecord,
    CounsellingRequest,
    Counsellor,
    Room,
    RoomBooking,
    Stay,
    StayStatus,
)


def care_figures(scope, year: int, region_code: str | None = None) -> dict:
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    rooms = visible_within(Room, scope, region_code)
    bookings = RoomBooking.objects.unscoped("bookings of rooms in scope").filter(
        room__in=rooms, starts_at__gte=start, starts_at__lt=end
    )
    length = F("ends_at") - F("starts_at")
    booked = bookings.aggregate(
        booked=Sum(length, filter=Q(status=BookingStatus.BOOKED)),
        cancelled=Sum(length, filter=Q(status=BookingStatus.CANCELLED)),
        rooms=Count("room", distinct=True),
    )
    stays = visible_within(Stay, scope, region_code).filter(
        status=StayStatus.BOOKED, check_in__year=year
    )
    nights = sum((s.check_out - s.check_in).days for s in stays.only("check_in", "check_out"))
    counsellors = visible_within(Counsellor, scope, region_code).values("pk")
    return {
        "rooms": rooms.count(),
        "room_hours_booked": _hours(booked["booked"]),
        "room_hours_cancelled": _hours(booked["cancelled"]),
        "beds": visible_within(Bed, scope, region_code).count(),
        "bed_nights": nights,
        "care_records": visible_within(CareRecord, scope, region_code).filter(year=year).count(),
        "counselling_requests": CounsellingRequest.objects.filter(
            counsellor__in=counsellors, created_at__gte=start, created_at__lt=end
        ).count(),
    }


def _hours(duration) -> float:
    return round(duration.total_seconds() / 3600, 1) if duration else 0.0
