"""Course and teacher scores from their lessons' published scores."""

import math

from engines.scoring.errors import ScoringError
from engines.scoring.indicators import is_number
from engines.scoring.lesson import Z95


def _lesson_se(item: dict) -> float | None:
    """A lesson's own standard error: from `se`, from `sd` and `n`, or from its `ci95`."""
    if is_number(item.get("se")):
        return float(item["se"])
    if is_number(item.get("sd")):
        return float(item["sd"]) / math.sqrt(item["n"])
    ci = item.get("ci95")
    if isinstance(ci, list | tuple) and len(ci) == 2 and all(is_number(v) for v in ci):
        return (ci[1] - ci[0]) / (2 * Z95)
    return None


def aggregate_scores(items: list[dict]) -> dict:
    """Weighted mean of published lesson scores, weights = counted responses `n`.

    Each item is `{"score": float | None, "n": int}`, optionally with `se`, `sd` or `ci95`
    (a `score_lesson` result's `score_exact`/`ci95_exact` fit). Unpublished lessons
    (score None) are skipped and counted in `skipped`.

    Variance. The lessons are treated as a sample of the teacher's (or course's) lessons,
    and the score as a ratio estimate Σ n_i s_i / Σ n_i. Its variance is estimated from
    the spread *between* lessons (the standard cluster / ratio estimator):

        Var = k/(k−1) · Σ (n_i/N)² (s_i − M)²,   k lessons, N = Σ n_i

    This is deliberate: two lessons of the same teacher differ by far more than the
    response noise inside one lesson (audience, venue, topic), and a course that is good
    in one village and poor in the next should show a wide interval. The within-lesson
    noise is already inside each s_i. With a single lesson there is no spread to measure,
    so the lesson's own standard error is used (from `se`, `sd`/√n or its ci95); without
    one the interval is null. The interval is M ± 1.96·√Var, clipped to [0, 100].
    """
    if not isinstance(items, list):
        raise ScoringError("items: expected a list")
    used: list[dict] = []
    errors: list[str] = []
    skipped = 0
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(f"items[{index}]: expected an object")
            continue
        if item.get("score") is None or item.get("published") is False:
            skipped += 1
            continue
        n = item.get("n")
        if not is_number(item["score"]) or not 0 <= item["score"] <= 100:
            errors.append(f"items[{index}]: score must be a number in [0, 100]")
        elif not isinstance(n, int) or isinstance(n, bool) or n < 1:
            errors.append(f"items[{index}]: n must be an integer ≥ 1, got {n!r}")
        else:
            used.append(item)
    if errors:
        raise ScoringError(errors)

    result = {
        "score": None, "score_exact": None, "ci95": None, "ci95_exact": None,
        "n_lessons": len(used), "n_responses": sum(item["n"] for item in used),
        "skipped": skipped, "method": "responses-weighted mean; between-lesson variance",
    }  # fmt: skip
    if not used:
        return result
    total = result["n_responses"]
    mean = sum(item["n"] * item["score"] for item in used) / total
    k = len(used)
    if k >= 2:
        variance = (
            k
            / (k - 1)
            * sum((item["n"] / total) ** 2 * (item["score"] - mean) ** 2 for item in used)
        )
    else:
        se = _lesson_se(used[0])
        variance = None if se is None else se**2
    result["score"] = round(mean, 1)
    result["score_exact"] = mean
    if variance is not None:
        half = Z95 * math.sqrt(variance)
        ci = [max(0.0, mean - half), min(100.0, mean + half)]
        result["ci95_exact"] = ci
        result["ci95"] = [round(v, 1) for v in ci]
    return result
