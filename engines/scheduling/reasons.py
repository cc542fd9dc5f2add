"""Why an order is unserved: the first eligibility rule that rules out every teacher.

Computed apart from the solver, from the problem alone (and the plan for the last case),
so the reason is one a person can check: no teacher offers the course, none lives close
enough, none is free on the dates, caps are used up, or the order lost to better ones.
"""

import numpy as np

from engines.scheduling.options import OptionIndex
from engines.scheduling.plan import Assignment, Unserved


def unserved_reasons(
    problem, index: OptionIndex, assignments: list[Assignment], order_indices: list[int]
) -> list[Unserved]:
    served_orgs = {problem.orders_by_id[a.order].organization for a in assignments}
    return [
        Unserved(problem.orders[i].id, _reason(problem, index, i, served_orgs))
        for i in order_indices
    ]


def _reason(problem, index: OptionIndex, i: int, served_orgs: set[str]) -> str:
    order = problem.orders[i]
    candidates = index.eligible(i)
    if candidates.size == 0:
        if index.qualified(i).size:
            return "every teacher who could give it is forbidden for this order"
        if order.course is not None:
            return f"no teacher offers course {order.course}"
        return f"no teacher teaches the category {order.category}"
    km = index.distances[index.order_org[i], candidates]
    near = km <= index.max_km[candidates]
    if not near.any():
        limit = index.max_km[candidates].max()
        return f"no eligible teacher within {limit:g} km (nearest is {km.min():.1f} km away)"
    candidates = candidates[near]
    days = np.array([(day - problem.start).days for day in order.dates], dtype=np.int64)
    if not index.available[np.ix_(candidates, days)].any():
        return "no eligible teacher nearby is available on the order's dates"
    if not index.free[np.ix_(candidates, days)].any():
        return "eligible teachers nearby have no room left in their monthly or yearly cap"
    # Worth serving on its own? Best option, minus the next lesson's load, plus coverage.
    mine = index.opt_order == i
    load = problem.weights.load * (2 * index.booked_year[index.opt_teacher[mine]] + 1)
    best = float((index.opt_value[mine] - load).max())
    org = problem.organizations[order.organization]
    if not org.covered and order.organization not in served_orgs:
        best += problem.weights.coverage
    if best <= 0:
        return "not chosen: serving it would lower the plan's value"
    return "not chosen: capacity used by higher-value orders"
