"""Rank the courses an organisation could order next, with the reasons for each.

The score of a course for one organisation adds five signals, each on a 0–1 scale:

- demand nearby: the course's share of the orders placed by organisations of the same
  county and of the same kind, each shrunk toward the course's share of all orders
  (`PSEUDO_ORDERS` pseudo-orders), so a county with few orders borrows from the city;
- teachers within reach: a pool teacher of the course in the organisation's county (1), only
  in the city or province pool (0.5), none (0: the course stays listed but cannot be sent);
- what similar organisations rated it: the rating by organisations of the same kind,
  shrunk by empirical Bayes toward the mean of all courses (`shrink_ratings`): a course
  rated 100 by 3 people has a wide interval and lands near the mean, one rated 92 by 300
  stays near 92;
- novelty: a category the organisation has not had for two years is worth more; a course
  it already had is not suggested again, a category it had this year is worth less;
- the county's gap: the share of the county's organisations that have not had the category
  this year.

Suggestions are then picked greedily with a penalty for each course already picked in the
same category, so the list spans categories instead of five variations of one theme.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

PSEUDO_ORDERS = 20.0
DEFAULT_RESPONSE_SD = 12.0  # one answer's spread, points on the 0–100 scale
NOVELTY_YEARS = 2

WEIGHTS = {
    "demand": 1.0,
    "reach": 0.35,
    "quality": 0.25,
    "novelty": 0.15,
    "gap": 0.1,
}
SAME_CATEGORY_PENALTY = 0.2


@dataclass(frozen=True)
class Rating:
    """A course's score from a group of raters: mean (0–100), responses and 95% interval."""

    score: float
    n: int
    ci95: tuple[float, float] | None = None

    @property
    def variance(self) -> float:
        """The sampling variance of the mean: from the interval, but never below what n
        answers of a typical spread give (an interval clipped at 100, or measured from two
        lessons that happened to agree, understates it)."""
        floor = DEFAULT_RESPONSE_SD**2 / max(self.n, 1)
        if self.ci95 and self.ci95[1] > self.ci95[0]:
            return max(((self.ci95[1] - self.ci95[0]) / (2 * 1.96)) ** 2, floor)
        return floor


@dataclass(frozen=True)
class CourseFacts:
    id: int
    title: str
    category: str
    teacher_counties: frozenset[str] = frozenset()  # "" for a city or province teacher
    teacher_count: int = 0
    ratings: dict[str, Rating] = field(default_factory=dict)  # by organisation kind


@dataclass(frozen=True)
class OrganisationFacts:
    id: int
    kind: str
    county: str
    had_courses: dict[int, datetime.date] = field(default_factory=dict)  # course → last
    had_categories: dict[str, datetime.date] = field(default_factory=dict)  # category → last


@dataclass(frozen=True)
class Demand:
    """Orders placed before the day of the suggestion: by course, in the whole region, in
    each county and by each kind of organisation."""

    everywhere: dict[int, int]
    by_county: dict[str, dict[int, int]]
    by_kind: dict[str, dict[int, int]]


@dataclass(frozen=True)
class Reason:
    """Why a course is suggested: a code and its values; the app words it."""

    code: str
    values: dict


@dataclass
class Suggestion:
    course_id: int
    score: float
    reasons: list[Reason]
    signals: dict[str, float]


def shrink_ratings(ratings: list[Rating]) -> tuple[float, float]:
    """The prior (mean, between-course variance τ²) estimated from all ratings by the
    method of moments: τ² = spread of the means minus their average sampling variance."""
    if not ratings:
        return 0.0, 0.0
    weights = [r.n for r in ratings]
    total = sum(weights)
    prior = sum(r.score * r.n for r in ratings) / total
    if len(ratings) < 2:
        return prior, 0.0
    spread = sum(r.n * (r.score - prior) ** 2 for r in ratings) / total
    noise = sum(r.n * r.variance for r in ratings) / total
    return prior, max(spread - noise, 0.0)


def shrunk_mean(rating: Rating, prior: float, between: float) -> float:
    """The posterior mean of a normal-normal model: the rating pulled toward the prior by
    the share of its variance that is sampling noise."""
    noise = rating.variance
    if between <= 0:
        return prior
    return (between * rating.score + noise * prior) / (between + noise)


def _share(counts: dict[int, int], course_id: int, prior: float) -> float:
    total = sum(counts.values())
    return (counts.get(course_id, 0) + PSEUDO_ORDERS * prior) / (total + PSEUDO_ORDERS)


def suggest(
    organisation: OrganisationFacts,
    courses: list[CourseFacts],
    demand: Demand,
    *,
    today: datetime.date,
    county_gaps: dict[str, tuple[int, int]] | None = None,
    limit: int = 8,
) -> list[Suggestion]:
    """The `limit` best courses for the organisation, best first, each with its reasons.
    `county_gaps`: category → (organisations of the county without it this year, all of
    the county's organisations)."""
    county_gaps = county_gaps or {}
    candidates = [c for c in courses if c.id not in organisation.had_courses]
    if not candidates:
        return []
    everywhere_total = sum(demand.everywhere.values())
    uniform = 1 / len(courses)
    county_counts = demand.by_county.get(organisation.county, {})
    kind_counts = demand.by_kind.get(organisation.kind, {})

    kind_ratings = [c.ratings[organisation.kind] for c in courses if organisation.kind in c.ratings]
    prior, between = shrink_ratings(kind_ratings)

    raw = {}
    for course in candidates:
        base = (
            (demand.everywhere.get(course.id, 0) + 1) / (everywhere_total + len(courses))
            if everywhere_total
            else uniform
        )
        nearby = 0.7 * _share(county_counts, course.id, base) + 0.3 * _share(
            kind_counts, course.id, base
        )
        if organisation.county in course.teacher_counties:
            reach = 1.0
        elif "" in course.teacher_counties:
            reach = 0.5
        else:
            reach = 0.0
        rating = course.ratings.get(organisation.kind)
        quality = 0.0
        if rating is not None:
            # Ten points above the shrunk mean is the most a rating adds.
            quality = max(-1.0, min(1.0, (shrunk_mean(rating, prior, between) - prior) / 10))
        last = organisation.had_categories.get(course.category)
        if last is None or (today - last).days > 365 * NOVELTY_YEARS:
            novelty = 1.0
        elif last.year == today.year:
            novelty = -0.5
        else:
            novelty = 0.0
        missing, total = county_gaps.get(course.category, (0, 0))
        gap = missing / total if total else 0.0
        raw[course.id] = {
            "nearby": nearby,
            "reach": reach,
            "quality": quality,
            "novelty": novelty,
            "gap": gap,
        }
    top_nearby = max(signals["nearby"] for signals in raw.values()) or 1.0
    scored = []
    for course in candidates:
        signals = raw[course.id]
        signals["demand"] = signals["nearby"] / top_nearby
        score = sum(WEIGHTS[name] * signals[name] for name in WEIGHTS)
        scored.append((score, course))

    picked: list[Suggestion] = []
    per_category: dict[str, int] = {}
    remaining = sorted(scored, key=lambda pair: (-pair[0], pair[1].id))
    while remaining and len(picked) < limit:
        best_index = min(
            range(len(remaining)),
            key=lambda i: (
                -(
                    remaining[i][0]
                    - SAME_CATEGORY_PENALTY * per_category.get(remaining[i][1].category, 0)
                ),
                remaining[i][1].id,
            ),
        )
        score, course = remaining.pop(best_index)
        per_category[course.category] = per_category.get(course.category, 0) + 1
        signals = raw[course.id]
        picked.append(
            Suggestion(
                course_id=course.id,
                score=round(score, 4),
                reasons=_reasons(organisation, course, signals, county_counts, county_gaps, today),
                signals={name: round(signals[name], 4) for name in WEIGHTS},
            )
        )
    return picked


def _reasons(organisation, course, signals, county_counts, county_gaps, today) -> list[Reason]:
    reasons = []
    rating = course.ratings.get(organisation.kind)
    if rating is not None and signals["quality"] >= 0:  # a rating below the mean is no reason
        reasons.append(
            Reason(
                "peer_rating",
                {
                    "kind": organisation.kind,
                    "score": round(rating.score, 1),
                    "n": rating.n,
                    "low": round(rating.ci95[0]) if rating.ci95 else None,
                    "high": round(rating.ci95[1]) if rating.ci95 else None,
                },
            )
        )
    last = organisation.had_categories.get(course.category)
    if last is None or (today - last).days > 365 * NOVELTY_YEARS:
        reasons.append(
            Reason("category_new", {"category": course.category, "years": NOVELTY_YEARS})
        )
    ordered_nearby = county_counts.get(course.id, 0)
    if ordered_nearby:
        reasons.append(Reason("ordered_nearby", {"n": ordered_nearby}))
    if signals["reach"] == 1.0:
        reasons.append(Reason("teacher_nearby", {"n": course.teacher_count}))
    elif signals["reach"] == 0.0:
        reasons.append(Reason("no_teacher", {}))
    if signals["gap"] > 0:
        reasons.append(
            Reason(
                "county_gap",
                {"category": course.category, "missing": county_gaps[course.category][0]},
            )
        )
    return reasons


def popularity_baseline(courses: list[CourseFacts], demand: Demand, limit: int) -> list[int]:
    """The baseline the engine must beat: the most-ordered courses, the same for everyone."""
    return [
        c.id for c in sorted(courses, key=lambda c: (-demand.everywhere.get(c.id, 0), c.id))[:limit]
    ]
