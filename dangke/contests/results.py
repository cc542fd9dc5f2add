"""Reading a contest's scores: the rubric judges fill in, the engine's inputs, and rankings
with agreement. Nothing here writes; `dangke.contests.services` does."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dangke.contests.models import ContestEntry, JudgeScore, Round
from dangke.contests.models import Judge as JudgeRow
from dangke.evaluation.indicators import indicator_document, leaves_of
from engines.judging import Entry, Judge, judge_agreement, rank_entries

# The rule the engine's `rank_entries` applies, in words for the ranking page and the notice.
TIE_BREAK_RULE = _(
    "得分（保留两位小数）相同时依次比较：① 去掉一个最高分和一个最低分后的平均分，高者在前；"
    "② 各评委打分的标准差，小者在前（评委意见更一致）；③ 报名先后，先报名者在前"
)
TIE_LABELS = {
    "trimmed": _("去掉最高最低分后的平均分"),
    "sd": _("评委打分标准差"),
    "order": _("报名先后"),
}
FINAL_TIE_LABELS = {**TIE_LABELS, "order": _("初赛名次")}


def rubric(contest) -> list:
    """The leaves a judge scores: those of the contest's indicator system that can be
    judged on the day (follow-up leaves such as 行为改变 are left out)."""
    return [leaf for leaf in leaves_of(contest.system) if not leaf.follow_up]


@dataclass(frozen=True)
class Rubric:
    """What a sheet needs, read once: the leaves asked, the engine's tree, the leaves
    skipped. A batch of sheets (the demo, an import) passes one to `submit_sheet`."""

    leaves: tuple
    tree: list
    skipped: tuple


def load_rubric(contest) -> Rubric:
    leaves = leaves_of(contest.system)
    return Rubric(
        leaves=tuple(leaf for leaf in leaves if not leaf.follow_up),
        tree=indicator_document(contest.system),
        skipped=tuple(leaf.key for leaf in leaves if leaf.follow_up),
    )


def _county(region_id: str | None) -> str | None:
    return region_id[:6] if region_id and len(region_id) >= 6 else None


def engine_entries(contest, entries=None) -> list[Entry]:
    entries = entries if entries is not None else contest.entries.all()
    rows = []
    for entry in entries.select_related("teaching_group", "course").prefetch_related("teachers"):
        teachers = list(entry.teachers.all())
        counties = {_county(t.region_id) for t in teachers} - {None}
        group = entry.teaching_group_id
        rows.append(
            Entry(
                entry.pk,
                label=entry.code,
                groups=frozenset({group}) if group else frozenset(),
                group_names={group: str(entry.teaching_group)} if group else {},
                counties=frozenset(counties),
                teachers=frozenset(t.pk for t in teachers),
            )
        )  # fmt: skip
    return rows


def engine_judges(contest, judges=None) -> list[Judge]:
    judges = judges if judges is not None else contest.judges.all()
    return [
        Judge(
            judge.pk,
            label=judge.name,
            groups=frozenset(g.pk for g in judge.groups.all()),
            county=_county(judge.home_region_id),
            teacher=judge.teacher_id,
            conflicts=frozenset(e.pk for e in judge.conflicts.all()),
        )
        for judge in judges.prefetch_related("groups", "conflicts")
    ]


def round_scores(contest, round_: str) -> dict:
    """{(entry id, judge id): sheet score} of one round."""
    return {
        (entry_id, judge_id): score
        for entry_id, judge_id, score in JudgeScore.objects.unscoped(
            "results of a contest fetched in scope"
        )
        .filter(assignment__entry__contest=contest, assignment__round=round_)
        .values_list("assignment__entry_id", "assignment__judge_id", "score")
    }


@dataclass
class RoundResult:
    round: str
    basis: str
    rows: list  # dicts from engines.judging.rank_entries, with "entry_obj" added
    agreement: dict | None
    judges: list  # (Judge row, its agreement dict)
    sheets: int
    expected: int
    tie_rule: str = TIE_BREAK_RULE

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.sheets >= self.expected

    @property
    def flagged(self) -> list:
        return [judge for judge, info in self.judges if info and info["flagged"]]


def round_result(contest, round_: str = Round.FIRST, basis: str | None = None) -> RoundResult:
    basis = basis or contest.score_basis
    scores = round_scores(contest, round_)
    expected = contest.entries.filter(reviews__round=round_).count()
    entries = {
        entry.pk: entry
        for entry in ContestEntry.objects.unscoped("results of a contest fetched in scope")
        .filter(contest=contest)
        .select_related("course", "teaching_group")
        .prefetch_related("teachers")
    }
    if round_ == Round.FINAL:
        first = round_result(contest, Round.FIRST, basis)
        order = [row["entry"] for row in first.rows]
    else:
        order = sorted(entries, key=lambda pk: (entries[pk].created_at, pk))
    rows = rank_entries(scores, basis=basis, order=order) if scores else []
    labels = FINAL_TIE_LABELS if round_ == Round.FINAL else TIE_LABELS
    for row in rows:
        row["entry_obj"] = entries[row["entry"]]
        row["tie_label"] = str(labels[row["tie_break"]]) if row["tie_break"] else ""
    agreement = judge_agreement(scores) if len(scores) >= 4 else None
    judge_rows = []
    for judge in (
        JudgeRow.objects.unscoped("results of a contest fetched in scope")
        .filter(contest=contest, assignments__round=round_)
        .distinct()
    ):
        info = agreement["judges"].get(judge.pk) if agreement else None
        judge_rows.append((judge, info))
    return RoundResult(
        round=round_,
        basis=basis,
        rows=rows,
        agreement=agreement,
        judges=judge_rows,
        sheets=len(scores),
        expected=expected,
    )


def contest_ranking(contest, basis: str | None = None) -> list[dict]:
    """The contest's order: finalists by the final (ties by the stated rule, then first-round
    place), then everyone else by the first round. Plain values, as frozen for 公示."""
    first = round_result(contest, Round.FIRST, basis)
    final = round_result(contest, Round.FINAL, basis)
    ranked, seen = [], set()
    for source, rows in (("final", final.rows), ("first", first.rows)):
        for row in rows:
            if row["entry"] in seen:
                continue
            seen.add(row["entry"])
            entry = row["entry_obj"]
            ranked.append(
                {
                    "entry": entry.pk,
                    "code": entry.code,
                    "course": entry.course.title,
                    "teachers": "、".join(t.name for t in entry.teachers.all()),
                    "group": str(entry.teaching_group or ""),
                    "round": source,
                    "score": round(row["score"], 2),
                    "raw": round(row["raw"], 2),
                    "normalised": round(row["normalised"], 2),
                    "tie_break": row["tie_label"],
                }
            )
    for index, row in enumerate(ranked):
        row["rank"] = index + 1
    return ranked
