"""Is a teacher heading below the line before the year's review, and on what evidence?

Scores. The last `RECENT` published lesson scores are compared with the `EARLIER` before
them. Each window's mean is weighted by the lessons' responses and its variance is measured
from the spread between its lessons (the ratio estimator `engines.scoring` uses for a
teacher's year), never below the lessons' own sampling noise; the difference gets a
t-interval with the smaller window's degrees of freedom. A decline is real when the whole
interval is above zero; one bad lesson among five widens the interval of its window so
much that it is not. When the last five show nothing, the last `LEVEL_WINDOW` are compared
with the ten before them, so a decline that ended some lessons ago is still seen. The
warning fires on a real decline that leaves the recent mean within
`MARGIN` points of the line, or on a recent mean whose whole interval is below it.

Pace. From `warn_from_share` of the year on, the lessons and hours at year end are projected
at the pace so far (or the lessons already planned, if more), and a shortfall against the
quota is evidence. So are answers too few for the year's score to be judged, and a run of
cancelled lessons. Warnings never change a status: they are advice, with their evidence.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

RECENT = 5
LEVEL_WINDOW = 8
EARLIER = 10
MIN_EARLIER = 3
MARGIN = 3.0
DEFAULT_RESPONSE_SD = 12.0
CANCEL_WINDOW_DAYS = 90
# Two-sided 95% t quantiles by degrees of freedom (≥ 30: the normal's).
T975 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26}
# One-sided 95% t quantiles, for "the recent level is below the line".
T95 = {1: 6.31, 2: 2.92, 3: 2.35, 4: 2.13, 5: 2.02, 6: 1.94, 7: 1.89, 8: 1.86, 9: 1.83}


@dataclass(frozen=True)
class LessonScore:
    day: datetime.date
    score: float
    n: int
    ci95: tuple[float, float] | None = None

    @property
    def noise(self) -> float:
        """The sampling variance of this lesson's score."""
        if self.ci95 and self.ci95[1] > self.ci95[0]:
            return ((self.ci95[1] - self.ci95[0]) / (2 * 1.96)) ** 2
        return DEFAULT_RESPONSE_SD**2 / max(self.n, 1)


@dataclass(frozen=True)
class Quota:
    min_lessons: int = 0
    min_hours: float = 0.0
    min_score: float = 0.0
    min_responses: int = 0


@dataclass(frozen=True)
class TeacherYear:
    teacher_id: int
    today: datetime.date
    quota: Quota | None
    scores: list[LessonScore] = field(default_factory=list)  # published, any order
    lessons_given: int = 0
    hours_given: float = 0.0
    lessons_planned: int = 0  # the rest of the year, planned or confirmed
    hours_planned: float = 0.0
    responses: int = 0
    recent_lessons: int = 0  # given or cancelled in the last CANCEL_WINDOW_DAYS
    recent_cancelled: int = 0
    warn_from_share: float = 0.25


@dataclass(frozen=True)
class Evidence:
    """One fact behind a warning: a code and its values; the app words it."""

    code: str
    values: dict


@dataclass
class Warning:
    teacher_id: int
    level: str  # "warn": heading below the line; "watch": worth a look; "" nothing
    evidence: list[Evidence]
    helps: list[str]  # codes of what would help: "coaching", "training", "more_lessons"

    @property
    def fires(self) -> bool:
        return self.level == "warn"


def _t(df: int, table: dict = T975) -> float:
    if df < 1:
        return float("inf")
    if table is T95:
        return T95.get(df, 1.75 if df < 30 else 1.645)
    return T975.get(df, 2.1 if df < 30 else 1.96)


def _window(scores: list[LessonScore]) -> tuple[float, float]:
    """The response-weighted mean of a window of lessons and its variance."""
    total = sum(s.n for s in scores)
    mean = sum(s.score * s.n for s in scores) / total
    noise = sum((s.n / total) ** 2 * s.noise for s in scores)
    k = len(scores)
    spread = 0.0
    if k > 1:
        spread = k / (k - 1) * sum((s.n / total) ** 2 * (s.score - mean) ** 2 for s in scores)
    return mean, max(spread, noise)


def compare_windows(scores: list[LessonScore], size: int = RECENT) -> dict | None:
    """The earlier and recent windows' means and the drop between them with its 95%
    interval, or None when there are too few lessons to compare."""
    ordered = sorted(scores, key=lambda s: s.day)
    if len(ordered) < size + MIN_EARLIER:
        return None
    recent = ordered[-size:]
    earlier = ordered[-size - EARLIER : -size]
    recent_mean, recent_var = _window(recent)
    earlier_mean, earlier_var = _window(earlier)
    drop = earlier_mean - recent_mean
    half = _t(min(len(recent), len(earlier)) - 1) * math.sqrt(recent_var + earlier_var)
    level = ordered[-LEVEL_WINDOW:]
    level_mean, level_var = _window(level)
    return {
        "earlier": earlier_mean,
        "recent": recent_mean,
        "level": level_mean,
        "level_lessons": len(level),
        "level_high": level_mean + _t(len(level) - 1, T95) * math.sqrt(level_var),
        "drop": drop,
        "low": drop - half,
        "high": drop + half,
        "lessons": len(recent),
    }


def _year_share(today: datetime.date) -> float:
    start = datetime.date(today.year, 1, 1)
    end = datetime.date(today.year + 1, 1, 1)
    return (today - start).days / (end - start).days


def assess(year: TeacherYear) -> Warning:
    evidence: list[Evidence] = []
    helps: list[str] = []
    level = ""
    quota = year.quota
    line = quota.min_score if quota and quota.min_score else None

    windows = compare_windows(year.scores)
    if windows and windows["low"] <= 0:
        # A decline that ended some lessons ago shows between longer windows.
        longer = compare_windows(year.scores, LEVEL_WINDOW)
        if longer and longer["low"] > 0:
            windows = longer
    if windows and line is not None:
        real_decline = windows["low"] > 0
        near_line = windows["recent"] < line + MARGIN
        clearly_below = windows["level_high"] < line
        if (real_decline and near_line) or clearly_below:
            level = "warn"
            helps += ["coaching", "training"]
        elif real_decline:
            level = "watch"
        if real_decline:
            evidence.append(
                Evidence(
                    "score_decline",
                    {
                        "lessons": windows["lessons"],
                        "drop": round(windows["drop"], 1),
                        "low": round(windows["low"], 1),
                        "high": round(windows["high"], 1),
                    },
                )
            )
        if clearly_below or (real_decline and near_line):
            evidence.append(
                Evidence(
                    "recent_score",
                    {
                        "lessons": windows["level_lessons"],
                        "score": round(windows["level"], 1),
                        "high": round(windows["level_high"], 1),
                        "line": line,
                    },
                )
            )

    share = _year_share(year.today)
    if quota and share >= year.warn_from_share:
        for code, given, planned, target in (
            ("hours_short", year.hours_given, year.hours_planned, float(quota.min_hours)),
            ("lessons_short", year.lessons_given, year.lessons_planned, quota.min_lessons),
        ):
            if not target:
                continue
            projected = max(given / share, given + planned)
            short = target - projected
            if short > 0:
                evidence.append(
                    Evidence(
                        code,
                        {
                            "short": round(short, 1) if code == "hours_short" else math.ceil(short),
                            "projected": round(projected, 1),
                            "target": target,
                        },
                    )
                )
                level = "warn"
                if "more_lessons" not in helps:
                    helps.append("more_lessons")
        if quota.min_responses:
            projected = year.responses / share
            if projected < quota.min_responses:
                evidence.append(
                    Evidence(
                        "few_responses",
                        {"projected": round(projected), "needed": quota.min_responses},
                    )
                )
                level = level or "watch"
    if year.recent_cancelled >= 2 and year.recent_cancelled * 3 >= year.recent_lessons:
        evidence.append(
            Evidence(
                "cancellations",
                {
                    "cancelled": year.recent_cancelled,
                    "total": year.recent_lessons,
                    "days": CANCEL_WINDOW_DAYS,
                },
            )
        )
        level = level or "watch"
    last = max(year.scores, key=lambda s: s.day) if year.scores else None
    scores_warned = any(e.code in ("score_decline", "recent_score") for e in evidence)
    if last is not None and line is not None and last.score < line and not scores_warned:
        # The naive rule would fire here; say why the scores are not (yet) a warning. Last,
        # so that a list showing one sentence shows what the warning rests on.
        evidence.append(Evidence("single_low", {"score": round(last.score, 1), "line": line}))
    return Warning(year.teacher_id, level, evidence, helps)


def naive_rule(scores: list[LessonScore], line: float) -> bool:
    """The baseline: the teacher's last published score is below the line."""
    if not scores:
        return False
    return max(scores, key=lambda s: s.day).score < line
