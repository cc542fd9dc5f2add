"""A teacher's lessons as an iCalendar feed (RFC 5545), so any calendar app can subscribe.

`calendar_text` is a pure function of plain events: lines end in CRLF, text values are
escaped, lines longer than 75 octets are folded (never inside a UTF-8 character), times are
in UTC. `lesson_events` turns Lesson rows (with course, organisation and teachers loaded)
into those events.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

PRODID = "-//Dangke//党课 授课安排//ZH"
MAX_OCTETS = 75
STATUS = {
    "planned": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "delivered": "CONFIRMED",
    "cancelled": "CANCELLED",
}


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime.datetime  # aware
    ends_at: datetime.datetime  # aware
    summary: str
    location: str = ""
    description: str = ""
    status: str = "CONFIRMED"  # TENTATIVE / CONFIRMED / CANCELLED
    sequence: int = 0


def escape_text(value: str) -> str:
    """TEXT escaping of RFC 5545 §3.3.11."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets (RFC 5545 §3.1), continuation
    lines starting with one space, never splitting a multi-byte character."""
    chunks, current, size = [], [], 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1  # the leading space counts
        current.append(char)
        size += width
    chunks.append("".join(current))
    return "\r\n ".join(chunks)


def utc_stamp(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_text(events: list[CalendarEvent], *, name: str, stamp: datetime.datetime) -> str:
    """The whole VCALENDAR, CRLF line endings included."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{utc_stamp(stamp)}",
            f"DTSTART:{utc_stamp(event.starts_at)}",
            f"DTEND:{utc_stamp(event.ends_at)}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines += [f"STATUS:{event.status}", f"SEQUENCE:{event.sequence}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def lesson_events(lessons, *, domain: str = "dangke") -> list[CalendarEvent]:
    """Calendar events of Lesson rows (select_related course and organization,
    prefetch teachers)."""
    events = []
    for lesson in lessons:
        teachers = "、".join(teacher.name for teacher in lesson.teachers.all())
        description = "\n".join(
            part
            for part in (
                f"承办组织：{lesson.organization.name}",
                f"授课师资：{teachers}" if teachers else "",
                f"授课方式：{lesson.get_mode_display()}",
                f"状态：{lesson.get_status_display()}",
            )
            if part
        )
        events.append(
            CalendarEvent(
                uid=f"lesson-{lesson.pk}@{domain}",
                starts_at=lesson.starts_at,
                ends_at=lesson.ends_at,
                summary=f"授课：{lesson.course.title}",
                location=lesson.venue or lesson.organization.name,
                description=description,
                status=STATUS.get(lesson.status, "CONFIRMED"),
                sequence=int(lesson.updated_at.timestamp()) if lesson.updated_at else 0,
            )
        )
    return events


def teacher_calendar(
    teacher, lessons, *, stamp: datetime.datetime | None = None, extra_events=()
) -> str:
    """A teacher's feed: their lessons (the caller chooses and scopes them) and any other
    events of theirs (room bookings of the care app)."""
    stamp = stamp or datetime.datetime.now(datetime.UTC)
    events = lesson_events(lessons) + list(extra_events)
    return calendar_text(events, name=f"{teacher.name}的授课安排", stamp=stamp)
