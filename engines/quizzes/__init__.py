"""Knowledge quiz results (issue #21): the share answering each question and each
knowledge point right, with n and a 95 % Wilson interval, the gain over a pre-test, and
the questions too easy or too hard to tell anything. Plain data, no Django.

`quiz_results(doc)`, doc = {"questions": [{"id", "point"}],
                             "post": [{question id: bool}], "pre": [{question id: bool}]}
"""

from __future__ import annotations

import math

Z95 = 1.96
EVERYONE = 0.95  # a question this share gets right (or wrong) tells the teacher little…
MIN_N = 5  # …once at least this many answered it
LANDED = 0.6  # a knowledge point below this share right "did not land"


def wilson(right: int, n: int) -> list[float] | None:
    """95 % Wilson score interval of a share, in percent; None without answers."""
    if n <= 0:
        return None
    p = right / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return [round(100 * max(0.0, centre - half), 1), round(100 * min(1.0, centre + half), 1)]


def _share(right: int, n: int) -> dict:
    return {
        "right": right,
        "n": n,
        "share": round(100 * right / n, 1) if n else None,
        "ci95": wilson(right, n),
    }


def _tally(sheets: list[dict], ids) -> dict:
    tally = {qid: [0, 0] for qid in ids}
    for sheet in sheets:
        for qid, ok in sheet.items():
            if qid in tally:
                tally[qid][0] += bool(ok)
                tally[qid][1] += 1
    return tally


def _gain(post: dict, pre: dict) -> dict | None:
    """Difference of two independent shares (post − pre), percent points, Wald interval."""
    if not post["n"] or not pre["n"]:
        return None
    p1, n1, p0, n0 = post["right"] / post["n"], post["n"], pre["right"] / pre["n"], pre["n"]
    diff = p1 - p0
    half = Z95 * math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return {"points": round(100 * diff, 1),
            "ci95": [round(100 * (diff - half), 1), round(100 * (diff + half), 1)]}  # fmt: skip


def quiz_results(doc: dict) -> dict:
    questions = doc.get("questions") or []
    ids = [q["id"] for q in questions]
    point_of = {q["id"]: q["point"] for q in questions}
    stages = {}
    for stage in ("post", "pre"):
        sheets = doc.get(stage) or []
        tally = _tally(sheets, ids)
        points: dict[str, list[int]] = {}
        for qid, (right, n) in tally.items():
            totals = points.setdefault(point_of[qid], [0, 0])
            totals[0] += right
            totals[1] += n
        stages[stage] = {
            "sheets": len(sheets),
            "questions": {qid: _share(*tally[qid]) for qid in ids},
            "points": {point: _share(*totals) for point, totals in points.items()},
            "overall": _share(sum(r for r, _ in tally.values()), sum(n for _, n in tally.values())),
        }
    post, pre = stages["post"], stages["pre"]
    flags = []
    for qid in ids:
        row = post["questions"][qid]
        if row["n"] >= MIN_N and row["right"] >= EVERYONE * row["n"]:
            flags.append({"question": qid, "kind": "everyone_right", **row})
        elif row["n"] >= MIN_N and row["right"] <= (1 - EVERYONE) * row["n"]:
            flags.append({"question": qid, "kind": "everyone_wrong", **row})
    not_landed = [
        point
        for point, row in post["points"].items()
        if row["n"] >= MIN_N and row["share"] is not None and row["share"] < 100 * LANDED
    ]
    return {
        "post": post,
        "pre": pre if pre["sheets"] else None,
        "gain": _gain(post["overall"], pre["overall"]) if pre["sheets"] else None,
        "point_gain": {
            point: _gain(row, pre["points"][point])
            for point, row in post["points"].items()
            if pre["sheets"] and point in pre["points"]
        },
        "flags": flags,
        "not_landed": not_landed,
    }
