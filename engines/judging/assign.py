"""Judge assignment as one min-cost flow (OR-Tools SimpleMinCostFlow).

    source ─(need_e)─► entry e ─(1, if allowed)─► judge j ─(hi_j − lo_j)─► sink

Each entry must receive need_e = k − (its pinned judges) units; each judge takes between
lo_j and hi_j units, where lo/hi are the balanced loads (hi − lo ≤ 1) less its pinned
entries. The lower bound is the usual node-supply transformation: judge j demands lo_j
units outright and passes at most hi_j − lo_j on to the sink. Arc costs are a fixed hash of
(seed, entry name, judge name): any cheapest flow is a valid assignment, and the hash spreads the
panels so that judges meet many different colleagues (which per-judge normalisation needs).

When no valid assignment exists the solver is not asked to guess: `Infeasible.reasons`
says which rule cannot be met, e.g. "教研组3之外的评委不足".
"""

from __future__ import annotations

import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass

from ortools.graph.python import min_cost_flow

from engines.judging.model import (
    REASON_LABELS,
    SAME_COUNTY,
    SAME_GROUP,
    Entry,
    Judge,
    exclusion_reason,
    load_bounds,
)


class Infeasible(ValueError):
    """No assignment satisfies the rules; `reasons` are sentences for the chair."""

    def __init__(self, reasons: list[str]):
        super().__init__("；".join(reasons))
        self.reasons = reasons


@dataclass
class AssignmentResult:
    pairs: dict  # entry id → judge ids (pinned ones included), in judge order
    loads: dict  # judge id → number of entries
    lo: int
    hi: int
    seconds: float

    @property
    def spread(self) -> int:
        return max(self.loads.values()) - min(self.loads.values()) if self.loads else 0


def _cost(seed: int, entry: Entry, judge: Judge) -> int:
    # By name, not id: database ids differ between two builds of the same data.
    return zlib.crc32(f"{seed}:{entry.name}:{judge.name}".encode()) % 1000


def assign_judges(
    entries: list[Entry],
    judges: list[Judge],
    *,
    k: int = 5,
    same_county: bool = True,
    pinned: tuple = (),
    forbidden: tuple = (),
    seed: int = 0,
) -> AssignmentResult:
    """Each entry k judges, balanced loads, no conflicts. `pinned`: (entry id, judge id)
    pairs kept as they are (manual edits); `forbidden`: pairs never to use."""
    started = time.perf_counter()
    _check_basic(entries, judges, k)
    lo, hi = load_bounds(len(entries), len(judges), k)
    entry_by_id = {entry.id: entry for entry in entries}
    judge_by_id = {judge.id: judge for judge in judges}
    forbidden = set(forbidden)
    pinned = list(dict.fromkeys(pinned))
    reasons = _pin_problems(pinned, entry_by_id, judge_by_id, k, hi, same_county)
    if reasons:
        raise Infeasible(reasons)
    pinned_of_entry = Counter(entry_id for entry_id, _ in pinned)
    pinned_of_judge = Counter(judge_id for _, judge_id in pinned)
    pinned_set = set(pinned)

    allowed: dict = {}
    for entry in entries:
        allowed[entry.id] = [
            judge
            for judge in judges
            if (entry.id, judge.id) not in forbidden
            and (entry.id, judge.id) not in pinned_set
            and exclusion_reason(judge, entry, same_county=same_county) is None
        ]
    reasons = _shortages(entries, judges, allowed, pinned_of_entry, k, hi, forbidden, same_county)
    if reasons:
        raise Infeasible(reasons)

    counts = (pinned_of_entry, pinned_of_judge, k)
    flow = _solve(entries, judges, allowed, *counts, lo, hi, seed)
    if flow is None:
        loose = _solve(entries, judges, allowed, *counts, 0, k * len(entries), seed)
        if loose is not None:
            raise Infeasible(
                [
                    f"回避规则下无法使评委工作量均衡（每位评委应评 {lo}–{hi} 件）："
                    "可评作品较少的评委太多，请增加评委或放宽回避"
                ]
            )
        raise Infeasible([f"回避规则下无法为每件作品安排 {k} 位评委，请增加评委"])
    pairs = defaultdict(list)
    for entry_id, judge_id in pinned:
        pairs[entry_id].append(judge_id)
    for entry_id, judge_id in flow:
        pairs[entry_id].append(judge_id)
    order = {judge.id: index for index, judge in enumerate(judges)}
    result_pairs = {entry.id: sorted(pairs[entry.id], key=order.__getitem__) for entry in entries}
    loads = Counter(judge_id for ids in result_pairs.values() for judge_id in ids)
    return AssignmentResult(
        pairs=result_pairs,
        loads={judge.id: loads.get(judge.id, 0) for judge in judges},
        lo=lo,
        hi=hi,
        seconds=time.perf_counter() - started,
    )


def _check_basic(entries, judges, k) -> None:
    if k < 1:
        raise Infeasible(["每件作品的评委人数至少为 1"])
    if not entries:
        raise Infeasible(["还没有参赛作品"])
    if not judges:
        raise Infeasible(["还没有评委"])
    if len(judges) < k:
        raise Infeasible([f"每件作品需要 {k} 位评委，评委库只有 {len(judges)} 位"])
    for kind, items in (("作品", entries), ("评委", judges)):
        ids = [item.id for item in items]
        if len(set(ids)) != len(ids):
            raise Infeasible([f"{kind}编号重复"])


def _pin_problems(pinned, entry_by_id, judge_by_id, k, hi, same_county) -> list[str]:
    problems = []
    for entry_id, judge_id in pinned:
        entry, judge = entry_by_id.get(entry_id), judge_by_id.get(judge_id)
        if entry is None or judge is None:
            problems.append(f"手工指定的 {entry_id}/{judge_id} 不在本次比赛中")
            continue
        reason = exclusion_reason(judge, entry, same_county=same_county)
        if reason:
            problems.append(
                f"手工指定的评委 {judge.name} 须回避作品 {entry.name}（{REASON_LABELS[reason]}）"
            )
    for entry_id, n in Counter(e for e, _ in pinned).items():
        if n > k and entry_id in entry_by_id:
            problems.append(f"作品 {entry_by_id[entry_id].name} 手工指定了 {n} 位评委，超过 {k} 位")
    for judge_id, n in Counter(j for _, j in pinned).items():
        if n > hi and judge_id in judge_by_id:
            problems.append(
                f"评委 {judge_by_id[judge_id].name} 手工指定了 {n} 件作品，超过均衡上限 {hi} 件"
            )
    return problems


def _shortages(entries, judges, allowed, pinned_of_entry, k, hi, forbidden, same_county):
    """Necessary conditions, checked first so the message names the rule that fails."""
    reasons: list[str] = []
    # Whole teaching groups (and counties): their entries need k·n reviews from outsiders.
    for kind, key, label in (
        (SAME_GROUP, lambda e: e.groups, "{}之外的评委不足"),
        (SAME_COUNTY, lambda e: e.all_counties, "{}之外的评委不足"),
    ):
        if kind == SAME_COUNTY and not same_county:
            continue
        members = defaultdict(list)
        for entry in entries:
            for value in key(entry):
                members[value].append(entry)
        for value, group_entries in sorted(members.items(), key=lambda item: str(item[0])):
            need = sum(k - pinned_of_entry[e.id] for e in group_entries)
            ids = {e.id for e in group_entries}
            reachable = Counter(judge.id for e in group_entries for judge in allowed[e.id])
            capacity = sum(min(hi, n) for n in reachable.values())
            if capacity < need:
                names = next(iter(group_entries)).group_names if kind == SAME_GROUP else {}
                name = names.get(value, f"教研组{value}" if kind == SAME_GROUP else value)
                reasons.append(
                    label.format(name)
                    + f"：{len(ids)} 件作品需要 {need} 人次评审，可评的评委在每人至多 {hi} 件的"
                    f"负载下只能承担 {capacity} 人次"
                )
    # Single entries with too few allowed judges.
    for entry in entries:
        need = k - pinned_of_entry[entry.id]
        if len(allowed[entry.id]) >= need:
            continue
        why = Counter()
        for judge in judges:
            reason = exclusion_reason(judge, entry, same_county=same_county)
            if reason:
                why[REASON_LABELS[reason]] += 1
            elif (entry.id, judge.id) in forbidden:
                why["手工排除"] += 1
        detail = "、".join(f"{label} {n} 位" for label, n in why.most_common())
        reasons.append(
            f"作品 {entry.name} 只有 {len(allowed[entry.id])} 位评委可评，需要 {need} 位"
            + (f"（回避：{detail}）" if detail else "")
        )
    return reasons


def _solve(entries, judges, allowed, pinned_of_entry, pinned_of_judge, k, lo, hi, seed):
    """The flow's new pairs, or None when the network has no feasible flow."""
    solver = min_cost_flow.SimpleMinCostFlow()
    source, n_entries = 0, len(entries)
    entry_node = {entry.id: 1 + i for i, entry in enumerate(entries)}
    judge_node = {judge.id: 1 + n_entries + i for i, judge in enumerate(judges)}
    sink = 1 + n_entries + len(judges)
    total = 0
    pair_arcs = []
    for entry in entries:
        need = k - pinned_of_entry[entry.id]
        total += need
        if need:
            solver.add_arc_with_capacity_and_unit_cost(source, entry_node[entry.id], need, 0)
        for judge in allowed[entry.id]:
            arc = solver.add_arc_with_capacity_and_unit_cost(
                entry_node[entry.id], judge_node[judge.id], 1, _cost(seed, entry, judge)
            )
            pair_arcs.append((arc, entry.id, judge.id))
    lows = 0
    for judge in judges:
        low = max(0, lo - pinned_of_judge[judge.id])
        high = hi - pinned_of_judge[judge.id]
        lows += low
        solver.set_node_supply(judge_node[judge.id], -low)
        if high > low:
            solver.add_arc_with_capacity_and_unit_cost(judge_node[judge.id], sink, high - low, 0)
    if lows > total:
        return None
    solver.set_node_supply(source, total)
    solver.set_node_supply(sink, -(total - lows))
    if solver.solve() != solver.OPTIMAL:
        return None
    return [(entry_id, judge_id) for arc, entry_id, judge_id in pair_arcs if solver.flow(arc)]
