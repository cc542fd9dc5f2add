"""The scheduling problem (`shared/specs/scheduling.md`): data classes and strict loading.

`load_problem` checks the whole document and reports every problem at once, each naming
the record and the field, because the document is usually built by a person's export or
a database query and the first error is rarely the only one.

Beyond the spec's format it accepts an optional `courses` list (`{"id", "category"}`):
when present, course ids in teachers and orders must be in it, and an order with a course
but no category takes the course's category. A teacher's `rating` may be null or left
out (a new teacher): it counts as 3, which adds nothing to the value.

It also accepts an optional `forbidden` list (`{"order", "teacher"}`): the office has ruled
that teacher out for that order (a re-plan after review), so no plan may assign them.
"""

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date

EARTH_RADIUS_KM = 6371.0
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
MONTH_RE = re.compile(r"\d{4}-\d{2}")
NEUTRAL_RATING = 3.0


class ProblemError(ValueError):
    """The problem document is invalid; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Weights:
    served: float = 1000.0
    attendees: float = 300.0
    coverage: float = 500.0
    km: float = 2.0
    rating: float = 50.0
    load: float = 1.0


@dataclass(frozen=True)
class Teacher:
    id: str
    home: tuple[float, float]
    courses: frozenset[str]
    categories: frozenset[str]
    max_km: float
    max_per_month: int
    max_per_year: int
    rating: float = NEUTRAL_RATING
    level: str | None = None
    booked_per_month: dict[str, int] = field(default_factory=dict)
    booked_year: int = 0
    unavailable: frozenset[date] = frozenset()

    def month_room(self, month: str) -> int:
        """Lessons still allowed in `month` (YYYY-MM) before any new assignment."""
        return max(0, self.max_per_month - self.booked_per_month.get(month, 0))

    @property
    def year_room(self) -> int:
        return max(0, self.max_per_year - self.booked_year)


@dataclass(frozen=True)
class Organization:
    id: str
    location: tuple[float, float]
    members: int = 0
    covered: bool = False


@dataclass(frozen=True)
class Order:
    id: str
    organization: str
    course: str | None
    category: str | None
    dates: tuple[date, ...]
    attendees: int


@dataclass
class Problem:
    start: date
    end: date
    teachers: list[Teacher]
    organizations: dict[str, Organization]
    orders: list[Order]
    weights: Weights = field(default_factory=Weights)
    courses: dict[str, str | None] | None = None  # course id -> category, when given
    forbidden: frozenset[tuple[str, str]] = frozenset()  # (order id, teacher id) pairs
    teachers_by_id: dict[str, Teacher] = field(init=False, repr=False)
    orders_by_id: dict[str, Order] = field(init=False, repr=False)

    def __post_init__(self):
        self.teachers_by_id = {teacher.id: teacher for teacher in self.teachers}
        self.orders_by_id = {order.id: order for order in self.orders}


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Collects errors while reading one document; helpers return None on a bad value."""

    def __init__(self):
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def date(self, where: str, name: str, value) -> date | None:
        if isinstance(value, str) and DATE_RE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.error(where, f"{name} {_show(value)} is not a date (YYYY-MM-DD)")
        return None

    def point(self, where: str, name: str, value) -> tuple[float, float] | None:
        if (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(_is_number(v) for v in value)
            and -90 <= value[0] <= 90
            and -180 <= value[1] <= 180
        ):
            return float(value[0]), float(value[1])
        self.error(where, f"{name} {_show(value)} is not [latitude, longitude] in degrees")
        return None

    def count(self, where: str, name: str, value, *, required: bool = True) -> int | None:
        if value is None and not required:
            return 0
        if value is None:
            self.error(where, f"{name} is missing")
        elif not _is_count(value) or value < 0:
            self.error(where, f"{name} {_show(value)} must be a whole number ≥ 0")
        else:
            return value
        return None

    def strings(self, where: str, name: str, value) -> frozenset[str] | None:
        if value is None:
            self.error(where, f"{name} is missing")
        elif not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.error(where, f"{name} {_show(value)} must be a list of ids")
        else:
            return frozenset(value)
        return None

    def records(self, doc: dict, key: str) -> list[tuple[str, dict]]:
        """The list `key` as (label, record) pairs; labels name the position and the id."""
        items = doc.get(key)
        if not isinstance(items, list):
            self.error(key, "missing" if items is None else "must be a list")
            return []
        seen: set[str] = set()
        result = []
        for index, item in enumerate(items):
            where = f"{key}[{index}]"
            if not isinstance(item, dict):
                self.error(where, "must be an object")
                continue
            record_id = item.get("id")
            if not isinstance(record_id, str) or not record_id:
                self.error(where, "id is missing")
                continue
            where = f"{where} (id {record_id})"
            if record_id in seen:
                self.error(where, "duplicate id")
                continue
            seen.add(record_id)
            result.append((where, item))
        return result


def load_problem(doc) -> Problem:
    """Read a problem document; raise ProblemError listing every invalid field."""
    check = _Checker()
    if not isinstance(doc, dict):
        raise ProblemError(["the problem must be a JSON object"])

    horizon = doc.get("horizon")
    start = end = None
    if not isinstance(horizon, dict):
        check.error("horizon", "missing" if horizon is None else "must be {start, end}")
    else:
        start = check.date("horizon", "start", horizon.get("start"))
        end = check.date("horizon", "end", horizon.get("end"))
        if start and end and end < start:
            check.error("horizon", f"end {end} is before start {start}")
            start = end = None

    weights = _load_weights(check, doc.get("weights"))
    courses = _load_courses(check, doc)
    teachers = [t for where, item in check.records(doc, "teachers")
                if (t := _load_teacher(check, where, item, courses))]  # fmt: skip
    organizations = {}
    known_orgs = set()  # ids of all records, valid or not, so orders get no second error
    for where, item in check.records(doc, "organizations"):
        known_orgs.add(item["id"])
        location = check.point(where, "location", item.get("location"))
        members = check.count(where, "members", item.get("members"), required=False)
        covered = item.get("covered", False)
        if not isinstance(covered, bool):
            check.error(where, f"covered {_show(covered)} must be true or false")
        if location is not None and members is not None:
            organizations[item["id"]] = Organization(item["id"], location, members, covered is True)
    orders = []
    for where, item in check.records(doc, "orders"):
        order = _load_order(check, where, item, known_orgs, courses, start, end)
        if order:
            orders.append(order)

    forbidden = _load_forbidden(check, doc.get("forbidden"), teachers, orders)

    if check.errors:
        raise ProblemError(check.errors)
    return Problem(start, end, teachers, organizations, orders, weights, courses, forbidden)


def _load_forbidden(check: _Checker, value, teachers, orders) -> frozenset[tuple[str, str]]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        check.error("forbidden", "must be a list of {order, teacher}")
        return frozenset()
    order_ids = {order.id for order in orders}
    teacher_ids = {teacher.id for teacher in teachers}
    pairs = set()
    for index, item in enumerate(value):
        where = f"forbidden[{index}]"
        if not isinstance(item, dict):
            check.error(where, "must be an object {order, teacher}")
            continue
        order, teacher = item.get("order"), item.get("teacher")
        if order not in order_ids:
            check.error(where, f"order {_show(order)} is not in orders")
        if teacher not in teacher_ids:
            check.error(where, f"teacher {_show(teacher)} is not in teachers")
        if order in order_ids and teacher in teacher_ids:
            pairs.add((order, teacher))
    return frozenset(pairs)


def _load_weights(check: _Checker, value) -> Weights:
    if value is None:
        return Weights()
    if not isinstance(value, dict):
        check.error("weights", "must be an object")
        return Weights()
    known = Weights.__dataclass_fields__
    values = {}
    for key, number in value.items():
        if key not in known:
            check.error("weights", f"unknown weight {_show(key)} (known: {', '.join(known)})")
        elif not _is_number(number) or number < 0:
            # Negative load or coverage would break the network structure (and the sense).
            check.error("weights", f"{key} {_show(number)} must be a number ≥ 0")
        else:
            values[key] = float(number)
    return Weights(**values)


def _load_courses(check: _Checker, doc: dict) -> dict[str, str | None] | None:
    if doc.get("courses") is None:
        return None
    courses: dict[str, str | None] = {}
    for where, item in check.records(doc, "courses"):
        category = item.get("category")
        if category is not None and not isinstance(category, str):
            check.error(where, f"category {_show(category)} must be a string")
        courses[item["id"]] = category
    return courses


def _load_teacher(check: _Checker, where: str, item: dict, courses) -> Teacher | None:
    before = len(check.errors)
    home = check.point(where, "home", item.get("home"))
    teacher_courses = check.strings(where, "courses", item.get("courses", []))
    categories = check.strings(where, "categories", item.get("categories", []))
    if courses is not None and teacher_courses:
        for course in sorted(teacher_courses - courses.keys()):
            check.error(where, f"courses: unknown course {_show(course)}")
    max_km = item.get("max_km")
    if max_km is None:
        check.error(where, "max_km is missing")
    elif not _is_number(max_km) or max_km < 0:
        check.error(where, f"max_km {_show(max_km)} must be a number ≥ 0")
    max_month = check.count(where, "max_per_month", item.get("max_per_month"))
    max_year = check.count(where, "max_per_year", item.get("max_per_year"))
    booked_year = check.count(where, "booked_year", item.get("booked_year"), required=False)
    booked_months = item.get("booked_per_month") or {}
    if not isinstance(booked_months, dict):
        check.error(where, "booked_per_month must be an object of YYYY-MM -> count")
        booked_months = {}
    for month, count in booked_months.items():
        if not MONTH_RE.fullmatch(month) or not 1 <= int(month[5:]) <= 12:
            check.error(where, f"booked_per_month: {_show(month)} is not a month (YYYY-MM)")
        check.count(where, f"booked_per_month[{month}]", count)
    rating = item.get("rating")
    if rating is not None and not _is_number(rating):
        check.error(where, f"rating {_show(rating)} must be a number")
    unavailable = item.get("unavailable") or []
    days = set()
    if not isinstance(unavailable, list):
        check.error(where, "unavailable must be a list of dates")
    else:
        for index, value in enumerate(unavailable):
            day = check.date(where, f"unavailable[{index}]", value)
            if day:
                days.add(day)
    if len(check.errors) > before:
        return None
    return Teacher(
        id=item["id"], home=home, courses=teacher_courses, categories=categories,
        max_km=float(max_km), max_per_month=max_month, max_per_year=max_year,
        rating=NEUTRAL_RATING if rating is None else float(rating), level=item.get("level"),
        booked_per_month=dict(booked_months), booked_year=booked_year,
        unavailable=frozenset(days),
    )  # fmt: skip


def _load_order(check, where, item, known_orgs, courses, start, end) -> Order | None:
    before = len(check.errors)
    organization = item.get("organization")
    if organization is None:
        check.error(where, "organization is missing")
    elif organization not in known_orgs:
        check.error(where, f"organization {_show(organization)} is not in organizations")
    course = item.get("course")
    category = item.get("category")
    if course is not None and (not isinstance(course, str) or not course):
        check.error(where, f"course {_show(course)} must be a course id or null")
    elif course is not None and courses is not None and course not in courses:
        check.error(where, f"course {_show(course)} is not in courses")
    elif course is not None and category is None and courses is not None:
        category = courses[course]
    if category is not None and (not isinstance(category, str) or not category):
        check.error(where, f"category {_show(category)} must be a string")
    if course is None and category is None:
        check.error(where, "needs a course or a category")
    attendees = check.count(where, "attendees", item.get("attendees"))
    dates = item.get("dates")
    days: list[date] = []
    if not isinstance(dates, list) or not dates:
        check.error(where, "dates must be a non-empty list of dates")
    else:
        for index, value in enumerate(dates):
            day = check.date(where, f"dates[{index}]", value)
            if day and start and end and not start <= day <= end:
                check.error(
                    where,
                    f"dates[{index}] {_show(value)} is outside the horizon {start}..{end}",
                )
            elif day and day not in days:
                days.append(day)
    if len(check.errors) > before:
        return None
    return Order(item["id"], organization, course, category, tuple(sorted(days)), attendees)
