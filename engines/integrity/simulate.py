"""Generated surveys for testing the integrity checks in both directions: honest halls
(moderate and all-high) that must raise no flag, and stuffed, coached and out-of-window
ones that must be caught. Deterministic for a given `random.Random`.

A trainee has a level θ (their overall opinion, on the 1–5 star scale, may exceed 5: an
enthusiast), each leaf a small bias, each answer some noise, rounded and clipped to 1–5.
About one trainee in ten answers every leaf alike (an honest 'all fours'). Experts,
organisers and grassroots representatives rate like trainees, a little more strictly.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

LEAVES = [f"leaf{i}" for i in range(1, 9)]  # a long sheet: eight leaves, 1–5 stars
SCALES = {leaf: [1, 5] for leaf in LEAVES}
LESSON_START = datetime(2026, 5, 12, 9, 0)
LESSON_END = LESSON_START + timedelta(hours=2)
OTHER_ROLES = {"expert": 3, "organiser": 1, "grassroots": 2}


def _sheet(rng: random.Random, level: float, biases: dict) -> dict:
    if rng.random() < 0.1:
        value = min(5, max(1, round(level)))
        return dict.fromkeys(LEAVES, value)
    return {
        leaf: min(5, max(1, round(level + biases[leaf] + rng.gauss(0, 0.55)))) for leaf in LEAVES
    }


def _hour_in_lesson(rng: random.Random) -> str:
    return (LESSON_START + timedelta(hours=rng.choice([0, 1, 2]))).isoformat()


def honest_hall(rng: random.Random, *, all_high: bool = False) -> dict:
    mean = rng.uniform(5.6, 6.8) if all_high else rng.uniform(3.2, 4.8)
    n = rng.randint(15, 80)
    biases = {leaf: rng.gauss(0, 0.3) for leaf in LEAVES}
    responses = []
    for index in range(n):
        level = rng.gauss(mean, 0.3 if all_high else 0.6)
        responses.append(
            {"id": index, "role": "trainee", "answers": _sheet(rng, level, biases),
             "hour": _hour_in_lesson(rng)}
        )  # fmt: skip
    for role, count in OTHER_ROLES.items():
        for _ in range(count):
            level = rng.gauss(mean - 0.3, 0.4)
            responses.append(
                {"id": len(responses), "role": role, "answers": _sheet(rng, level, biases),
                 "hour": _hour_in_lesson(rng)}
            )  # fmt: skip
    return {
        "scales": SCALES,
        "sign_ins": n + rng.randint(0, 10),
        "attendance": 0,
        "window": [LESSON_START.isoformat(), (LESSON_END + timedelta(hours=3)).isoformat()],
        "responses": responses,
        "comments": [],
    }


def _trainees(doc: dict) -> list[dict]:
    return [r for r in doc["responses"] if r["role"] == "trainee"]


def stuffed(rng: random.Random, *, top_sheet: bool = False) -> tuple[dict, set]:
    """An honest hall plus 30 % extra copies of one sheet: one of the hall's own sheets
    (a rater sending theirs again from fresh browsers), or all five stars. Returns the
    document and the ids of the added sheets."""
    doc = honest_hall(rng)
    trainees = _trainees(doc)
    answers = dict.fromkeys(LEAVES, 5) if top_sheet else rng.choice(trainees)["answers"]
    extra = max(1, round(0.3 * len(trainees)))
    added = set()
    for _ in range(extra):
        new_id = len(doc["responses"])
        doc["responses"].append(
            {"id": new_id, "role": "trainee", "answers": dict(answers),
             "hour": _hour_in_lesson(rng)}
        )  # fmt: skip
        added.add(new_id)
    doc["sign_ins"] = len(trainees)  # who was there: the honest raters
    return doc, added


def coached(rng: random.Random) -> dict:
    """A hall told 'give five stars': most trainees rate every leaf 5 whatever they think;
    the experts and other named raters rate the lesson as it was (a middling one)."""
    doc = honest_hall(rng)
    mean = rng.uniform(3.0, 3.9)
    biases = {leaf: rng.gauss(0, 0.3) for leaf in LEAVES}
    for response in doc["responses"]:
        if response["role"] == "trainee":
            if rng.random() < 0.9:
                response["answers"] = dict.fromkeys(LEAVES, 5)
            else:
                response["answers"] = _sheet(rng, rng.gauss(mean, 0.6), biases)
        else:
            response["answers"] = _sheet(rng, rng.gauss(mean - 0.3, 0.4), biases)
    return doc


def out_of_window(rng: random.Random) -> tuple[dict, set]:
    """An honest hall plus a few sheets sent in the small hours after the lesson."""
    doc = honest_hall(rng)
    trainees = _trainees(doc)
    added = set()
    late = (LESSON_START + timedelta(hours=rng.randint(14, 20))).isoformat()
    for _ in range(rng.randint(3, 8)):
        new_id = len(doc["responses"])
        doc["responses"].append(
            {"id": new_id, "role": "trainee", "answers": dict(rng.choice(trainees)["answers"]),
             "hour": late}
        )  # fmt: skip
        added.add(new_id)
    doc["sign_ins"] = len(trainees) + len(added) + 5
    return doc, added
