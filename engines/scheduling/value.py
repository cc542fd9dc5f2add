"""The value of a plan, computed exactly in floating point from the spec's formula."""

from collections import Counter

from engines.scheduling.plan import Plan
from engines.scheduling.problem import Order, Problem, Teacher, Weights, haversine_km

ATTENDEES_CAP = 200


def option_value(weights: Weights, teacher: Teacher, order: Order, km: float) -> float:
    """What one lesson is worth, before the plan-wide coverage bonus and load penalty."""
    return (
        weights.served
        + weights.attendees * min(order.attendees, ATTENDEES_CAP) / ATTENDEES_CAP
        + weights.rating * (teacher.rating - 3)
        - weights.km * km
    )


def load_penalty(weights: Weights, booked_year: int, new: int) -> float:
    return weights.load * ((booked_year + new) ** 2 - booked_year**2)


def _pairs(plan) -> list[tuple[str, str]]:
    """(order id, teacher id) of each assignment, from a Plan or its JSON form."""
    if isinstance(plan, Plan):
        return [(a.order, a.teacher) for a in plan.assignments]
    return [(a["order"], a["teacher"]) for a in plan["assignments"]]


def breakdown(problem: Problem, plan) -> dict:
    """Each term of the objective, so the plan page can say where the value comes from."""
    w = problem.weights
    terms = dict.fromkeys(("served", "attendees", "rating", "km", "coverage", "load"), 0.0)
    organizations_served: set[str] = set()
    lessons: Counter[str] = Counter()
    km_total = 0.0
    for order_id, teacher_id in _pairs(plan):
        order = problem.orders_by_id[order_id]
        teacher = problem.teachers_by_id[teacher_id]
        km = haversine_km(teacher.home, problem.organizations[order.organization].location)
        km_total += km
        terms["served"] += w.served
        terms["attendees"] += w.attendees * min(order.attendees, ATTENDEES_CAP) / ATTENDEES_CAP
        terms["rating"] += w.rating * (teacher.rating - 3)
        terms["km"] -= w.km * km
        organizations_served.add(order.organization)
        lessons[teacher_id] += 1
    terms["coverage"] = w.coverage * sum(
        1 for org_id in organizations_served if not problem.organizations[org_id].covered
    )
    terms["load"] = -sum(
        load_penalty(w, problem.teachers_by_id[t].booked_year, n) for t, n in lessons.items()
    )
    return {"terms": terms, "total": sum(terms.values()), "km_travelled": km_total,
            "lessons": sum(lessons.values())}  # fmt: skip


def evaluate(problem: Problem, plan) -> float:
    """The objective of `plan` (a Plan or its JSON form), exactly as the spec defines it."""
    return breakdown(problem, plan)["total"]
