"""Every feasible (order, teacher, date) triple, computed once with numpy.

A triple is an option when the teacher is eligible for the order (course, or category for
a category-only order, and not forbidden for it), lives within max_km, is available that
day and has room in that month and in the year before planning. Rules that couple options
(one lesson a day, caps shared by several orders) are left to the solver.
"""

from dataclasses import dataclass

import numpy as np

from engines.scheduling.problem import EARTH_RADIUS_KM, Problem, month_of
from engines.scheduling.value import ATTENDEES_CAP


def distance_matrix(problem: Problem, org_ids: list[str]) -> np.ndarray:
    """Haversine distances in km, organisations × teachers (same formula as haversine_km)."""
    org = np.radians(np.array([problem.organizations[o].location for o in org_ids]).reshape(-1, 2))
    home = np.radians(np.array([t.home for t in problem.teachers]).reshape(-1, 2))
    lat1, lon1 = org[:, 0:1], org[:, 1:2]
    lat2, lon2 = home[:, 0][None, :], home[:, 1][None, :]
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


@dataclass
class OptionIndex:
    problem: Problem
    days: int  # horizon length
    months: list[str]  # the horizon's months, YYYY-MM
    day_month: np.ndarray  # day offset -> index into months
    org_ids: list[str]
    order_org: np.ndarray  # order index -> organisation index
    distances: np.ndarray  # organisations × teachers, km
    max_km: np.ndarray
    available: np.ndarray  # teachers × days: not on the unavailable list
    free: np.ndarray  # teachers × days: available and room in month and year
    month_room: np.ndarray  # teachers × months
    year_room: np.ndarray  # teachers
    booked_year: np.ndarray
    rating: np.ndarray
    by_course: dict[str, np.ndarray]
    by_category: dict[str, np.ndarray]
    # the options, one entry each, grouped by order (ascending order index)
    opt_order: np.ndarray
    opt_teacher: np.ndarray
    opt_day: np.ndarray
    opt_km: np.ndarray
    opt_value: np.ndarray  # option_value(), before coverage and load

    def qualified(self, order_index: int) -> np.ndarray:
        """Teachers who offer the order's course (or teach its category)."""
        order = self.problem.orders[order_index]
        empty = np.empty(0, dtype=np.int64)
        if order.course is not None:
            return self.by_course.get(order.course, empty)
        return self.by_category.get(order.category, empty)

    def eligible(self, order_index: int) -> np.ndarray:
        """Qualified teachers, less those the problem forbids for this order."""
        candidates = self.qualified(order_index)
        forbidden = self.problem.forbidden
        if not forbidden or candidates.size == 0:
            return candidates
        order_id = self.problem.orders[order_index].id
        teachers = self.problem.teachers
        keep = [(order_id, teachers[t].id) not in forbidden for t in candidates.tolist()]
        return candidates[np.array(keep, dtype=bool)]


def build_options(problem: Problem) -> OptionIndex:
    start = problem.start
    days = (problem.end - start).days + 1
    day_months = [month_of(start.fromordinal(start.toordinal() + k)) for k in range(days)]
    months = list(dict.fromkeys(day_months))
    day_month = np.array([months.index(m) for m in day_months], dtype=np.int64)
    teachers = problem.teachers
    n = len(teachers)

    available = np.ones((n, days), dtype=bool)
    month_room = np.zeros((n, len(months)), dtype=np.int64)
    for t, teacher in enumerate(teachers):
        for day in teacher.unavailable:
            if start <= day <= problem.end:
                available[t, (day - start).days] = False
        month_room[t] = [teacher.month_room(m) for m in months]
    year_room = np.array([t.year_room for t in teachers], dtype=np.int64)
    free = available & (month_room[:, day_month] > 0) & (year_room[:, None] > 0)

    by_course: dict[str, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    for t, teacher in enumerate(teachers):
        for course in teacher.courses:
            by_course.setdefault(course, []).append(t)
        for category in teacher.categories:
            by_category.setdefault(category, []).append(t)

    org_ids = list(dict.fromkeys(o.organization for o in problem.orders))
    org_pos = {org_id: i for i, org_id in enumerate(org_ids)}
    order_org = np.array([org_pos[o.organization] for o in problem.orders], dtype=np.int64)
    distances = (
        distance_matrix(problem, org_ids) if org_ids and teachers else np.zeros((len(org_ids), n))
    )
    max_km = np.array([t.max_km for t in teachers], dtype=float)
    rating = np.array([t.rating for t in teachers], dtype=float)
    booked_year = np.array([t.booked_year for t in teachers], dtype=np.int64)

    index = OptionIndex(
        problem, days, months, day_month, org_ids, order_org, distances, max_km, available,
        free, month_room, year_room, booked_year, rating,
        {k: np.array(v, dtype=np.int64) for k, v in by_course.items()},
        {k: np.array(v, dtype=np.int64) for k, v in by_category.items()},
        *(np.empty(0, dtype=np.int64),) * 3, np.empty(0), np.empty(0),
    )  # fmt: skip

    _enumerate_options(problem, index)
    w = problem.weights
    attendees = np.array([min(o.attendees, ATTENDEES_CAP) for o in problem.orders], dtype=float)
    # Same terms, same order as value.option_value, so both agree to the last bit.
    index.opt_value = (
        w.served
        + w.attendees * attendees[index.opt_order] / ATTENDEES_CAP
        + w.rating * (rating[index.opt_teacher] - 3)
        - w.km * index.opt_km
    )
    return index


def _enumerate_options(problem: Problem, index: OptionIndex) -> None:
    """Fill the options in one pass of numpy (a loop over orders and their dates cost a
    fifth of a city month's plan task): ordered by order, then the order's dates, then the
    teachers as `eligible` gives them — the order the solver has always seen them in, so
    that among equally good plans it picks the same one."""
    n_orders = len(problem.orders)
    candidates = [index.eligible(i) for i in range(n_orders)]
    pair_order = np.repeat(np.arange(n_orders), [c.size for c in candidates])
    pair_teacher = np.concatenate(candidates) if candidates else np.empty(0, dtype=np.int64)
    pair_km = index.distances[index.order_org[pair_order], pair_teacher]
    near = np.flatnonzero(pair_km <= index.max_km[pair_teacher])
    pair_order, pair_teacher, pair_km = pair_order[near], pair_teacher[near], pair_km[near]
    teachers_per_order = np.bincount(pair_order, minlength=n_orders)
    first_pair = np.cumsum(teachers_per_order) - teachers_per_order
    start = problem.start.toordinal()
    order_days = [[day.toordinal() - start for day in o.dates] for o in problem.orders]
    days_per_order = np.fromiter(map(len, order_days), dtype=np.int64, count=n_orders)
    row_day = np.fromiter(
        (k for days in order_days for k in days), dtype=np.int64, count=int(days_per_order.sum())
    )
    # one row per (order, date) holding the order's near teachers; every (row, teacher),
    # built by repeats and offsets alone (division and boolean masks on the million
    # candidate triples of a city year took twice as long)
    row_order = np.repeat(np.arange(n_orders), days_per_order)
    row_width = teachers_per_order[row_order]
    row_start = np.cumsum(row_width) - row_width
    opt_row = np.repeat(np.arange(row_order.size), row_width)
    pair = np.arange(opt_row.size) + (first_pair[row_order] - row_start)[opt_row]
    opt_teacher = pair_teacher[pair]
    opt_day = row_day[opt_row]
    free = np.flatnonzero(index.free[opt_teacher, opt_day])
    index.opt_order, index.opt_teacher = row_order[opt_row[free]], opt_teacher[free]
    index.opt_day, index.opt_km = opt_day[free], pair_km[pair[free]]
