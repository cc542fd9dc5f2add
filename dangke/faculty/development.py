"""青云梯 (seed 004): a teacher's development plan and the steps taken on it — further study,
higher-level training, titles, roles held. Kept by the teacher and the leader of one of
their teaching-research groups; the offices above read it (and the annual review counts
further study where the quota asks for it). Every change is audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.faculty.models import (
    FURTHER_STUDY_KINDS,
    DevelopmentKind,
    DevelopmentPlan,
    DevelopmentRecord,
    Teacher,
)
from dangke.faculty.rules import is_own_teacher


class DevelopmentError(ValidationError):
    pass


def leads_group_of(scope, teacher: Teacher) -> bool:
    """The user leads a teaching-research group the teacher belongs to."""
    if not scope.group_ids:
        return False
    return teacher.groups.filter(pk__in=scope.group_ids).exists()


def may_keep_plan(scope, teacher: Teacher) -> bool:
    """The teacher themself or their group leader: the people who make the plan."""
    return is_own_teacher(scope, teacher) or leads_group_of(scope, teacher)


def _require(scope, teacher: Teacher) -> None:
    if not may_keep_plan(scope, teacher):
        raise DevelopmentError("只有本人或所在教研组组长可以维护发展规划")


@transaction.atomic
def save_plan(
    teacher: Teacher,
    *,
    scope,
    actor,
    start_year: int,
    end_year: int,
    goals: str,
    target_title: str = "",
    target_role: str = "",
) -> DevelopmentPlan:
    _require(scope, teacher)
    if end_year < start_year:
        raise DevelopmentError("截止年度不能早于起始年度")
    if not goals.strip():
        raise DevelopmentError("请填写发展目标")
    plan = (
        DevelopmentPlan.objects.unscoped("the plan of a teacher checked above")
        .filter(teacher=teacher)
        .first()
    )
    values = {
        "start_year": start_year,
        "end_year": end_year,
        "goals": goals.strip(),
        "target_title": target_title.strip(),
        "target_role": target_role.strip(),
    }
    created = plan is None
    changes = [
        {"field": name, "from": str(getattr(plan, name, "") or ""), "to": str(value)}
        for name, value in values.items()
        if plan is None or getattr(plan, name) != value
    ]
    if plan is None:
        plan = DevelopmentPlan(teacher=teacher)
    for name, value in values.items():
        setattr(plan, name, value)
    plan.updated_by = actor
    plan.save()
    action = AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE
    record_audit(plan, actor=actor, action=action, changes=changes)
    return plan


@transaction.atomic
def add_record(
    teacher: Teacher,
    *,
    scope,
    actor,
    kind: str,
    year: int,
    title: str,
    institution: str = "",
    note: str = "",
) -> DevelopmentRecord:
    _require(scope, teacher)
    if kind not in DevelopmentKind.values:
        raise DevelopmentError(f"未知的类别「{kind}」")
    if not title.strip():
        raise DevelopmentError("请填写名称")
    record = DevelopmentRecord.objects.create(
        teacher=teacher,
        kind=kind,
        year=year,
        title=title.strip(),
        institution=institution.strip(),
        note=note.strip(),
        created_by=actor,
    )
    record_audit(record, actor=actor, action=AuditEntry.Action.CREATE, to_value=str(record))
    return record


@transaction.atomic
def delete_record(record: DevelopmentRecord, *, scope, actor) -> None:
    _require(scope, record.teacher)
    record_audit(record, actor=actor, action=AuditEntry.Action.DELETE, from_value=str(record))
    record.delete()


def further_study_figures(teacher_ids, year: int) -> dict[int, int]:
    """Further study and higher-level training recorded for `year`, per teacher: what a
    quota's `min_further_study` counts."""
    rows = (
        DevelopmentRecord.objects.unscoped("records of teachers in scope")
        .filter(teacher_id__in=list(teacher_ids), year=year, kind__in=FURTHER_STUDY_KINDS)
        .values("teacher_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["teacher_id"]: row["n"] for row in rows}
