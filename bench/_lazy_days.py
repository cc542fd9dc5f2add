"""The day layer added lazily: an experiment of issue #19, measured and not shipped.

Solves the scheduling network without "one lesson a day" (options merged per order,
teacher and month), checks each teacher-month's orders for distinct days, adds the day
nodes of the teacher-months that clash, and solves again until none clash. The last plan
is feasible and optimal for a relaxation of the problem, so it is optimal; the script
checks that its rounded cost equals the current solver's. docs/benchmarks.md ("The lazy
day layer with a tie-break, tried and not shipped") has the figures and why it lost.

`python -m bench._lazy_days [plain|sticky] [seed teachers orders months]`: *sticky* is the
tie-break that makes every option the last round did not use cost 1/16,384 of a cost unit
more (below the rounding of costs over any plan: the optimum class does not change).
Defaults: sticky, the city year of bench.scheduling (2 500 10000 12).
"""

import sys
import time

import numpy as np
from ortools.graph.python import min_cost_flow

from engines.scheduling import flow, generate, load_problem
from engines.scheduling.options import build_options

TIE_SCALE = 16_384  # > the number of orders: a plan's perturbations stay below one unit


def _distinct_days(day_lists: list[list[int]]) -> bool:
    """Whether each order can have a day of its own (Kuhn's augmenting paths)."""
    owner: dict[int, int] = {}

    def place(i, seen):
        for day in day_lists[i]:
            if day not in seen:
                seen.add(day)
                if day not in owner or place(owner[day], seen):
                    owner[day] = i
                    return True
        return False

    return all(place(i, set()) for i in range(len(day_lists)))


def lazy_solve(problem, index, *, sticky: bool) -> tuple[float, list[tuple]]:
    """The optimum's rounded value and, per round: solve CPU s, nodes, clashes, value."""
    w = problem.weights
    scale = TIE_SCALE if sticky else 1
    n_teachers, n_months, n_days = len(problem.teachers), len(index.months), index.days
    opt_order, opt_teacher, opt_day = index.opt_order, index.opt_teacher, index.opt_day
    opt_tm = opt_teacher * n_months + index.day_month[opt_day]
    group_key = opt_order * (n_teachers * n_months) + opt_tm
    _keys, first, group_of = np.unique(group_key, return_index=True, return_inverse=True)
    group_order, group_tm = opt_order[first], opt_tm[first]
    option_cost = flow._scaled(-index.opt_value)[0] * scale
    group_cost = option_cost[first]
    by_group = np.argsort(group_of, kind="stable")
    group_start = np.concatenate([[0], np.cumsum(np.bincount(group_of))])

    orders_used = np.unique(opt_order)
    orgs_used, org_local = np.unique(index.order_org[orders_used], return_inverse=True)
    order_pos = np.full(len(problem.orders), -1)
    order_pos[orders_used] = np.arange(orders_used.size)
    days_per_teacher = np.bincount(
        np.unique(opt_teacher * n_days + opt_day) // n_days, minlength=n_teachers
    )
    teachers_used = np.flatnonzero(days_per_teacher)
    teacher_pos = np.full(n_teachers, -1)
    teacher_pos[teachers_used] = np.arange(teachers_used.size)
    units = np.minimum(index.year_room[teachers_used], days_per_teacher[teachers_used])
    owner = np.repeat(np.arange(teachers_used.size), units)
    j = np.arange(owner.size) - np.repeat(np.cumsum(units) - units, units) + 1
    load = w.load * (2 * index.booked_year[teachers_used[owner]] + 2 * j - 1)
    load_cost = flow._scaled(load)[0] * scale
    uncovered = np.array([not problem.organizations[index.org_ids[o]].covered for o in orgs_used])
    bonus = uncovered & (w.coverage > 0)
    bonus_cost = flow._scaled(np.full(int(bonus.sum()), -w.coverage))[0] * scale
    rest = np.bincount(org_local, minlength=orgs_used.size) - bonus
    tms = np.unique(opt_tm)
    tm_pos = np.full(n_teachers * n_months, -1)
    tm_pos[tms] = np.arange(tms.size)

    layered = np.zeros(n_teachers * n_months, dtype=bool)
    used_before = None
    rounds = []
    while True:
        started = time.process_time()
        merged = np.flatnonzero(~layered[group_tm])
        by_day = np.flatnonzero(layered[opt_tm])
        teacher_days = np.unique(opt_teacher[by_day] * n_days + opt_day[by_day])
        org_node = 2 + np.arange(orgs_used.size)
        order_node = 2 + orgs_used.size + np.arange(orders_used.size)
        day_node0 = 2 + orgs_used.size + orders_used.size
        tm_node0 = day_node0 + teacher_days.size
        teacher_node0 = tm_node0 + tms.size
        n_nodes = teacher_node0 + teachers_used.size
        tie = np.zeros(merged.size, dtype=np.int64)
        if sticky and used_before is not None:
            tie = (~used_before[merged]).astype(np.int64)
        day_teacher, day = teacher_days // n_days, teacher_days % n_days
        parts = [
            (np.zeros(bonus.sum()), org_node[bonus], np.ones(bonus.sum()), bonus_cost),
            (np.zeros((rest > 0).sum()), org_node[rest > 0], rest[rest > 0], 0),
            (org_node[org_local], order_node, np.ones(orders_used.size), 0),
            (order_node[order_pos[group_order[merged]]], tm_node0 + tm_pos[group_tm[merged]],
             np.ones(merged.size), group_cost[merged] + tie),
            (order_node[order_pos[opt_order[by_day]]],
             day_node0 + np.searchsorted(teacher_days, opt_teacher[by_day] * n_days
                                         + opt_day[by_day]),
             np.ones(by_day.size), option_cost[by_day]),
            (day_node0 + np.arange(teacher_days.size),
             tm_node0 + tm_pos[day_teacher * n_months + index.day_month[day]],
             np.ones(teacher_days.size), 0),
            (tm_node0 + np.arange(tms.size), teacher_node0 + teacher_pos[tms // n_months],
             index.month_room[tms // n_months, tms % n_months], 0),
            (teacher_node0 + owner, np.ones(owner.size), np.ones(owner.size), load_cost),
            ([0], [1], [orders_used.size], [0]),
        ]  # fmt: skip
        tails, heads, caps, costs = ([], [], [], [])
        for tail, head, cap, cost in parts:
            tails.append(np.asarray(tail, dtype=np.int64))
            heads.append(np.asarray(head, dtype=np.int64))
            caps.append(np.asarray(cap, dtype=np.int64))
            costs.append(np.broadcast_to(np.asarray(cost, dtype=np.int64), tails[-1].shape))
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(
            np.concatenate(tails), np.concatenate(heads), np.concatenate(caps),
            np.concatenate(costs),
        )  # fmt: skip
        supplies = np.zeros(n_nodes, dtype=np.int64)
        supplies[0], supplies[1] = orders_used.size, -orders_used.size
        solver.set_nodes_supplies(np.arange(n_nodes), supplies)
        if solver.solve() != solver.OPTIMAL:
            raise flow.SolverError("min-cost flow did not end optimal")
        first_merged = sum(t.size for t in tails[:3])
        first_by_day = first_merged + merged.size
        chosen = merged[solver.flows(np.arange(first_merged, first_by_day)) > 0]
        chosen_by_day = by_day[
            solver.flows(np.arange(first_by_day, first_by_day + by_day.size)) > 0
        ]
        used_before = np.zeros(group_order.size, dtype=bool)
        used_before[chosen] = used_before[group_of[chosen_by_day]] = True
        per_tm: dict[int, list[int]] = {}
        for group in chosen.tolist():
            per_tm.setdefault(int(group_tm[group]), []).append(group)
        clashes = [
            tm
            for tm, groups in per_tm.items()
            if len(groups) > 1
            and not _distinct_days(
                [opt_day[by_group[group_start[g] : group_start[g + 1]]].tolist() for g in groups]
            )
        ]
        value = -solver.optimal_cost() / scale / flow.COST_SCALE
        rounds.append((time.process_time() - started, n_nodes, len(clashes), value))
        if not clashes:
            return value, rounds
        layered[clashes] = True


def run(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    sticky = (argv[0] if argv else "sticky") == "sticky"
    seed, teachers, orders, months = (int(x) for x in (argv[1:5] or (2, 500, 10000, 12)))
    problem = load_problem(generate(seed, teachers, orders, months))
    index = build_options(problem)
    started = time.process_time()
    _chosen, full_value, _slack, sizes = flow._solve_flow(problem, index)
    full_seconds = time.process_time() - started
    value, rounds = lazy_solve(problem, index, sticky=sticky)
    for number, (seconds, nodes, clashes, round_value) in enumerate(rounds, 1):
        print(f"round {number}: {seconds:.2f} CPU s, {nodes} nodes, {clashes} clashing "
              f"teacher-months, relaxation value {round_value:,.3f}")  # fmt: skip
    same = abs(value - full_value) < 5e-4
    print(f"lazy ({'sticky' if sticky else 'plain'}): {sum(r[0] for r in rounds):.2f} CPU s, "
          f"value {value:,.3f}; full network ({sizes['nodes']} nodes): {full_seconds:.2f} "
          f"CPU s, value {full_value:,.3f}; same optimum: {same}")  # fmt: skip


if __name__ == "__main__":
    run()
