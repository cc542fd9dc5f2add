"""Quotas, the annual review and the 能者进、庸者退 lifecycle of the teacher pool.

The annual review is computed from the data, never typed in: lessons given (已授课) and
their hours, campaigns joined, the teacher's score with its n and interval (from
`dangke.evaluation.scores.teacher_year_results`), training attended (the training app)
and contest results (a hook for the contests app). Rules of the owning region propose
status changes, each with the figures and the rule behind it; only the office's decision
(`decide_proposal`) changes a teacher's status, through `core.services.change_status`,
so every change is audited.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, F, FloatField, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.core.calendar import year_bounds
from dangke.core.models import AuditEntry
from dangke.core.services import change_status, notify, record_audit
from dangke.core.status import StatusTransitionError
from dangke.faculty.models import (
    POOL_STATUSES,
    AnnualReview,
    LifecycleRule,
    ProposalKind,
    ProposalStatus,
    Quota,
    StatusProposal,
    Teacher,
    TeacherStatus,
    TrialLecture,
)

IN_POOL = POOL_STATUSES


class LifecycleError(StatusTransitionError):
    """A lifecycle action that cannot go ahead (the message says why, in Chinese)."""


# --- periods ----------------------------------------------------------------------------------


def elapsed_share(year: int, today: datetime.date) -> float:
    """How much of `year` has passed on `today` (0 before it, 1 after it)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    return (today - start).days / (end - start).days


# --- quotas and rules -------------------------------------------------------------------------


def _prefixes(code: str) -> list[str]:
    """The region and the regions above it, by code (GB/T 2260: 2, 4, 6, 9, 12 digits)."""
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


def quotas_by_key(year: int) -> dict[tuple[str, str], Quota]:
    return {
        (q.region_id, q.level): q
        for q in Quota.objects.unscoped("quotas are rules read along a region chain").filter(
            year=year
        )
    }


def quota_for(teacher: Teacher, year: int, quotas: dict | None = None) -> Quota | None:
    """The quota of the nearest region at or above the teacher's that set one for their
    level (a county's own quota overrides the city's)."""
    quotas = quotas_by_key(year) if quotas is None else quotas
    for code in reversed(_prefixes(teacher.region_id)):
        if (code, teacher.level) in quotas:
            return quotas[(code, teacher.level)]
    return None


def rule_for(region_code: str, year: int) -> LifecycleRule | None:
    rules = {
        r.region_id: r
        for r in LifecycleRule.objects.unscoped("rules along the region chain").filter(year=year)
    }
    for code in reversed(_prefixes(region_code)):
        if code in rules:
            return rules[code]
    return None


@transaction.atomic
def set_quota(*, scope, actor, region, year: int, level: str, **targets) -> Quota:
    """Create or change the region's quota for a level and year (audited)."""
    if not scope.manages_region(region.code):
        raise LifecycleError(_("只能为本人管辖的区划设置考核指标"))
    quota, created = Quota.objects.update_or_create(
        region=region, year=year, level=level, defaults=targets
    )
    summary = _("场次≥%(l)s，时长≥%(h)s 小时，得分≥%(s)s（答卷≥%(n)s），培训≥%(t)s") % {
        "l": quota.min_lessons,
        "h": quota.min_hours,
        "s": quota.min_score,
        "n": quota.min_responses,
        "t": quota.min_trainings,
    }
    record_audit(
        quota,
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        to_value=summary,
    )
    return quota


@transaction.atomic
def set_rule(*, scope, actor, region, year: int, **settings) -> LifecycleRule:
    if not scope.manages_region(region.code):
        raise LifecycleError(_("只能为本人管辖的区划设置规则"))
    rule, created = LifecycleRule.objects.update_or_create(
        region=region, year=year, defaults=settings
    )
    record_audit(
        rule,
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        to_value=describe_rule(rule),
    )
    return rule


def describe_rule(rule: LifecycleRule) -> str:
    return _(
        "%(m)s 月起进度低于应完成的 %(p)s%% 预警；年度未达标整改 %(d)s 天；"
        "连续 %(f)s 年未达标退出；试讲 %(t)s 分以上入库"
    ) % {
        "m": rule.warn_from_month,
        "p": f"{float(rule.warn_below_share) * 100:g}",
        "d": rule.rectify_days,
        "f": rule.exit_after_failures,
        "t": rule.trial_min_score,
    }


# --- figures ----------------------------------------------------------------------------------


def lesson_figures(
    teacher_ids, year: int, upto: datetime.datetime | None = None, *, campaigns: bool = True
) -> dict:
    """Lessons given (已授课) in the year, their hours and (unless `campaigns=False`) the
    campaigns they belonged to, per teacher, in one query. `teacher_ids`: ids, or a
    subquery of the teachers (a scope's whole pool)."""
    from dangke.delivery.models import Lesson, LessonStatus

    start, end = year_bounds(year)
    if upto is not None:
        end = min(end, upto)
    window = {"status": LessonStatus.DELIVERED, "starts_at__gte": start, "starts_at__lt": end}
    through = Lesson.teachers.through.objects
    if isinstance(teacher_ids, QuerySet):
        # A pool read whole (a province's 10,962 teachers): one join of the pairs with the
        # year's lessons, hashed, instead of the lessons twice (issue #18, EXPLAIN ANALYZE).
        through = through.filter(
            teacher_id__in=teacher_ids, **{f"lesson__{key}": v for key, v in window.items()}
        )
        wanted = None
    else:
        through = through.filter(lesson__in=Lesson.objects.filter(**window).values("pk"))
        wanted = set(teacher_ids)
        # The lessons by subquery: joined with a long teacher list SQLite picks a slow plan.
        # PostgreSQL takes the list and so reads only these teachers' lessons, not the whole
        # province's year (issue #18: 1.2 s → 0.2 s for a county of a 20× city).
        if len(wanted) <= 50 or connection.vendor == "postgresql":
            through = through.filter(teacher_id__in=wanted)
    # A teacher is on a lesson once (the pair is unique): the distinct count is only needed
    # where the lessons were not joined one to one.
    aggregates = {
        "n": Count("lesson_id", distinct=wanted is not None),
        "minutes": Sum("lesson__duration_minutes"),
    }
    if campaigns:
        aggregates["campaigns"] = Count("lesson__campaign_id", distinct=True)
    rows = through.values("teacher_id").annotate(**aggregates)
    figures = {}
    for row in rows.order_by():
        if wanted is None or row["teacher_id"] in wanted:
            figures[row["teacher_id"]] = {
                "lessons": row["n"],
                "hours": round((row["minutes"] or 0) / 60, 1),
            }
            if campaigns:
                figures[row["teacher_id"]]["campaigns"] = row["campaigns"]
    return figures


EMPTY_SCORE = {
    "score": None,
    "ci95": None,
    "n_responses": 0,
    "lessons_published": 0,
    "lessons_evaluated": 0,
}


def score_figures(teachers, year: int) -> dict:
    """Each teacher's score for the year with n and interval, through evaluation's own
    `teacher_year_results`; teachers without an on-site survey in the year are not asked."""
    from dangke.evaluation.models import Survey, SurveyKind
    from dangke.evaluation.scores import teachers_year_results

    start, end = year_bounds(year)
    surveyed = set(
        Survey.objects.unscoped("surveys of teachers in scope")
        .filter(
            kind=SurveyKind.ON_SITE,
            lesson__starts_at__gte=start,
            lesson__starts_at__lt=end,
            lesson__teachers__in=[t.pk for t in teachers],
        )
        .values_list("lesson__teachers", flat=True)
    )
    results = teachers_year_results([t for t in teachers if t.pk in surveyed], year)
    return {t.pk: results[t.pk] if t.pk in surveyed else dict(EMPTY_SCORE) for t in teachers}


def training_figures(teacher_ids, year: int) -> dict[int, int]:
    """Training classes completed in the year, per teacher (the training app)."""
    from dangke.training.services import trainings_completed_by_teacher

    return trainings_completed_by_teacher(teacher_ids, year)


def further_study_figures(teacher_ids, year: int) -> dict[int, int]:
    """Further study and higher-level training in the teachers' development records."""
    from dangke.faculty.development import further_study_figures as counted

    return counted(teacher_ids, year)


def contest_results_hook(teacher_ids, year: int) -> dict[int, list]:
    """Contest results per teacher for the year. The contests app is built in parallel:
    when it offers `dangke.contests.services.teacher_contest_results(teacher_ids, year)`
    (returning {teacher_id: [{"contest", "entry", "rank", "award"}]}) they are used; until
    then every teacher has none. Results are shown in the review, not judged by quota."""
    try:
        from dangke.contests.services import teacher_contest_results
    except ImportError:
        return {}
    return teacher_contest_results(list(teacher_ids), year)


@dataclass
class Judgement:
    passed: bool | None
    shortfalls: list[str]


def judge(figures: dict, quota: Quota | None) -> Judgement:
    """Does a year's figures reach the quota? A score with fewer responses than the quota
    asks is not judged (样本不足) — only lessons, hours and training are."""
    if quota is None:
        return Judgement(None, [])
    short = []
    if figures["lessons"] < quota.min_lessons:
        short.append(
            _("授课 %(n)s 场，少于 %(m)s 场") % {"n": figures["lessons"], "m": quota.min_lessons}
        )
    if Decimal(str(figures["hours"])) < quota.min_hours:
        short.append(
            _("授课 %(h)s 小时，少于 %(m)s 小时") % {"h": figures["hours"], "m": quota.min_hours}
        )
    score = figures.get("score")
    if (
        score is not None
        and figures["n_responses"] >= quota.min_responses
        and Decimal(str(score)) < quota.min_score
    ):
        short.append(
            _("年度得分 %(s)s（%(n)s 份答卷），低于 %(m)s 分")
            % {"s": score, "n": figures["n_responses"], "m": quota.min_score}
        )
    if figures.get("further_study", 0) < quota.min_further_study:
        short.append(
            _("进修或高层次培训 %(t)s 次，少于 %(m)s 次")
            % {"t": figures.get("further_study", 0), "m": quota.min_further_study}
        )
    if figures.get("trainings", 0) < quota.min_trainings:
        short.append(
            _("参加培训 %(t)s 次，少于 %(m)s 次")
            % {"t": figures.get("trainings", 0), "m": quota.min_trainings}
        )
    return Judgement(not short, short)


def teacher_figures(teacher: Teacher, year: int, today: datetime.date | None = None) -> dict:
    """One teacher's figures for the year so far (for the teacher's own progress page)."""
    today = today or timezone.localdate()
    lessons = lesson_figures([teacher.pk], year).get(
        teacher.pk, {"lessons": 0, "hours": 0.0, "campaigns": 0}
    )
    figures = {**lessons, **score_figures([teacher], year)[teacher.pk]}
    figures["trainings"] = training_figures([teacher.pk], year).get(teacher.pk, 0)
    figures["further_study"] = further_study_figures([teacher.pk], year).get(teacher.pk, 0)
    figures["contest_results"] = contest_results_hook([teacher.pk], year).get(teacher.pk, [])
    return figures


def progress(
    teacher: Teacher, year: int, today: datetime.date | None = None, figures: dict | None = None
) -> dict:
    """The teacher's progress toward quota: each target with the value so far, the share
    reached and what the time of year would expect. `figures`: lessons, hours, campaigns
    and score already read (the profile page has them); training is added here."""
    today = today or timezone.localdate()
    quota = quota_for(teacher, year)
    if figures is None:
        figures = teacher_figures(teacher, year, today)
    else:
        figures = {
            **figures,
            "trainings": training_figures([teacher.pk], year).get(teacher.pk, 0),
            "further_study": further_study_figures([teacher.pk], year).get(teacher.pk, 0),
        }
    share = elapsed_share(year, today)
    rows = []
    if quota:
        for label, value, target in (
            (_("授课场次"), figures["lessons"], quota.min_lessons),
            (_("授课时长(小时)"), figures["hours"], float(quota.min_hours)),
            (_("参加培训"), figures["trainings"], quota.min_trainings),
            (_("进修或高层次培训"), figures.get("further_study", 0), quota.min_further_study),
        ):
            if not target:
                continue
            rows.append(
                {
                    "label": label,
                    "value": value,
                    "target": target,
                    "percent": min(100, round(100 * value / target)) if target else 100,
                    "expected": round(target * share, 1),
                    "on_track": value >= target * share,
                }
            )
    return {
        "year": year,
        "quota": quota,
        "figures": figures,
        "rows": rows,
        "elapsed_percent": round(share * 100),
        "judgement": judge(figures, quota),
    }


# --- the annual review ------------------------------------------------------------------------


def compute_reviews(
    region_code: str,
    year: int,
    *,
    actor=None,
    today: datetime.date | None = None,
    final: bool | None = None,
    teachers=None,
) -> dict:
    """Compute (or recompute) the annual review of every teacher in the pool of the region
    (candidates and exited teachers are left out). `final`: the year is closed (default:
    when the year is over); only final reviews lead to rectification or exit."""
    today = today or timezone.localdate()
    final = today.year > year if final is None else final
    if teachers is None:
        teachers = Teacher.objects.unscoped("the pool of a region the caller manages").filter(
            region__code__startswith=region_code, status__in=IN_POOL
        )
    teachers = list(teachers.select_related("region").order_by("pk"))
    ids = [t.pk for t in teachers]
    quotas = quotas_by_key(year)
    lessons = lesson_figures(ids, year)
    scores = score_figures(teachers, year)
    trainings = training_figures(ids, year)
    further_study = further_study_figures(ids, year)
    contests = contest_results_hook(ids, year)
    now = timezone.now()
    existing = {
        r.teacher_id: r
        for r in AnnualReview.objects.unscoped("reviews of the teachers held").filter(
            teacher__in=ids, year=year
        )
    }
    create, update = [], []
    counts = {"reviews": 0, "passed": 0, "failed": 0, "no_quota": 0}
    for teacher in teachers:
        figures = {
            **lessons.get(teacher.pk, {"lessons": 0, "hours": 0.0, "campaigns": 0}),
            **scores[teacher.pk],
            "trainings": trainings.get(teacher.pk, 0),
            "further_study": further_study.get(teacher.pk, 0),
        }
        quota = quota_for(teacher, year, quotas)
        verdict = judge(figures, quota)
        ci = figures["ci95"] or (None, None)
        review = existing.get(teacher.pk) or AnnualReview(teacher=teacher, year=year)
        review.region_id = teacher.region_id
        review.level = teacher.level
        review.quota = quota
        review.lessons = figures["lessons"]
        review.hours = Decimal(str(figures["hours"]))
        review.campaigns = figures["campaigns"]
        review.score = figures["score"]
        review.ci_low, review.ci_high = ci[0], ci[1]
        review.n_responses = figures["n_responses"]
        review.lessons_scored = figures["lessons_published"]
        review.trainings = figures["trainings"]
        review.further_study = figures["further_study"]
        review.contest_results = contests.get(teacher.pk, [])
        review.passed = verdict.passed
        review.shortfalls = verdict.shortfalls
        review.is_final = final
        review.computed_at = now
        (update if review.pk else create).append(review)
        counts["reviews"] += 1
        key = {True: "passed", False: "failed", None: "no_quota"}[verdict.passed]
        counts[key] += 1
    fields = [
        "region", "level", "quota", "lessons", "hours", "campaigns", "score", "ci_low",
        "ci_high", "n_responses", "lessons_scored", "trainings", "further_study",
        "contest_results", "passed", "shortfalls", "is_final", "computed_at",
    ]  # fmt: skip
    with transaction.atomic():
        AnnualReview.objects.bulk_create(create, batch_size=500)
        AnnualReview.objects.bulk_update(update, fields, batch_size=500)
    return counts


def behind(reviews):
    """Reviews below their quota (未达标): the set the review page's list, its export and
    the dashboard count. A teacher lagging the pro-rata lessons or hours is always among
    them (pro rata never asks more than the quota); `lagging` marks those."""
    return reviews.filter(passed=False)


def lagging_q(year: int, today: datetime.date) -> Q:
    """`lagging` as a filter, so a province's page counts its thousands of reviews below the
    quota in the database instead of reading each (issue #18). Same arithmetic: the quota's
    figures times the share of the year, in double precision."""
    share = Value(elapsed_share(year, today), output_field=FloatField())
    pro_rata = Q(lessons__lt=F("quota__min_lessons") * share) | Q(
        hours__lt=Cast("quota__min_hours", FloatField()) * share
    )
    final = Q(lessons__lt=F("quota__min_lessons")) | Q(hours__lt=F("quota__min_hours"))
    return Q(quota__isnull=False) & ((Q(is_final=True) & final) | (Q(is_final=False) & pro_rata))


def lagging(review, today=None) -> bool:
    """During the year: below the pro-rata share of the quota's lessons or hours; once
    final, the quota itself."""
    if review.quota is None:
        return False
    share = 1.0 if review.is_final else elapsed_share(review.year, today or timezone.localdate())
    return (
        review.lessons < review.quota.min_lessons * share
        or float(review.hours) < float(review.quota.min_hours) * share
    )


# --- proposals --------------------------------------------------------------------------------


def _open_kinds(teacher_ids) -> set[tuple[int, str]]:
    return set(
        StatusProposal.objects.unscoped("open proposals of teachers already chosen")
        .filter(teacher_id__in=teacher_ids, status=ProposalStatus.PROPOSED)
        .values_list("teacher_id", "kind")
    )


def consecutive_failures(teacher: Teacher, year: int) -> int:
    """Final reviews failed in a row, counting back from `year`."""
    outcome = dict(
        AnnualReview.objects.filter(teacher=teacher, is_final=True, year__lte=year).values_list(
            "year", "passed"
        )
    )
    count = 0
    while outcome.get(year - count) is False:
        count += 1
    return count


def _figures_of(review: AnnualReview) -> dict:
    return {
        "year": review.year,
        "lessons": review.lessons,
        "hours": float(review.hours),
        "campaigns": review.campaigns,
        "score": review.score,
        "ci95": [review.ci_low, review.ci_high] if review.ci_low is not None else None,
        "n_responses": review.n_responses,
        "trainings": review.trainings,
        "quota": {
            "lessons": review.quota.min_lessons,
            "hours": float(review.quota.min_hours),
            "score": float(review.quota.min_score),
            "min_responses": review.quota.min_responses,
            "trainings": review.quota.min_trainings,
        }
        if review.quota
        else None,
        "is_final": review.is_final,
        "computed_at": review.computed_at.isoformat(timespec="seconds"),
    }


def _propose(teacher, kind, rule, *, rule_text, reason, evidence, actor, plan="", deadline=None):
    """An unsaved proposal; `_save_proposals` writes them and their audit entries."""
    return StatusProposal(
        teacher=teacher,
        region_id=teacher.region_id,
        kind=kind,
        year=rule.year,
        rule=rule,
        rule_text=rule_text[:200],
        reason=reason,
        evidence=evidence,
        plan=plan,
        deadline=deadline,
    )


def _save_proposals(proposals: list[StatusProposal], actor) -> list[StatusProposal]:
    """Write proposals and one audit entry each, in two statements (a city proposes
    hundreds of warnings at once)."""
    from django.contrib.contenttypes.models import ContentType

    with transaction.atomic():
        StatusProposal.objects.bulk_create(proposals, batch_size=500)
        for proposal in proposals:  # as a saved row: its status is now protected
            proposal._stored_status = proposal.status
        content_type = ContentType.objects.get_for_model(StatusProposal)
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    actor=actor if getattr(actor, "is_authenticated", False) else None,
                    action=AuditEntry.Action.CREATE,
                    content_type=content_type,
                    object_id=str(p.pk),
                    object_repr=str(p)[:200],
                    to_value=str(p.get_kind_display()),
                    reason=p.reason,
                    region_code=p.region_id,
                )
                for p in proposals
            ],
            batch_size=500,
        )
    return proposals


def propose_changes(
    rule: LifecycleRule, *, actor=None, today: datetime.date | None = None, recompute=True
):
    """Apply the region's rule for its year to the pool and propose status changes, each
    with the figures and the clause that caused it. Reviews are recomputed first (unless
    `recompute` is False: they were just computed). A teacher with an open proposal of the
    same kind gets no second one."""
    today = today or timezone.localdate()
    region_code = rule.region_id
    if recompute:
        compute_reviews(region_code, rule.year, actor=actor, today=today)
    reviews = list(
        AnnualReview.objects.unscoped("reviews of the rule's region, office checked")
        .filter(region__code__startswith=region_code, year=rule.year)
        .select_related("teacher", "quota")
        .order_by("teacher__code")
    )
    open_kinds = _open_kinds([r.teacher_id for r in reviews])
    made: list[StatusProposal] = []
    share = elapsed_share(rule.year, today)
    line = float(rule.warn_below_share)
    for review in reviews:
        teacher, quota = review.teacher, review.quota
        if quota is None:
            continue
        evidence = _figures_of(review)

        def wanted(kind, teacher=teacher):
            return (teacher.pk, kind) not in open_kinds

        if review.is_final and review.passed is False:
            failures = consecutive_failures(teacher, rule.year)
            evidence["consecutive_failures"] = failures
            shortfalls = "；".join(review.shortfalls)
            if failures >= rule.exit_after_failures and wanted(ProposalKind.EXIT):
                made.append(
                    _propose(
                        teacher, ProposalKind.EXIT, rule, actor=actor, evidence=evidence,
                        rule_text=_("连续 %(f)s 年年度考核未达标的，退出师资库")
                        % {"f": rule.exit_after_failures},
                        reason=_("%(year)s 年度考核未达标（连续第 %(n)s 年）：%(why)s")
                        % {"year": rule.year, "n": failures, "why": shortfalls},
                    )
                )  # fmt: skip
            elif (
                failures < rule.exit_after_failures
                and teacher.status in (TeacherStatus.ACTIVE, TeacherStatus.WARNING)
                and wanted(ProposalKind.RECTIFY)
            ):
                made.append(
                    _propose(
                        teacher, ProposalKind.RECTIFY, rule, actor=actor, evidence=evidence,
                        rule_text=_("年度考核未达标的，限期 %(d)s 天整改")
                        % {"d": rule.rectify_days},
                        reason=_("%(year)s 年度考核未达标：%(why)s")
                        % {"year": rule.year, "why": shortfalls},
                        plan=_("补足差额：%(why)s；整改期内参加一次师资培训并接受一次现场测评")
                        % {"why": shortfalls},
                        deadline=today + datetime.timedelta(days=rule.rectify_days),
                    )
                )  # fmt: skip
            continue
        if review.is_final and review.passed and teacher.status in (
            TeacherStatus.WARNING, TeacherStatus.RECTIFYING,
        ) and wanted(ProposalKind.RESTORE):  # fmt: skip
            made.append(
                _propose(
                    teacher, ProposalKind.RESTORE, rule, actor=actor, evidence=evidence,
                    rule_text=_("预警或整改期内年度考核达标的，恢复在库"),
                    reason=_("%(year)s 年度考核达标") % {"year": rule.year},
                )
            )  # fmt: skip
            continue
        if review.is_final or today.year != rule.year or today.month < rule.warn_from_month:
            continue
        expected = quota.min_lessons * share
        expected_hours = float(quota.min_hours) * share
        evidence |= {
            "as_of": today.isoformat(),
            "expected_lessons": round(expected, 1),
            "expected_hours": round(expected_hours, 1),
        }
        far_behind = review.lessons < line * expected or float(review.hours) < line * expected_hours
        if teacher.status == TeacherStatus.ACTIVE and far_behind and wanted(ProposalKind.WARNING):
            made.append(
                _propose(
                    teacher, ProposalKind.WARNING, rule, actor=actor, evidence=evidence,
                    rule_text=_("%(m)s 月起授课进度低于应完成进度 %(p)s%% 的，年中预警")
                    % {"m": rule.warn_from_month, "p": f"{line * 100:g}"},
                    reason=_(
                        "截至 %(date)s 授课 %(n)s 场、%(h)s 小时；按全年 %(q)s 场、%(qh)s 小时"
                        "应完成 %(e)s 场、%(eh)s 小时"
                    ) % {
                        "date": today.isoformat(), "n": review.lessons, "h": review.hours,
                        "q": quota.min_lessons, "qh": quota.min_hours, "e": round(expected, 1),
                        "eh": round(expected_hours, 1),
                    },
                )
            )  # fmt: skip
        elif (
            teacher.status == TeacherStatus.WARNING
            and not far_behind
            and review.lessons >= expected
            and wanted(ProposalKind.RESTORE)
        ):
            made.append(
                _propose(
                    teacher, ProposalKind.RESTORE, rule, actor=actor, evidence=evidence,
                    rule_text=_("预警后授课进度赶上应完成进度的，解除预警"),
                    reason=_("截至 %(date)s 授课 %(n)s 场，达到应完成的 %(e)s 场")
                    % {"date": today.isoformat(), "n": review.lessons, "e": round(expected, 1)},
                )
            )  # fmt: skip
    made = _save_proposals(made, actor)
    return made + propose_admissions(rule, actor=actor, open_kinds=open_kinds)


def propose_admissions(rule: LifecycleRule, *, actor=None, open_kinds=None):
    """Candidates (候选) whose latest trial lecture reached the rule's score are proposed
    for admission (入库)."""
    candidates = list(
        Teacher.objects.unscoped("candidates of the rule's region, office checked")
        .filter(region__code__startswith=rule.region_id, status=TeacherStatus.CANDIDATE)
        .order_by("code")
    )
    if open_kinds is None:
        open_kinds = _open_kinds([t.pk for t in candidates])
    latest = {}
    for trial in (
        TrialLecture.objects.unscoped("trials of the candidates chosen above")
        .filter(teacher__in=candidates)
        .order_by("held_on", "id")
    ):
        latest[trial.teacher_id] = trial
    made = []
    for teacher in candidates:
        trial = latest.get(teacher.pk)
        if trial is None or trial.score < rule.trial_min_score:
            continue
        if (teacher.pk, ProposalKind.ADMIT) in open_kinds:
            continue
        made.append(
            _propose(
                teacher, ProposalKind.ADMIT, rule, actor=actor,
                rule_text=_("候选师资试讲得分达到 %(t)s 分的，经确认入库")
                % {"t": rule.trial_min_score},
                reason=_("%(date)s 试讲「%(topic)s」得分 %(score)s")
                % {"date": trial.held_on, "topic": trial.topic, "score": trial.score},
                evidence={"trial": {"held_on": trial.held_on.isoformat(), "topic": trial.topic,
                                    "score": float(trial.score), "remarks": trial.remarks}},
            )
        )  # fmt: skip
    return _save_proposals(made, actor)


@transaction.atomic
def decide_proposal(
    proposal: StatusProposal, *, confirm: bool, actor, scope, note: str = "", plan=None,
    deadline=None,
) -> StatusProposal:  # fmt: skip
    """The office confirms or rejects a proposal. Confirming changes the teacher's status
    (audited, with the rule and reason); a rectification keeps its plan and deadline."""
    if not scope.manages_region(proposal.region_id):
        raise PermissionDenied(_("只有师资所在区划的管理员可以确认状态变更"))
    proposal = (
        StatusProposal.objects.unscoped("re-read under lock: the proposal held")
        .select_for_update()
        .get(pk=proposal.pk)
    )
    if proposal.status != ProposalStatus.PROPOSED:
        raise LifecycleError(_("该提议已处理"))
    note = (note or "").strip()
    if not confirm and not note:
        raise LifecycleError(_("驳回须填写意见"))
    teacher = proposal.teacher
    if confirm:
        if not teacher.can_change_status_to(proposal.target_status):
            raise LifecycleError(
                _("师资当前为「%(s)s」，不能执行「%(k)s」")
                % {"s": teacher.get_status_display(), "k": proposal.get_kind_display()}
            )
        if plan is not None:
            proposal.plan = plan
        if deadline is not None:
            proposal.deadline = deadline
        if proposal.kind == ProposalKind.RECTIFY and not (proposal.plan and proposal.deadline):
            raise LifecycleError(_("整改须有整改计划和期限"))
        reason = _("%(rule)s。%(reason)s") % {"rule": proposal.rule_text, "reason": proposal.reason}
        if note:
            reason += _("（确认意见：%(note)s）") % {"note": note}
        change_status(teacher, proposal.target_status, actor=actor, reason=reason)
        if proposal.kind == ProposalKind.ADMIT and not teacher.joined_on:
            Teacher.objects.filter(pk=teacher.pk).update(joined_on=timezone.localdate())
    proposal.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.save(update_fields=["plan", "deadline", "decided_by", "decided_at", "decision_note"])
    change_status(
        proposal,
        ProposalStatus.CONFIRMED if confirm else ProposalStatus.REJECTED,
        actor=actor,
        reason=note or _("确认"),
    )
    if confirm and teacher.user_id:
        message = _("您的师资状态已变更为「%(s)s」：%(r)s") % {
            "s": teacher.get_status_display(),
            "r": proposal.reason,
        }
        if proposal.kind == ProposalKind.RECTIFY:
            message += _("；整改期限 %(d)s") % {"d": proposal.deadline}
        notify([teacher.user], message, reverse("faculty:mine"))
    return proposal


# --- the office's own decisions: one door per edge ---------------------------------------------
# Every edge of Teacher.STATUS_TRANSITIONS and how it is taken. An office's direct decision is
# a proposal confirmed at once, so it meets the same conditions as a rule's (a rectification
# needs its plan and deadline), changes the status through the same function and leaves the
# same trail; only a former teacher's return as a candidate is a plain audited change.
EDGE_KINDS = {
    (TeacherStatus.CANDIDATE, TeacherStatus.ACTIVE): ProposalKind.ADMIT,
    (TeacherStatus.CANDIDATE, TeacherStatus.EXITED): ProposalKind.EXIT,
    (TeacherStatus.ACTIVE, TeacherStatus.WARNING): ProposalKind.WARNING,
    (TeacherStatus.ACTIVE, TeacherStatus.RECTIFYING): ProposalKind.RECTIFY,
    (TeacherStatus.ACTIVE, TeacherStatus.EXITED): ProposalKind.EXIT,
    (TeacherStatus.WARNING, TeacherStatus.ACTIVE): ProposalKind.RESTORE,
    (TeacherStatus.WARNING, TeacherStatus.RECTIFYING): ProposalKind.RECTIFY,
    (TeacherStatus.WARNING, TeacherStatus.EXITED): ProposalKind.EXIT,
    (TeacherStatus.RECTIFYING, TeacherStatus.ACTIVE): ProposalKind.RESTORE,
    (TeacherStatus.RECTIFYING, TeacherStatus.EXITED): ProposalKind.EXIT,
}
RETURN_AS_CANDIDATE = (TeacherStatus.EXITED, TeacherStatus.CANDIDATE)


@transaction.atomic
def decide_status(
    teacher: Teacher, target: str, *, scope, actor, reason: str, plan: str = "", deadline=None
) -> StatusProposal | None:
    """The office moves a teacher to `target` by its own decision, with a reason (and, for
    整改, a plan and a deadline). Returns the confirmed proposal that records it."""
    if not scope.manages_region(teacher.region_id):
        raise PermissionDenied(_("只有师资所在区划的管理员可以变更师资状态"))
    teacher = (
        Teacher.objects.unscoped("re-read under lock: the teacher held")
        .select_for_update()
        .get(pk=teacher.pk)
    )
    edge = (teacher.status, target)
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError(_("请填写变更原因"))
    if edge == RETURN_AS_CANDIDATE:
        change_status(teacher, target, actor=actor, reason=reason)
        return None
    kind = EDGE_KINDS.get(edge)
    if kind is None:
        raise LifecycleError(
            _("师资当前为「%(s)s」，不能变更为「%(t)s」")
            % {"s": teacher.get_status_display(), "t": TeacherStatus(target).label}
        )
    if kind == ProposalKind.RECTIFY and not (plan.strip() and deadline):
        raise LifecycleError(_("整改须有整改计划和期限"))
    proposal = StatusProposal.objects.create(
        teacher=teacher, region_id=teacher.region_id, kind=kind,
        year=timezone.localdate().year, rule=None, rule_text=_("管理员直接决定"),
        reason=reason, plan=plan.strip(), deadline=deadline,
    )  # fmt: skip
    record_audit(proposal, actor=actor, action=AuditEntry.Action.CREATE,
                 to_value=proposal.get_kind_display(), reason=reason)  # fmt: skip
    return decide_proposal(proposal, confirm=True, actor=actor, scope=scope)


@transaction.atomic
def record_trial(teacher: Teacher, *, scope, actor, held_on, topic: str, score, remarks=""):
    """Record a candidate's trial lecture (试讲)."""
    if not scope.manages_region(teacher.region_id):
        raise PermissionDenied(_("只有师资所在区划的管理员可以登记试讲"))
    if teacher.status != TeacherStatus.CANDIDATE:
        raise LifecycleError(_("只有候选师资需要试讲"))
    trial = TrialLecture.objects.create(
        teacher=teacher, region_id=teacher.region_id, held_on=held_on, topic=topic,
        score=score, remarks=remarks,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    record_audit(trial, actor=actor, action=AuditEntry.Action.CREATE, to_value=f"{score}")
    return trial


# --- the pool: gaps and candidates ------------------------------------------------------------


def pool_gaps(region_code: str, year: int) -> dict:
    """Teachers in the pool by county and category against the demand of the year's
    orders: a category needs ⌈orders ÷ the county quota's lessons⌉ teachers. Candidates
    are listed with the categories they would fill."""
    from dangke.courses.categories import CourseCategory
    from dangke.delivery.models import CourseOrder
    from dangke.faculty.models import TeacherSpecialty
    from dangke.regions.models import Region, RegionLevel

    counties = list(
        Region.objects.unscoped("counties of a region the caller manages")
        .filter(code__startswith=region_code, level=RegionLevel.COUNTY)
        .order_by("code")
    )
    if not counties:
        counties = list(Region.objects.filter(code=region_code))
    quotas = quotas_by_key(year)
    start, end = year_bounds(year)
    supply = {}
    for row in (
        TeacherSpecialty.objects.filter(
            teacher__region__code__startswith=region_code, teacher__status__in=IN_POOL
        )
        .values_list("teacher__region_id", "category")
        .annotate(n=Count("teacher_id", distinct=True))
        .order_by()
    ):
        key = (row[0][:6], row[1])
        supply[key] = supply.get(key, 0) + row[2]
    demand = {}
    for row in (
        CourseOrder.objects.unscoped("order counts of a region the caller manages")
        .filter(region__code__startswith=region_code, created_at__gte=start, created_at__lt=end)
        .exclude(status="withdrawn")
        .values_list("region_id", "category")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = (row[0][:6], row[1])
        demand[key] = demand.get(key, 0) + row[2]
    rows, gaps = [], {}
    for county in counties:
        quota = None
        for code in reversed(_prefixes(county.code)):
            quota = quotas.get((code, "county"))
            if quota:
                break
        per_teacher = quota.min_lessons if quota and quota.min_lessons else 6
        cells = []
        for category in CourseCategory:
            have = supply.get((county.code[:6], category.value), 0)
            orders = demand.get((county.code[:6], category.value), 0)
            need = math.ceil(orders / per_teacher)
            gap = max(0, need - have)
            cells.append({"category": category.label, "have": have, "orders": orders,
                          "need": need, "gap": gap})  # fmt: skip
            if gap:
                gaps[category.value] = gaps.get(category.value, 0) + gap
        rows.append({"county": county, "cells": cells, "gap": sum(c["gap"] for c in cells)})
    candidates = list(
        Teacher.objects.unscoped("candidates of a region the caller manages")
        .filter(region__code__startswith=region_code, status=TeacherStatus.CANDIDATE)
        .select_related("region")
        .prefetch_related("specialties", "trial_lectures")
        .order_by("region_id", "code")
    )
    for teacher in candidates:
        categories = {s.category for s in teacher.specialties.all()}
        teacher.fills = [CourseCategory(c).label for c in sorted(categories) if gaps.get(c)]
        trials = sorted(teacher.trial_lectures.all(), key=lambda t: (t.held_on, t.pk))
        teacher.last_trial = trials[-1] if trials else None
    candidates.sort(key=lambda t: (-len(t.fills), t.region_id, t.code))
    return {
        "categories": [c.label for c in CourseCategory],
        "rows": rows,
        "gaps": {CourseCategory(k).label: v for k, v in gaps.items()},
        "candidates": candidates,
    }


def career(teacher: Teacher, years: list[int]) -> dict:
    """Lessons, hours and score (with interval and n) per year, for the profile page; the
    last year's figures as `teacher_figures` gives them (for the progress panel)."""
    from dangke.delivery.models import Lesson, LessonStatus
    from dangke.evaluation.models import Survey, SurveyKind
    from dangke.evaluation.scores import teacher_year_results

    start, end = year_bounds(min(years))[0], year_bounds(max(years))[1]
    given = Lesson.objects.unscoped("the teacher held").filter(
        teachers=teacher, status=LessonStatus.DELIVERED, starts_at__gte=start, starts_at__lt=end
    )
    per_year = {y: {"lessons": 0, "minutes": 0, "campaigns": set()} for y in years}
    categories: dict[str, int] = {}
    for starts_at, minutes, campaign, category in given.values_list(
        "starts_at", "duration_minutes", "campaign_id", "course__category"
    ):
        row = per_year.get(timezone.localtime(starts_at).year)
        if row is None:
            continue
        row["lessons"] += 1
        row["minutes"] += minutes
        if campaign:
            row["campaigns"].add(campaign)
        categories[category] = categories.get(category, 0) + 1
    surveyed = {
        timezone.localtime(when).year
        for when in Survey.objects.unscoped("the teacher held").filter(
            kind=SurveyKind.ON_SITE, lesson__teachers=teacher, lesson__starts_at__gte=start,
            lesson__starts_at__lt=end,
        ).values_list("lesson__starts_at", flat=True)
    }  # fmt: skip
    rows = []
    for year in years:
        score = teacher_year_results(teacher, year) if year in surveyed else dict(EMPTY_SCORE)
        row = per_year[year]
        rows.append(
            {
                "year": year,
                "lessons": row["lessons"],
                "hours": round(row["minutes"] / 60, 1),
                "campaigns": len(row["campaigns"]),
                "score": score["score"],
                "ci95": score["ci95"],
                "n": score["n_responses"],
                "figures": {
                    "lessons": row["lessons"],
                    "hours": round(row["minutes"] / 60, 1),
                    "campaigns": len(row["campaigns"]),
                    **score,
                },
            }
        )
    return {
        "years": rows,
        "categories": sorted(categories.items(), key=lambda item: -item[1]),
        "current": rows[-1]["figures"],
    }


def review_counts(reviews) -> dict:
    counts = reviews.aggregate(
        n_total=Count("pk"),
        n_passed=Count("pk", filter=Q(passed=True)),
        n_failed=Count("pk", filter=Q(passed=False)),
        n_no_quota=Count("pk", filter=Q(passed__isnull=True)),
    )
    return {key[2:]: value for key, value in counts.items()}
