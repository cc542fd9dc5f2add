"""engines.scoring against hand computations from the formulas of shared/specs/evaluation.md."""

import json
import math
import statistics

import pytest

from engines.scoring import ScoringError, aggregate_scores, icc, main, score_lesson

# content 0.4 (depth 0.5, practice 0.5) / method 0.6 (interaction 1.0 on 0–10)
TREE = [
    {"id": "content", "weight": 0.4, "children": [
        {"id": "depth", "weight": 0.5, "scale": [1, 5]},
        {"id": "practice", "weight": 0.5}]},  # default scale 1–5
    {"id": "method", "weight": 0.6, "children": [
        {"id": "interaction", "weight": 1.0, "scale": [0, 10]}]},
]  # fmt: skip
W = {"depth": 0.2, "practice": 0.2, "interaction": 0.6}


def pct(leaf, x):
    lo, hi = (0, 10) if leaf == "interaction" else (1, 5)
    return 100 * (x - lo) / (hi - lo)


def response_score(answers):
    return sum(W[k] * pct(k, v) for k, v in answers.items()) / sum(W[k] for k in answers)


def survey(responses, roles=None, attendance=20):
    return {
        "indicators": TREE,
        "roles": roles
        or [{"id": "trainee", "weight": 0.6, "min_n": 3}, {"id": "expert", "weight": 0.4}],
        "attendance": attendance,
        "responses": responses,
    }


TRAINEES = [
    {"depth": 5, "practice": 4, "interaction": 8},
    {"depth": 4, "practice": 4, "interaction": 6},
    {"depth": 3, "practice": 5, "interaction": 9},
    {"depth": 5, "practice": 5, "interaction": 10},
    {"depth": 2, "practice": 3, "interaction": 5},
]
EXPERTS = [
    {"depth": 4, "practice": 3, "interaction": 7},
    {"depth": 5, "practice": 4, "interaction": 6},
]


def responses(trainees=TRAINEES, experts=EXPERTS):
    return [{"role": "trainee", "answers": a} for a in trainees] + [
        {"role": "expert", "answers": a} for a in experts
    ]


def test_two_roles_by_hand():
    result = score_lesson(survey(responses()))
    t = [response_score(a) for a in TRAINEES]
    e = [response_score(a) for a in EXPERTS]
    mt, me = statistics.fmean(t), statistics.fmean(e)
    sdt, sde = statistics.stdev(t), statistics.stdev(e)
    s = (0.6 * mt + 0.4 * me) / 1.0
    var = 0.6**2 * sdt**2 / 5 + 0.4**2 * sde**2 / 2
    assert result["published"] is True
    assert result["score_exact"] == pytest.approx(s)
    assert result["score"] == round(s, 1)
    assert result["ci95_exact"] == pytest.approx([s - 1.96 * var**0.5, s + 1.96 * var**0.5])
    assert result["roles"]["trainee"]["n"] == 5
    assert result["roles"]["trainee"]["mean_exact"] == pytest.approx(mt)
    assert result["roles"]["expert"]["sd_exact"] == pytest.approx(sde)
    assert result["roles"]["expert"]["counted"] is True
    assert result["excluded_responses"] == 0
    # what went into the score is in the output
    comp = result["computation"]
    assert {leaf["id"]: leaf["weight"] for leaf in comp["leaves"]} == pytest.approx(W)
    assert comp["role_weights_used"] == pytest.approx({"trainee": 0.6, "expert": 0.4})
    assert comp["trainee_responses_required"] == 5


def test_dimensions_by_hand():
    # the second expert skips content; partial answers still count (0.6 ≥ half of 1)
    experts = [{"depth": 4, "practice": 3, "interaction": 7}, {"interaction": 6}]
    result = score_lesson(survey(responses(experts=experts)))
    content_t = statistics.fmean((pct("depth", a["depth"]) + pct("practice", a["practice"])) / 2
                                 for a in TRAINEES)  # fmt: skip
    content_e = (pct("depth", 4) + pct("practice", 3)) / 2  # only the first expert
    method_t = statistics.fmean(pct("interaction", a["interaction"]) for a in TRAINEES)
    method_e = (pct("interaction", 7) + pct("interaction", 6)) / 2
    assert result["dimensions"]["content"] == round(0.6 * content_t + 0.4 * content_e, 1)
    assert result["computation"]["dimensions_exact"]["method"] == pytest.approx(
        0.6 * method_t + 0.4 * method_e
    )


def test_indicator_breakdown_by_hand():
    experts = [{"depth": 4, "practice": 3, "interaction": 7}, {"interaction": 6}]
    result = score_lesson(survey(responses(experts=experts)))
    depth_t = statistics.fmean(pct("depth", a["depth"]) for a in TRAINEES)
    assert result["indicators"]["depth"] == {
        "value": round(0.6 * depth_t + 0.4 * pct("depth", 4), 1),
        "n": 6,
    }
    assert result["indicators"]["interaction"]["n"] == 7


def test_thin_response_is_kept_but_not_counted():
    # depth+practice = 0.4 of the asked 1.0: under half, excluded; interaction alone (0.6) counts
    extra = [{"role": "trainee", "answers": {"depth": 1, "practice": 1}},
             {"role": "trainee", "answers": {"interaction": 0}}]  # fmt: skip
    result = score_lesson(survey(responses() + extra))
    assert result["excluded_responses"] == 1
    assert result["roles"]["trainee"]["n"] == 6
    assert result["roles"]["trainee"]["excluded"] == 1
    t = [response_score(a) for a in TRAINEES] + [0.0]
    assert result["roles"]["trainee"]["mean_exact"] == pytest.approx(statistics.fmean(t))


def test_exactly_half_of_the_asked_weight_counts():
    tree = [{"id": "a", "weight": 0.5}, {"id": "b", "weight": 0.5}]
    doc = {"indicators": tree, "roles": [{"id": "expert", "weight": 1}],
           "responses": [{"role": "expert", "answers": {"a": 5}}]}  # fmt: skip
    assert score_lesson(doc)["excluded_responses"] == 0


def test_role_indicator_subset_sets_the_asked_weight():
    # a media observer asked only interaction (0.6): answering it is the full asked weight
    roles = [{"id": "trainee", "weight": 0.5},
             {"id": "media", "weight": 0.5, "indicators": ["interaction"]}]  # fmt: skip
    docs = [*responses(experts=[]), {"role": "media", "answers": {"interaction": 4}}]
    result = score_lesson(survey(docs, roles=roles))
    assert result["roles"]["media"]["n"] == 1
    assert result["roles"]["media"]["single_response"] is True
    assert result["roles"]["media"]["sd"] == 0
    mt = statistics.fmean(response_score(a) for a in TRAINEES)
    assert result["score_exact"] == pytest.approx((mt + 40.0) / 2)
    # only the media variance term is zero
    sdt = statistics.stdev(response_score(a) for a in TRAINEES)
    assert result["computation"]["variance"] == pytest.approx(0.25 * sdt**2 / 5)
    with pytest.raises(ScoringError, match=r"responses\[6\] \(role media\).*'depth'.*not asked"):
        score_lesson(survey([*docs, {"role": "media", "answers": {"depth": 3}}], roles=roles))


def test_min_n_leaves_a_role_out():
    # two experts but min_n 3: only trainees count, expert still shown with n
    roles = [{"id": "trainee", "weight": 0.6}, {"id": "expert", "weight": 0.4, "min_n": 3}]
    result = score_lesson(survey(responses(), roles=roles))
    assert result["roles"]["expert"]["counted"] is False
    assert result["roles"]["expert"]["n"] == 2
    mt = statistics.fmean(response_score(a) for a in TRAINEES)
    assert result["score_exact"] == pytest.approx(mt)
    assert result["computation"]["role_weights_used"] == {"trainee": 1.0}


def test_default_min_n_is_three_for_trainees():
    result = score_lesson(survey(responses(trainees=TRAINEES[:2]), attendance=0))
    assert result["roles"]["trainee"]["counted"] is False
    assert result["roles"]["expert"]["counted"] is True  # default 1 for others
    assert result["published"] is False


@pytest.mark.parametrize(
    ("attendance", "trainees", "published"),
    [(20, 5, True), (20, 4, False), (35, 6, False), (35, 7, True), (40, 7, False), (40, 8, True)],
)
def test_publish_threshold(attendance, trainees, published):
    answers = (TRAINEES * 2)[:trainees]
    result = score_lesson(survey(responses(trainees=answers), attendance=attendance))
    assert result["published"] is published
    assert result["computation"]["trainee_responses_required"] == max(5, math.ceil(attendance / 5))
    if not published:
        assert result["score"] is None and result["ci95"] is None and result["score_exact"] is None
        assert result["roles"]["trainee"]["n"] == trainees  # n still shown
    else:
        assert result["score"] is not None


@pytest.mark.parametrize(("scale", "answer", "expected"),
                         [([0, 10], 7, 70.0), ([0, 100], 85, 85.0), ([1, 5], 2, 25.0)])  # fmt: skip
def test_scale_mapping(scale, answer, expected):
    doc = {"indicators": [{"id": "x", "weight": 1.0, "scale": scale}],
           "roles": [{"id": "expert", "weight": 1}],
           "responses": [{"role": "expert", "answers": {"x": answer}}]}  # fmt: skip
    assert score_lesson(doc)["roles"]["expert"]["mean_exact"] == pytest.approx(expected)


def test_answer_outside_scale_names_response_and_leaf():
    bad = [*responses(), {"role": "trainee", "answers": {"depth": 6, "interaction": 11}}]
    with pytest.raises(ScoringError) as err:
        score_lesson(survey(bad))
    assert "responses[7] (role trainee): answer 6 to 'depth' is outside its scale [1, 5]" in str(
        err.value
    )
    assert len(err.value.errors) == 2  # every problem, not just the first


def test_unknown_leaf_and_role():
    bad = [{"role": "trainee", "answers": {"depht": 3}}, {"role": "boss", "answers": {}}]
    with pytest.raises(ScoringError) as err:
        score_lesson(survey(bad))
    assert err.value.errors == [
        "responses[0] (role trainee): unknown indicator 'depht'",
        "responses[1]: unknown role 'boss'",
    ]


def test_sibling_weights_must_sum_to_one():
    tree = json.loads(json.dumps(TREE))
    tree[0]["children"][1]["weight"] = 0.4
    with pytest.raises(ScoringError, match=r"children of 'content': weights sum to 0\.9, not 1"):
        score_lesson(survey(responses()) | {"indicators": tree})
    tree[0]["children"][1]["weight"] = 0.5 + 1e-12  # float noise is forgiven
    score_lesson(survey(responses()) | {"indicators": tree})
    top = [dict(TREE[0], weight=0.5), TREE[1]]
    with pytest.raises(ScoringError, match=r"top-level indicators: weights sum to 1\.1"):
        score_lesson(survey(responses()) | {"indicators": top})


def test_ci_is_clipped():
    tree = [{"id": "x", "weight": 1.0}]
    answers = [5, 5, 5, 5, 1, 5]
    doc = {"indicators": tree, "roles": [{"id": "trainee", "weight": 1}], "attendance": 6,
           "responses": [{"role": "trainee", "answers": {"x": a}} for a in answers]}  # fmt: skip
    result = score_lesson(doc)
    assert result["ci95"][1] == 100.0
    assert result["ci95"][0] < result["score"]


def test_aggregate_weighted_by_responses():
    items = [{"score": 80.0, "n": 10}, {"score": 70.0, "n": 30}, {"score": None, "n": 3}]
    result = aggregate_scores(items)
    mean = (800 + 2100) / 40
    var = 2 / 1 * ((10 / 40) ** 2 * (80 - mean) ** 2 + (30 / 40) ** 2 * (70 - mean) ** 2)
    assert result["score_exact"] == pytest.approx(mean)
    assert result["ci95_exact"] == pytest.approx([mean - 1.96 * var**0.5, mean + 1.96 * var**0.5])
    assert (result["n_lessons"], result["n_responses"], result["skipped"]) == (2, 40, 1)


def test_aggregate_single_lesson_uses_its_own_interval():
    lesson = score_lesson(survey(responses()))
    one = aggregate_scores([{"score": lesson["score_exact"], "n": 7, "ci95": lesson["ci95_exact"]}])
    assert one["ci95_exact"] == pytest.approx(lesson["ci95_exact"])
    assert aggregate_scores([{"score": 80, "n": 5}])["ci95"] is None
    assert aggregate_scores([])["score"] is None


SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_shrout_fleiss_worked_example():
    result = icc(SHROUT_FLEISS)
    published = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71,
                 "ICC1k": 0.44, "ICC2k": 0.62, "ICC3k": 0.91}  # fmt: skip
    assert {key: round(result[key], 2) for key in published} == published
    assert (result["n_targets"], result["n_raters"]) == (6, 4)


def test_icc_drops_rows_with_none():
    with_gaps = [*SHROUT_FLEISS, [None, 3, 4, 5], [1, 2, None, 4]]
    assert icc(with_gaps) == icc(SHROUT_FLEISS)


def test_icc_errors():
    with pytest.raises(ScoringError, match="different lengths"):
        icc([[1, 2], [3]])
    with pytest.raises(ScoringError, match="at least 2"):
        icc([[1, 2, 3], [None, 1, 1]])
    with pytest.raises(ScoringError, match="at least 2"):
        icc([[1], [2], [3]])


def test_cli_prints_the_result(tmp_path, capsys):
    path = tmp_path / "survey.json"
    path.write_text(json.dumps(survey(responses())), encoding="utf-8")
    assert main(["--input", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(
        json.dumps(score_lesson(survey(responses())))
    )
    path.write_text(json.dumps(survey([{"role": "x", "answers": {}}])), encoding="utf-8")
    assert main(["--input", str(path)]) == 2
    assert "unknown role 'x'" in capsys.readouterr().err
