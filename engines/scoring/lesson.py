"""The score of one lesson, step by step as in `shared/specs/evaluation.md`."""

import math
import statistics
from dataclasses import dataclass

from engines.scoring.errors import ScoringError
from engines.scoring.indicators import IndicatorTree, is_number, parse_indicators

TRAINEE = "trainee"
DEFAULT_MIN_N = {TRAINEE: 3}  # every other role: 1
Z95 = 1.96
MIN_TRAINEE_RESPONSES = 5  # a score is published with at least this many trainee responses…
PUBLISH_SHARE_DIVISOR = 5  # …and at least 1/5 (20 %) of the attendance


@dataclass(frozen=True)
class Role:
    id: str
    weight: float
    min_n: int
    asked: tuple[str, ...]  # leaf ids this role is asked
    asked_weight: float


@dataclass(frozen=True)
class Response:
    index: int
    role: str
    percent: dict[str, float]  # leaf id -> answer mapped to 0–100


def required_trainee_responses(attendance: int) -> int:
    """max(5, 20 % of attendance), in integers so that 20 % of 35 is exactly 7."""
    return max(MIN_TRAINEE_RESPONSES, -(-attendance // PUBLISH_SHARE_DIVISOR))


def weighted_mean(percent: dict[str, float], tree: IndicatorTree, leaf_ids) -> float | None:
    answered = [leaf_id for leaf_id in leaf_ids if leaf_id in percent]
    total = sum(tree.leaves[leaf_id].weight for leaf_id in answered)
    if not answered or total <= 0:
        return None
    return sum(tree.leaves[i].weight * percent[i] for i in answered) / total


def _parse_roles(items, tree: IndicatorTree, errors: list[str]) -> dict[str, Role]:
    roles: dict[str, Role] = {}
    if not isinstance(items, list) or not items:
        errors.append("roles: expected a non-empty list")
        return roles
    for position, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            errors.append(f"roles[{position}]: missing id")
            continue
        role_id = item["id"]
        label = f"role {role_id!r}"
        if role_id in roles:
            errors.append(f"{label}: duplicate id")
            continue
        weight = item.get("weight")
        if not is_number(weight) or weight <= 0:
            errors.append(f"{label}: weight must be a number > 0, got {weight!r}")
            continue
        min_n = item.get("min_n")
        if min_n is None:
            min_n = DEFAULT_MIN_N.get(role_id, 1)
        elif not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
            errors.append(f"{label}: min_n must be an integer ≥ 1, got {min_n!r}")
            continue
        asked = item.get("indicators")
        if asked is None:
            asked = list(tree.leaves)
        elif not isinstance(asked, list) or not asked:
            errors.append(f"{label}: indicators must be a non-empty list of leaf ids")
            continue
        unknown = [leaf_id for leaf_id in asked if leaf_id not in tree.leaves]
        if unknown:
            errors.append(f"{label}: indicators {unknown!r} are not leaves of the indicator tree")
            continue
        asked_weight = sum(tree.leaves[leaf_id].weight for leaf_id in set(asked))
        if asked_weight <= 0:
            errors.append(f"{label}: is asked only indicators of weight 0")
            continue
        roles[role_id] = Role(role_id, float(weight), min_n, tuple(dict.fromkeys(asked)),
                              asked_weight)  # fmt: skip
    return roles


def _parse_responses(items, tree, roles, errors: list[str]) -> list[Response]:
    responses: list[Response] = []
    if items is None:
        return responses
    if not isinstance(items, list):
        errors.append("responses: expected a list")
        return responses
    for index, item in enumerate(items):
        label = f"responses[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{label}: expected an object")
            continue
        role = roles.get(item.get("role"))
        if role is None:
            errors.append(f"{label}: unknown role {item.get('role')!r}")
            continue
        label = f"{label} (role {role.id})"
        answers = item.get("answers")
        if not isinstance(answers, dict):
            errors.append(f"{label}: answers must be an object of leaf id -> value")
            continue
        percent: dict[str, float] = {}
        for leaf_id, value in answers.items():
            leaf = tree.leaves.get(leaf_id)
            if leaf is None:
                errors.append(f"{label}: unknown indicator {leaf_id!r}")
            elif leaf_id not in role.asked:
                errors.append(f"{label}: indicator {leaf_id!r} is not asked of this role")
            elif value is None:
                continue  # skipped question
            elif not is_number(value) or not leaf.contains(value):
                errors.append(
                    f"{label}: answer {value!r} to {leaf_id!r} is outside its scale "
                    f"[{leaf.lo:g}, {leaf.hi:g}]"
                )
            else:
                percent[leaf_id] = leaf.to_percent(value)
        responses.append(Response(index, role.id, percent))
    return responses


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def score_lesson(doc: dict) -> dict:
    """Score one lesson from its survey document; raise ScoringError if the document is bad.

    The result carries, beside the rounded figures, their unrounded values (`*_exact`) and
    a `computation` block with everything that went into the score, for the page that
    explains it.
    """
    if not isinstance(doc, dict):
        raise ScoringError("the survey document must be a JSON object")
    tree = parse_indicators(doc.get("indicators"))
    errors: list[str] = []
    roles = _parse_roles(doc.get("roles"), tree, errors)
    attendance = doc.get("attendance", 0)
    if attendance is None:
        attendance = 0
    if not isinstance(attendance, int) or isinstance(attendance, bool) or attendance < 0:
        errors.append(f"attendance: must be an integer ≥ 0, got {attendance!r}")
        attendance = 0
    responses = _parse_responses(doc.get("responses"), tree, roles, errors)
    decided = _parse_exclusions(doc.get("exclude"), len(responses), errors)
    objective = _parse_objective(doc.get("objective"), tree, errors)
    if errors:
        raise ScoringError(errors)
    if objective:
        responses = [_blend(response, objective) for response in responses]

    # Step 1: one score per response; thin responses are kept but not counted.
    per_role: dict[str, list[tuple[Response, float]]] = {role_id: [] for role_id in roles}
    excluded: dict[str, int] = dict.fromkeys(roles, 0)
    for response in responses:
        if decided and response.index in decided:
            continue  # the office excluded it, with a reason (docs/scoring.md)
        role = roles[response.role]
        answered = sum(tree.leaves[leaf_id].weight for leaf_id in response.percent)
        if answered < 0.5 * role.asked_weight:
            excluded[role.id] += 1
            continue
        score = weighted_mean(response.percent, tree, response.percent)
        per_role[role.id].append((response, score))

    # Steps 2–3: each role's mean and sample sd; roles below their minimum are left out.
    role_rows: dict[str, dict] = {}
    present: list[tuple[Role, float, float, int]] = []
    for role in roles.values():
        values = [score for _, score in per_role[role.id]]
        n = len(values)
        mean = statistics.fmean(values) if values else None
        sd = statistics.stdev(values) if n >= 2 else (0.0 if n == 1 else None)
        counted = n >= role.min_n
        if counted:
            present.append((role, mean, sd, n))
        role_rows[role.id] = {
            "n": n, "mean": _round(mean), "sd": _round(sd), "counted": counted,
            "weight": role.weight, "min_n": role.min_n, "excluded": excluded[role.id],
            # One response has no spread to measure: it adds no variance, which flatters
            # the interval, so the page flags it.
            "single_response": n == 1,
            "mean_exact": mean, "sd_exact": sd,
        }  # fmt: skip

    weight_total = sum(role.weight for role, *_ in present)
    score = variance = None
    if present:
        score = sum(role.weight * mean for role, mean, _, _ in present) / weight_total
        variance = sum((role.weight / weight_total) ** 2 * sd**2 / n for role, _, sd, n in present)

    # Step 5: publish only with enough trainees.
    trainee_n = role_rows.get(TRAINEE, {}).get("n", 0)
    required = required_trainee_responses(attendance)
    published = score is not None and trainee_n >= required
    ci95 = None
    if published:
        half = Z95 * math.sqrt(variance)
        ci95 = [max(0.0, score - half), min(100.0, score + half)]

    dimensions = _dimensions(tree, per_role, present)
    indicators = _indicators(tree, per_role, present)
    result = {
        "score": _round(score) if published else None,
        "ci95": [_round(v) for v in ci95] if ci95 else None,
        "published": published,
        "roles": role_rows,
        "dimensions": {key: _round(value) for key, value in dimensions.items()},
        "excluded_responses": sum(excluded.values()),
        # Beyond the spec's keys: the same computation for each leaf alone, with the number
        # of counted responses that answered it, so pages can show (or withhold) a breakdown.
        "indicators": indicators,
        "score_exact": score if published else None,
        "ci95_exact": ci95,
        "computation": {
            "leaves": tree.explain(),
            "roles_used": [role.id for role, *_ in present],
            "role_weights_used": {role.id: role.weight / weight_total for role, *_ in present},
            "variance": variance,
            "z": Z95,
            "attendance": attendance,
            "trainee_responses_counted": trainee_n,
            "trainee_responses_required": required,
            "dimensions_exact": dimensions,
        },
    }
    if objective is not None:
        result["objective"] = objective
    if decided is not None:
        # Only a document with an exclusion list gets this key: without one the output
        # stays exactly what it always was.
        result["excluded_by_decision"] = len(decided)
    return result


def _parse_objective(items, tree: IndicatorTree, errors: list[str]) -> dict | None:
    """`"objective": {leaf: {"value": 0–100, "share": 0–1, "n": int}}`: an objective
    measure of a leaf (the knowledge quiz's share of right answers for 知识掌握). Each
    trainee sheet's answer to that leaf counts as (1 − share)·its answer + share·value."""
    if items is None:
        return None
    if not isinstance(items, dict):
        errors.append("objective: expected an object of leaf id -> {value, share, n}")
        return None
    parsed = {}
    for leaf_id, item in items.items():
        label = f"objective[{leaf_id!r}]"
        if leaf_id not in tree.leaves:
            errors.append(f"{label}: not a leaf of the indicator tree")
        elif (
            not isinstance(item, dict)
            or not is_number(item.get("value"))
            or not (0 <= item["value"] <= 100)
        ):
            errors.append(f"{label}: value must be a number in [0, 100]")
        elif not is_number(item.get("share")) or not 0 <= item["share"] <= 1:
            errors.append(f"{label}: share must be a number in [0, 1]")
        else:
            parsed[leaf_id] = {"value": float(item["value"]), "share": float(item["share"]),
                               "n": item.get("n")}  # fmt: skip
    return parsed


def _blend(response: Response, objective: dict) -> Response:
    if response.role != TRAINEE:
        return response
    percent = dict(response.percent)
    for leaf_id, measure in objective.items():
        if leaf_id in percent:
            share = measure["share"]
            percent[leaf_id] = (1 - share) * percent[leaf_id] + share * measure["value"]
    return Response(response.index, response.role, percent)


def _parse_exclusions(items, count: int, errors: list[str]) -> frozenset[int] | None:
    """`"exclude": [{"responses": [positions], "reason": "..."}]`: responses the office
    decided not to count. None when the document has no such list."""
    if items is None:
        return None
    if not isinstance(items, list):
        errors.append("exclude: expected a list of {responses, reason}")
        return None
    decided: set[int] = set()
    for position, item in enumerate(items):
        label = f"exclude[{position}]"
        indices = item.get("responses") if isinstance(item, dict) else None
        if not isinstance(indices, list):
            errors.append(f"{label}: responses must be a list of response positions")
            continue
        for index in indices:
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
                errors.append(f"{label}: {index!r} is not the position of a response")
            else:
                decided.add(index)
    return frozenset(decided)


def _dimensions(tree: IndicatorTree, per_role, present) -> dict[str, float | None]:
    """Per top-level node: response means over its leaves, role means, role-weighted mean."""
    result: dict[str, float | None] = {}
    for dimension in tree.dimensions:
        leaf_ids = [leaf.id for leaf in tree.leaves.values() if leaf.dimension == dimension]
        total = weighted = 0.0
        for role, *_ in present:
            values = [
                value
                for response, _ in per_role[role.id]
                if (value := weighted_mean(response.percent, tree, leaf_ids)) is not None
            ]
            if values:
                total += role.weight
                weighted += role.weight * statistics.fmean(values)
        result[dimension] = weighted / total if total else None
    return result


def _indicators(tree: IndicatorTree, per_role, present) -> dict[str, dict]:
    """Per leaf: role-weighted mean of the counted roles' means over the responses that
    answered it, and how many counted responses did."""
    result: dict[str, dict] = {}
    for leaf_id in tree.leaves:
        total = weighted = 0.0
        answered = 0
        for role, *_ in present:
            values = [
                response.percent[leaf_id]
                for response, _ in per_role[role.id]
                if leaf_id in response.percent
            ]
            if values:
                answered += len(values)
                total += role.weight
                weighted += role.weight * statistics.fmean(values)
        result[leaf_id] = {"value": _round(weighted / total) if total else None, "n": answered}
    return result
