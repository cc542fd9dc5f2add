"""Demo contest: the demo year's 十佳课程擂台赛, run as far as the calendar has reached.

Forty listed courses enter (fewer if the demo region has fewer), fifteen judges review them
(seven outside experts and eight competing teachers as peer reviewers), the first round is
assigned by the solver and scored with generated sheets, the top fifteen meet the experts in
the final, the ranking goes on public notice, and after the notice period the top ten enter
the excellent course library of the next year with certificates. One peer judge marks
at random, so the agreement panel has a judge to flag. Deterministic for a given seed.

Each stage is passed only once its date is over, so a demo built in spring shows the contest
taking entries, one built after the notice period its results: never a final that is still
to come shown as held. A closed year (a demo built in January) has the whole contest."""

from __future__ import annotations

import random
from datetime import date, timedelta

from dangke.contests import services
from dangke.contests.models import Contest, JudgeAssignment, JudgeKind, JudgeScore, Round
from dangke.contests.results import engine_entries, load_rubric
from dangke.core.calendar import YearSoFar, report_year
from dangke.courses.models import Course, CourseStatus
from dangke.regions.models import Region
from engines.judging import Judge as EngineJudge
from engines.judging import exclusion_reason, sheet_score

ENTRIES = 40
EXPERTS = (
    ("何志远", "省委党校党史党建教研部"),
    ("孙丽华", "市委党校科学社会主义教研室"),
    ("马建军", "市委组织部党员教育中心"),
    ("吴晓梅", "西南某大学马克思主义学院"),
    ("赵明远", "市委宣传部理论科"),  # the demo `judge` login (bind_demo_judge)
    ("冯雅琴", "市委讲师团"),
    ("曹德明", "省党员教育电教中心"),
)
PEERS = 8


def clear_contests_demo(root_code: str) -> None:
    """Contests protect their courses and indicator systems: remove them first."""
    Contest.objects.filter(region__code__startswith=root_code).delete()


def bind_demo_judge(accounts) -> None:
    """Once the demo logins exist: the `judge` login is the expert of its name in the demo
    contest, so its 工作台 lists the sheets assigned to that expert."""
    from dangke.accounts.models import Role, User
    from dangke.contests.models import Judge

    for account in accounts:
        if account.role != Role.JUDGE:
            continue
        user = User.objects.get(username=account.username)
        Judge.objects.filter(user=user).update(user=None)
        Judge.objects.filter(
            name=account.full_name, contest__region__code__startswith=account.region.code
        ).update(user=user)


def _sheet(rng, keys, quality: float, bias: float, erratic: bool) -> dict[str, str]:
    if erratic:
        return {f"i_{key}": str(rng.randint(1, 5)) for key in keys}
    return {f"i_{key}": str(max(1, min(5, round(rng.gauss(quality + bias, 0.55))))) for key in keys}


def build_contests_demo(
    seed: int,
    root_code: str,
    admin=None,
    period: YearSoFar | None = None,
    entries_wanted: int = ENTRIES,
) -> dict[str, int]:
    period = period or YearSoFar.of(report_year())
    rng = random.Random(f"dangke-demo:contests:{seed}")
    root = Region.objects.get(code=root_code)
    year = period.year
    courses = list(
        Course.objects.filter(
            region__code__startswith=root_code,
            status=CourseStatus.LISTED,
            teaching_group__isnull=False,
            teachers__isnull=False,
        )
        .distinct()
        .order_by("code")
    )
    if len(courses) < 12:
        return {"contests": 0, "entries": 0, "judges": 0, "reviews": 0, "promoted": 0}
    chosen = sorted(rng.sample(courses, min(entries_wanted, len(courses))), key=lambda c: c.code)
    contest = services.create_contest(
        root, year, actor=admin,
        registration_ends=date(year, 5, 31), preparation_ends=date(year, 7, 31),
        first_round_ends=date(year, 9, 15), final_on=date(year, 10, 20),
    )  # fmt: skip
    entries = [services.register_entry(contest, c, actor=admin, rng=rng) for c in chosen]
    for name, affiliation in EXPERTS:
        services.add_judge(contest, actor=admin, name=name, affiliation=affiliation,
                           kind=JudgeKind.EXPERT)  # fmt: skip
    # Peer reviewers are entrants who may review at least half the entries (a teacher in
    # several groups may review few, and would make balanced loads impossible).
    candidates = sorted({t for e in entries for t in e.teachers.all()}, key=lambda t: t.code)
    rng.shuffle(candidates)
    plain = engine_entries(contest)
    peers = []
    for teacher in candidates:
        county = teacher.region_id[:6] if len(teacher.region_id) >= 6 else None
        groups = frozenset(teacher.groups.values_list("pk", flat=True))
        judge = EngineJudge(0, groups=groups, county=county, teacher=teacher.pk)
        allowed = sum(
            1 for e in plain
            if exclusion_reason(judge, e, same_county=contest.exclude_same_county) is None
        )  # fmt: skip
        if allowed * 2 >= len(plain):
            peers.append(teacher)
        if len(peers) == PEERS:
            break
    for teacher in sorted(peers, key=lambda t: t.code):
        services.add_judge(contest, actor=admin, kind=JudgeKind.PEER, teacher=teacher)
    erratic_judge = contest.judges.filter(kind=JudgeKind.PEER).order_by("id").last()

    reviews = 0

    def over(day: date) -> bool:
        return period.today > day

    if over(contest.registration_ends):
        contest = services.advance_stage(contest, actor=admin, reason="报名截止")
    if over(contest.preparation_ends):
        contest = services.advance_stage(contest, actor=admin, reason="备课结束，开始初赛匿名评审")
    sheet_rubric = load_rubric(contest)
    keys = [leaf.key for leaf in sheet_rubric.leaves]
    quality = {entry.pk: rng.uniform(2.8, 4.8) for entry in entries}
    bias = {judge.pk: rng.gauss(0, 0.35) for judge in contest.judges.all()}

    def score_round(round_: str) -> int:
        """Every sheet of the round, scored by the engine exactly as `submit_sheet` does,
        written in one batch (sheets one by one cost a city build several seconds)."""
        rows = JudgeAssignment.objects.filter(entry__contest=contest, round=round_)
        sheets = []
        for assignment in rows.order_by("entry__code", "judge_id"):
            raw = _sheet(
                rng, keys, quality[assignment.entry_id], bias[assignment.judge_id],
                erratic=erratic_judge is not None and assignment.judge_id == erratic_judge.pk,
            )  # fmt: skip
            answers = services.parse_sheet(contest, raw, sheet_rubric)
            score = sheet_score(sheet_rubric.tree, answers, skip=sheet_rubric.skipped)
            sheets.append(JudgeScore(assignment=assignment, answers=answers, score=round(score, 4)))
        JudgeScore.objects.bulk_create(sheets)
        return len(sheets)

    if over(contest.first_round_ends):
        reviews += score_round(Round.FIRST)
        contest = services.advance_stage(contest, actor=admin, reason="初赛评分完成")
    if over(contest.final_on):
        reviews += score_round(Round.FINAL)
        contest = services.advance_stage(
            contest, actor=admin, reason="决赛结束，结果公示",
            today=contest.final_on + timedelta(days=1),
        )  # fmt: skip
        if over(contest.notice_ends):
            contest = services.promote(contest, actor=admin, today=period.today)
    return {
        "contests": 1,
        "entries": len(entries),
        "judges": contest.judges.count(),
        "reviews": reviews,
        "promoted": contest.awards.count(),
    }
