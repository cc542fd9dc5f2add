"""What scores lead to (课后反馈调整): rectification orders, re-evaluation after the
deadline, take-down, and proposals for the excellent library. Each consequence keeps the
scores and the rule that caused it, and is audited."""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.accounts.models import Role, RoleAssignment
from dangke.core.models import AuditEntry
from dangke.core.services import change_status, notify, record_audit
from dangke.courses.models import Course, CourseStatus, ExcellentDesignation
from dangke.evaluation.models import (
    ExcellentProposal,
    FeedbackRule,
    ProposalStatus,
    Rectification,
    RectificationStatus,
)
from dangke.evaluation.scores import aggregate, course_score, lesson_surveys


@transaction.atomic
def save_rule(rule: FeedbackRule, *, actor) -> FeedbackRule:
    """Save the office's feedback rule (its thresholds decide rectifications and 精品
    proposals), audited with each threshold's old and new value."""
    stored = (
        FeedbackRule.objects.unscoped("the rule being saved, before the change")
        .filter(pk=rule.pk)
        .first()
        if rule.pk
        else None
    )
    changes = []
    for name in RULE_FIELDS:
        field = FeedbackRule._meta.get_field(name)
        old = getattr(stored, name) if stored else ""
        new = getattr(rule, name)
        if stored is None or old != new:
            changes.append({"label": str(field.verbose_name), "from": str(old), "to": str(new)})
    rule.save()
    if changes:
        record_audit(
            rule, actor=actor,
            action=AuditEntry.Action.UPDATE if stored else AuditEntry.Action.CREATE,
            reason=_("设置反馈调整规则"), changes=changes,
        )  # fmt: skip
    return rule


RULE_FIELDS = (
    "min_responses", "rectify_below", "rectify_bottom_share", "rectify_days",
    "excellent_from", "excellent_min_lessons",
)  # fmt: skip


def evidence_of(summary: dict) -> dict:
    """The figures a consequence rests on, as they were at the time."""
    return {
        "score": summary["score"],
        "ci95": summary["ci95"],
        "n_responses": summary["n_responses"],
        "n_lessons": summary["n_lessons"],
        "computed_at": timezone.now().isoformat(timespec="seconds"),
    }


def _people_of(course: Course) -> list:
    users = [teacher.user for teacher in course.teachers.all() if teacher.user_id]
    if course.teaching_group_id:
        users += [
            a.user
            for a in RoleAssignment.objects.filter(
                role=Role.GROUP_LEADER, teaching_group_id=course.teaching_group_id, is_active=True
            ).select_related("user")
        ]
    return users


def _owner_for(course: Course, actor):
    leader = RoleAssignment.objects.filter(
        role=Role.GROUP_LEADER, teaching_group_id=course.teaching_group_id, is_active=True
    ).first()
    return leader.user if leader else actor


@transaction.atomic
def order_rectification(course, *, rule, reason: str, evidence: dict, actor, deadline=None):
    """Order a listed course to rectify: the course goes to 整改 with a deadline."""
    rectification = Rectification.objects.create(
        course=course,
        region=course.region,
        rule=rule,
        reason=reason,
        evidence=evidence,
        owner=_owner_for(course, actor),
        deadline=deadline or (timezone.localdate() + timedelta(days=rule.rectify_days)),
    )
    change_status(course, CourseStatus.RECTIFYING, actor=actor, reason=reason)
    record_audit(rectification, actor=actor, action=AuditEntry.Action.CREATE, reason=reason)
    notify(
        _people_of(course),
        _("课程「%(course)s」需整改，期限 %(deadline)s：%(reason)s")
        % {"course": course.title, "deadline": rectification.deadline, "reason": reason},
        reverse("evaluation:rectification", args=[rectification.pk]),
    )
    return rectification


def apply_rules(rule: FeedbackRule, *, actor) -> dict:
    """Apply a region's rule for its year to the listed courses of the region: those below
    the line or in the bottom share are ordered to rectify, high scorers proposed as 精品.
    Courses with too few responses are left alone. Returns what was done."""
    courses = (
        Course.objects.unscoped("the courses under the rule's region")
        .filter(region__code__startswith=rule.region_id, status=CourseStatus.LISTED)
        .prefetch_related("teachers")
    )
    scored = []
    for course in courses:
        summary = course_score(course, rule.year)
        if summary["score"] is not None and summary["n_responses"] >= rule.min_responses:
            scored.append((course, summary))
    scored.sort(key=lambda item: (item[1]["score_exact"], item[0].code))
    bottom = math.ceil(float(rule.rectify_bottom_share) * len(scored)) if scored else 0
    rectified, proposed = [], []
    for rank, (course, summary) in enumerate(scored):
        reasons = []
        if summary["score_exact"] < float(rule.rectify_below):
            reasons.append(
                _("%(year)s 年度得分 %(score)s，低于整改分数线 %(line)s")
                % {"year": rule.year, "score": summary["score"], "line": rule.rectify_below}
            )
        elif rank < bottom:
            reasons.append(
                _("%(year)s 年度得分 %(score)s，列 %(total)s 门课程的末位 %(share)s%%")
                % {
                    "year": rule.year,
                    "score": summary["score"],
                    "total": len(scored),
                    "share": f"{float(rule.rectify_bottom_share) * 100:g}",
                }
            )
        if reasons and not course.rectifications.filter(status=RectificationStatus.OPEN):
            rectified.append(
                order_rectification(
                    course,
                    rule=rule,
                    reason="；".join(reasons),
                    evidence=evidence_of(summary),
                    actor=actor,
                )
            )
        elif (
            summary["score_exact"] >= float(rule.excellent_from)
            and summary["n_lessons"] >= rule.excellent_min_lessons
            and not course.excellent_years.filter(year=rule.year).exists()
            and not course.excellent_proposals.filter(year=rule.year).exists()
        ):
            proposal = ExcellentProposal.objects.create(
                course=course,
                region=course.region,
                year=rule.year,
                rule=rule,
                evidence=evidence_of(summary),
            )
            record_audit(
                proposal,
                actor=actor,
                action=AuditEntry.Action.CREATE,
                reason=_("得分 %(score)s 达到精品推荐线 %(line)s")
                % {"score": summary["score"], "line": rule.excellent_from},
            )
            proposed.append(proposal)
    return {"scored": len(scored), "rectified": rectified, "proposed": proposed}


def re_evaluation(rectification: Rectification) -> dict:
    """The course's score from lessons given since the order."""
    lessons = rectification.course.lessons.filter(starts_at__gte=rectification.created_at)
    return aggregate(lesson_surveys(lessons))


@transaction.atomic
def decide_rectification(rectification, *, passed: bool, actor, reason: str):
    """Close a rectification: passing restores the course, failing takes it down."""
    status = RectificationStatus.PASSED if passed else RectificationStatus.WITHDRAWN
    change_status(rectification, status, actor=actor, reason=reason)
    Rectification.objects.filter(pk=rectification.pk).update(resolved_at=timezone.now())
    course = rectification.course
    change_status(
        course,
        CourseStatus.LISTED if passed else CourseStatus.WITHDRAWN,
        actor=actor,
        reason=reason,
    )
    notify(
        _people_of(course),
        (_("课程「%(course)s」整改复评通过，已恢复上架") if passed else
         _("课程「%(course)s」整改复评未通过，已下架")) % {"course": course.title},
        reverse("evaluation:rectification", args=[rectification.pk]),
    )  # fmt: skip
    return rectification


def review_due_rectifications(*, actor=None, today=None) -> dict:
    """Re-evaluate every open rectification past its deadline. A published score at or
    above the rule's line passes; below it fails. Without a published score since the
    order there is nothing to judge: the rectification stays open for the office."""
    today = today or timezone.localdate()
    outcome = {"passed": 0, "withdrawn": 0, "undecided": 0}
    for rectification in (
        Rectification.objects.unscoped("every rectification past its deadline")
        .filter(status=RectificationStatus.OPEN, deadline__lt=today)
        .select_related("course", "rule")
    ):
        summary = re_evaluation(rectification)
        Rectification.objects.unscoped("the rectification under review").filter(
            pk=rectification.pk
        ).update(review=evidence_of(summary))
        line = float(rectification.rule.rectify_below) if rectification.rule else 0.0
        if summary["score"] is None:
            outcome["undecided"] += 1
            continue
        passed = summary["score_exact"] >= line
        reason = _("期限后复评得分 %(score)s（%(n)s 份答卷），%(verdict)s分数线 %(line)s") % {
            "score": summary["score"],
            "n": summary["n_responses"],
            "verdict": _("达到") if passed else _("低于"),
            "line": f"{line:g}",
        }
        decide_rectification(rectification, passed=passed, actor=actor, reason=reason)
        outcome["passed" if passed else "withdrawn"] += 1
    return outcome


@transaction.atomic
def decide_proposal(proposal: ExcellentProposal, *, accept: bool, actor, reason: str):
    status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
    change_status(proposal, status, actor=actor, reason=reason)
    if accept:
        designation, _created = ExcellentDesignation.objects.get_or_create(
            course=proposal.course,
            year=proposal.year,
            defaults={"reason": reason[:200], "granted_by": actor},
        )
        record_audit(designation, actor=actor, action=AuditEntry.Action.CREATE, reason=reason)
    return proposal
