"""engines.judging on hand-made cases: the rules of assignment (and the sentences that say
why an assignment is impossible), manual edits, normalisation, ties and agreement."""

import pytest

from engines.judging import (
    Entry,
    Infeasible,
    Judge,
    assign_judges,
    check_assignment,
    judge_agreement,
    normalise,
    rank_entries,
    sheet_score,
)
from engines.scoring import icc

# Shrout & Fleiss (1979), Table 2: six targets rated by four judges, and their Table 4.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]
PUBLISHED = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71, "ICC1k": 0.44, "ICC2k": 0.62, "ICC3k": 0.91}


def entry(i, group=None, county=None, teachers=()):
    groups = frozenset({group}) if group is not None else frozenset()
    return Entry(i, label=f"作品{i}", groups=groups, group_names={group: f"第{group}教研组"},
                 county=county, teachers=frozenset(teachers))  # fmt: skip


def judge(i, group=None, county=None, teacher=None, conflicts=()):
    groups = frozenset({group}) if group is not None else frozenset()
    return Judge(i, label=f"评委{i}", groups=groups, county=county, teacher=teacher,
                 conflicts=frozenset(conflicts))  # fmt: skip


def pairs_of(result):
    return [(e, j) for e, judges in result.pairs.items() for j in judges]


def test_every_rule_is_kept_and_loads_are_balanced():
    entries = [entry(i, group=i % 3, county=f"c{i % 2}", teachers=[100 + i]) for i in range(12)]
    judges = [judge(10 + j, group=j % 3, county=f"c{j % 2}", teacher=100 + j) for j in range(6)]
    judges += [judge(20 + j) for j in range(5)]  # outside experts
    judges[0] = judge(10, group=0, county="c0", teacher=100, conflicts=[3])
    result = assign_judges(entries, judges, k=3)
    pairs = pairs_of(result)
    assert check_assignment(entries, judges, pairs, k=3) == []
    assert all(len(js) == 3 for js in result.pairs.values())
    assert result.spread <= 1 and (result.lo, result.hi) == (3, 4)
    for e, j in pairs:
        e_, j_ = entries[e], next(x for x in judges if x.id == j)
        assert not (e_.groups & j_.groups)
        assert j_.county is None or j_.county != e_.county
        assert j_.teacher not in e_.teachers
        assert e not in j_.conflicts


def test_peer_judge_never_reviews_own_entry_even_without_group_or_county():
    entries = [entry(0, teachers=[7]), entry(1), entry(2)]
    judges = [judge(1, teacher=7), judge(2), judge(3)]
    result = assign_judges(entries, judges, k=2)
    assert 1 not in result.pairs[0]
    assert result.pairs[0] == [2, 3]


def test_too_few_judges_outside_a_group_is_named():
    # Group 3 has four entries; only two judges are outside it, each may take at most 4.
    entries = [entry(i, group=3) for i in range(4)] + [entry(10 + i, group=1) for i in range(4)]
    judges = [judge(j, group=3) for j in range(4)] + [judge(9), judge(8)]
    with pytest.raises(Infeasible) as caught:
        assign_judges(entries, judges, k=3)
    assert caught.value.reasons[0].startswith("第3教研组之外的评委不足")
    assert "12 人次" in caught.value.reasons[0]


def test_one_entry_with_too_few_allowed_judges_says_which_rules_excluded_them():
    entries = [entry(0, county="c1"), entry(1), entry(2), entry(3)]
    judges = [judge(1, county="c1"), judge(2, county="c1"), judge(3), judge(4, conflicts=[0])]
    with pytest.raises(Infeasible) as caught:
        assign_judges(entries, judges, k=2)
    message = str(caught.value)
    assert "作品0 只有 1 位评委可评，需要 2 位" in message
    assert "同县 2 位" in message and "申报回避 1 位" in message


def test_same_county_rule_can_be_switched_off_for_a_county_contest():
    entries = [entry(i, county="c1") for i in range(4)]
    judges = [judge(j, county="c1") for j in range(3)]
    with pytest.raises(Infeasible, match="c1之外的评委不足"):
        assign_judges(entries, judges, k=2)
    result = assign_judges(entries, judges, k=2, same_county=False)
    assert result.spread <= 1


def test_balance_impossible_is_reported_as_such():
    # Judge 0 may only review entry 0, but balance needs everyone to take 2 of 4·2/4.
    entries = [entry(0), entry(1, group=1), entry(2, group=1), entry(3, group=1)]
    judges = [judge(0, group=1), judge(1), judge(2), judge(3)]
    with pytest.raises(Infeasible, match="工作量均衡"):
        assign_judges(entries, judges, k=2)


def test_more_judges_needed_than_exist():
    with pytest.raises(Infeasible, match="评委库只有 2 位"):
        assign_judges([entry(0)], [judge(1), judge(2)], k=5)


def test_pins_are_kept_and_an_excluded_pin_is_refused():
    entries = [entry(i) for i in range(4)]
    judges = [judge(j) for j in range(4)]
    result = assign_judges(entries, judges, k=2, pinned=[(0, 3), (1, 3)], forbidden=[(2, 0)])
    assert 3 in result.pairs[0] and 3 in result.pairs[1]
    assert 0 not in result.pairs[2]
    entries[0] = entry(0, group=5)
    judges[3] = judge(3, group=5)
    with pytest.raises(Infeasible, match="须回避作品 作品0（同教研组）"):
        assign_judges(entries, judges, k=2, pinned=[(0, 3)])


def test_manual_edit_is_rechecked():
    entries = [entry(0, group=1), entry(1)]
    judges = [judge(0, group=1), judge(1), judge(2)]
    problems = check_assignment(entries, judges, [(0, 0), (0, 1), (1, 1), (1, 1)], k=2)
    assert "评委 评委0 须回避作品 作品0：同教研组" in problems
    assert "评委 评委1 对作品 作品1 重复分配 2 次" in problems
    assert any(p.startswith("作品 作品1 有 1 位评委") for p in problems)
    assert any(p.startswith("评委工作量不均衡") for p in problems)


def test_a_contest_of_forty_entries_and_fifteen_judges_is_solved_quickly():
    entries = [entry(i, group=i % 9, county=f"c{i % 5}", teachers=[100 + i]) for i in range(40)]
    judges = [judge(j) for j in range(7)]
    judges += [judge(10 + j, group=j % 9, county=f"c{j % 5}", teacher=100 + j) for j in range(8)]
    result = assign_judges(entries, judges, k=5)
    assert check_assignment(entries, judges, pairs_of(result), k=5) == []
    assert result.seconds < 1.0


def test_icc_matches_shrout_and_fleiss_worked_example():
    result = icc(SHROUT_FLEISS)
    for name, published in PUBLISHED.items():
        assert round(result[name], 2) == published, name


def test_agreement_on_a_complete_design_uses_all_six():
    scores = {(e, j): float(v) for e, row in enumerate(SHROUT_FLEISS) for j, v in enumerate(row)}
    agreement = judge_agreement(scores)
    assert agreement["overall"]["design"] == "complete"
    assert round(agreement["overall"]["ICC3k"], 2) == 0.91


def test_a_judge_who_disagrees_with_the_panel_is_flagged():
    quality = [60, 70, 80, 90, 65, 85]
    scores = {}
    for e, q in enumerate(quality):
        for j in range(3):
            scores[(e, j)] = q + (j - 1)
        scores[(e, "odd")] = 150 - q  # ranks entries the other way round
    agreement = judge_agreement(scores)
    assert agreement["judges"]["odd"]["flagged"]
    assert not any(agreement["judges"][j]["flagged"] for j in range(3))


def test_normalisation_removes_a_harsh_judges_offset():
    # Judge "h" marks 20 lower than judge "g" on the same two entries, and alone scores C.
    raw = {("A", "g"): 80.0, ("B", "g"): 70.0, ("A", "h"): 60.0, ("B", "h"): 50.0}
    normalised = normalise(raw)
    assert normalised[("A", "g")] == pytest.approx(normalised[("A", "h")])
    mean = sum(raw.values()) / 4
    assert sum(normalised.values()) / 4 == pytest.approx(mean)
    # A judge with one sheet, or the same mark everywhere, sits at the round's mean.
    single = normalise({("A", "g"): 90.0, ("B", "g"): 70.0, ("C", "x"): 10.0})
    assert single[("C", "x")] == pytest.approx((90 + 70 + 10) / 3)


def test_harsh_judge_decides_raw_rank_but_not_normalised_rank():
    # Entry P drew the harsh judge h; entry Q did not.
    raw = {
        ("P", "a"): 80.0, ("P", "h"): 62.0, ("Q", "a"): 78.0, ("Q", "b"): 76.0,
        ("R", "h"): 55.0, ("R", "b"): 70.0, ("S", "a"): 70.0, ("S", "h"): 52.0,
    }  # fmt: skip
    by_raw = [row["entry"] for row in rank_entries(raw, basis="raw")]
    by_norm = [row["entry"] for row in rank_entries(raw, basis="normalised")]
    assert by_raw[0] == "Q" and by_norm[0] == "P"


def test_ties_are_broken_by_the_stated_rule():
    # A and B both average 80; A's trimmed mean is higher.
    scores = {("A", j): v for j, v in enumerate([60, 82, 82, 82, 94])}
    scores |= {("B", j): v for j, v in enumerate([70, 80, 80, 80, 90])}
    rows = rank_entries(scores, basis="raw", order=["B", "A"])
    assert [r["entry"] for r in rows] == ["A", "B"] and rows[1]["tie_break"] == "trimmed"
    # Same mean and trimmed mean: the smaller spread wins.
    scores = {("A", j): v for j, v in enumerate([70, 80, 80, 80, 90])}
    scores |= {("B", j): v for j, v in enumerate([75, 80, 80, 80, 85])}
    rows = rank_entries(scores, basis="raw", order=["A", "B"])
    assert [r["entry"] for r in rows] == ["B", "A"] and rows[1]["tie_break"] == "sd"
    # Identical sheets: who entered first.
    scores = {("A", 0): 80.0, ("B", 0): 80.0}
    rows = rank_entries(scores, basis="raw", order=["B", "A"])
    assert [r["entry"] for r in rows] == ["B", "A"] and rows[1]["tie_break"] == "order"
    assert [r["rank"] for r in rows] == [1, 2]


def test_sheet_score_uses_effective_weights_and_skips_follow_up_leaves():
    tree = [
        {"id": "content", "weight": 0.5, "children": [{"id": "depth", "weight": 1.0}]},
        {"id": "effect", "weight": 0.5, "children": [
            {"id": "mastery", "weight": 0.5}, {"id": "impact", "weight": 0.5}]},
    ]  # fmt: skip
    # depth 5 → 100 (W 0.5), mastery 3 → 50 (W 0.25): (50 + 12.5) / 0.75
    assert sheet_score(tree, {"depth": 5, "mastery": 3}, skip=("impact",)) == pytest.approx(
        83.3333, abs=1e-3
    )
    with pytest.raises(Exception, match="未评指标"):
        sheet_score(tree, {"depth": 5}, skip=("impact",))
    with pytest.raises(Exception, match="不在 1–5 之间"):
        sheet_score(tree, {"depth": 6, "mastery": 3}, skip=("impact",))
