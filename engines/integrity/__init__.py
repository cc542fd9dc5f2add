"""Rating integrity: signs that a survey's sheets were stuffed or coached, read from what
anonymity lets us keep (no person, no address; a sheet's role, answers and hour).

`check_survey(doc) -> list[dict]`, plain data in and out, no Django. Each flag is
`{"kind", "responses": [ids], "figures": {...}}`; the app words it in Chinese. A flag is a
question for the office, never a verdict: nothing is dropped here.

The rule every check follows: a pattern is suspicious only against the survey's own
spread. An all-top hall (everyone gives 5 on every leaf) is enthusiasm, not evidence, so
the top (and bottom) corner vector is never judged by its count alone; a stuffer who
repeats it is caught by the count of sheets against sign-ins and by the other roles.
See docs/survey-integrity.md ("Flags") for the thresholds and the simulation behind them.
"""

from __future__ import annotations

import math
import statistics
import unicodedata
from collections import Counter, defaultdict
from datetime import datetime

TRAINEE = "trainee"
MIN_LEAVES = 3  # a vector of fewer answers repeats by chance too easily to mean anything
MIN_BURST = 5  # at least this many identical sheets before counting them a burst
BURST_RATIO = 3  # …and this many times the sheets one step away (plus one)
LONG_SHEET = 6  # straight-lining is a sign only on sheets of at least this many leaves…
STRAIGHT_SHARE = 0.4  # …and only when this share of them answer every leaf alike
ROLE_GAP = 20.0  # points (0–100) a role must sit from every other role…
ROLE_Z = 2.5  # …and this many standard errors of the difference
ROLE_SD_FLOOR = 10.0  # a role of one or two sheets has no spread to measure: assume this
MIN_ROLE_N = 3  # one or two raters far off are opinions, not a pattern of a role
MIN_OTHER_ROLES = 2  # "far from every other" needs at least two others to compare with
COMMENT_MIN_CHARS = 6  # "很好" twice is normal; a sentence three times is not
COMMENT_MIN_REPEAT = 3

KINDS = ("surplus", "identical", "straight_line", "role_outlier", "out_of_window", "comments")


def _vector(answers: dict) -> tuple:
    return tuple(sorted((k, v) for k, v in answers.items() if v is not None))


def _percent(answers: dict, scales: dict) -> float | None:
    values = [
        100.0 * (v - scales[k][0]) / (scales[k][1] - scales[k][0])
        for k, v in answers.items()
        if v is not None and k in scales
    ]
    return statistics.fmean(values) if values else None


def _is_corner(vector: tuple, scales: dict) -> bool:
    """All answers at the top of their scale, or all at the bottom."""
    return all(v == scales[k][1] for k, v in vector) or all(v == scales[k][0] for k, v in vector)


def _is_uniform(vector: tuple) -> bool:
    return len({v for _, v in vector}) == 1


def _neighbours(vector: tuple, counts: Counter) -> int:
    """Sheets one step away: the same leaves answered, one answer differing by one."""
    total = 0
    for position, (key, value) in enumerate(vector):
        for step in (-1, 1):
            other = (*vector[:position], (key, value + step), *vector[position + 1 :])
            total += counts.get(other, 0)
    return total


def _bursts(trainees: list[dict], scales: dict) -> list[dict]:
    """Identical answer vectors far beyond their neighbours, and straight-lining."""
    counts: Counter = Counter()
    ids: dict[tuple, list] = defaultdict(list)
    for response in trainees:
        vector = _vector(response["answers"])
        if len(vector) >= MIN_LEAVES:
            counts[vector] += 1
            ids[vector].append(response["id"])
    flags = []
    straight, straight_ids, straight_values = 0, [], []
    long_sheets = sum(count for vector, count in counts.items() if len(vector) >= LONG_SHEET)
    for vector, count in counts.items():
        if _is_corner(vector, scales):
            continue
        if _is_uniform(vector) and len(vector) >= LONG_SHEET:
            straight += count
            straight_ids += ids[vector]
            straight_values.append(vector[0][1])
            continue
        nearby = _neighbours(vector, counts)
        if count >= MIN_BURST and count >= BURST_RATIO * (nearby + 1):
            flags.append(
                {
                    "kind": "identical",
                    "responses": sorted(ids[vector]),
                    "figures": {
                        "count": count,
                        "neighbours": nearby,
                        "sheets": len(trainees),
                        "leaves": len(vector),
                        "answers": dict(vector),
                    },
                }
            )
    # Honest raters do answer a whole sheet alike now and then ("all fours"), so what
    # counts is the share: when most of a hall does it, nobody was reading the questions.
    if straight >= MIN_BURST and straight >= STRAIGHT_SHARE * long_sheets:
        flags.append(
            {
                "kind": "straight_line",
                "responses": sorted(straight_ids),
                "figures": {
                    "count": straight,
                    "sheets": long_sheets,
                    "values": sorted(straight_values),
                },
            }
        )
    return flags


def _role_outliers(responses: list[dict], scales: dict) -> list[dict]:
    by_role: dict[str, list[tuple]] = defaultdict(list)
    for response in responses:
        value = _percent(response["answers"], scales)
        if value is not None:
            by_role[response["role"]].append((response["id"], value))
    stats = {}
    for role, rows in by_role.items():
        values = [v for _, v in rows]
        sd = statistics.stdev(values) if len(values) >= 2 else 0.0
        stats[role] = (statistics.fmean(values), max(sd, ROLE_SD_FLOOR), len(values))
    flags = []
    for role, (mean, sd, n) in stats.items():
        others = {r: s for r, s in stats.items() if r != role}
        if n < MIN_ROLE_N or len(others) < MIN_OTHER_ROLES:
            continue
        far = True
        for other_mean, other_sd, other_n in others.values():
            gap = abs(mean - other_mean)
            se = math.sqrt(sd**2 / n + other_sd**2 / other_n)
            if gap < ROLE_GAP or gap < ROLE_Z * se:
                far = False
                break
        if far:
            nearest = min(others.items(), key=lambda item: abs(item[1][0] - mean))
            flags.append(
                {
                    "kind": "role_outlier",
                    "responses": sorted(i for i, _ in by_role[role]),
                    "figures": {
                        "role": role,
                        "n": n,
                        "mean": round(mean, 1),
                        "others": {r: round(s[0], 1) for r, s in others.items()},
                        "nearest_role": nearest[0],
                        "gap": round(abs(mean - nearest[1][0]), 1),
                    },
                }
            )
    return flags


def _out_of_window(trainees: list[dict], window) -> list[dict]:
    if not window:
        return []
    start, end = (datetime.fromisoformat(value) for value in window)
    # A sheet's time is kept only to the hour: the hour it started in is what we know.
    start_hour = start.replace(minute=0, second=0, microsecond=0)
    outside = [
        r
        for r in trainees
        if r.get("hour") and not start_hour <= datetime.fromisoformat(r["hour"]) <= end
    ]
    if not outside:
        return []
    hours = Counter(r["hour"] for r in outside)
    return [
        {
            "kind": "out_of_window",
            "responses": sorted(r["id"] for r in outside),
            "figures": {
                "count": len(outside),
                "sheets": len(trainees),
                "window": [start.isoformat(), end.isoformat()],
                "hours": dict(sorted(hours.items())),
            },
        }
    ]


def _normalised(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch)[0] in "LN"
    )


def _comment_repeats(comments: list[dict]) -> list[dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for comment in comments:
        key = _normalised(comment.get("body") or "")
        if len(key) >= COMMENT_MIN_CHARS:
            groups[key].append(comment)
    flags = []
    for items in groups.values():
        if len(items) >= COMMENT_MIN_REPEAT:
            flags.append(
                {
                    "kind": "comments",
                    "responses": [],  # comments are not linked to sheets, by design
                    "comments": sorted(c["id"] for c in items),
                    "figures": {
                        "count": len(items),
                        "total": len(comments),
                        "text": items[0]["body"][:40],
                    },
                }
            )
    return flags


def check_survey(doc: dict) -> list[dict]:
    """The integrity flags of one survey.

    doc = {"scales": {leaf: [lo, hi]}, "sign_ins": int, "attendance": int,
           "window": [iso start, iso end] or None,
           "responses": [{"id", "role", "answers": {leaf: value}, "hour": iso or None}],
           "comments": [{"id", "body"}]}
    """
    scales = {key: tuple(value) for key, value in (doc.get("scales") or {}).items()}
    responses = [
        {**r, "answers": {k: v for k, v in r["answers"].items() if k in scales}}
        for r in doc.get("responses") or []
    ]
    trainees = [r for r in responses if r["role"] == TRAINEE]
    flags = []
    people = max(doc.get("sign_ins") or 0, doc.get("attendance") or 0)
    if people and len(trainees) > people:
        flags.append(
            {
                "kind": "surplus",
                "responses": [],  # which of them are extra cannot be told apart
                "figures": {
                    "sheets": len(trainees),
                    "sign_ins": doc.get("sign_ins") or 0,
                    "attendance": doc.get("attendance") or 0,
                    "extra": len(trainees) - people,
                },
            }
        )
    flags += _bursts(trainees, scales)
    flags += _role_outliers(responses, scales)
    flags += _out_of_window(trainees, doc.get("window"))
    flags += _comment_repeats(doc.get("comments") or [])
    return flags
