"""From score sheets to a ranking: sheet scores, per-judge normalisation, a total order with
a stated tie-breaking rule, and agreement between judges.

Normalisation (per-judge z-score, rescaled): a judge who marks everyone 10 points low should
not sink the entries they happened to draw. For judge j with mean m_j and sample standard
deviation s_j over the sheets they scored, a raw score x becomes z = (x − m_j) / s_j, then
M + S·z, where M and S are the mean and sample standard deviation of all raw sheets of the
round — the normalised scores live on the same 0–100 scale as the raw ones. A judge with
fewer than two sheets, or who gave every entry the same score, contributes z = 0 (the
round's mean). An entry's score is the mean of its judges' sheets, raw or normalised, and
the chair chooses which one ranks.

Agreement uses `engines.scoring.icc` (Shrout & Fleiss 1979). When every judge scored every
entry (a final) the matrix is complete and all six ICCs apply. When each entry drew its own
panel (the first round), the judges of an entry are a random draw, Shrout–Fleiss case 1, so
ICC1 and ICC1k are reported, computed with each entry's k sheets as the k columns. A judge
is flagged when their sheets agree poorly with the mean of the other judges on the same
entries: ICC(3,1) of the two columns (judge, rest of panel) below FLAG_BELOW, or undefined.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

from engines.scoring import ScoringError, icc
from engines.scoring.indicators import is_number, parse_indicators
from engines.scoring.lesson import weighted_mean

FLAG_BELOW = 0.3
MIN_SHEETS_FOR_FLAG = 3
# Ties on the score (two decimals) are broken, in order, by: "trimmed" — the mean without
# the highest and lowest sheet, higher first; "sd" — the judges' standard deviation, lower
# first (more agreement); "order" — the given order (registration, or the first round's
# place in the final). A ranked row names the step that decided it in "tie_break".


def sheet_score(indicators: list[dict], answers: dict, *, skip: tuple = ()) -> float:
    """One judge's sheet: the effective-weight mean of the leaves answered, 0–100, exactly
    as a response is scored in shared/specs/evaluation.md. `skip`: leaves judges are not
    asked (follow-up indicators)."""
    tree = parse_indicators(indicators)
    asked = [leaf_id for leaf_id in tree.leaves if leaf_id not in skip]
    percent = {}
    for leaf_id, value in answers.items():
        leaf = tree.leaves.get(leaf_id)
        if leaf is None or leaf_id in skip:
            raise ScoringError(f"{leaf_id}: 不是评审表中的指标")
        if not is_number(value) or not leaf.contains(value):
            raise ScoringError(f"{leaf_id}: {value!r} 不在 {leaf.lo:g}–{leaf.hi:g} 之间")
        percent[leaf_id] = leaf.to_percent(value)
    missing = [leaf_id for leaf_id in asked if leaf_id not in percent]
    if missing:
        raise ScoringError(f"未评指标：{', '.join(missing)}")
    return weighted_mean(percent, tree, asked)


def _mean_sd(values: list[float]) -> tuple[float, float]:
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, sd


def normalise(scores: dict) -> dict:
    """{(entry, judge): raw} → {(entry, judge): normalised}, per-judge z-score rescaled."""
    if not scores:
        return {}
    overall_mean, overall_sd = _mean_sd(list(scores.values()))
    by_judge = defaultdict(list)
    for (_, judge), value in scores.items():
        by_judge[judge].append(value)
    stats = {judge: _mean_sd(values) for judge, values in by_judge.items()}
    result = {}
    for (entry, judge), value in scores.items():
        mean, sd = stats[judge]
        z = (value - mean) / sd if sd > 0 else 0.0
        result[(entry, judge)] = overall_mean + overall_sd * z
    return result


def _trimmed(values: list[float]) -> float:
    if len(values) < 3:
        return statistics.fmean(values)
    return statistics.fmean(sorted(values)[1:-1])


def rank_entries(scores: dict, *, basis: str = "normalised", order: list | None = None) -> list:
    """Rows best first: entry, rank, raw, normalised, score (of `basis`), trimmed, sd, n,
    and `tie_break` naming the criterion that put it below an entry with the same score.

    `order` is the registration order of the entries (the last tie-breaker); entries in it
    without any sheet are left out."""
    if basis not in ("raw", "normalised"):
        raise ValueError(f"basis: {basis!r}")
    normalised = normalise(scores)
    raw_of, norm_of = defaultdict(list), defaultdict(list)
    for key, value in scores.items():
        raw_of[key[0]].append(value)
        norm_of[key[0]].append(normalised[key])
    entries = [entry for entry in (order or sorted(raw_of, key=str)) if entry in raw_of]
    position = {entry: index for index, entry in enumerate(entries)}
    rows = []
    for entry in entries:
        chosen = norm_of[entry] if basis == "normalised" else raw_of[entry]
        rows.append(
            {
                "entry": entry,
                "raw": statistics.fmean(raw_of[entry]),
                "normalised": statistics.fmean(norm_of[entry]),
                "score": statistics.fmean(chosen),
                "trimmed": _trimmed(chosen),
                "sd": statistics.stdev(chosen) if len(chosen) > 1 else 0.0,
                "n": len(chosen),
            }
        )

    def key(row):
        return (
            -round(row["score"], 2),
            -round(row["trimmed"], 2),
            round(row["sd"], 2),
            position[row["entry"]],
        )

    rows.sort(key=key)
    for index, row in enumerate(rows):
        row["rank"] = index + 1
        row["tie_break"] = None
        if index and round(rows[index - 1]["score"], 2) == round(row["score"], 2):
            previous = key(rows[index - 1])
            current = key(row)
            for criterion, a, b in zip(
                ("trimmed", "sd", "order"), previous[1:], current[1:], strict=True
            ):
                if a != b:
                    row["tie_break"] = criterion
                    break
    return rows


def judge_agreement(scores: dict) -> dict:
    """ICCs of the round and, per judge, agreement with the rest of each panel."""
    entries = sorted({entry for entry, _ in scores}, key=str)
    judges = sorted({judge for _, judge in scores}, key=str)
    complete = len(scores) == len(entries) * len(judges)
    if complete:
        matrix = [[scores[(e, j)] for j in judges] for e in entries]
    else:
        per_entry = defaultdict(list)
        for (entry, _judge), value in sorted(scores.items(), key=lambda item: str(item[0][1])):
            per_entry[entry].append(value)
        width = max((len(values) for values in per_entry.values()), default=0)
        matrix = [
            per_entry[e] + [None] * (width - len(per_entry[e])) for e in entries if per_entry[e]
        ]
    try:
        overall = icc(matrix)
    except ScoringError as error:
        overall = {"error": str(error)}
    overall["design"] = "complete" if complete else "incomplete"

    by_entry = defaultdict(dict)
    for (entry, judge), value in scores.items():
        by_entry[entry][judge] = value
    per_judge = {}
    for judge in judges:
        rows, offsets = [], []
        for sheets in by_entry.values():
            if judge in sheets and len(sheets) > 1:
                others = [v for j, v in sheets.items() if j != judge]
                rest = statistics.fmean(others)
                rows.append([sheets[judge], rest])
                offsets.append(sheets[judge] - rest)
        value = None
        if len(rows) >= MIN_SHEETS_FOR_FLAG:
            try:
                value = icc(rows)["ICC3"]
            except ScoringError:
                value = None
        enough = len(rows) >= MIN_SHEETS_FOR_FLAG
        flagged = enough and (value is None or value < FLAG_BELOW)
        per_judge[judge] = {
            "n": len(rows),
            "icc_with_panel": value,
            "mean_offset": statistics.fmean(offsets) if offsets else None,
            "flagged": flagged,
        }
    return {"overall": overall, "judges": per_judge, "flag_below": FLAG_BELOW}
