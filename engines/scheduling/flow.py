"""The exact plan: the spec's model as one min-cost flow (OR-Tools SimpleMinCostFlow).

    source ─► organisation ─► order ─► teacher-day ─► teacher-month ─► teacher ─► sink
       └──────────────────────── bypass (an order left unserved) ─────────────────┘

- source → organisation: for an organisation not yet covered, one unit arc carrying the
  coverage bonus and a second arc without it for its other orders. The bonus is concave
  (only the first lesson earns it), so the cheaper arc is always used first.
- organisation → order: capacity 1, each order is served at most once.
- order → teacher-day: one arc per option, its cost minus the option's value (served,
  attendees, rating, distance). These terms depend on the order *and* the teacher, so they
  live here and nowhere else.
- teacher-day → teacher-month: capacity 1, one lesson a day.
- teacher-month → teacher: capacity max_per_month − booked that month.
- teacher → sink: parallel unit arcs, the j-th costing the j-th lesson's extra load
  load·((b + j)² − (b + j − 1)²) = load·(2b + 2j − 1). The penalty is convex, so these
  costs increase and the flow takes them in order: any n lessons cost exactly the
  spec's load·((b + n)² − b²). There are max_per_year − booked_year of them.
- source → sink: the bypass carries every order that is not worth serving, so the flow
  of value |orders| always exists and the cheapest one is the best plan.

Costs are integers (value × COST_SCALE, rounded). The flow is optimal for the rounded
costs; the plan's objective is then recomputed exactly in floating point, and the upper
bound is the rounded optimum plus the largest error rounding can cause, which keeps it a
proven bound (no plan is worth more) while the gap stays below a millionth.
"""

import time

import numpy as np
from ortools.graph.python import min_cost_flow

from engines.scheduling.options import OptionIndex, build_options
from engines.scheduling.plan import Assignment, Plan
from engines.scheduling.problem import Problem
from engines.scheduling.reasons import unserved_reasons
from engines.scheduling.value import breakdown

COST_SCALE = 1000  # costs in thousandths of a value point


class SolverError(RuntimeError):
    """OR-Tools did not return an optimal flow (it always should for this network)."""


def _scaled(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rounded integer costs and the rounding error of each, in value units."""
    exact = np.asarray(values, dtype=float) * COST_SCALE
    rounded = np.rint(exact)
    return rounded.astype(np.int64), np.abs(rounded - exact) / COST_SCALE


def solve(problem: Problem, time_limit_s: float | None = None) -> Plan:
    """The best plan of the spec's model, proven optimal by the flow.

    `time_limit_s` is accepted for the interface shared with richer models; the network
    algorithm is polynomial and finishes well within any sensible limit.
    """
    started = time.perf_counter()
    index = build_options(problem)
    chosen, rounded_value, slack, graph = _solve_flow(problem, index)
    assignments = [
        Assignment(
            problem.orders[index.opt_order[k]].id,
            problem.teachers[index.opt_teacher[k]].id,
            problem.start.fromordinal(problem.start.toordinal() + int(index.opt_day[k])),
            float(index.opt_km[k]),
        )
        for k in chosen
    ]
    served = set(index.opt_order[chosen].tolist())
    assignments.sort(key=lambda a: (a.date, a.order))
    left = [i for i in range(len(problem.orders)) if i not in served]
    unserved = unserved_reasons(problem, index, assignments, left)
    plan = Plan(assignments, unserved, 0.0, None, 0.0, "exact min-cost flow")
    value = breakdown(problem, plan)
    plan.objective = value["total"]
    plan.upper_bound = max(plan.objective, rounded_value + slack)
    plan.bound_note = (
        "exact: the network model is solved to optimality; the bound exceeds the objective "
        "only by the rounding of costs to 1/1000"
    )
    plan.solve_seconds = time.perf_counter() - started
    plan.stats = {
        "options": int(index.opt_order.size), **graph, "served": len(assignments),
        "unserved": len(unserved), "km_travelled": value["km_travelled"],
        "terms": value["terms"],
    }  # fmt: skip
    return plan


def _solve_flow(problem: Problem, index: OptionIndex):
    """Build and solve the network; return chosen option indices, value, slack, sizes."""
    w = problem.weights
    n_opt = index.opt_order.size
    if n_opt == 0:
        return np.empty(0, dtype=np.int64), 0.0, 0.0, {"nodes": 0, "arcs": 0}

    # Only orders with at least one option enter the network.
    orders_used = np.unique(index.opt_order)
    org_of_order = index.order_org[orders_used]
    orgs_used, org_local = np.unique(org_of_order, return_inverse=True)
    # teacher-day and teacher-month nodes, numbered compactly
    n_days, n_months = index.days, len(index.months)
    td_key = index.opt_teacher * n_days + index.opt_day
    td_keys, td_of_opt = np.unique(td_key, return_inverse=True)
    td_teacher, td_day = td_keys // n_days, td_keys % n_days
    tm_key = td_teacher * n_months + index.day_month[td_day]
    tm_keys, tm_of_td = np.unique(tm_key, return_inverse=True)
    tm_teacher, tm_month = tm_keys // n_months, tm_keys % n_months
    teachers_used, t_of_tm = np.unique(tm_teacher, return_inverse=True)

    source, sink = 0, 1
    org_node = 2 + np.arange(orgs_used.size)
    order_node = org_node[-1] + 1 + np.arange(orders_used.size)
    td_node = order_node[-1] + 1 + np.arange(td_keys.size)
    tm_node = td_node[-1] + 1 + np.arange(tm_keys.size)
    t_node = tm_node[-1] + 1 + np.arange(teachers_used.size)
    order_pos = np.full(len(problem.orders), -1, dtype=np.int64)
    order_pos[orders_used] = np.arange(orders_used.size)

    tails, heads, caps, costs, slack = [], [], [], [], 0.0

    def arcs(tail, head, cap, cost):
        tails.append(np.asarray(tail, dtype=np.int64))
        heads.append(np.asarray(head, dtype=np.int64))
        caps.append(np.asarray(cap, dtype=np.int64))
        costs.append(np.asarray(cost, dtype=np.int64))

    # source → organisation (coverage bonus on the first unit only)
    orders_per_org = np.bincount(org_local, minlength=orgs_used.size)
    uncovered = np.array(
        [not problem.organizations[index.org_ids[o]].covered for o in orgs_used], dtype=bool
    )
    bonus = uncovered & (w.coverage > 0)
    bonus_cost, bonus_error = _scaled(np.full(int(bonus.sum()), -w.coverage))
    slack += float(bonus_error.sum())
    arcs(np.zeros(int(bonus.sum())), org_node[bonus], np.ones(int(bonus.sum())), bonus_cost)
    rest = orders_per_org - bonus.astype(np.int64)
    arcs(np.zeros(int((rest > 0).sum())), org_node[rest > 0], rest[rest > 0],
         np.zeros(int((rest > 0).sum())))  # fmt: skip
    # organisation → order
    arcs(org_node[org_local], order_node, np.ones(orders_used.size), np.zeros(orders_used.size))
    # order → teacher-day: the options
    first_option_arc = sum(a.size for a in tails)
    option_cost, option_error = _scaled(-index.opt_value)
    # every plan uses at most one option per order: the largest error per order bounds it
    worst = np.zeros(len(problem.orders))
    np.maximum.at(worst, index.opt_order, option_error)
    slack += float(worst.sum())
    arcs(order_node[order_pos[index.opt_order]], td_node[td_of_opt], np.ones(n_opt), option_cost)
    # teacher-day → teacher-month: one lesson a day
    arcs(td_node, tm_node[tm_of_td], np.ones(td_keys.size), np.zeros(td_keys.size))
    # teacher-month → teacher: the month's room
    arcs(tm_node, t_node[t_of_tm], index.month_room[tm_teacher, tm_month],
         np.zeros(tm_keys.size))  # fmt: skip
    # teacher → sink: the j-th new lesson of the year costs load·(2b + 2j − 1)
    days_per_teacher = np.bincount(t_of_tm, weights=np.bincount(tm_of_td), minlength=0)
    units = np.minimum(index.year_room[teachers_used], days_per_teacher).astype(np.int64)
    owner = np.repeat(np.arange(teachers_used.size), units)  # one entry per unit arc
    j = np.arange(owner.size) - np.repeat(np.cumsum(units) - units, units) + 1
    load_cost, load_error = _scaled(
        w.load * (2 * index.booked_year[teachers_used[owner]] + 2 * j - 1)
    )
    slack += float(load_error.sum())
    arcs(t_node[owner], np.full(owner.size, sink), np.ones(owner.size), load_cost)
    # source → sink: the bypass for orders left unserved
    arcs([source], [sink], [orders_used.size], [0])

    flow = min_cost_flow.SimpleMinCostFlow()
    all_tails = np.concatenate(tails)
    flow.add_arcs_with_capacity_and_unit_cost(
        all_tails, np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    n_nodes = int(t_node[-1]) + 1
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[source], supplies[sink] = orders_used.size, -orders_used.size
    flow.set_nodes_supplies(np.arange(n_nodes), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    option_arcs = np.arange(first_option_arc, first_option_arc + n_opt)
    chosen = np.flatnonzero(flow.flows(option_arcs) > 0)
    rounded_value = -flow.optimal_cost() / COST_SCALE
    sizes = {"nodes": n_nodes, "arcs": int(all_tails.size)}
    return chosen, rounded_value, slack, sizes
