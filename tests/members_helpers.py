"""Shared builders for the study-record tests."""

import datetime
from zoneinfo import ZoneInfo

from dangke.delivery.models import Lesson, LessonStatus
from dangke.members.models import Member, PartyPost

SHANGHAI = ZoneInfo("Asia/Shanghai")


def member(organization, name, phone="", post=PartyPost.NONE, **extra):
    return Member.objects.create(
        organization=organization, name=name, phone=phone, post=post, **extra
    )


def lesson(world, *, organization=None, day=None, minutes=90, mode="offline", course=None):
    day = day or datetime.date(2026, 5, 12)
    return Lesson.objects.create(
        course=course or world.course_a,
        organization=organization or world.org_a,
        starts_at=datetime.datetime(day.year, day.month, day.day, 9, 0, tzinfo=SHANGHAI),
        duration_minutes=minutes,
        mode=mode,
        status=LessonStatus.CONFIRMED,
    )
