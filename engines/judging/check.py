"""Re-checking an assignment after manual edits: every rule the solver keeps, in words."""

from __future__ import annotations

from collections import Counter

from engines.judging.model import REASON_LABELS, Entry, Judge, exclusion_reason


def check_assignment(
    entries: list[Entry],
    judges: list[Judge],
    pairs: list[tuple],
    *,
    k: int = 5,
    same_county: bool = True,
) -> list[str]:
    """Problems of a (possibly hand-edited) assignment; an empty list means it is valid.

    `pairs` are (entry id, judge id). Checked: known ids, no duplicate pair, no excluded
    pair, exactly k judges per entry, judges' loads differ by at most one."""
    entry_by_id = {entry.id: entry for entry in entries}
    judge_by_id = {judge.id: judge for judge in judges}
    problems: list[str] = []
    counts = Counter(pairs)
    for (entry_id, judge_id), n in counts.items():
        entry, judge = entry_by_id.get(entry_id), judge_by_id.get(judge_id)
        if entry is None or judge is None:
            problems.append(f"分配 {entry_id}/{judge_id} 不属于本次比赛")
            continue
        if n > 1:
            problems.append(f"评委 {judge.name} 对作品 {entry.name} 重复分配 {n} 次")
        reason = exclusion_reason(judge, entry, same_county=same_county)
        if reason:
            problems.append(f"评委 {judge.name} 须回避作品 {entry.name}：{REASON_LABELS[reason]}")
    per_entry = Counter(entry_id for entry_id, _ in counts)
    for entry in entries:
        if per_entry[entry.id] != k:
            problems.append(f"作品 {entry.name} 有 {per_entry[entry.id]} 位评委，应为 {k} 位")
    loads = Counter(judge_id for _, judge_id in counts)
    if judges:
        values = [loads.get(judge.id, 0) for judge in judges]
        if max(values) - min(values) > 1:
            most = max(judges, key=lambda j: loads.get(j.id, 0))
            least = min(judges, key=lambda j: loads.get(j.id, 0))
            problems.append(
                f"评委工作量不均衡：{most.name} {loads.get(most.id, 0)} 件，"
                f"{least.name} {loads.get(least.id, 0)} 件（相差应不超过 1）"
            )
    return problems
