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

What OR-Tools is handed is a compact form of that drawing with the same optimal flows:
a teacher-day that only one option reaches is no node (the option's own unit arc already
allows one lesson that day, so it runs straight to the teacher-month), and every arc is
turned round (supplies negated). On the city year (docs/benchmarks.md) that solves in
about three quarters of the time of the network as drawn, which `network="full"` keeps.

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


def solve(problem: Problem, time_limit_s: float | None = None, network: str = "compact") -> Plan:
    """The best plan of the spec's model, proven optimal by the flow.

    `time_limit_s` is accepted for the interface shared with richer models; the network
    algorithm is polynomial and finishes well within any sensible limit. `network` "full"
    solves the network as first built, to compare against (same optimum, more time).
    """
    started = time.perf_counter()
    index = build_options(problem)
    chosen, rounded_value, slack, graph = _solve_flow(problem, index, network)
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


NETWORKS = ("compact", "full")


def _dense_unique(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(keys, return_inverse=True) for keys in range(size), without sorting:
    the same sorted keys and positions, in one pass over a table of `size` entries."""
    present = np.zeros(size, dtype=bool)
    present[keys] = True
    unique = np.flatnonzero(present)
    position = np.cumsum(present) - 1
    return unique, position[keys]


def _solve_flow(problem: Problem, index: OptionIndex, network: str = "compact"):
    """Build and solve the network; return chosen option indices, value, slack, sizes.

    `network` is "compact" (the default: a teacher-day with one option is no node of its
    own, and OR-Tools is handed the network with every arc turned round) or "full" (every
    teacher-day a node, arcs as drawn above: the network as first built, kept to compare
    against). Both have the same optimal flows.
    """
    if network not in NETWORKS:
        raise ValueError(f"network must be one of {NETWORKS}, not {network!r}")
    compact = network == "compact"
    w = problem.weights
    n_opt = index.opt_order.size
    if n_opt == 0:
        return np.empty(0, dtype=np.int64), 0.0, 0.0, {"nodes": 0, "arcs": 0}

    # Only orders with at least one option enter the network.
    orders_used, order_pos = _dense_unique(index.opt_order, len(problem.orders))
    org_of_order = index.order_org[orders_used]
    orgs_used, org_local = _dense_unique(org_of_order, len(index.org_ids))
    # teacher-day and teacher-month nodes, numbered compactly
    n_days, n_months = index.days, len(index.months)
    n_teachers = len(problem.teachers)
    td_keys, td_of_opt = _dense_unique(index.opt_teacher * n_days + index.opt_day,
                                       n_teachers * n_days)  # fmt: skip
    td_teacher, td_day = td_keys // n_days, td_keys % n_days
    tm_keys, tm_of_td = _dense_unique(td_teacher * n_months + index.day_month[td_day],
                                      n_teachers * n_months)  # fmt: skip
    tm_teacher, tm_month = tm_keys // n_months, tm_keys % n_months
    teachers_used, t_of_tm = _dense_unique(tm_teacher, n_teachers)
    options_per_td = np.bincount(td_of_opt, minlength=td_keys.size)
    # A teacher-day only one option reaches needs no node: that option's unit arc already
    # allows one lesson that day, so it runs straight to the teacher-month.
    day_node_needed = options_per_td > 1 if compact else np.ones(td_keys.size, dtype=bool)

    source, sink = 0, 1
    next_node = 2

    def numbered(count):
        nonlocal next_node
        nodes = next_node + np.arange(count)
        next_node += count
        return nodes

    org_node = numbered(orgs_used.size)
    order_node = numbered(orders_used.size)
    td_node = np.full(td_keys.size, -1, dtype=np.int64)
    td_node[day_node_needed] = numbered(int(day_node_needed.sum()))
    tm_node = numbered(tm_keys.size)
    t_node = numbered(teachers_used.size)
    # where each teacher-day's lessons go next: its own node, or its teacher-month
    td_entry = np.where(day_node_needed, td_node, tm_node[tm_of_td])

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
    arcs(order_node[order_pos], td_entry[td_of_opt], np.ones(n_opt), option_cost)
    # teacher-day → teacher-month: one lesson a day
    days_with_node = int(day_node_needed.sum())
    arcs(td_node[day_node_needed], tm_node[tm_of_td[day_node_needed]], np.ones(days_with_node),
         np.zeros(days_with_node))  # fmt: skip
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
    all_tails, all_heads = np.concatenate(tails), np.concatenate(heads)
    n_nodes = next_node
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[source], supplies[sink] = orders_used.size, -orders_used.size
    if compact:
        # The same network with every arc turned round and the supplies negated has the
        # same optimal flows arc for arc; OR-Tools' cost scaling, pushing from the few
        # teachers' side instead of the many orders', takes a sixth less time on it.
        all_tails, all_heads, supplies = all_heads, all_tails, -supplies
    flow.add_arcs_with_capacity_and_unit_cost(
        all_tails, all_heads, np.concatenate(caps), np.concatenate(costs)
    )
    flow.set_nodes_supplies(np.arange(n_nodes), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    option_arcs = np.arange(first_option_arc, first_option_arc + n_opt)
    chosen = np.flatnonzero(flow.flows(option_arcs) > 0)
    rounded_value = -flow.optimal_cost() / COST_SCALE
    sizes = {"nodes": n_nodes, "arcs": int(all_tails.size)}
    return chosen, rounded_value, slack, sizes
