"""The year's figures of cooperation (合作成效) of one alliance, for its page, its Excel
export and a member's work report: "与X个城市建立协作联盟，共享课程N门，互派师资N人次，联合举办
峰会N场"."""

import datetime

from django.db.models import Q

from dangke.alliances.models import Alliance, ExchangeStatus, JointEventKind
from dangke.core.calendar import local_midnight, year_bounds
from dangke.delivery.models import CourseOrder, Lesson, LessonStatus


def year_figures(alliance: Alliance, year: int) -> dict:
    """Counts that name nobody, for the alliance already held (reached through it)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    year_start, year_end = year_bounds(year)
    members = list(alliance.members.all())
    active = [m for m in members if m.left_on is None]
    shares = list(alliance.shares.all())
    shared_in_year = [
        share
        for share in shares
        if share.shared_on <= last and (share.withdrawn_on is None or share.withdrawn_on >= first)
    ]
    # Orders placed in the year, for a shared course, by a member other than the sharer.
    ordered = Q(pk__in=[])
    for share in shared_in_year:
        others = Q(pk__in=[])
        for member in members:
            if member.region_id != share.region_id:
                others |= Q(region__code__startswith=member.region_id)
        ordered |= Q(course_id=share.course_id) & others
    orders = (
        CourseOrder.objects.unscoped("a count that names nobody, for an alliance in scope")
        .filter(ordered, created_at__gte=year_start, created_at__lt=year_end)
        .count()
    )
    exchanges = [
        e
        for e in alliance.exchanges.all()
        if e.status in (ExchangeStatus.APPROVED, ExchangeStatus.ENDED)
        and e.starts_on <= last
        and e.ends_on >= first
    ]
    lent = Q(pk__in=[])
    for exchange in exchanges:
        lent |= Q(
            teachers=exchange.teacher_id,
            region__code__startswith=exchange.host_region_id,
            starts_at__gte=local_midnight(max(exchange.starts_on, first)),
            starts_at__lt=local_midnight(min(exchange.ends_on, last) + datetime.timedelta(days=1)),
        )
    lessons = (
        Lesson.objects.unscoped("a count that names nobody, for an alliance in scope")
        .filter(lent, status=LessonStatus.DELIVERED)
        .values("pk")
        .distinct()
        .count()
    )
    events = [e for e in alliance.events.all() if first <= e.held_on <= last]
    return {
        "year": year,
        "members": len(active),
        "shared_courses": len([s for s in shared_in_year if s.withdrawn_on is None]),
        "orders_of_shared_courses": orders,
        "exchanges": len(exchanges),
        "lessons_by_lent_teachers": lessons,
        "joint_events": len(events),
        "summits": len([e for e in events if e.kind == JointEventKind.SUMMIT]),
    }
