"""The obvious plan, for comparison: orders by date and size, each to the nearest teacher
who still has room. It is what a person does in a spreadsheet, and what the exact plan is
measured against in docs/benchmarks.md.
"""

import time
from collections import defaultdict

import numpy as np

from engines.scheduling.options import build_options
from engines.scheduling.plan import Assignment, Plan
from engines.scheduling.reasons import unserved_reasons
from engines.scheduling.value import breakdown


def greedy(problem) -> Plan:
    started = time.perf_counter()
    index = build_options(problem)
    month_room = index.month_room.copy()
    year_room = index.year_room.copy()
    busy: set[tuple[int, int]] = set()
    # options of each order, nearest first, then earliest date
    by_order: dict[int, list[int]] = defaultdict(list)
    for k in np.lexsort((index.opt_day, index.opt_km, index.opt_order)).tolist():
        by_order[int(index.opt_order[k])].append(k)

    def urgency(i: int):
        order = problem.orders[i]
        return (order.dates[0], -order.attendees, order.id)

    assignments, unserved = [], []
    for i in sorted(range(len(problem.orders)), key=urgency):
        for k in by_order.get(i, ()):
            t, day = int(index.opt_teacher[k]), int(index.opt_day[k])
            month = index.day_month[day]
            if (t, day) in busy or month_room[t, month] <= 0 or year_room[t] <= 0:
                continue
            busy.add((t, day))
            month_room[t, month] -= 1
            year_room[t] -= 1
            assignments.append(Assignment(
                problem.orders[i].id, problem.teachers[t].id,
                problem.start.fromordinal(problem.start.toordinal() + day),
                float(index.opt_km[k]),
            ))  # fmt: skip
            break
        else:
            unserved.append(i)
    assignments.sort(key=lambda a: (a.date, a.order))
    plan = Plan(assignments, unserved_reasons(problem, index, assignments, sorted(unserved)),
                0.0, None, 0.0, "greedy (nearest teacher with room)")  # fmt: skip
    value = breakdown(problem, plan)
    plan.objective = value["total"]
    plan.bound_note = "greedy: no bound; compare with the exact plan"
    plan.solve_seconds = time.perf_counter() - started
    plan.stats = {"options": int(index.opt_order.size), "served": len(assignments),
                  "unserved": len(plan.unserved), "km_travelled": value["km_travelled"],
                  "terms": value["terms"]}  # fmt: skip
    return plan
