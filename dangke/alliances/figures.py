"""The year's figures of cooperation (合作成效) of one alliance, for its page, its Excel
export and a member's work report: "与X个城市建立协作联盟，共享课程N门，互派师资N人次，联合举办
峰会N场"; and the series of the page's charts. Every count names nobody: an ordering
organisation is told only as the member region it belongs to."""

import datetime

from django.db.models import Q
from django.utils import timezone

from dangke.alliances.models import Alliance, ExchangeStatus, JointEventKind
from dangke.core.calendar import local_midnight, year_bounds
from dangke.delivery.models import CourseOrder, Lesson, LessonStatus


def year_figures(alliance: Alliance, year: int) -> dict:
    """Counts that name nobody, for the alliance already held (reached through it)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    members = list(alliance.members.all())
    active = [m for m in members if m.left_on is None]
    shares = list(alliance.shares.all())
    shared_in_year = _in_year(shares, year)
    orders = _shared_orders(members, shared_in_year, year).count()
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


def _in_year(shares, year: int) -> list:
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return [
        share
        for share in shares
        if share.shared_on <= last and (share.withdrawn_on is None or share.withdrawn_on >= first)
    ]


def _shared_orders(members, shared_in_year, year: int):
    """Orders placed in the year, for a shared course, by a member other than the sharer."""
    year_start, year_end = year_bounds(year)
    ordered = Q(pk__in=[])
    for share in shared_in_year:
        others = Q(pk__in=[])
        for member in members:
            if member.region_id != share.region_id:
                others |= Q(region__code__startswith=member.region_id)
        ordered |= Q(course_id=share.course_id) & others
    return CourseOrder.objects.unscoped(
        "a count that names nobody, for an alliance in scope"
    ).filter(ordered, created_at__gte=year_start, created_at__lt=year_end)


def _member_of(code: str, members) -> object | None:
    """The membership a region code belongs to (the deepest member region above it)."""
    holding = [m for m in members if code.startswith(m.region_id)]
    return max(holding, key=lambda m: len(m.region_id)) if holding else None


def orders_by_member_month(alliance: Alliance, year: int, members, shares) -> list[dict]:
    """Per member (in `members`' order): how many orders of other members' shared courses
    it placed in each local month of the year — {"member", "months": [12 counts],
    "total"}. Members that ordered nothing are kept, so the table names every member."""
    rows = {m.pk: {"member": m.region.name, "months": [0] * 12, "total": 0} for m in members}
    placed = _shared_orders(members, _in_year(shares, year), year).values_list(
        "region_id", "created_at"
    )
    for region_code, created_at in placed:
        member = _member_of(region_code, members)
        if member is None:
            continue
        month = timezone.localtime(created_at).month
        rows[member.pk]["months"][month - 1] += 1
        rows[member.pk]["total"] += 1
    return list(rows.values())


def exchanges_by_member_status(exchanges, year: int, members) -> list[dict]:
    """Per lending member (the member the teacher's home office belongs to) the exchanges
    overlapping the year by status: {"member", "counts": {status: n}, "cells", "total"},
    members in `members`' order; members that lent nobody are left out."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows: dict[int, dict] = {}
    for exchange in exchanges:
        member = _member_of(exchange.region_id, members)
        if member is None or exchange.starts_on > last or exchange.ends_on < first:
            continue
        row = rows.setdefault(
            member.pk,
            {
                "member": member.region.name,
                "counts": dict.fromkeys(ExchangeStatus.values, 0),
                "total": 0,
            },
        )
        row["counts"][exchange.status] += 1
        row["total"] += 1
    for row in rows.values():  # in the order of ExchangeStatus, for the table's columns
        row["cells"] = [row["counts"][status] for status in ExchangeStatus.values]
    return [rows[m.pk] for m in members if m.pk in rows]


def chart_data(orders: list[dict], exchanges: list[dict], shares) -> dict:
    """The JSON the page's charts draw (alliance.js): only counts and published scores."""
    return {
        "months": [f"{month}月" for month in range(1, 13)],
        "orders": [{"name": row["member"], "data": row["months"]} for row in orders],
        "exchange_members": [row["member"] for row in exchanges],
        "exchanges": [
            {
                "name": str(label),
                "data": [row["counts"][status] for row in exchanges],
            }
            for status, label in ExchangeStatus.choices
        ],
        "ratings": [
            {
                "name": share.course.title,
                "origin": share.region.name,
                "score": share.rating["score"],
                "n": share.rating.get("n_responses"),
                "low": share.rating["ci95"][0] if share.rating.get("ci95") else None,
                "high": share.rating["ci95"][1] if share.rating.get("ci95") else None,
            }
            for share in shares
            if share.rating.get("score") is not None
        ],
    }
