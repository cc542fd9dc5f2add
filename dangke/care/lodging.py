"""Beds and meals for those who come to a class: no bed is given twice for a night, the
organiser sees who still needs a bed, and the canteen gets its counts per day and meal."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.care.access import CareError, may_run_care
from dangke.care.models import Bed, ClassNeeds, Diet, Stay, StayStatus
from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.training.models import EnrollmentStatus

MEALS = (
    ("breakfast", gettext_lazy("早餐")),
    ("lunch", gettext_lazy("午餐")),
    ("dinner", gettext_lazy("晚餐")),
)


def _overlapping(queryset, check_in, check_out):
    return queryset.filter(status=StayStatus.BOOKED, check_in__lt=check_out, check_out__gt=check_in)


@transaction.atomic
def assign_stay(
    *, scope, actor, bed: Bed, teacher, check_in, check_out, purpose, training_class=None
) -> Stay:
    """Give `bed` to `teacher` for the nights from `check_in` to the night before
    `check_out`; refused when the bed or the teacher already has a stay on one of them."""
    if not may_run_care(scope, bed.apartment.region_id):
        raise PermissionDenied(_("只有管理员或培训主办方可以安排住宿"))
    if check_out <= check_in:
        raise CareError(_("退房日期须晚于入住日期（至少住一晚）"))
    Bed.objects.select_for_update().filter(pk=bed.pk).first()
    taken = _overlapping(bed.stays.all(), check_in, check_out).select_related("teacher").first()
    if taken is not None:
        raise CareError(
            _("%(bed)s 在 %(a)s～%(b)s 已安排给 %(who)s，同一床位一晚只能安排一人")
            % {"bed": bed, "a": taken.check_in, "b": taken.check_out, "who": taken.teacher.name}
        )
    own = _overlapping(Stay.objects.filter(teacher=teacher), check_in, check_out).first()
    if own is not None:
        raise CareError(
            _("%(who)s 在 %(a)s～%(b)s 已有住宿安排（%(bed)s）")
            % {"who": teacher.name, "a": own.check_in, "b": own.check_out, "bed": own.bed}
        )
    stay = Stay.objects.create(
        bed=bed,
        teacher=teacher,
        purpose=purpose,
        training_class=training_class,
        check_in=check_in,
        check_out=check_out,
    )
    record_audit(stay, actor=actor, action=AuditEntry.Action.CREATE, to_value=str(stay))
    return stay


@transaction.atomic
def cancel_stay(*, scope, actor, stay: Stay) -> None:
    if not may_run_care(scope, stay.region_id):
        raise PermissionDenied(_("只有管理员或培训主办方可以取消住宿"))
    if stay.status != StayStatus.BOOKED:
        raise CareError(_("该住宿已经取消"))
    Stay.objects.unscoped("the stay fetched in scope").filter(pk=stay.pk).update(
        status=StayStatus.CANCELLED
    )
    record_audit(
        stay,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        field="status",
        from_value=StayStatus.BOOKED.label,
        to_value=StayStatus.CANCELLED.label,
    )


def free_beds(beds, check_in, check_out):
    busy = _overlapping(Stay.objects.all(), check_in, check_out).values("bed_id")
    return beds.exclude(pk__in=busy)


def set_needs(*, enrollment, needs_bed: bool, diet: str, diet_note: str) -> ClassNeeds:
    """The participant's own answer (the views check it is theirs)."""
    if diet not in Diet.values:
        raise CareError(_("请选择有效的饮食要求"))
    needs, _created = ClassNeeds.objects.unscoped(
        "the participant's own enrolment"
    ).update_or_create(
        enrollment=enrollment,
        defaults={"needs_bed": needs_bed, "diet": diet, "diet_note": diet_note.strip()},
    )
    return needs


def _participants(training_class):
    return training_class.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN).select_related(
        "teacher"
    )


def still_need_bed(training_class) -> list:
    """Participants who asked for a bed and have no stay over the class's first night."""
    asked = (
        ClassNeeds.objects.unscoped("needs of a class fetched in scope")
        .filter(enrollment__training_class=training_class, needs_bed=True)
        .exclude(enrollment__status=EnrollmentStatus.WITHDRAWN)
    )
    housed = set(
        _overlapping(
            Stay.objects.unscoped("a bed booked by any office counts"),
            training_class.starts_on,
            max(training_class.ends_on, training_class.starts_on + datetime.timedelta(days=1)),
        ).values_list("teacher_id", flat=True)
    )
    return [
        needs.enrollment
        for needs in asked.select_related("enrollment__teacher").order_by("enrollment_id")
        if needs.enrollment.teacher_id not in housed
    ]


def meal_counts(training_class, today: datetime.date | None = None) -> list[dict]:
    """The 工作餐 per day and meal. Lunch: every participant — or, for a day already past
    with sign-ins recorded, those who signed in to a module that day. Breakfast: those who
    slept in an apartment the night before; dinner: those who sleep there that night
    (stays of the class). Each count split by diet, with the notes participants gave."""
    today = today or timezone.localdate()
    enrollments = list(_participants(training_class))
    needs = {
        n.enrollment_id: n
        for n in ClassNeeds.objects.unscoped("needs of a class fetched in scope").filter(
            enrollment__training_class=training_class
        )
    }
    by_teacher = {e.teacher_id: e for e in enrollments if e.teacher_id}
    stays = list(
        Stay.objects.unscoped("stays of the class's participants").filter(
            status=StayStatus.BOOKED,
            teacher_id__in=list(by_teacher),
            check_in__lte=training_class.ends_on,
            check_out__gte=training_class.starts_on,
        )
    )
    signed_in: dict[datetime.date, set[int]] = {}
    from dangke.training.models import ModuleChoice

    for choice in (
        ModuleChoice.objects.unscoped("sign-ins of a class fetched in scope")
        .filter(
            module__training_class=training_class, attended=True, module__starts_at__isnull=False
        )
        .select_related("module")
    ):
        day = timezone.localtime(choice.module.starts_at).date()
        signed_in.setdefault(day, set()).add(choice.enrollment_id)

    def sleeping(night: datetime.date) -> list:
        return [by_teacher[s.teacher_id] for s in stays if s.check_in <= night < s.check_out]

    rows = []
    day = training_class.starts_on
    while day <= training_class.ends_on:
        if day < today and day in signed_in:
            lunch = [e for e in enrollments if e.pk in signed_in[day]]
        else:
            lunch = enrollments
        for meal, label in MEALS:
            eaters = {
                "breakfast": sleeping(day - datetime.timedelta(days=1)),
                "lunch": lunch,
                "dinner": sleeping(day),
            }[meal]
            diets = [needs.get(e.pk) for e in eaters]
            rows.append(
                {
                    "day": day,
                    "meal": meal,
                    "meal_label": str(label),
                    "total": len(eaters),
                    "halal": sum(1 for n in diets if n and n.diet == Diet.HALAL),
                    "vegetarian": sum(1 for n in diets if n and n.diet == Diet.VEGETARIAN),
                    "notes": "；".join(
                        f"{e.name}：{n.diet_note}"
                        for e, n in zip(eaters, diets, strict=True)
                        if n and n.diet_note
                    ),
                }
            )
        day += datetime.timedelta(days=1)
    return rows
