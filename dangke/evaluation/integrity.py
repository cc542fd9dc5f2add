"""Rating integrity (issue #21): the flags of `engines.integrity` on a survey, worded in
Chinese with their figures; the score with and without the flagged sheets; and the
office's decision to exclude a flag's sheets (with a reason, audited, reversible).

Flags never drop anything. An exclusion is a `ResponseExclusion` row; the score document
lists its sheets under `exclude`, so the lesson's score, the course's and teacher's
aggregates, the annual review and the feedback rules (which all read `refresh_score`)
follow the decision, and `dangke score --input` recomputes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.core.models import AuditEntry
from dangke.core.services import change_status, record_audit
from dangke.evaluation.indicators import leaves_of
from dangke.evaluation.models import ExclusionStatus, Response, ResponseExclusion, Survey
from dangke.evaluation.scores import refresh_score, role_label, survey_document
from dangke.evaluation.services import SurveyError, sign_in_count
from engines.integrity import check_survey
from engines.scoring import score_lesson

WINDOW_GRACE_HOURS = 3  # a trainee who rates on the way home still rates "in the window"


@dataclass
class Flag:
    key: str
    kind: str
    title: str
    message: str
    response_ids: list[int]
    figures: dict
    excluded: bool = False  # every one of its sheets is already excluded
    comment_ids: list[int] = field(default_factory=list)

    @property
    def excludable(self) -> bool:
        return bool(self.response_ids) and not self.excluded


TITLES = {
    "surplus": gettext_lazy("学员答卷多于到场人数"),
    "identical": gettext_lazy("成批相同的答卷"),
    "straight_line": gettext_lazy("多数答卷每项同分"),
    "role_outlier": gettext_lazy("某一评价主体与其他各方差距过大"),
    "out_of_window": gettext_lazy("授课时段之外提交的答卷"),
    "comments": gettext_lazy("重复的留言"),
}


def _local_hour(moment) -> str:
    return timezone.localtime(moment).replace(tzinfo=None).isoformat()


def integrity_document(survey: Survey) -> dict:
    """What the integrity engine reads: the on-site survey's sheets by id, role, answers
    and hour; its comments; who was there; the lesson's time."""
    main = survey.on_site
    window = None
    if main.lesson_id:
        lesson = main.lesson
        end = lesson.ends_at + timedelta(hours=WINDOW_GRACE_HOURS)
        window = [_local_hour(lesson.starts_at), _local_hour(end)]
    return {
        "scales": {leaf.key: [leaf.scale_min, leaf.scale_max] for leaf in leaves_of(main.system)},
        "sign_ins": sign_in_count(main),
        "attendance": main.attendance,
        "window": window,
        "responses": [
            {
                "id": r.pk,
                "role": r.role,
                "answers": r.answers,
                "hour": _local_hour(r.submitted_hour),
            }
            for r in main.responses.order_by("id")
        ],
        "comments": [{"id": c.pk, "body": c.body} for c in main.comments.order_by("id")],
    }


def _answers_text(answers: dict, names: dict) -> str:
    return "、".join(f"{names.get(key, key)} {value}" for key, value in answers.items())


def _message(kind: str, figures: dict, names: dict) -> str:
    if kind == "surplus":
        return (
            _(
                "收到学员答卷 %(sheets)s 份，签到 %(sign_ins)s 人、登记参学 %(attendance)s 人，"
                "多出 %(extra)s 份。哪几份是多出的无法分辨：超过签到人数加允许份数的部分先不计入，"
                "由管理员决定。"
            )
            % figures
        )
    if kind == "identical":
        return _(
            "%(count)s 份学员答卷（共 %(sheets)s 份）的 %(leaves)s 项评分完全相同（%(answers)s），"
            "而只差一档的相近答卷合计只有 %(neighbours)s 份。真实的评分通常在相近分数间散开，"
            "这样集中的相同答卷更像同一人多次提交。"
        ) % {**figures, "answers": _answers_text(figures["answers"], names)}
    if kind == "straight_line":
        return _(
            "%(count)s 份学员答卷（长表共 %(sheets)s 份，占 %(share)s%%）每项指标都打同一个分"
            "（%(values)s 分）。满分不算在内；多数人每项同分，可能没有逐项阅读指标。"
        ) % {
            **figures,
            "share": round(100 * figures["count"] / figures["sheets"]),
            "values": "、".join(str(v) for v in figures["values"]),
        }
    if kind == "role_outlier":
        others = "；".join(
            _("%(role)s %(mean)s 分") % {"role": role_label(role), "mean": mean}
            for role, mean in figures["others"].items()
        )
        return _(
            "「%(role)s」%(n)s 份答卷平均 %(mean)s 分，与其他每个评价主体都相差 20 分以上"
            "（%(others)s；最接近的相差 %(gap)s 分）。例如学员被要求统一打满分时会这样。"
        ) % {**figures, "role": role_label(figures["role"]), "others": others}
    if kind == "out_of_window":
        hours = "、".join(
            _("%(hour)s 时 %(n)s 份") % {"hour": hour.replace("T", " ")[:13], "n": n}
            for hour, n in figures["hours"].items()
        )
        return _(
            "%(count)s 份学员答卷（共 %(sheets)s 份）提交于授课时段之外（授课开始至结束后 "
            "%(grace)s 小时：%(start)s ～ %(end)s；这些答卷：%(hours)s）。"
        ) % {
            **figures,
            "grace": WINDOW_GRACE_HOURS,
            "start": figures["window"][0].replace("T", " ")[:16],
            "end": figures["window"][1].replace("T", " ")[:16],
            "hours": hours,
        }
    return (
        _(
            "同一条留言出现 %(count)s 次（共 %(total)s 条）：「%(text)s」。"
            "留言与答卷互不关联，请在留言审核中处理。"
        )
        % figures
    )


def survey_flags(survey: Survey) -> list[Flag]:
    main = survey.on_site
    names = {leaf.key: leaf.name for leaf in leaves_of(main.system)}
    excluded = set(
        ResponseExclusion.responses.through.objects.filter(
            responseexclusion__survey=main, responseexclusion__status=ExclusionStatus.ACTIVE
        ).values_list("response_id", flat=True)
    )
    flags = []
    for raw in check_survey(integrity_document(main)):
        ids = raw["responses"]
        key = f"{raw['kind']}-{ids[0] if ids else 0}"
        flags.append(
            Flag(
                key=key,
                kind=raw["kind"],
                title=str(TITLES[raw["kind"]]),
                message=_message(raw["kind"], raw["figures"], names),
                response_ids=ids,
                figures=raw["figures"],
                excluded=bool(ids) and set(ids) <= excluded,
                comment_ids=raw.get("comments", []),
            )
        )
    return flags


def score_comparison(survey: Survey, flags: list[Flag]) -> dict | None:
    """The score as it stands and the score without every flagged sheet, each with its n
    and interval; None when no flag names sheets."""
    flagged = {i for flag in flags for i in flag.response_ids}
    if not flagged:
        return None
    main = survey.on_site
    current = refresh_score(main)
    without = score_lesson(survey_document(main, also_exclude=flagged))
    return {
        "current": current,
        "current_n": _counted(current),
        "without": without,
        "without_n": _counted(without),
        "flagged": len(flagged),
    }


def _counted(result: dict) -> int:
    return sum(role["n"] for role in result["roles"].values() if role["counted"])


@transaction.atomic
def exclude_flagged(survey: Survey, *, key: str, reason: str, actor) -> ResponseExclusion:
    """Exclude the sheets of the flag `key` (recomputed now: the flag's sheets as the office
    sees them), with a reason; audited; the score is recomputed."""
    main = (
        Survey.objects.unscoped("re-read under lock: the survey held")
        .select_for_update()
        .get(pk=survey.on_site.pk)
    )
    if not (reason or "").strip():
        raise SurveyError(_("请填写排除的理由"))
    flag = next((f for f in survey_flags(main) if f.key == key), None)
    if flag is None or not flag.response_ids:
        raise SurveyError(_("该提示已不存在或不涉及具体答卷，请刷新页面"))
    if flag.excluded:
        raise SurveyError(_("这些答卷已经排除"))
    exclusion = ResponseExclusion.objects.create(
        survey=main, flag=flag.kind, summary=flag.message, reason=reason.strip(), decided_by=actor
    )
    exclusion.responses.set(
        Response.objects.unscoped("answer sheets of the survey held").filter(
            survey=main, pk__in=flag.response_ids
        )
    )
    before = main.result.get("score") if main.result else None
    result = refresh_score(main, force=True)
    record_audit(
        main, actor=actor, action=AuditEntry.Action.UPDATE, field="exclusions",
        from_value=f"{before}", to_value=f"{result['score']}",
        reason=_("排除「%(title)s」的 %(n)s 份答卷：%(reason)s")
        % {"title": flag.title, "n": len(flag.response_ids), "reason": reason.strip()},
    )  # fmt: skip
    return exclusion


@transaction.atomic
def revoke_exclusion(exclusion: ResponseExclusion, *, reason: str, actor) -> ResponseExclusion:
    """Undo an exclusion: its sheets count again and the score is recomputed."""
    if not (reason or "").strip():
        raise SurveyError(_("请填写撤销的理由"))
    if exclusion.status != ExclusionStatus.ACTIVE:
        raise SurveyError(_("该排除决定已经撤销"))
    change_status(exclusion, ExclusionStatus.REVOKED, actor=actor, reason=reason.strip())
    refresh_score(exclusion.survey, force=True)
    return exclusion


def exclusions_of(survey: Survey):
    return (
        ResponseExclusion.objects.unscoped("exclusions of the survey held")
        .filter(survey=survey.on_site)
        .select_related("decided_by")
        .prefetch_related("responses")
    )
