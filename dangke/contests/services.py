"""The contest's state changes: creating a contest, entries and judges, moving through the
stages, assigning judges (engines.judging), score sheets, the chair's choice of ranking,
objections during 公示 and the promotion of the top ten. Views, commands and the demo call
these; nothing else writes contest rows.

Stages (报名 → 备课 → 初赛 → 决赛 → 公示 → 结果) move one step at a time through
`advance_stage`, which checks what the next stage needs and writes the audit entry.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.contests.models import (
    Contest,
    ContestAward,
    ContestEntry,
    Judge,
    JudgeAssignment,
    JudgeKind,
    JudgeScore,
    Objection,
    ObjectionStatus,
    Round,
    ScoreBasis,
    Stage,
)
from dangke.contests.results import (
    Rubric,
    contest_ranking,
    engine_entries,
    engine_judges,
    load_rubric,
    round_result,
)
from dangke.core.models import AuditEntry
from dangke.core.services import change_status, notify, record_audit
from dangke.core.uploads import UploadRejected
from dangke.courses.models import ExcellentDesignation
from dangke.courses.uploads import check_courseware
from dangke.evaluation.indicators import check_tree, system_for
from dangke.insights.uploads import check_recording
from dangke.regions.models import Region, RegionLevel
from engines.judging import (
    Infeasible,
    assign_judges,
    check_assignment,
    exclusion_reason,
    sheet_score,
)
from engines.scoring import ScoringError

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


class ContestError(ValidationError):
    """A request the contest cannot accept; the message says why, in Chinese."""


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label)


def _require_stage(contest: Contest, *stages: str, doing: str) -> None:
    if contest.status not in stages:
        allowed = "、".join(_stage_label(s) for s in stages)
        raise ContestError(
            _("%(doing)s只能在「%(allowed)s」阶段进行，当前为「%(now)s」")
            % {"doing": doing, "allowed": allowed, "now": _stage_label(contest.status)}
        )


# --- contest, entries, judges -----------------------------------------------------------------


@transaction.atomic
def create_contest(region, year: int, *, actor, name: str = "", system=None, **options) -> Contest:
    """A contest in 报名. The rubric defaults to the region's indicator system of the year;
    the winners enter the excellent library of the next year (seed 004: 纳入下年度优秀课程库);
    a county's own contest switches the same-county rule off (everyone is from it)."""
    system = system or system_for(region, year)
    check_tree(system)
    options.setdefault("library_year", year + 1)
    options.setdefault("exclude_same_county", region.level < RegionLevel.COUNTY)
    contest = Contest.objects.create(
        name=name or _("%(year)s年度十佳课程擂台赛") % {"year": year},
        year=year,
        region=region,
        system=system,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **options,
    )
    record_audit(contest, actor=actor, action=AuditEntry.Action.CREATE, reason=_("创建擂台赛"))
    return contest


@transaction.atomic
def update_settings(contest: Contest, changes: dict, *, actor) -> Contest:
    """Dates and numbers, while registration is open; each changed field is audited."""
    _require_stage(contest, Stage.REGISTRATION, doing=_("修改比赛设置"))
    changed = []
    for field, value in changes.items():
        old = getattr(contest, field)
        if old != value:
            setattr(contest, field, value)
            changed.append(field)
            record_audit(contest, actor=actor, action=AuditEntry.Action.UPDATE, field=field,
                         from_value=old, to_value=value, reason=_("修改比赛设置"))  # fmt: skip
    if changed:
        contest.save(update_fields=changed)
    return contest


def _new_code(contest: Contest, rng) -> str:
    taken = set(contest.entries.values_list("code", flat=True))
    for _attempt in range(1000):
        code = f"{rng.choice(CODE_LETTERS)}{rng.randrange(100, 1000)}"
        if code not in taken:
            return code
    raise ContestError(_("无法生成匿名编号"))


@transaction.atomic
def register_entry(
    contest: Contest,
    course,
    *,
    actor,
    teachers=None,
    teaching_group=None,
    outline: str | None = None,
    rng=None,
) -> ContestEntry:
    """Enter a course (报名). Teachers and group default to the course's; the outline to
    its knowledge points. Each entry gets a random blind code that judges see instead of
    any name."""
    _require_stage(contest, Stage.REGISTRATION, doing=_("报名"))
    if contest.entries.filter(course=course).exists():
        raise ContestError(_("课程「%(course)s」已报名") % {"course": course.title})
    if not course.region_id.startswith(contest.region_id):
        raise ContestError(_("课程不在本次比赛的区划内"))
    teachers = list(teachers if teachers is not None else course.teachers.all())
    if not teachers:
        raise ContestError(_("参赛课程须有授课教师"))
    if outline is None:
        outline = "\n".join(
            f"{item.position}. {item.title}（{item.planned_minutes} 分钟）"
            for item in course.outline.all()
        )
    entry = ContestEntry.objects.create(
        contest=contest,
        course=course,
        teaching_group=teaching_group or course.teaching_group,
        code=_new_code(contest, rng or random.SystemRandom()),
        outline=outline,
    )
    entry.teachers.set(teachers)
    reason = _("报名：%(course)s") % {"course": course.title}
    record_audit(
        contest, actor=actor, action=AuditEntry.Action.UPDATE, field="entries",
        to_value=entry.code, reason=reason,
    )  # fmt: skip
    return entry


@transaction.atomic
def update_materials(entry: ContestEntry, *, actor, courseware=None, recording=None, outline=None):
    """Courseware, recording and outline, during 报名 and 备课. The files are checked like
    any courseware and like a recording for analysis (the entry's recording can be sent
    there); if one is refused, nothing is stored."""
    _require_stage(entry.contest, Stage.REGISTRATION, Stage.PREPARATION, doing=_("上传参赛材料"))
    _check_materials(courseware=courseware, recording=recording)
    fields = []
    if courseware is not None:
        entry.courseware = courseware
        fields.append("courseware")
    if recording is not None:
        entry.recording = recording
        fields.append("recording")
    if outline is not None:
        entry.outline = outline
        fields.append("outline")
    if fields:
        entry.save(update_fields=fields)
        record_audit(entry, actor=actor, action=AuditEntry.Action.UPDATE, field=",".join(fields),
                     reason=_("更新参赛材料"))  # fmt: skip
    return entry


def _check_materials(*, courseware, recording) -> None:
    """ContestError naming each refused file and why."""
    problems = []
    for field, upload, check in (
        ("courseware", courseware, check_courseware),
        ("recording", recording, check_recording),
    ):
        if upload is None:
            continue
        try:
            check(upload)
        except UploadRejected as error:
            label = ContestEntry._meta.get_field(field).verbose_name
            problems.append(_("%(material)s：%(reason)s") % {"material": label, "reason": error})
    if problems:
        raise ContestError(problems)


@transaction.atomic
def add_judge(
    contest: Contest,
    *,
    actor,
    name: str = "",
    kind: str = JudgeKind.EXPERT,
    teacher=None,
    user=None,
    home_region=None,
    groups=None,
    affiliation: str = "",
    in_final: bool | None = None,
) -> Judge:
    """An expert, or a competing teacher as a peer judge (相互评议). A teacher's county
    and groups come from their record, so the rules keep them off their own group's entries."""
    _require_stage(contest, Stage.REGISTRATION, Stage.PREPARATION, doing=_("增加评委"))
    if teacher is not None:
        if contest.judges.filter(teacher=teacher).exists():
            raise ContestError(_("%(name)s 已是评委") % {"name": teacher.name})
        name = name or teacher.name
        user = user or teacher.user
        affiliation = affiliation or teacher.employer
        home_region = home_region or teacher.region
        groups = list(teacher.groups.all()) if groups is None else groups
    if not name:
        raise ContestError(_("请填写评委姓名"))
    judge = Judge.objects.create(
        contest=contest,
        name=name,
        kind=kind,
        teacher=teacher,
        user=user,
        home_region=home_region,
        affiliation=affiliation,
        in_final=(kind == JudgeKind.EXPERT) if in_final is None else in_final,
    )
    if groups:
        judge.groups.set(groups)
    record_audit(contest, actor=actor, action=AuditEntry.Action.UPDATE, field="judges",
                 to_value=name, reason=_("增加评委"))  # fmt: skip
    return judge


@transaction.atomic
def declare_conflict(judge: Judge, entry: ContestEntry, *, actor, reason: str = ""):
    """A judge declares a conflict of interest with an entry. If the entry is already
    theirs (unscored), it is handed to the least-loaded judge the rules allow, as a manual
    edit would be. Returns that judge, or None when nothing had to move."""
    if entry.contest_id != judge.contest_id:
        raise ContestError(_("作品与评委不属于同一比赛"))
    row = JudgeAssignment.objects.filter(judge=judge, entry=entry, round=Round.FIRST).first()
    if row is not None and JudgeScore.objects.filter(assignment=row).exists():
        raise ContestError(_("该评委已为此作品评分；如需回避，请先由管理员作废评分"))
    judge.conflicts.add(entry)
    record_audit(
        judge.contest, actor=actor, action=AuditEntry.Action.UPDATE, field="conflicts",
        to_value=f"{judge.name} × {entry.code}", reason=reason or _("申报回避"),
    )  # fmt: skip
    if row is None:
        return None
    candidates = (
        entry.contest.judges.exclude(pk=judge.pk)
        .exclude(assignments__entry=entry, assignments__round=Round.FIRST)
        .annotate(load=Count("assignments", filter=Q(assignments__round=Round.FIRST)))
        .order_by("load", "pk")
    )
    for candidate in candidates:
        try:
            replace_judge(row, candidate, actor=actor, reason=_("回避后改派"))
        except ContestError:
            row.refresh_from_db()
            continue
        return candidate
    raise ContestError(
        _("评委 %(judge)s 回避后，没有可改派的评委符合全部规则，请增加评委") % {"judge": judge.name}
    )


# --- stages -------------------------------------------------------------------------------


NEXT_STAGE = {
    Stage.REGISTRATION: Stage.PREPARATION,
    Stage.PREPARATION: Stage.FIRST_ROUND,
    Stage.FIRST_ROUND: Stage.FINAL,
    Stage.FINAL: Stage.NOTICE,
    Stage.NOTICE: Stage.RESULT,
}


@transaction.atomic
def advance_stage(contest: Contest, *, actor, reason: str = "", today=None) -> Contest:
    """Move to the next stage, after checking what it needs:

    备课: at least `winners` entries. 初赛: every entry has its judges and the assignment
    passes every rule (it is made now when there is none). 决赛: every first-round sheet is
    in; the top `finalists` are marked and every final judge gets every finalist they may
    judge. 公示: every final sheet is in; the ranking is frozen and the objection period
    starts. 结果: see `promote` (after the period, no objection pending)."""
    contest = (
        Contest.objects.unscoped("re-read under lock: the contest held")
        .select_for_update()
        .get(pk=contest.pk)
    )
    target = NEXT_STAGE.get(contest.status)
    if target is None:
        raise ContestError(_("比赛已结束"))
    today = today or timezone.localdate()
    if target == Stage.PREPARATION:
        if contest.entries.count() < contest.winners:
            raise ContestError(
                _("报名作品少于获奖名额 %(n)s 件，不能结束报名") % {"n": contest.winners}
            )
    elif target == Stage.FIRST_ROUND:
        if (
            not JudgeAssignment.objects.unscoped("assignments of the contest held")
            .filter(entry__contest=contest, round=Round.FIRST)
            .exists()
        ):
            assign_first_round(contest, actor=actor)
        problems = assignment_problems(contest)
        if problems:
            raise ContestError(_("评委分配不符合规则：%(p)s") % {"p": "；".join(problems[:5])})
        # Sheets will refer to this tree: like a survey's, it must not change under them.
        type(contest.system).objects.unscoped("the tree of the contest held").filter(
            pk=contest.system_id
        ).update(is_locked=True)
    elif target == Stage.FINAL:
        result = round_result(contest, Round.FIRST)
        if not result.complete:
            raise ContestError(
                _("初赛评分尚未完成（%(done)s/%(all)s 份）")
                % {"done": result.sheets, "all": result.expected}
            )
        _open_final(contest, [row["entry"] for row in result.rows[: contest.finalists]])
    elif target == Stage.NOTICE:
        result = round_result(contest, Round.FINAL)
        if not result.complete:
            raise ContestError(
                _("决赛评分尚未完成（%(done)s/%(all)s 份）")
                % {"done": result.sheets, "all": result.expected}
            )
        contest.ranking = contest_ranking(contest)
        contest.notice_ends = today + timedelta(days=contest.notice_days)
        contest.save(update_fields=["ranking", "notice_ends"])
    elif target == Stage.RESULT:
        return promote(contest, actor=actor, today=today)
    change_status(
        contest, target, actor=actor,
        reason=reason or _("进入「%(stage)s」阶段") % {"stage": _stage_label(target)},
    )  # fmt: skip
    if target == Stage.FIRST_ROUND:
        _notify_judges(contest, Round.FIRST)
    elif target == Stage.FINAL:
        _notify_judges(contest, Round.FINAL)
    return contest


def _notify_judges(contest: Contest, round_: str) -> None:
    judges = contest.judges.filter(assignments__round=round_, user__isnull=False).distinct()
    for judge in judges.select_related("user"):
        notify(
            [judge.user],
            _("%(contest)s%(round)s评审已开始，请打开评审页面打分")
            % {"contest": contest.name, "round": Round(round_).label},
            judge.get_judge_url(),
        )


def _open_final(contest: Contest, finalist_ids: list[int]) -> None:
    ContestEntry.objects.filter(contest=contest).update(finalist=False)
    ContestEntry.objects.filter(pk__in=finalist_ids).update(finalist=True)
    finalists = contest.entries.filter(pk__in=finalist_ids)
    judges = contest.judges.filter(in_final=True)
    if judges.count() < 3:
        raise ContestError(_("决赛评委至少需要 3 位（在评委名单中勾选「担任决赛评委」）"))
    entries = engine_entries(contest, finalists)
    rows = []
    for judge in engine_judges(contest, judges):
        for entry in entries:
            if exclusion_reason(judge, entry, same_county=contest.exclude_same_county) is None:
                rows.append(
                    JudgeAssignment(entry_id=entry.id, judge_id=judge.id, round=Round.FINAL)
                )
    JudgeAssignment.objects.bulk_create(rows)
    short = [e.label for e in entries if sum(1 for r in rows if r.entry_id == e.id) < 3]
    if short:
        raise ContestError(
            _("决赛作品 %(codes)s 可评的决赛评委不足 3 位") % {"codes": "、".join(short)}
        )


# --- assignment ---------------------------------------------------------------------------


def _readable(contest: Contest, reasons: list[str]) -> list[str]:
    """County codes in the engine's sentences become county names."""
    names = dict(
        Region.objects.unscoped("county names for the engine's sentences")
        .filter(code__startswith=contest.region_id[:4], level=RegionLevel.COUNTY)
        .values_list("code", "name")
    )
    out = []
    for reason in reasons:
        for code, name in names.items():
            reason = reason.replace(code, name)
        out.append(reason)
    return out


@transaction.atomic
def assign_first_round(contest: Contest, *, actor, seed: int | None = None):
    """Assign k judges to every entry (engines.judging). Assignments placed by hand are
    kept as they are; the rest are made again. Refused once any first-round sheet exists."""
    _require_stage(contest, Stage.REGISTRATION, Stage.PREPARATION, Stage.FIRST_ROUND,
                   doing=_("分配评委"))  # fmt: skip
    existing = JudgeAssignment.objects.unscoped("assignments of the contest held").filter(
        entry__contest=contest, round=Round.FIRST
    )
    if existing.filter(sheet__isnull=False).exists():
        raise ContestError(_("初赛已有评分，不能重新分配；请逐条手工调整"))
    pinned = tuple(existing.filter(manual=True).values_list("entry_id", "judge_id"))
    entries = engine_entries(contest)
    judges = engine_judges(contest)
    try:
        result = assign_judges(
            entries, judges, k=contest.judges_per_entry,
            same_county=contest.exclude_same_county, pinned=pinned,
            seed=contest.year if seed is None else seed,
        )  # fmt: skip
    except Infeasible as error:
        raise ContestError(_readable(contest, error.reasons)) from error
    existing.filter(manual=False).delete()
    pinned_set = set(pinned)
    JudgeAssignment.objects.bulk_create(
        JudgeAssignment(entry_id=entry_id, judge_id=judge_id, round=Round.FIRST)
        for entry_id, judge_ids in result.pairs.items()
        for judge_id in judge_ids
        if (entry_id, judge_id) not in pinned_set
    )
    record_audit(
        contest, actor=actor, action=AuditEntry.Action.UPDATE, field="assignment",
        to_value=f"{len(entries)}×{contest.judges_per_entry}",
        reason=_(
            "自动分配评委：%(n)s 件作品、%(j)s 位评委，每位评委 %(lo)s–%(hi)s 件，用时 %(s).2f 秒"
        )
        % {"n": len(entries), "j": len(judges), "lo": result.lo, "hi": result.hi,
           "s": result.seconds},
    )  # fmt: skip
    return result


def assignment_problems(contest: Contest) -> list[str]:
    """Every rule the first-round assignment breaks (empty: it is valid)."""
    pairs = list(
        JudgeAssignment.objects.unscoped("assignments of a contest held")
        .filter(entry__contest=contest, round=Round.FIRST)
        .values_list("entry_id", "judge_id")
    )
    problems = check_assignment(
        engine_entries(contest), engine_judges(contest), pairs,
        k=contest.judges_per_entry, same_county=contest.exclude_same_county,
    )  # fmt: skip
    return _readable(contest, problems)


BALANCE_PROBLEM = "评委工作量不均衡"


@transaction.atomic
def replace_judge(assignment: JudgeAssignment, new_judge: Judge, *, actor, reason: str = ""):
    """A manual edit: hand an entry to another judge. When that alone would unbalance the
    loads, one unscored entry of the new judge that the old judge may review goes the other
    way (a swap). The whole assignment is then checked again and the edit is refused,
    nothing saved, if it breaks any rule. Returns the compensating assignment, or None."""
    contest = assignment.entry.contest
    _require_stage(contest, Stage.REGISTRATION, Stage.PREPARATION, Stage.FIRST_ROUND,
                   doing=_("调整评委"))  # fmt: skip
    if assignment.round != Round.FIRST:
        raise ContestError(_("决赛评委全员评分，无需调整"))
    if hasattr(assignment, "sheet"):
        raise ContestError(_("该评委已评分，不能调整"))
    if new_judge.contest_id != contest.pk:
        raise ContestError(_("评委不属于本次比赛"))
    old = assignment.judge
    if old.pk == new_judge.pk:
        raise ContestError(_("新评委与原评委相同"))
    if JudgeAssignment.objects.filter(
        entry=assignment.entry, judge=new_judge, round=assignment.round
    ).exists():
        raise ContestError(
            _("%(judge)s 已在评审作品 %(code)s")
            % {"judge": new_judge.name, "code": assignment.entry.code}
        )
    assignment.judge = new_judge
    assignment.manual = True
    assignment.save(update_fields=["judge", "manual"])
    problems = assignment_problems(contest)
    swapped = None
    if problems and all(p.startswith(BALANCE_PROBLEM) for p in problems):
        swapped = _compensate(contest, assignment, old, new_judge)
        if swapped is not None:
            problems = assignment_problems(contest)
    if problems:
        transaction.set_rollback(True)
        raise ContestError(problems)
    record_audit(
        contest, actor=actor, action=AuditEntry.Action.UPDATE, field="assignment",
        from_value=f"{assignment.entry.code} {old.name}",
        to_value=f"{assignment.entry.code} {new_judge.name}"
        + (f"；{swapped.entry.code} {new_judge.name}→{old.name}" if swapped else ""),
        reason=reason or _("手工调整评委"),
    )  # fmt: skip
    return swapped


def _compensate(contest, moved: JudgeAssignment, old: Judge, new: Judge):
    """Give one of `new`'s unscored, automatic entries to `old`, if the rules allow."""
    old_engine = engine_judges(contest, contest.judges.filter(pk=old.pk))[0]
    taken = set(JudgeAssignment.objects.filter(judge=old, round=Round.FIRST).values_list(
        "entry_id", flat=True
    ))  # fmt: skip
    candidates = (
        JudgeAssignment.objects.filter(
            judge=new, round=Round.FIRST, manual=False, sheet__isnull=True
        )
        .exclude(entry_id__in=taken | {moved.entry_id})
        .order_by("entry__code")
    )
    entries = {e.id: e for e in engine_entries(contest, contest.entries.filter(
        pk__in=candidates.values("entry_id")))}  # fmt: skip
    for row in candidates:
        if exclusion_reason(old_engine, entries[row.entry_id],
                            same_county=contest.exclude_same_county) is None:  # fmt: skip
            row.judge = old
            row.save(update_fields=["judge"])
            return row
    return None


# --- sheets -------------------------------------------------------------------------------


ROUND_STAGE = {Round.FIRST: Stage.FIRST_ROUND, Round.FINAL: Stage.FINAL}


def parse_sheet(contest: Contest, raw: dict, rubric: Rubric | None = None) -> dict[str, int]:
    """Form values `i_<key>` → {key: int}; every rubric leaf must be answered."""
    answers, errors = {}, []
    rubric = rubric or load_rubric(contest)
    for leaf in rubric.leaves:
        value = (raw.get(f"i_{leaf.key}") or raw.get(leaf.key) or "").__str__().strip()
        if not value:
            errors.append(_("请为「%(name)s」打分") % {"name": leaf.name})
            continue
        try:
            number = int(value)
        except ValueError:
            errors.append(_("「%(name)s」的分数无效") % {"name": leaf.name})
            continue
        if not leaf.scale_min <= number <= leaf.scale_max:
            errors.append(
                _("「%(name)s」应在 %(lo)s–%(hi)s 之间")
                % {"name": leaf.name, "lo": leaf.scale_min, "hi": leaf.scale_max}
            )
            continue
        answers[leaf.key] = number
    if errors:
        raise ContestError(errors)
    return answers


@transaction.atomic
def submit_sheet(
    assignment: JudgeAssignment, raw: dict, *, comment: str = "", rubric: Rubric | None = None
) -> JudgeScore:
    """A judge's sheet for one entry, accepted while its round is on; sending again
    replaces it (a judge may correct a mark until the round closes)."""
    contest = assignment.entry.contest
    if contest.status != ROUND_STAGE[assignment.round]:
        raise ContestError(_("%(round)s评分未开放") % {"round": Round(assignment.round).label})
    rubric = rubric or load_rubric(contest)
    answers = parse_sheet(contest, raw, rubric)
    try:
        score = sheet_score(rubric.tree, answers, skip=rubric.skipped)
    except ScoringError as error:
        raise ContestError(str(error)) from error
    sheet, _created = JudgeScore.objects.unscoped("the judge's own sheet").update_or_create(
        assignment=assignment,
        defaults={"answers": answers, "score": round(score, 4), "comment": (comment or "")[:300]},
    )
    return sheet


@transaction.atomic
def void_judge_sheets(contest: Contest, judge, round_: str, *, actor, reason: str) -> int:
    """Strike out every sheet `judge` submitted in `round_` (a conflict of interest found
    late, a judge who scored at random): only while the round is open, with a reason. The
    audit keeps what was struck; the judge's assignments stay, so they may score again or
    the panel goes on without them."""
    _require_stage(contest, ROUND_STAGE[round_], doing=_("作废评分表"))
    if not (reason or "").strip():
        raise ContestError(_("作废评分表必须填写原因"))
    sheets = (
        JudgeScore.objects.unscoped("the judge's own sheets")
        .filter(
            assignment__judge=judge, assignment__round=round_, assignment__entry__contest=contest
        )
        .select_related("assignment__entry")
    )
    struck = [f"{sheet.assignment.entry.code}={sheet.score:.2f}" for sheet in sheets]
    if not struck:
        raise ContestError(_("该评委本轮没有已提交的评分表"))
    sheets.delete()
    record_audit(
        contest, actor=actor, action=AuditEntry.Action.UPDATE, field="judge_sheets",
        from_value=f"{judge.name}：{'，'.join(struck)}"[:200], to_value=_("已作废"),
        reason=reason.strip(),
    )  # fmt: skip
    return len(struck)


@transaction.atomic
def set_score_basis(contest: Contest, basis: str, *, actor) -> Contest:
    """The chair's choice of which score ranks (raw or normalised), before 公示 freezes it."""
    if basis not in ScoreBasis.values:
        raise ContestError(_("无效的排名依据"))
    if contest.status in (Stage.NOTICE, Stage.RESULT):
        raise ContestError(_("排名已公示，不能更改排名依据"))
    old = contest.score_basis
    contest.score_basis = basis
    contest.save(update_fields=["score_basis"])
    record_audit(contest, actor=actor, action=AuditEntry.Action.UPDATE, field="score_basis",
                 from_value=ScoreBasis(old).label, to_value=ScoreBasis(basis).label,
                 reason=_("评审组长选择排名依据"))  # fmt: skip
    return contest


# --- notice, objections, promotion ------------------------------------------------------


def objection_open(contest: Contest, today=None) -> bool:
    today = today or timezone.localdate()
    return contest.status == Stage.NOTICE and contest.notice_ends and today <= contest.notice_ends


@transaction.atomic
def raise_objection(contest: Contest, *, body: str, user=None, entry=None, contact="", today=None):
    if not objection_open(contest, today):
        raise ContestError(_("不在公示异议期内"))
    body = (body or "").strip()
    if not body:
        raise ContestError(_("请填写异议内容"))
    if entry is not None and entry.contest_id != contest.pk:
        raise ContestError(_("作品不属于本次比赛"))
    return Objection.objects.create(
        contest=contest, entry=entry, body=body[:1000], contact=contact[:60],
        submitted_by=user if getattr(user, "is_authenticated", False) else None,
    )  # fmt: skip


@transaction.atomic
def decide_objection(objection: Objection, *, upheld: bool, answer: str, actor) -> Objection:
    if not (answer or "").strip():
        raise ContestError(_("请填写处理意见"))
    status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.answer = answer.strip()
    objection.save(update_fields=["answer"])
    change_status(objection, status, actor=actor, reason=answer.strip())
    return objection


def winners_of(contest: Contest) -> list[dict]:
    """The frozen ranking's top `winners`, skipping entries with an upheld objection."""
    struck = set(
        contest.objections.filter(status=ObjectionStatus.UPHELD, entry__isnull=False).values_list(
            "entry_id", flat=True
        )
    )
    return [row for row in contest.ranking if row["entry"] not in struck][: contest.winners]


@transaction.atomic
def promote(contest: Contest, *, actor, today=None) -> Contest:
    """After the objection period: the top ten enter the excellent library of
    `library_year` (an ExcellentDesignation each), get an award with a certificate number,
    and their teachers are told. The contest moves to 结果."""
    contest = (
        Contest.objects.unscoped("re-read under lock: the contest held")
        .select_for_update()
        .get(pk=contest.pk)
    )
    today = today or timezone.localdate()
    _require_stage(contest, Stage.NOTICE, doing=_("入库"))
    if contest.notice_ends and today <= contest.notice_ends:
        raise ContestError(
            _("公示期至 %(day)s，期满后方可入库") % {"day": contest.notice_ends.isoformat()}
        )
    if contest.objections.filter(status=ObjectionStatus.PENDING).exists():
        raise ContestError(_("还有未处理的异议"))
    reason = _("%(contest)s第%(rank)s名")
    for place, row in enumerate(winners_of(contest), start=1):
        entry = ContestEntry.objects.select_related("course").get(pk=row["entry"])
        designation, created = ExcellentDesignation.objects.get_or_create(
            course=entry.course, year=contest.library_year,
            defaults={"reason": (reason % {"contest": contest.name, "rank": place})[:200],
                      "granted_by": actor if getattr(actor, "is_authenticated", False) else None},
        )  # fmt: skip
        if created:
            record_audit(designation, actor=actor, action=AuditEntry.Action.CREATE,
                         reason=designation.reason)  # fmt: skip
        award = ContestAward.objects.create(
            contest=contest, entry=entry, rank=place, score=row["score"], designation=designation,
            certificate_no=f"SJ{contest.year}-{contest.pk:03d}-{place:02d}",
        )  # fmt: skip
        users = [t.user for t in entry.teachers.all() if t.user_id]
        notify(
            users,
            _("祝贺！您的课程「%(course)s」获%(contest)s第%(rank)s名，纳入%(year)s年度精品课程库")
            % {"course": entry.course.title, "contest": contest.name, "rank": place,
               "year": contest.library_year},
            reverse("contests:certificate", args=[award.pk]),
        )  # fmt: skip
    contest.promoted_at = timezone.now()
    contest.save(update_fields=["promoted_at"])
    reason = _("公示期满，前%(n)s名纳入精品课程库") % {"n": contest.winners}
    change_status(contest, Stage.RESULT, actor=actor, reason=reason)
    return contest


def promote_due_contests(today=None, actor=None) -> list[Contest]:
    """For cron (`dangke contest_tick`): every contest whose objection period has ended
    with no objection pending is promoted. Contests still waiting are left as they are."""
    today = today or timezone.localdate()
    done = []
    for contest in Contest.objects.filter(status=Stage.NOTICE, notice_ends__lt=today):
        if contest.objections.filter(status=ObjectionStatus.PENDING).exists():
            continue
        done.append(promote(contest, actor=actor, today=today))
    return done


def teacher_contest_results(teacher_ids, year: int) -> dict[int, list[dict]]:
    """Top-ten places of the teachers in contests of `year`, for the faculty annual review:
    {teacher_id: [{"contest", "entry", "rank", "award"}]} (plain strings and numbers)."""
    wanted = set(teacher_ids)
    results: dict[int, list[dict]] = {}
    # The entries by subquery, not a join to the teachers: a join repeats an award per
    # teacher and needs a DISTINCT over whole rows (the contest's ranking among them), which
    # a province's annual reviews paid for seconds per batch of teachers.
    entered = ContestEntry.teachers.through.objects.filter(teacher_id__in=wanted)
    awards = (
        ContestAward.objects.unscoped("awards of teachers in scope")
        .filter(contest__year=year, entry__in=entered.values("contestentry_id"))
        .select_related("contest", "entry__course")
        .prefetch_related("entry__teachers")
        .order_by("rank", "pk")
    )
    for award in awards:
        for teacher in award.entry.teachers.all():
            if teacher.pk in wanted:
                results.setdefault(teacher.pk, []).append(
                    {
                        "contest": award.contest.name,
                        "entry": award.entry.course.title,
                        "rank": award.rank,
                        "award": _("十佳课程（第%(rank)s名）") % {"rank": award.rank},
                    }
                )
    return results
