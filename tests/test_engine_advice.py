"""The suggestion and warning engines on hand-made cases (no database)."""

import datetime

from engines.suggestions import CourseFacts, Demand, OrganisationFacts, Rating, suggest
from engines.suggestions.rank import shrink_ratings, shrunk_mean
from engines.warnings import LessonScore, Quota, TeacherYear, assess, naive_rule

TODAY = datetime.date(2026, 7, 1)
NO_DEMAND = Demand({}, {}, {})


def course(id, category="theory", counties=("511102",), ratings=None):
    return CourseFacts(
        id=id,
        title=f"课程{id}",
        category=category,
        teacher_counties=frozenset(counties),
        teacher_count=len(counties),
        ratings=ratings or {},
    )


def village(**extra):
    return OrganisationFacts(id=1, kind="village", county="511102", **extra)


def test_a_perfect_rating_from_three_people_does_not_outrank_a_good_one_from_three_hundred():
    ratings = [Rating(100.0, 3, (80.0, 100.0)), Rating(92.0, 300, (91.0, 93.0))] + [
        Rating(score, 100, (score - 2, score + 2)) for score in (80.0, 84.0, 86.0, 88.0)
    ]
    prior, between = shrink_ratings(ratings)
    assert shrunk_mean(ratings[0], prior, between) < shrunk_mean(ratings[1], prior, between)
    courses = [
        course(1, "theory", ratings={"village": ratings[0]}),
        course(2, "policy", ratings={"village": ratings[1]}),
        *[course(3 + i, "local", ratings={"village": r}) for i, r in enumerate(ratings[2:])],
    ]
    ranked = suggest(village(), courses, NO_DEMAND, today=TODAY, limit=6)
    order = [s.course_id for s in ranked]
    assert order.index(2) < order.index(1)


def test_a_course_the_organisation_had_is_not_suggested_again():
    ranked = suggest(
        village(had_courses={1: datetime.date(2026, 3, 1)}),
        [course(1), course(2)],
        NO_DEMAND,
        today=TODAY,
    )
    assert [s.course_id for s in ranked] == [2]


def test_demand_in_the_own_county_outranks_demand_elsewhere():
    demand = Demand(
        everywhere={1: 40, 2: 30},
        by_county={"511102": {2: 30}, "511123": {1: 40}},
        by_kind={},
    )
    ranked = suggest(village(), [course(1), course(2)], demand, today=TODAY)
    assert [s.course_id for s in ranked] == [2, 1]
    assert ("ordered_nearby", {"n": 30}) in [(r.code, r.values) for r in ranked[0].reasons]


def test_the_list_spans_categories():
    courses = [course(i, "theory") for i in range(1, 6)] + [course(6, "party_spirit")]
    ranked = suggest(village(), courses, NO_DEMAND, today=TODAY, limit=3)
    assert "party_spirit" in {c.category for c in courses if c.id in [s.course_id for s in ranked]}


def test_reasons_carry_the_rating_with_n_and_interval_and_the_missing_category():
    rated = course(1, "party_spirit", ratings={"village": Rating(91.2, 143, (89.4, 93.0))})
    ranked = suggest(
        village(had_categories={"theory": datetime.date(2026, 2, 1)}),
        [rated],
        NO_DEMAND,
        today=TODAY,
        county_gaps={"party_spirit": (12, 40)},
    )
    reasons = {r.code: r.values for r in ranked[0].reasons}
    assert reasons["peer_rating"] == {
        "kind": "village",
        "score": 91.2,
        "n": 143,
        "low": 89,
        "high": 93,
    }
    assert reasons["category_new"] == {"category": "party_spirit", "years": 2}
    assert reasons["county_gap"] == {"category": "party_spirit", "missing": 12}
    assert reasons["teacher_nearby"] == {"n": 1}


def lessons(values, start=datetime.date(2026, 1, 5), n=30, half=4.0):
    return [
        LessonScore(start + datetime.timedelta(weeks=i), v, n, (v - half, v + half))
        for i, v in enumerate(values)
    ]


LINE = Quota(min_score=80.0)


def test_a_real_decline_toward_the_line_is_warned_with_its_interval():
    scores = lessons([90, 89, 91, 90, 90, 89, 90, 83, 82, 82, 83, 82])
    warning = assess(TeacherYear(1, datetime.date(2026, 4, 1), LINE, scores=scores))
    assert warning.fires
    decline = next(e for e in warning.evidence if e.code == "score_decline")
    assert decline.values["lessons"] == 5
    assert 7 < decline.values["drop"] < 8
    assert decline.values["low"] > 0
    assert warning.helps == ["coaching", "training"]


def test_one_bad_lesson_is_noise_not_a_warning_though_the_naive_rule_fires():
    scores = lessons([88, 87, 89, 88, 88, 87, 89, 88, 87, 88, 89, 70])
    warning = assess(TeacherYear(1, datetime.date(2026, 4, 1), LINE, scores=scores))
    assert not warning.fires
    assert [e.code for e in warning.evidence] == ["single_low"]
    assert naive_rule(scores, 80.0)


def test_too_few_lessons_say_nothing_about_scores():
    warning = assess(TeacherYear(1, datetime.date(2026, 4, 1), LINE, scores=lessons([70, 72])))
    assert not warning.fires


def test_hours_behind_the_calendar_are_projected_to_a_shortfall():
    quota = Quota(min_lessons=6, min_hours=12.0)
    year = TeacherYear(
        1, datetime.date(2026, 7, 2), quota, lessons_given=2, hours_given=3.0
    )  # half the year gone: 6 hours at this pace, 1 planned lesson does not change it
    warning = assess(year)
    assert warning.fires
    hours = next(e for e in warning.evidence if e.code == "hours_short")
    assert hours.values == {"short": 6.0, "projected": 6.0, "target": 12.0}
    assert "more_lessons" in warning.helps


def test_pace_is_not_judged_early_in_the_year():
    quota = Quota(min_lessons=6, min_hours=12.0)
    assert not assess(TeacherYear(1, datetime.date(2026, 1, 1), quota)).evidence


def test_what_a_warning_rests_on_comes_before_a_single_low_score():
    quota = Quota(min_lessons=6, min_hours=12.0, min_score=80.0)
    scores = lessons([88, 87, 89, 88, 88, 87, 89, 88, 87, 88, 89, 70])
    year = TeacherYear(1, datetime.date(2026, 7, 2), quota, scores=scores, hours_given=3.0)
    assert [e.code for e in assess(year).evidence] == ["hours_short", "lessons_short", "single_low"]
