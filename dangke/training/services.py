"""Training classes: the module menu (点餐式), enrolment, attendance, completion and the
先学后讲 sessions. All writes go through these functions; statuses through change_status."""

from __future__ import annotations

import datetime
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.accounts.models import Role
from dangke.core.models import AuditEntry
from dangke.core.services import change_status, record_audit
from dangke.training.models import (
    CascadeSession,
    ClassStatus,
    Enrollment,
    EnrollmentStatus,
    ModuleChoice,
    TrainingClass,
    TrainingModule,
)


class TrainingError(ValidationError):
    """A training action that cannot go ahead (the message says why, in Chinese)."""


# --- who may do what --------------------------------------------------------------------------


def may_run_class(scope, region_code: str) -> bool:
    """Region admins, and training organisers of the region (党校)."""
    return scope.manages_region(region_code) or (
        Role.ORGANISER in scope.roles and scope.covers_region(region_code)
    )


def is_participant(scope, enrollment: Enrollment) -> bool:
    return (enrollment.teacher_id in scope.teacher_ids) or (
        enrollment.user_id is not None and enrollment.user_id == scope.user_id
    )


def _require_runner(scope, training_class):
    if not may_run_class(scope, training_class.region_id):
        raise PermissionDenied(_("只有主办区划的管理员或培训主办方可以操作该培训班"))


# --- classes and modules ----------------------------------------------------------------------


@transaction.atomic
def create_class(*, scope, actor, region, **fields) -> TrainingClass:
    if not may_run_class(scope, region.code):
        raise TrainingError(_("只能在本人管辖的区划举办培训班"))
    training_class = TrainingClass.objects.create(
        region=region, created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )  # fmt: skip
    record_audit(training_class, actor=actor, action=AuditEntry.Action.CREATE)
    return training_class


@transaction.atomic
def add_module(training_class, *, scope, actor, **fields) -> TrainingModule:
    _require_runner(scope, training_class)
    if training_class.status not in (ClassStatus.DRAFT, ClassStatus.CHOOSING):
        raise TrainingError(_("开班后不能再增加模块"))
    module = TrainingModule.objects.create(training_class=training_class, **fields)
    record_audit(training_class, actor=actor, action=AuditEntry.Action.UPDATE,
                 to_value=_("新增模块：%(t)s") % {"t": module.topic})  # fmt: skip
    return module


@transaction.atomic
def adjust_module(
    module, *, scope, actor, capacity=None, is_offered=None, note=""
) -> TrainingModule:
    """The organiser adjusts the menu to demand: more seats, or the module not offered."""
    _require_runner(scope, module.training_class)
    if module.training_class.status not in (ClassStatus.DRAFT, ClassStatus.CHOOSING):
        raise TrainingError(_("开班后不能再调整模块"))
    changes = []
    if capacity is not None and capacity != module.capacity:
        changes.append(_("容量 %(a)s → %(b)s") % {"a": module.capacity, "b": capacity})
        module.capacity = capacity
    if is_offered is not None and is_offered != module.is_offered:
        changes.append(_("开设") if is_offered else _("不开设"))
        module.is_offered = is_offered
    module.note = (note or "")[:200]
    module.save(update_fields=["capacity", "is_offered", "note"])
    if changes:
        record_audit(module.training_class, actor=actor, action=AuditEntry.Action.UPDATE,
                     to_value=f"{module.topic}：{'，'.join(changes)}", reason=note)  # fmt: skip
    return module


def open_menu(training_class, *, scope, actor) -> TrainingClass:
    """Publish the menu: participants may pick modules until the class starts."""
    _require_runner(scope, training_class)
    if not training_class.modules.exists():
        raise TrainingError(_("请先添加培训模块"))
    change_status(training_class, ClassStatus.CHOOSING, actor=actor, reason=_("发布选课菜单"))
    return training_class


@transaction.atomic
def start_class(training_class, *, scope, actor) -> dict:
    """Fix the menu: choices of modules not offered are dropped; each offered module
    admits its first choosers up to capacity, the rest are waitlisted."""
    _require_runner(scope, training_class)
    admitted = waitlisted = dropped = 0
    for module in training_class.modules.all():
        choices = list(module.choices.order_by("chosen_at", "id"))
        if not module.is_offered:
            dropped += len(choices)
            ModuleChoice.objects.unscoped("choices of the class being started").filter(
                pk__in=[c.pk for c in choices]
            ).delete()
            continue
        keep = [c.pk for c in choices[: module.capacity]]
        rest = [c.pk for c in choices[module.capacity :]]
        ModuleChoice.objects.unscoped("choices of the module held").filter(pk__in=keep).update(
            admitted=True
        )
        ModuleChoice.objects.unscoped("choices of the module held").filter(pk__in=rest).update(
            admitted=False
        )
        admitted, waitlisted = admitted + len(keep), waitlisted + len(rest)
    reason = _("开班：录取 %(a)s 人次，候补 %(w)s 人次，未开设模块退选 %(d)s 人次") % {
        "a": admitted, "w": waitlisted, "d": dropped,
    }  # fmt: skip
    change_status(training_class, ClassStatus.RUNNING, actor=actor, reason=reason)
    return {"admitted": admitted, "waitlisted": waitlisted, "dropped": dropped}


@transaction.atomic
def complete_class(training_class, *, scope, actor) -> dict:
    """Close the class: participants who attended enough modules complete (结业)."""
    _require_runner(scope, training_class)
    attended = Counter(
        dict(
            ModuleChoice.objects.unscoped("choices of the class being started")
            .filter(enrollment__training_class=training_class, attended=True)
            .values_list("enrollment_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    now = timezone.now()
    done = [
        e.pk
        for e in training_class.enrollments.filter(status=EnrollmentStatus.ENROLLED)
        if attended[e.pk] >= training_class.modules_to_complete
    ]
    active = training_class.enrollments.filter(status=EnrollmentStatus.ENROLLED)
    completed = active.filter(pk__in=done).update(
        status=EnrollmentStatus.COMPLETED, completed_at=now
    )
    incomplete = active.exclude(pk__in=done).update(status=EnrollmentStatus.INCOMPLETE)
    change_status(
        training_class, ClassStatus.COMPLETED, actor=actor,
        reason=_("结业 %(c)s 人，未结业 %(i)s 人") % {"c": completed, "i": incomplete},
    )  # fmt: skip
    return {"completed": completed, "incomplete": incomplete}


# --- participants -----------------------------------------------------------------------------


@transaction.atomic
def enroll(training_class, *, scope, actor, teacher=None, name="", organization_name="", user=None):
    """Enrol a teacher of the pool (or a named trainee) in a class."""
    _require_runner(scope, training_class)
    if training_class.status in (ClassStatus.COMPLETED, ClassStatus.CANCELLED):
        raise TrainingError(_("该培训班已结束"))
    if teacher is not None:
        existing = training_class.enrollments.filter(teacher=teacher).first()
        if existing:
            return existing
        name = name or teacher.name
        organization_name = organization_name or teacher.employer
        user = user or teacher.user
    if not name.strip():
        raise TrainingError(_("请填写学员姓名"))
    enrollment = Enrollment.objects.create(
        training_class=training_class, teacher=teacher, user=user, name=name.strip()[:32],
        organization_name=organization_name[:120],
    )  # fmt: skip
    record_audit(training_class, actor=actor, action=AuditEntry.Action.UPDATE,
                 to_value=_("报名：%(n)s") % {"n": enrollment.name})  # fmt: skip
    return enrollment


@transaction.atomic
def choose_modules(enrollment, module_ids, *, scope) -> list[ModuleChoice]:
    """The participant picks modules from the menu (点餐), before the class starts."""
    training_class = enrollment.training_class
    if not (is_participant(scope, enrollment) or may_run_class(scope, training_class.region_id)):
        raise TrainingError(_("只能为自己选课"))
    if training_class.status != ClassStatus.CHOOSING:
        raise TrainingError(_("选课尚未开始或已截止"))
    if training_class.choose_by and timezone.localdate() > training_class.choose_by:
        raise TrainingError(_("选课已于 %(d)s 截止") % {"d": training_class.choose_by})
    wanted = set(int(pk) for pk in module_ids)
    offered = set(
        training_class.modules.filter(pk__in=wanted, is_offered=True).values_list("pk", flat=True)
    )
    if wanted - offered:
        raise TrainingError(_("所选模块不在本班菜单上"))
    if len(wanted) > training_class.max_choices:
        raise TrainingError(_("每人最多选 %(n)s 个模块") % {"n": training_class.max_choices})
    have = set(enrollment.choices.values_list("module_id", flat=True))
    enrollment.choices.exclude(module_id__in=wanted).delete()
    ModuleChoice.objects.bulk_create(
        ModuleChoice(enrollment=enrollment, module_id=pk) for pk in sorted(wanted - have)
    )
    return list(enrollment.choices.select_related("module"))


@transaction.atomic
def record_attendance(module, enrollment_ids, *, scope, actor) -> int:
    """Mark who attended a module (签到); admitted choosers only."""
    _require_runner(scope, module.training_class)
    if module.training_class.status != ClassStatus.RUNNING:
        raise TrainingError(_("只有培训中的班次可以签到"))
    ids = [int(pk) for pk in enrollment_ids]
    module.choices.update(attended=False)
    marked = module.choices.filter(enrollment_id__in=ids, admitted=True).update(attended=True)
    record_audit(module.training_class, actor=actor, action=AuditEntry.Action.UPDATE,
                 to_value=_("%(t)s 签到 %(n)s 人") % {"t": module.topic, "n": marked})  # fmt: skip
    return marked


def demand(training_class) -> list[dict]:
    """Per module: choices against capacity (the organiser's view of the menu)."""
    rows = []
    for module in training_class.modules.select_related("teacher").annotate(
        chosen=Count("choices"),
        attended_n=Count("choices", filter=Q(choices__attended=True)),
    ):
        rows.append(
            {
                "module": module,
                "chosen": module.chosen,
                "attended": module.attended_n,
                "percent": round(100 * module.chosen / module.capacity) if module.capacity else 0,
                "over": max(0, module.chosen - module.capacity),
            }
        )
    rows.sort(key=lambda row: (-row["chosen"], row["module"].pk))
    return rows


# --- 先学后讲 ---------------------------------------------------------------------------------


@transaction.atomic
def record_cascade_session(
    enrollment, *, scope, actor, course, organization, starts_at, attendees_count=0,
    duration_minutes=None, other_organizations=(),
) -> CascadeSession:  # fmt: skip
    """A trainee gives a session back home (先学后讲). It is recorded through delivery's
    `record_manual_lesson`, so it counts toward coverage and the teacher's lessons."""
    from dangke.delivery.services import record_manual_lesson

    if enrollment.teacher_id is None:
        raise TrainingError(_("该学员未关联师资档案，请先在师资库登记后再记录先学后讲"))
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise TrainingError(_("已退出的学员不能登记先学后讲"))
    lesson = record_manual_lesson(
        scope=scope, actor=actor, course=course, organization=organization,
        starts_at=starts_at, teachers=[enrollment.teacher], attendees_count=attendees_count,
        duration_minutes=duration_minutes, other_organizations=other_organizations,
    )  # fmt: skip
    return CascadeSession.objects.create(
        enrollment=enrollment, lesson=lesson, region_id=lesson.region_id
    )


# --- for other apps ---------------------------------------------------------------------------


def trainings_completed_by_teacher(teacher_ids, year: int) -> dict[int, int]:
    """Training classes completed in `year`, per teacher (for the annual review)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = (
        Enrollment.objects.unscoped("enrolments of teachers in scope")
        .filter(
            teacher_id__in=list(teacher_ids),
            status=EnrollmentStatus.COMPLETED,
            training_class__ends_on__gte=start,
            training_class__ends_on__lte=end,
        )
        .values_list("teacher_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def trainings_of_teacher(teacher) -> list:
    """The teacher's enrolments in training classes, newest first (for the profile page)."""
    return list(
        Enrollment.objects.unscoped("the teacher held")
        .filter(teacher=teacher)
        .select_related("training_class")
        .order_by("-training_class__starts_on")
    )


# --- forums and essays ------------------------------------------------------------------------


def may_take_part(scope, training_class) -> bool:
    """Participants of the class (and those who run it) may post and submit essays."""
    if may_run_class(scope, training_class.region_id):
        return True
    return training_class.enrollments.filter(
        Q(teacher_id__in=scope.teacher_ids) | Q(user_id=scope.user_id or -1)
    ).exists()


@transaction.atomic
def add_topic(training_class, *, scope, actor, title: str, guide: str = "", study_list=()):
    """The organiser sets a discussion topic with its study list (书目)."""
    from dangke.training.models import ForumTopic

    _require_runner(scope, training_class)
    books = [
        {"title": str(b.get("title", "")).strip()[:120], "author": str(b.get("author", ""))[:60],
         "note": str(b.get("note", ""))[:200]}
        for b in study_list
        if str(b.get("title", "")).strip()
    ]  # fmt: skip
    topic = ForumTopic.objects.create(
        training_class=training_class, title=title.strip()[:120], guide=guide, study_list=books,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    record_audit(training_class, actor=actor, action=AuditEntry.Action.UPDATE,
                 to_value=_("论坛话题：%(t)s") % {"t": topic.title})  # fmt: skip
    return topic


def post(topic, *, scope, user, body: str, parent=None):
    from dangke.training.models import Post

    if not may_take_part(scope, topic.training_class):
        raise PermissionDenied(_("只有本班学员可以发帖"))
    if topic.is_closed:
        raise TrainingError(_("该话题已关闭"))
    body = (body or "").strip()
    if not body:
        raise TrainingError(_("请填写内容"))
    if parent is not None and parent.topic_id != topic.pk:
        raise TrainingError(_("回复的帖子不在该话题下"))
    name = getattr(user, "display_name", "") or str(user)
    return Post.objects.create(
        topic=topic, parent=parent, author=user, author_name=name[:32], body=body[:2000]
    )


@transaction.atomic
def hide_post(post_obj, *, scope, actor, reason: str):
    """Moderation: the organiser hides a post, with a reason (audited)."""
    _require_runner(scope, post_obj.topic.training_class)
    reason = (reason or "").strip()
    if not reason:
        raise TrainingError(_("屏蔽须填写理由"))
    post_obj.is_hidden, post_obj.hidden_reason = True, reason[:200]
    post_obj.save(update_fields=["is_hidden", "hidden_reason"])
    record_audit(post_obj, actor=actor, action=AuditEntry.Action.UPDATE, field="is_hidden",
                 to_value=_("屏蔽"), reason=reason)  # fmt: skip
    return post_obj


@transaction.atomic
def submit_essay(enrollment, *, scope, title: str, body: str, essay=None):
    """A participant submits (or resubmits a returned) essay."""
    from dangke.training.models import Essay, EssayStatus

    if not is_participant(scope, enrollment):
        raise TrainingError(_("只能提交自己的心得体会"))
    if not (title or "").strip() or not (body or "").strip():
        raise TrainingError(_("请填写题目和正文"))
    if essay is None:
        return Essay.objects.create(
            enrollment=enrollment, training_class_id=enrollment.training_class_id,
            title=title.strip()[:120], body=body.strip(),
        )  # fmt: skip
    if essay.enrollment_id != enrollment.pk:
        raise TrainingError(_("只能修改自己的心得体会"))
    Essay.objects.filter(pk=essay.pk).update(title=title.strip()[:120], body=body.strip())
    change_status(
        essay, EssayStatus.SUBMITTED, actor=scope_user(enrollment), reason=_("修改后重新提交")
    )
    return essay


def scope_user(enrollment):
    return enrollment.user


@transaction.atomic
def review_essay(essay, *, scope, actor, accept: bool, note: str = ""):
    from dangke.training.models import Essay, EssayStatus

    _require_runner(scope, essay.training_class)
    if not accept and not (note or "").strip():
        raise TrainingError(_("退回须填写意见"))
    Essay.objects.unscoped("the essay fetched in scope").filter(pk=essay.pk).update(
        review_note=note, reviewed_at=timezone.now()
    )
    change_status(
        essay, EssayStatus.ACCEPTED if accept else EssayStatus.RETURNED, actor=actor,
        reason=note or _("评阅通过"),
    )  # fmt: skip
    return essay


def publish_essay(essay, *, scope, actor, reason: str = ""):
    """The best essays are published to the class (优秀心得)."""
    from dangke.training.models import EssayStatus

    _require_runner(scope, essay.training_class)
    change_status(essay, EssayStatus.PUBLISHED, actor=actor, reason=reason or _("评为优秀心得"))
    return essay
