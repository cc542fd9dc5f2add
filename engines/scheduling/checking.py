"""An independent check of a plan against the six feasibility rules of the spec.

It shares nothing with the solvers but the problem's data classes and the value formula,
so a bug in option building or in the network shows up here.
"""

from collections import Counter
from datetime import date

from engines.scheduling.plan import Plan
from engines.scheduling.problem import Problem, haversine_km, month_of
from engines.scheduling.value import evaluate

KM_TOLERANCE = 1e-9  # numpy and math may differ in the last bits of a distance
KM_SHOWN_TOLERANCE = 0.05 + 1e-9  # plans show km rounded to 0.1
VALUE_TOLERANCE = 1e-6


def check(problem: Problem, plan) -> list[str]:
    """Every violated rule, as a sentence naming the order; empty when the plan is feasible."""
    doc = plan.to_dict() if isinstance(plan, Plan) else plan
    problems: list[str] = []
    seen = Counter(a["order"] for a in doc["assignments"])
    seen.update(u["order"] for u in doc["unserved"])
    for order in problem.orders:
        if seen[order.id] != 1:
            problems.append(f"rule 1: order {order.id} appears {seen[order.id]} times")
    for order_id in seen.keys() - problem.orders_by_id.keys():
        problems.append(f"rule 1: unknown order {order_id}")

    per_day: Counter[tuple[str, date]] = Counter()
    per_month: Counter[tuple[str, str]] = Counter()
    per_year: Counter[str] = Counter()
    valid = []
    for a in doc["assignments"]:
        order = problem.orders_by_id.get(a["order"])
        teacher = problem.teachers_by_id.get(a["teacher"])
        where = f"order {a['order']} → teacher {a['teacher']} on {a['date']}"
        if order is None or teacher is None:
            problems.append(f"{where}: unknown order or teacher")
            continue
        valid.append(a)
        if (order.id, teacher.id) in problem.forbidden:
            problems.append(f"rule 2: {where}: the teacher is forbidden for this order")
        if order.course is not None:
            if order.course not in teacher.courses:
                problems.append(f"rule 2: {where}: teacher does not offer {order.course}")
        elif order.category not in teacher.categories:
            problems.append(f"rule 2: {where}: teacher does not teach {order.category}")
        try:
            day = date.fromisoformat(a["date"])
        except (TypeError, ValueError):
            problems.append(f"rule 3: {where}: not a date")
            continue
        if day not in order.dates:
            problems.append(f"rule 3: {where}: not one of the order's dates")
        if not problem.start <= day <= problem.end:
            problems.append(f"rule 3: {where}: outside the horizon")
        if day in teacher.unavailable:
            problems.append(f"rule 3: {where}: teacher is unavailable")
        km = haversine_km(teacher.home, problem.organizations[order.organization].location)
        if km > teacher.max_km + KM_TOLERANCE:
            problems.append(f"rule 4: {where}: {km:.1f} km is beyond max_km {teacher.max_km:g}")
        if "km" in a and abs(a["km"] - km) > KM_SHOWN_TOLERANCE:
            problems.append(f"{where}: km {a['km']} does not match the distance {km:.2f}")
        per_day[teacher.id, day] += 1
        per_month[teacher.id, month_of(day)] += 1
        per_year[teacher.id] += 1

    for (teacher_id, day), count in per_day.items():
        if count > 1:
            problems.append(f"rule 5: teacher {teacher_id} has {count} lessons on {day}")
    for (teacher_id, month), count in per_month.items():
        teacher = problem.teachers_by_id[teacher_id]
        booked = teacher.booked_per_month.get(month, 0)
        if booked + count > teacher.max_per_month:
            problems.append(f"rule 6: teacher {teacher_id} in {month}: {booked} booked + {count} "
                            f"new > max_per_month {teacher.max_per_month}")  # fmt: skip
    for teacher_id, count in per_year.items():
        teacher = problem.teachers_by_id[teacher_id]
        if teacher.booked_year + count > teacher.max_per_year:
            problems.append(f"rule 6: teacher {teacher_id}: {teacher.booked_year} booked + "
                            f"{count} new > max_per_year {teacher.max_per_year}")  # fmt: skip

    value = evaluate(problem, {"assignments": valid})
    objective = doc.get("objective")
    tolerance = VALUE_TOLERANCE * max(1.0, abs(value))
    if objective is None or abs(objective - value) > tolerance:
        problems.append(f"objective {objective} differs from the recomputed value {value}")
    bound = doc.get("upper_bound")
    if bound is not None and bound < value - tolerance:
        problems.append(f"upper_bound {bound} is below the plan's value {value}")
    return problems
