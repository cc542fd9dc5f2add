"""From the database to the scheduling problem of `shared/specs/scheduling.md` and back.

`assemble` reads what a planner in `scope` may see of a region over a horizon — active
teachers with their courses, caps, booked lessons and busy days; the submitted orders with
their acceptable dates; the organisations with whether they already had a lesson this
year — and returns the engine's JSON document, plus what publishing needs to map the plan
back to rows. Ids in the document are the rows' codes (teacher, organisation, course) and
`R<pk>` for orders, so a document exported with `dangke schedule` reads like the office's
own lists.

Pins force an assignment: the order leaves the problem and counts as booked for its
teacher (a lesson that month, a busy day, a covered organisation). Forbids exclude a
teacher for an order through the engine's `forbidden` list.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone, translation

from dangke.accounts.scoping import Scope
from dangke.core.calendar import year_bounds
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseStatus
from dangke.delivery.limits import caps_for
from dangke.delivery.models import CourseOrder, Lesson, LessonStatus, OrderStatus
from dangke.faculty.models import Teacher, TeacherStatus
from dangke.regions.models import CODE_LENGTH
from engines.scheduling.problem import haversine_km

PLANNABLE_TEACHER_STATUSES = (TeacherStatus.ACTIVE, TeacherStatus.WARNING)
COVERING_STATUSES = (LessonStatus.PLANNED, LessonStatus.CONFIRMED, LessonStatus.DELIVERED)
MAX_HORIZON_DAYS = 366


class PlanningError(ValueError):
    """The planning request cannot be built (the message says why, in Chinese)."""


@dataclass
class Assembly:
    doc: dict
    fingerprint: dict[str, str]  # order id -> updated_at, for the stale check at publishing
    pinned: list[dict] = field(default_factory=list)  # assignments forced by pins
    notes: list[str] = field(default_factory=list)  # rows left out, and why


def order_key(pk: int) -> str:
    return f"R{pk}"


def order_pk(key: str) -> int:
    if not (isinstance(key, str) and key.startswith("R") and key[1:].isdigit()):
        raise PlanningError(f"点单编号 {key!r} 无效")
    return int(key[1:])


def category_label(value: str) -> str:
    return _category_label(value, translation.get_language())


@functools.cache
def _category_label(value: str, language: str | None) -> str:
    # A city's problem names a category for every order and teacher specialty (thousands);
    # translating the same few labels each time was a tenth of the plan task.
    return str(CourseCategory(value).label)


def ancestor_codes(code: str) -> list[str]:
    return [code[:n] for n in sorted(CODE_LENGTH.values()) if n < len(code)]


def local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def day_range(start: datetime.date, end: datetime.date):
    for offset in range((end - start).days + 1):
        yield start + datetime.timedelta(days=offset)


def check_horizon(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise PlanningError(f"截止日期 {end} 早于起始日期 {start}")
    if (end - start).days + 1 > MAX_HORIZON_DAYS:
        raise PlanningError(f"排课周期最长 {MAX_HORIZON_DAYS} 天")


def order_dates(order: CourseOrder, start, end, busy_months=()) -> list[datetime.date]:
    """The order's acceptable dates inside the horizon: its listed dates, and every day of
    its window except the organisation's busy (farming/pastoral) months."""
    days: set[datetime.date] = set()
    for value in order.dates or []:
        try:
            day = datetime.date.fromisoformat(str(value))
        except ValueError:
            continue
        if start <= day <= end:
            days.add(day)
    if order.earliest or order.latest:
        first = max(order.earliest or start, start)
        last = min(order.latest or end, end)
        busy = set(busy_months or ())
        days.update(day for day in day_range(first, last) if day.month not in busy)
    return sorted(days)


def build_problem(region_code: str, start, end, *, scope: Scope, pins=(), forbids=()) -> dict:
    """The scheduling problem of `region_code` over [start, end] as `scope` sees it."""
    return assemble(region_code, start, end, scope=scope, pins=pins, forbids=forbids).doc


def assemble(region_code: str, start, end, *, scope: Scope, pins=(), forbids=()) -> Assembly:
    check_horizon(start, end)
    if not scope.covers_region(region_code):
        raise PlanningError(f"区划 {region_code} 不在您的管辖范围内")
    notes: list[str] = []
    year = start.year

    teachers = _teachers(region_code, scope, notes)
    courses: dict[str, str] = {}  # code -> category label
    teacher_courses: dict[int, list[str]] = defaultdict(list)
    for teacher_id, code, category in Course.teachers.through.objects.filter(
        teacher_id__in=[t.pk for t in teachers], course__status=CourseStatus.LISTED
    ).values_list("teacher_id", "course__code", "course__category"):
        teacher_courses[teacher_id].append(code)
        courses[code] = category_label(category)
    booked = _booked(teachers, start, end)

    orders = list(
        CourseOrder.objects.visible_to(scope)
        .filter(region__code__startswith=region_code, status=OrderStatus.SUBMITTED)
        .select_related("organization__region", "course")
        .order_by("pk")
    )
    order_docs, organizations, fingerprint, order_rows = [], {}, {}, {}
    for order in orders:
        days = order_dates(order, start, end, order.organization.busy_months)
        if not days:
            continue  # nothing to plan in this horizon; it waits for another one
        organization = order.organization
        location = _location(organization)
        if location is None:
            notes.append(
                f"点单 {order_key(order.pk)}（{organization.name}）：组织没有坐标，未参与排课"
            )
            continue
        organizations[organization.pk] = (organization, location)
        course_code = order.course.code if order.course_id else None
        if course_code:
            courses.setdefault(course_code, category_label(order.course.category))
        order_docs.append(
            {
                "id": order_key(order.pk),
                "organization": organization.code,
                "course": course_code,
                "category": category_label(order.category) if order.category else None,
                "dates": [day.isoformat() for day in days],
                "attendees": order.expected_attendees,
            }
        )
        fingerprint[order_key(order.pk)] = order.updated_at.isoformat()
        order_rows[order_key(order.pk)] = order

    covered = _covered(list(organizations), year)
    teacher_docs = []
    for teacher in teachers:
        month_cap, year_cap = caps_for(teacher.level)
        taken = booked[teacher.pk]
        teacher_docs.append(
            {
                "id": teacher.code,
                "level": teacher.level,
                "home": [teacher.home_latitude, teacher.home_longitude],
                "courses": sorted(teacher_courses.get(teacher.pk, [])),
                "categories": sorted(category_label(s.category) for s in teacher.specialties.all()),
                "rating": None,
                "max_km": teacher.max_travel_km,
                "max_per_month": month_cap,
                "booked_per_month": dict(sorted(taken["months"].items())),
                "max_per_year": year_cap,
                "booked_year": taken["year"],
                "unavailable": sorted(day.isoformat() for day in taken["days"]),
            }
        )
    doc = {
        "horizon": {"start": start.isoformat(), "end": end.isoformat()},
        "courses": [{"id": code, "category": courses[code]} for code in sorted(courses)],
        "teachers": teacher_docs,
        "organizations": [
            {
                "id": organization.code,
                "location": list(location),
                "members": organization.member_count,
                "covered": pk in covered,
            }
            for pk, (organization, location) in sorted(organizations.items())
        ],
        "orders": order_docs,
    }
    assembly = Assembly(doc, fingerprint, notes=notes)
    _apply_pins(assembly, pins)
    _apply_forbids(assembly, forbids)
    return assembly


def _teachers(region_code: str, scope: Scope, notes: list[str]) -> list[Teacher]:
    """Active teachers of the region, of a region inside it, or of a region above it (city
    and province teachers go down to the counties), as far as the scope sees them."""
    queryset = (
        Teacher.objects.visible_to(scope)
        .filter(status__in=PLANNABLE_TEACHER_STATUSES)
        .filter(
            Q(region__code__startswith=region_code) | Q(region_id__in=ancestor_codes(region_code))
        )
        .prefetch_related("specialties")
        .order_by("code")
    )
    teachers = []
    for teacher in queryset:
        if teacher.home_latitude is None or teacher.home_longitude is None:
            notes.append(f"师资 {teacher.code}（{teacher.name}）：没有常驻地坐标，未参与排课")
            continue
        teachers.append(teacher)
    return teachers


def _location(organization) -> tuple[float, float] | None:
    if organization.latitude is not None and organization.longitude is not None:
        return organization.latitude, organization.longitude
    region = organization.region
    if region.latitude is not None and region.longitude is not None:
        return region.latitude, region.longitude
    return None


def _booked(teachers: list[Teacher], start, end) -> dict[int, dict]:
    """Lessons the teachers already have (not cancelled): per month, in the horizon's
    year, and their days inside the horizon."""
    booked: dict[int, dict] = defaultdict(
        lambda: {"months": defaultdict(int), "year": 0, "days": set()}
    )
    first, _ = year_bounds(start.year)
    _, last = year_bounds(end.year)
    rows = (
        Lesson.teachers.through.objects.filter(
            teacher_id__in=[t.pk for t in teachers],
            lesson__starts_at__gte=first,
            lesson__starts_at__lt=last,
        )
        .exclude(lesson__status=LessonStatus.CANCELLED)
        .values_list("teacher_id", "lesson__starts_at")
    )
    horizon_months = {f"{d.year:04d}-{d.month:02d}" for d in day_range(start, end)}
    for teacher_id, starts_at in rows:
        day = local_date(starts_at)
        entry = booked[teacher_id]
        month = f"{day.year:04d}-{day.month:02d}"
        if month in horizon_months:
            entry["months"][month] += 1
        if day.year == start.year:
            entry["year"] += 1
        if start <= day <= end:
            entry["days"].add(day)
    return booked


def _covered(organization_ids: list[int], year: int) -> set[int]:
    """Organisations that already have a lesson this year (planned, confirmed or given),
    as host or as co-host."""
    if not organization_ids:
        return set()
    first, last = year_bounds(year)
    lessons = Lesson.objects.filter(
        starts_at__gte=first, starts_at__lt=last, status__in=COVERING_STATUSES
    )
    hosts = lessons.filter(organization_id__in=organization_ids).values_list(
        "organization_id", flat=True
    )
    guests = Lesson.other_organizations.through.objects.filter(
        organization_id__in=organization_ids, lesson__in=lessons
    ).values_list("organization_id", flat=True)
    return set(hosts) | set(guests)


def _apply_pins(assembly: Assembly, pins) -> None:
    doc = assembly.doc
    orders = {o["id"]: o for o in doc["orders"]}
    teachers = {t["id"]: t for t in doc["teachers"]}
    organizations = {o["id"]: o for o in doc["organizations"]}
    for index, pin in enumerate(pins or ()):
        where = f"指定安排第 {index + 1} 条"
        if not isinstance(pin, dict):
            raise PlanningError(f"{where}：格式应为 {{order, teacher[, date]}}")
        order, teacher = orders.get(pin.get("order")), teachers.get(pin.get("teacher"))
        if order is None:
            raise PlanningError(
                f"{where}：点单 {pin.get('order')} 不在本次排课范围内（可能已撤回或已排课）"
            )
        if teacher is None:
            raise PlanningError(f"{where}：师资 {pin.get('teacher')} 不在本区划可排课的师资中")
        busy = set(teacher["unavailable"])
        if pin.get("date"):
            day = str(pin["date"])
            if day not in order["dates"]:
                raise PlanningError(f"{where}：{day} 不是点单 {order['id']} 的可选日期")
            if day in busy:
                raise PlanningError(f"{where}：师资 {teacher['id']} 在 {day} 已有安排")
        else:
            day = next((d for d in order["dates"] if d not in busy), None)
            if day is None:
                raise PlanningError(f"{where}：师资 {teacher['id']} 在点单的可选日期都已有安排")
        month = day[:7]
        teacher["booked_per_month"][month] = teacher["booked_per_month"].get(month, 0) + 1
        teacher["booked_year"] += 1
        teacher["unavailable"] = sorted(busy | {day})
        organization = organizations[order["organization"]]
        organization["covered"] = True
        km = haversine_km(tuple(teacher["home"]), tuple(organization["location"]))
        assembly.pinned.append(
            {
                "order": order["id"],
                "teacher": teacher["id"],
                "date": day,
                "km": round(km, 1),
                "pinned": True,
            }
        )
        del orders[order["id"]]
    doc["orders"] = list(orders.values())


def _apply_forbids(assembly: Assembly, forbids) -> None:
    doc = assembly.doc
    order_ids = {o["id"] for o in doc["orders"]}
    teacher_ids = {t["id"] for t in doc["teachers"]}
    forbidden = []
    for index, item in enumerate(forbids or ()):
        if not isinstance(item, dict):
            raise PlanningError(f"排除安排第 {index + 1} 条：格式应为 {{order, teacher}}")
        pair = {"order": item.get("order"), "teacher": item.get("teacher")}
        if pair["order"] in order_ids and pair["teacher"] in teacher_ids:
            if pair not in forbidden:
                forbidden.append(pair)
        else:
            assembly.notes.append(
                f"排除安排 {pair['order']} → {pair['teacher']}：点单或师资已不在本次排课中，忽略"
            )
    if forbidden:
        doc["forbidden"] = forbidden
