"""Every change to orders, plans, lessons and attendance: views, the API, commands and
tasks call these functions and nothing else writes those rows.

Orders and lessons change status through `change_status` (checked transition, audit
entry); a plan run moves along `PLAN_TRANSITIONS` by compare-and-set, like an import job,
so a task that runs twice cannot plan or publish twice.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.accounts.models import Role, RoleAssignment
from dangke.accounts.scoping import Scope, scope_for_user, shared_into
from dangke.core.calendar import report_year, year_bounds
from dangke.core.models import AuditEntry
from dangke.core.services import change_status, change_statuses, record_audit
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseStatus
from dangke.delivery import rollup
from dangke.delivery.limits import PLANNED_START
from dangke.delivery.models import (
    Attendance,
    AttendanceMethod,
    Campaign,
    CourseOrder,
    DeliveryMode,
    Lesson,
    LessonSource,
    LessonStatus,
    LessonTally,
    OrderStatus,
    PlanRun,
    PlanState,
)
from dangke.delivery.planning import (
    PlanningError,
    ancestor_codes,
    assemble,
    check_horizon,
    order_pk,
)
from dangke.delivery.rules import may_manage_lesson, may_order_for, may_plan
from dangke.faculty.models import Teacher
from dangke.regions import rollup as organization_rollup
from dangke.regions.codes import COUNTY_DIGITS, within_prefixes
from engines.scheduling import ProblemError, check, greedy, load_problem, solve

logger = logging.getLogger(__name__)


class DeliveryError(ValidationError):
    """A refused change to an order, a plan or a lesson; the message says why (translated)."""


# --- orders ---------------------------------------------------------------------------------

ORDER_FIELDS = (
    "course",
    "category",
    "dates",
    "earliest",
    "latest",
    "expected_attendees",
    "venue",
    "mode",
    "notes",
    "campaign",
)


def _as_date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        raise DeliveryError(
            {field: _("%(value)s 不是有效日期（YYYY-MM-DD）") % {"value": value}}
        ) from error


def _clean_order(order: CourseOrder) -> None:
    """Normalise and check an order's fields; raise DeliveryError naming the field."""
    errors: dict[str, str] = {}
    if order.course_id:
        if order.course.status != CourseStatus.LISTED:
            errors["course"] = _("课程「%(course)s」未上架，不能点单") % {
                "course": order.course.title
            }
        order.category = order.course.category
    elif not order.category:
        errors["course"] = _("请选择课程，或至少选择课程类别")
    elif order.category not in CourseCategory.values:
        errors["category"] = _("未知的课程类别 %(category)s") % {"category": order.category}
    today = timezone.localdate()
    days = sorted({_as_date(value, "dates") for value in (order.dates or [])})
    if any(day < today for day in days):
        errors["dates"] = _("可选日期不能早于今天")
    order.dates = [day.isoformat() for day in days]
    order.earliest = _as_date(order.earliest, "earliest") if order.earliest else None
    order.latest = _as_date(order.latest, "latest") if order.latest else None
    if bool(order.earliest) != bool(order.latest):
        errors["latest"] = _("日期区间需同时填写最早和最晚日期")
    elif order.earliest and order.latest < order.earliest:
        errors["latest"] = _("最晚日期不能早于最早日期")
    elif order.latest and order.latest < today:
        errors["latest"] = _("日期区间已经过去")
    if not days and not order.earliest:
        errors["dates"] = _("请填写可选日期或日期区间")
    if not order.expected_attendees or order.expected_attendees < 1:
        errors["expected_attendees"] = _("预计参学人数至少为 1")
    if order.mode not in DeliveryMode.values:
        errors["mode"] = _("未知的授课方式 %(mode)s") % {"mode": order.mode}
    if order.campaign_id:
        campaign = order.campaign
        if not order.organization.region_id.startswith(campaign.region_id):
            errors["campaign"] = _("「%(campaign)s」不面向该组织所在区划") % {
                "campaign": campaign.name
            }
        elif campaign.target_kinds and order.organization.kind not in campaign.target_kinds:
            errors["campaign"] = _("「%(campaign)s」不面向该类型的组织") % {
                "campaign": campaign.name
            }
    if errors:
        raise DeliveryError(errors)


@transaction.atomic
def place_order(
    *, scope: Scope, actor, organization, expected_attendees: int, course=None, category="",
    dates=(), earliest=None, latest=None, venue="", mode=DeliveryMode.OFFLINE, notes="",
    campaign: Campaign | None = None,
) -> CourseOrder:  # fmt: skip
    """A liaison (for their own organisation) or a region admin orders a course."""
    if not may_order_for(scope, organization):
        raise DeliveryError(_("只能为本组织点单（或由所在区划的管理员代为点单）"))
    order = CourseOrder(
        organization=organization,
        course=course,
        category=category or "",
        dates=list(dates),
        earliest=earliest,
        latest=latest,
        expected_attendees=expected_attendees,
        venue=venue,
        mode=mode,
        notes=notes,
        campaign=campaign,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _clean_order(order)
    order.save()
    record_audit(order, actor=actor, action=AuditEntry.Action.CREATE, to_value=str(order)[:200])
    return order


def _editable(order: CourseOrder, scope: Scope) -> None:
    if not may_order_for(scope, order.organization):
        raise DeliveryError(_("只能修改本组织的点单"))
    if order.status != OrderStatus.SUBMITTED:
        raise DeliveryError(
            _("点单已是「%(status)s」，不能再修改或撤回") % {"status": order.get_status_display()}
        )


@transaction.atomic
def change_order(order: CourseOrder, *, scope: Scope, actor, **changes) -> CourseOrder:
    """Change an order while it is submitted (not yet planned)."""
    unknown = set(changes) - set(ORDER_FIELDS)
    if unknown:
        raise DeliveryError(
            _("不能修改这些字段：%(fields)s") % {"fields": "、".join(sorted(unknown))}
        )
    order = (
        CourseOrder.objects.unscoped("re-read under lock: the order held")
        .select_for_update()
        .select_related("organization")
        .get(pk=order.pk)
    )
    _editable(order, scope)
    before = {name: getattr(order, name) for name in changes}
    for name, value in changes.items():
        setattr(order, name, value)
    _clean_order(order)
    order.save()
    changed = [
        str(CourseOrder._meta.get_field(name).verbose_name)
        for name in changes
        if getattr(order, name) != before[name]
    ]
    if changed:
        record_audit(
            order,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            field=",".join(name for name in changes)[:64],
            to_value=_("修改了%(fields)s") % {"fields": "、".join(changed)},
        )
    return order


def withdraw_order(order: CourseOrder, *, scope: Scope, actor, reason: str = "") -> CourseOrder:
    _editable(order, scope)
    change_status(order, OrderStatus.WITHDRAWN, actor=actor, reason=reason or _("点单方撤回"))
    return order


# --- planning -------------------------------------------------------------------------------


def start_plan(
    *, scope: Scope, actor, region_code: str, start, end, pins=(), forbids=(),
    use_greedy: bool = False, parent: PlanRun | None = None,
) -> PlanRun:  # fmt: skip
    """Queue a planning run of the region's submitted orders over [start, end]."""
    if not may_plan(scope, region_code):
        raise PermissionDenied(_("只有本区划的党员教育管理员可以排课"))
    try:
        check_horizon(start, end)
    except PlanningError as error:
        raise DeliveryError(str(error)) from error
    run = PlanRun.objects.create(
        region_id=region_code,
        horizon_start=start,
        horizon_end=end,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        pins=list(pins),
        forbids=list(forbids),
        use_greedy=use_greedy,
        parent=parent,
        message=_("排队等待计算"),
    )
    from dangke.delivery.tasks import run_plan

    result = run_plan.enqueue(run.pk)
    PlanRun.objects.unscoped("the run just created").filter(pk=run.pk).update(
        task_id=str(result.id)[:64]
    )
    run.refresh_from_db()
    return run


def replan(run: PlanRun, *, scope: Scope, actor, pins=None, forbids=None) -> PlanRun:
    """Plan the same region and horizon again with the office's pins and forbids."""
    return start_plan(
        scope=scope,
        actor=actor,
        region_code=run.region_id,
        start=run.horizon_start,
        end=run.horizon_end,
        pins=run.pins if pins is None else pins,
        forbids=run.forbids if forbids is None else forbids,
        use_greedy=run.use_greedy,
        parent=run,
    )


def _planner_scope(run: PlanRun) -> Scope:
    if run.created_by_id is None:
        return Scope(is_superuser=True, region_codes=(run.region_id,))
    return scope_for_user(run.created_by, active_region=run.region_id)


def execute_plan(plan_run_id: int) -> str:
    """The task body: build the problem, solve it, check the plan, store it — or fail
    with a message and store nothing of it."""
    run = PlanRun.objects.select_related("created_by").get(pk=plan_run_id)
    if run.state != PlanState.QUEUED or not run.move(
        PlanState.RUNNING, message=_("正在读取师资与点单…")
    ):
        return f"跳过：排课已是「{run.get_state_display()}」"
    try:
        built_at = timezone.now()
        assembly = assemble(
            run.region_id,
            run.horizon_start,
            run.horizon_end,
            scope=_planner_scope(run),
            pins=run.pins,
            forbids=run.forbids,
        )
        run.beat(message=_("正在求解…"))
        problem = load_problem(assembly.doc)
        plan = greedy(problem) if run.use_greedy else solve(problem)
        violations = check(problem, plan)
        if violations:
            raise RuntimeError(
                _("方案未通过可行性检查：%(violations)s")
                % {"violations": "；".join(violations[:3])}
            )
    except PlanningError as error:
        return _fail(run, str(error))
    except ProblemError as error:
        return _fail(run, _("排课数据有误：%(errors)s") % {"errors": "；".join(error.errors[:5])})
    except Exception as error:
        logger.exception("plan run %s failed", run.pk)
        return _fail(run, _("排课计算出错：%(error)s") % {"error": error})
    plan_doc = plan.to_dict()
    plan_doc["assignments"] = sorted(
        plan_doc["assignments"] + assembly.pinned, key=lambda a: (a["date"], a["order"])
    )
    plan_doc["pinned"] = len(assembly.pinned)
    plan_doc["coverage_gained"] = _coverage_gained(assembly.doc, plan_doc)
    served, unserved = len(plan_doc["assignments"]), len(plan_doc["unserved"])
    message = _("共 %(total)s 单：安排 %(served)s 单，未能安排 %(unserved)s 单") % {
        "total": served + unserved,
        "served": served,
        "unserved": unserved,
    }
    if assembly.pinned:
        message += _("（其中指定安排 %(pinned)s 单）") % {"pinned": len(assembly.pinned)}
    if assembly.notes:
        message = _("%(summary)s。%(notes)s") % {
            "summary": message,
            "notes": "；".join(assembly.notes[:20]),
        }
    if not run.move(
        PlanState.DONE,
        problem=assembly.doc,
        plan=plan_doc,
        fingerprint=assembly.fingerprint,
        objective=plan.objective,
        upper_bound=plan.upper_bound,
        solve_seconds=plan.solve_seconds,
        message=message,
        built_at=built_at,
        finished_at=timezone.now(),
    ):
        return "跳过：排课状态已被其他进程改变"
    return message


def _coverage_gained(doc: dict, plan_doc: dict) -> list[str]:
    """Organisations served for the first time this year by this plan."""
    uncovered = {o["id"] for o in doc["organizations"] if not o["covered"]}
    org_of = {o["id"]: o["organization"] for o in doc["orders"]}
    gained = {org_of[a["order"]] for a in plan_doc["assignments"] if a["order"] in org_of}
    return sorted(gained & uncovered)


def _fail(run: PlanRun, message: str) -> str:
    if not run.fail(message):
        return "跳过：排课状态已被其他进程改变"
    return message


# Why the engine left an order out (its reasons are English identifiers-with-figures), as
# the office reads it; the named groups fill the message's placeholders.
REASONS = (
    (r"no teacher offers course (?P<course>\S+)", gettext_lazy("没有师资讲授课程 %(course)s")),
    (
        r"no teacher teaches the category (?P<category>\S+)",
        gettext_lazy("没有擅长「%(category)s」类课程的师资"),
    ),
    (
        r"no eligible teacher within (?P<km>[\d.]+) km \(nearest is (?P<nearest>[\d.]+) km away\)",
        gettext_lazy("%(km)s 公里内没有符合条件的师资（最近的在 %(nearest)s 公里外）"),
    ),
    (
        r"no eligible teacher nearby is available on the order's dates",
        gettext_lazy("附近符合条件的师资在可选日期都没有空"),
    ),
    (
        r"eligible teachers nearby have no room left in their monthly or yearly cap",
        gettext_lazy("附近符合条件的师资本月或本年度授课量已满"),
    ),
    (
        r"not chosen: serving it would lower the plan's value",
        gettext_lazy("未入选：安排它会降低方案的总体效益"),
    ),
    (
        r"not chosen: capacity used by higher-value orders",
        gettext_lazy("未入选：师资时间已安排给效益更高的点单"),
    ),
    (
        r"every teacher who could give it is forbidden for this order",
        gettext_lazy("能讲授的师资都已被排除"),
    ),
)


def readable_reason(reason: str) -> str:
    """The engine's reason for leaving an order out, in the user's language."""
    for pattern, text in REASONS:
        match = re.fullmatch(pattern, reason)
        if match:
            return str(text) % match.groupdict()
    return reason


@dataclass
class PublishResult:
    lessons: list[Lesson]
    planned_orders: int
    unserved_orders: int


def _stale_reasons(run: PlanRun, orders: dict[int, CourseOrder]) -> list[str]:
    reasons = []
    for key, version in run.fingerprint.items():
        order = orders.get(order_pk(key))
        if order is None:
            reasons.append(_("点单 %(order)s 已删除") % {"order": key})
        elif order.status != OrderStatus.SUBMITTED:
            reasons.append(
                _("点单 %(order)s 已是「%(status)s」")
                % {"order": key, "status": order.get_status_display()}
            )
        elif order.updated_at.isoformat() != version:
            reasons.append(_("点单 %(order)s 在排课后被修改") % {"order": key})
    teacher_codes = {a["teacher"] for a in run.plan.get("assignments", [])}
    tz = timezone.get_current_timezone()
    newer = (
        Lesson.objects.unscoped("lessons of the plan run's teachers")
        .filter(
            teachers__code__in=teacher_codes,
            created_at__gt=run.built_at,
            starts_at__gte=datetime.datetime.combine(run.horizon_start, datetime.time(), tz),
            starts_at__lt=datetime.datetime.combine(
                run.horizon_end + datetime.timedelta(days=1), datetime.time(), tz
            ),
        )
        .exclude(status=LessonStatus.CANCELLED)
        .exists()
    )
    if newer:
        reasons.append(_("方案中的师资在排课后又有了新的授课安排"))
    return reasons


def _course_for(order: CourseOrder, teacher: Teacher, courses_by_teacher, fallback) -> Course:
    if order.course_id:
        return order.course
    for course in courses_by_teacher.get(teacher.pk, ()):
        if course.category == order.category:
            return course
    course = fallback.get(order.category)
    if course is None:
        raise DeliveryError(
            _("点单 R%(order)s 只选了类别「%(category)s」，但该类别没有上架课程，无法生成授课活动")
            % {"order": order.pk, "category": order.get_category_display()}
        )
    return course


def publish_plan(run: PlanRun, *, actor, scope: Scope | None = None) -> PublishResult:
    """Turn a finished plan into lessons (status planned, source plan) and mark every order
    of it planned or unserved with the reason — all in one transaction, once."""
    scope = scope or scope_for_user(actor)
    with transaction.atomic():
        locked = (
            PlanRun.objects.unscoped("re-read under lock: the run held")
            .select_for_update()
            .get(pk=run.pk)
        )
        if not may_plan(scope, locked.region_id):
            raise PermissionDenied(_("只有本区划的党员教育管理员可以发布排课方案"))
        if locked.state == PlanState.PUBLISHED:
            raise DeliveryError(_("该排课方案已经发布，不能重复发布"))
        if locked.state != PlanState.DONE:
            raise DeliveryError(
                _("排课方案「%(state)s」，不能发布") % {"state": locked.get_state_display()}
            )
        keys = list(locked.fingerprint)
        orders = {
            order.pk: order
            for order in CourseOrder.objects.unscoped("orders of the plan run held")
            .select_for_update(of=("self",))
            .filter(pk__in=[order_pk(key) for key in keys])
            .select_related("organization", "course", "campaign")
        }
        stale = _stale_reasons(locked, orders)
        if stale:
            raise DeliveryError(
                _("排课方案已过期：%(reasons)s。请重新排课后再发布")
                % {"reasons": "；".join(stale[:5])}
            )
        assignments = locked.plan.get("assignments", [])
        teachers = {
            t.code: t
            for t in Teacher.objects.unscoped("teachers of the plan run held").filter(
                code__in={a["teacher"] for a in assignments}
            )
        }
        courses_by_teacher: dict[int, list[Course]] = {}
        for course in (
            Course.objects.unscoped("courses of the plan's teachers")
            .filter(teachers__in=teachers.values(), status=CourseStatus.LISTED)
            .order_by("code")
            .prefetch_related("teachers")
        ):
            for teacher in course.teachers.all():
                courses_by_teacher.setdefault(teacher.pk, []).append(course)
        fallback = {}
        for course in (
            Course.objects.unscoped("fallback courses of the run's region")
            .filter(status=CourseStatus.LISTED)
            .filter(region_id__in=[*ancestor_codes(locked.region_id), locked.region_id])
            .order_by("-region_id", "code")
        ):
            fallback.setdefault(course.category, course)
        tz = timezone.get_current_timezone()
        lessons, lesson_teachers = [], []
        for assignment in assignments:
            order = orders[order_pk(assignment["order"])]
            teacher = teachers[assignment["teacher"]]
            course = _course_for(order, teacher, courses_by_teacher, fallback)
            day = datetime.date.fromisoformat(assignment["date"])
            lessons.append(
                Lesson(
                    course=course,
                    organization=order.organization,
                    region_id=order.organization.region_id,
                    starts_at=datetime.datetime.combine(day, PLANNED_START, tz),
                    duration_minutes=course.duration_minutes,
                    venue=order.venue or order.organization.name,
                    mode=order.mode,
                    order=order,
                    campaign=order.campaign,
                    plan=locked,
                    source=LessonSource.PLAN,
                    status=LessonStatus.PLANNED,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
            )
            lesson_teachers.append(teacher)
        Lesson.objects.bulk_create(lessons)
        Lesson.teachers.through.objects.bulk_create(
            [
                Lesson.teachers.through(lesson_id=lesson.pk, teacher_id=teacher.pk)
                for lesson, teacher in zip(lessons, lesson_teachers, strict=True)
            ]
        )
        rollup.lessons_changed([lesson.pk for lesson in lessons])  # bulk: no signals
        planned, planned_reasons = [], []
        for lesson, teacher, assignment in zip(lessons, lesson_teachers, assignments, strict=True):
            outcome = _("%(teacher)s，%(date)s（约 %(km)s 公里）") % {
                "teacher": teacher.name,
                "date": assignment["date"],
                "km": assignment.get("km", 0),
            }
            if assignment.get("pinned"):
                outcome += _("，指定安排")
            lesson.order.outcome = outcome[:200]
            planned.append(lesson.order)
            planned_reasons.append(_("排课发布：%(outcome)s") % {"outcome": outcome})
        change_statuses(
            planned, OrderStatus.PLANNED, actor=actor, reasons=planned_reasons, also=["outcome"]
        )
        unserved = locked.plan.get("unserved", [])
        missed, missed_reasons = [], []
        for item in unserved:
            order = orders[order_pk(item["order"])]
            reason = readable_reason(item.get("reason", ""))
            order.outcome = reason[:200]
            missed.append(order)
            missed_reasons.append(reason or _("未能安排"))
        change_statuses(
            missed, OrderStatus.UNSERVED, actor=actor, reasons=missed_reasons, also=["outcome"]
        )
        publisher = actor if getattr(actor, "is_authenticated", False) else None
        locked.move(PlanState.PUBLISHED, published_at=timezone.now(), published_by=publisher)
        record_audit(
            locked,
            actor=actor,
            action=AuditEntry.Action.STATUS,
            field="state",
            from_value=PlanState.DONE.label,
            to_value=PlanState.PUBLISHED.label,
            reason=_("新建授课 %(lessons)s 节，未能安排 %(unserved)s 单")
            % {"lessons": len(lessons), "unserved": len(unserved)},
        )
        notify_lessons_in_app([lesson.pk for lesson in lessons], _("新的授课安排"))
        if settings.SMTP_HOST:
            lesson_ids, subject = [lesson.pk for lesson in lessons], _("新的授课安排")
            transaction.on_commit(lambda: notify_lessons(lesson_ids, subject))
    run.refresh_from_db()
    return PublishResult(lessons, len(lessons), len(unserved))


def notify_lessons_in_app(lesson_ids: list[int], subject: str) -> int:
    """Each lesson's teachers and the host's liaisons get an in-app notification linking
    to the lesson (in the caller's transaction: no lessons, no notifications)."""
    from django.urls import reverse

    from dangke.core.models import Notification

    lessons = list(
        Lesson.objects.unscoped("lessons just written by the caller")
        .filter(pk__in=lesson_ids)
        .select_related("course", "organization")
        .prefetch_related("teachers__user")
    )
    liaisons: dict[int, set[int]] = {}
    for organization_id, user_id in RoleAssignment.objects.filter(
        role=Role.LIAISON,
        organization_id__in={lesson.organization_id for lesson in lessons},
        is_active=True,
        user__is_active=True,
    ).values_list("organization_id", "user_id"):
        liaisons.setdefault(organization_id, set()).add(user_id)
    notifications = []
    for lesson in lessons:
        users = {t.user_id for t in lesson.teachers.all() if t.user_id}
        users |= liaisons.get(lesson.organization_id, set())
        starts_at = timezone.localtime(lesson.starts_at)
        message = _("%(subject)s：%(month)s月%(day)s日 %(time)s《%(course)s》，%(host)s") % {
            "subject": subject,
            "month": f"{starts_at:%m}",
            "day": f"{starts_at:%d}",
            "time": f"{starts_at:%H:%M}",
            "course": lesson.course.title,
            "host": lesson.organization.name,
        }
        url = reverse("delivery:lesson", args=[lesson.pk])
        notifications += [
            Notification(user_id=user_id, message=message[:300], url=url)
            for user_id in sorted(users)
        ]
    Notification.objects.bulk_create(notifications, batch_size=1000)
    return len(notifications)


def notify_lessons(lesson_ids: list[int], subject: str) -> int:
    """Email the teachers and the host's liaisons of each lesson (only with SMTP set)."""
    if not settings.SMTP_HOST:
        return 0
    sent = 0
    lessons = Lesson.objects.filter(pk__in=lesson_ids).select_related("course", "organization")
    for lesson in lessons.prefetch_related("teachers__user"):
        recipients = {t.user.email for t in lesson.teachers.all() if t.user and t.user.email}
        recipients |= set(
            RoleAssignment.objects.filter(
                role=Role.LIAISON, organization_id=lesson.organization_id, is_active=True
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        if not recipients:
            continue
        when = timezone.localtime(lesson.starts_at).strftime("%Y-%m-%d %H:%M")
        body = _(
            "课程：%(course)s\n时间：%(when)s\n地点：%(venue)s\n"
            "承办组织：%(host)s\n授课方式：%(mode)s\n"
        ) % {
            "course": lesson.course.title,
            "when": when,
            "venue": lesson.venue,
            "host": lesson.organization.name,
            "mode": lesson.get_mode_display(),
        }
        try:
            mail_subject = _("【党课】%(subject)s") % {"subject": subject}
            sent += send_mail(mail_subject, body, None, sorted(recipients))
        except Exception:  # the lessons stand; a mail server outage must not undo them
            logger.exception("notifying lesson %s failed", lesson.pk)
    return sent


# --- lessons --------------------------------------------------------------------------------


def _lesson_change(lesson: Lesson, new_status: str, *, scope: Scope, actor, reason: str):
    if not may_manage_lesson(scope, lesson):
        raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以操作该授课活动"))
    entry = change_status(lesson, new_status, actor=actor, reason=reason)
    rollup.lessons_changed([lesson.pk])  # a bulk update: no save signal tells the rollup
    return entry


def confirm_lesson(
    lesson: Lesson,
    *,
    scope: Scope,
    actor,
    starts_at=None,
    venue=None,
    reason: str | None = None,
) -> Lesson:
    """The host confirms the lesson, optionally with the agreed time and place."""
    if reason is None:
        reason = _("联络员确认")
    with transaction.atomic():
        if not may_manage_lesson(scope, lesson):
            raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以确认该授课活动"))
        fields = []
        if starts_at is not None:
            lesson.starts_at, fields = starts_at, [*fields, "starts_at"]
        if venue is not None:
            lesson.venue, fields = venue, [*fields, "venue"]
        if fields and lesson.status == LessonStatus.PLANNED:
            lesson.save(update_fields=[*fields, "updated_at"])
        _lesson_change(lesson, LessonStatus.CONFIRMED, scope=scope, actor=actor, reason=reason)
    return lesson


def deliver_lesson(
    lesson: Lesson, *, scope: Scope, actor, attendees_count: int | None = None,
    reason: str | None = None,
) -> Lesson:  # fmt: skip
    if reason is None:
        reason = _("已按计划授课")
    with transaction.atomic():
        _lesson_change(lesson, LessonStatus.DELIVERED, scope=scope, actor=actor, reason=reason)
        if attendees_count is not None:
            Lesson.objects.filter(pk=lesson.pk).update(attendees_count=attendees_count)
            lesson.attendees_count = attendees_count
            rollup.lessons_changed([lesson.pk], reach=False)
    return lesson


def cancel_lesson(lesson: Lesson, *, scope: Scope, actor, reason: str) -> Lesson:
    _lesson_change(lesson, LessonStatus.CANCELLED, scope=scope, actor=actor, reason=reason)
    return lesson


@transaction.atomic
def record_manual_lesson(
    *, scope: Scope, actor, course, organization, starts_at, teachers=(), lecture_team=None,
    other_organizations=(), duration_minutes: int | None = None, venue: str = "",
    mode: str = DeliveryMode.OFFLINE, campaign: Campaign | None = None,
    status: str = LessonStatus.DELIVERED, attendees_count: int = 0,
) -> Lesson:  # fmt: skip
    """A lesson given outside the plan (a lecture team's tour, a 先学后讲 village session),
    recorded directly; it counts the same as a planned one."""
    if not (
        scope.manages_region(organization.region_id) or organization.pk in scope.organization_ids
    ):
        raise DeliveryError(_("只能为本组织或本区划登记授课活动"))
    teachers = list(teachers)
    if not teachers and lecture_team is not None:
        teachers = list(lecture_team.members.all())
    if not teachers:
        raise DeliveryError({"teachers": _("请选择授课师资或宣讲队")})
    if status not in LessonStatus.values:
        raise DeliveryError({"status": _("未知的状态 %(status)s") % {"status": status}})
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if status == LessonStatus.DELIVERED and starts_at > timezone.now():
        raise DeliveryError({"starts_at": _("尚未开始的授课不能登记为「已授课」")})
    lesson = Lesson.objects.create(
        course=course,
        organization=organization,
        lecture_team=lecture_team,
        starts_at=starts_at,
        duration_minutes=duration_minutes or course.duration_minutes,
        venue=venue or organization.name,
        mode=mode,
        campaign=campaign,
        source=LessonSource.MANUAL,
        status=status,
        attendees_count=attendees_count,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    lesson.teachers.set(teachers)
    lesson.other_organizations.set(other_organizations)
    record_audit(
        lesson,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        to_value=_("%(status)s：%(course)s")
        % {"status": lesson.get_status_display(), "course": course.title},
        reason=_("直接登记（计划外授课）"),
    )
    return lesson


# --- attendance -----------------------------------------------------------------------------


def _sign(lesson: Lesson, *, name: str, phone: str, organization_name: str, method: str):
    name, phone = (name or "").strip(), (phone or "").strip()
    if not name:
        raise DeliveryError({"name": _("请填写姓名")})
    if phone:
        existing = (
            Attendance.objects.unscoped("sign-in: the lesson of the QR code")
            .filter(lesson=lesson, phone=phone)
            .first()
        )
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                lesson=lesson, name=name[:32], phone=phone[:32],
                organization_name=(organization_name or "")[:120], method=method,
            )  # fmt: skip
            # Who signed in: a roster member, a non-member, or 待核对 (never a guess).
            from dangke.members.services import match_attendance

            match_attendance(attendance)
    except IntegrityError:  # the same phone, a moment earlier, from another request
        return Attendance.objects.unscoped("sign-in: the lesson of the QR code").get(
            lesson=lesson, phone=phone
        ), False
    Lesson.objects.unscoped("sign-in: the lesson of the QR code").filter(pk=lesson.pk).update(
        attendees_count=F("attendees_count") + 1
    )
    rollup.lessons_changed([lesson.pk], reach=False)
    return attendance, True


def sign_in(token: str, *, name: str, phone: str = "", organization_name: str = ""):
    """An attendee scans the lesson's QR code and signs in on their phone (no login).
    Returns (attendance, created); a phone number signs in once per lesson."""
    lesson = (
        Lesson.objects.unscoped("sign-in: the lesson of the QR code")
        .filter(checkin_token=token)
        .first()
    )
    if lesson is None:
        raise DeliveryError(_("签到码无效"))
    if lesson.status == LessonStatus.CANCELLED:
        raise DeliveryError(_("本次授课已取消，无需签到"))
    return _sign(lesson, name=name, phone=phone, organization_name=organization_name,
                 method=AttendanceMethod.QR)  # fmt: skip


def sign_listed(lesson: Lesson, *, name: str, phone: str = "", organization_name: str = ""):
    """One person the liaison picked from the roster (the caller checks the right)."""
    return _sign(lesson, name=name, phone=phone, organization_name=organization_name,
                 method=AttendanceMethod.LIST)  # fmt: skip


@transaction.atomic
def record_attendance_list(lesson: Lesson, rows, *, scope: Scope, actor) -> int:
    """The liaison records attendance from a list: rows of {name, phone, organization}.
    Returns how many new attendees were added."""
    if not may_manage_lesson(scope, lesson):
        raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以登记签到"))
    if lesson.status == LessonStatus.CANCELLED:
        raise DeliveryError(_("本次授课已取消，不能登记签到"))
    added = 0
    for row in rows:
        _attendance, created = _sign(
            lesson, name=row.get("name", ""), phone=row.get("phone", ""),
            organization_name=row.get("organization", ""), method=AttendanceMethod.LIST,
        )  # fmt: skip
        added += created
    if added:
        record_audit(
            lesson, actor=actor, action=AuditEntry.Action.UPDATE, field="attendees_count",
            to_value=_("名单登记 %(n)s 人") % {"n": added},
        )  # fmt: skip
    return added


# --- the course menu ------------------------------------------------------------------------


def orderable_courses(scope: Scope):
    """The course menu (点单菜单): listed courses a user may order for the organisations they
    order for — courses of their county and of the regions inside it, and of the regions
    above it (city and province courses go down to the counties, as their teachers do).

    This is a catalogue, not a scoped list: a liaison sees no courses by region, yet must
    see what they may order. Nothing here is editable."""
    from django.db.models import Q

    from dangke.regions.models import Organization

    listed = Course.objects.unscoped("catalogue: what the user may order").filter(
        status=CourseStatus.LISTED
    )
    if scope.is_superuser and not scope.region_codes:
        return listed
    codes = set(scope.region_codes) | set(
        Organization.objects.unscoped("the user's own organisations")
        .filter(pk__in=scope.organization_ids)
        .values_list("region_id", flat=True)
    )
    condition = Q(pk__in=[])
    for code in codes:
        county = code[:6]
        condition |= Q(region__code__startswith=county) | Q(region_id__in=ancestor_codes(county))
    # Courses another city shares with the user's alliance (alliances), by the same rule as
    # scoping's; withdrawn shares drop off the menu.
    shared = shared_into("course", tuple(codes))
    if shared is not None:
        condition |= Q(pk__in=shared)
    return listed.filter(condition)


# --- coverage and campaigns -----------------------------------------------------------------


def campaign_target_q(campaign: Campaign):
    """The organisations a campaign is aimed at: inside its region, of its kinds."""
    from django.db.models import Q

    condition = Q(region__code__startswith=campaign.region_id)
    if campaign.target_kinds:
        condition &= Q(kind__in=list(campaign.target_kinds))
    return condition


def hosted_one_of(lessons):
    """A condition on organisations: hosted or co-hosted one of `lessons`. An EXISTS per
    organisation (an index probe), not `pk IN (every lesson's host)`: a province's half
    million hosts make no hashed subplan, and PostgreSQL then scanned the list once per
    organisation (over 300 s for the province's year figures, issue #18)."""
    from django.db.models import Exists, OuterRef

    return Exists(lessons.filter(organization_id=OuterRef("pk"))) | Exists(
        lessons.filter(other_organizations=OuterRef("pk"))
    )


def lessons_counted(
    scope: Scope, *, year=None, status=None, mode=None, region=None, campaign=None, **others
) -> int | None:
    """How many lessons the scope sees with these filters, from the rollup's tallies; None
    when the tallies cannot tell (a filter they do not keep, or a scope narrower than a
    county), and the lessons must be counted."""
    if any(value is not None for value in others.values()):
        return None
    codes = scope.county_prefixes(region or None)
    if codes is None or (region and len(region) > COUNTY_DIGITS):
        return None
    rollup.flush()
    tallies = LessonTally.objects.unscoped("read by the scope's region prefixes").filter(
        within_prefixes("county", codes)
    )
    for field, value in (("year", year), ("status", status), ("mode", mode)):
        if value is not None:
            tallies = tallies.filter(**{field: value})
    if campaign is not None:
        tallies = tallies.filter(campaign_id=campaign)
    return tallies.aggregate(n=Sum("lessons"))["n"] or 0


def coverage(scope: Scope, year: int | None = None, campaign: Campaign | None = None) -> dict:
    """Coverage (覆盖情况) of the year for what `scope` sees, optionally of one campaign.

    Lessons are those starting in the year (Asia/Shanghai), cancelled ones left out, as in
    `dangke stats`; hours and teachers active count lessons given (已授课). An organisation
    is reached when it hosted or co-hosted a lesson given in the year; with a campaign,
    only the campaign's lessons count and only the organisations it targets. Organisations
    and members count active organisations visible to the scope. Five queries, whatever
    the size of the region.
    """
    from django.db.models import Count, Sum
    from django.db.models.functions import Substr

    from dangke.regions.models import Organization, Region

    year = year or report_year()
    first, last = year_bounds(year)
    organizations = Organization.objects.visible_to(scope).filter(is_active=True).order_by()
    lessons = (  # a lesson shared in (an alliance exchange's) is the host's coverage
        Lesson.objects.visible_to(scope, shared=False)
        .filter(starts_at__gte=first, starts_at__lt=last)
        .exclude(status=LessonStatus.CANCELLED)
        .order_by()
    )
    if campaign is not None:
        organizations = organizations.filter(campaign_target_q(campaign))
        lessons = lessons.filter(campaign=campaign)
    given = lessons.filter(status=LessonStatus.DELIVERED)

    counties: dict[str, dict] = {}

    def county(code: str) -> dict:
        return counties.setdefault(
            code,
            {"code": code, "name": code, "organizations": 0, "members": 0, "reached": 0,
             "members_reached": 0, "lessons": 0, "minutes": 0},
        )  # fmt: skip

    # Organisations per county with those reached, added up by the database instead of
    # every given lesson's host read into Python and every organisation read back to test
    # it — 11 s for a province (issue #18). The year's coverage counts an organisation
    # reached wherever the lesson was, as the year figures do: a scope by region at county
    # level or above reads the organisations' and the coverage's tallies, a narrower one its
    # organisations' reach marks. A campaign's counts its targets reached by the lessons the
    # scope sees: the reach marks by lesson county, or the lessons themselves.
    rollup.flush()
    codes = scope.county_prefixes()
    if codes is not None and campaign is None:
        tallied = {"n": Sum("organizations"), "members": Sum("members")}
        per_county = (
            organization_rollup.tallies(codes).values_list("county").annotate(**tallied).order_by()
        )
        reached_per_county = (
            rollup.reach_tallies(codes, year)
            .filter(campaign=None)
            .values_list("county")
            .annotate(**tallied)
            .order_by()
        )
    else:  # all, then those reached: no subplan per organisation inside the aggregate
        if campaign is None:
            reached = rollup.reached_in(year)
        elif codes is None:
            reached = hosted_one_of(given)
        else:
            reached = rollup.reached_in(year, campaign=campaign, codes=codes)
        counted = {"n": Count("pk"), "members": Sum("member_count")}
        in_counties = organizations.values_list(Substr("region_id", 1, 6))
        per_county = in_counties.annotate(**counted)
        reached_per_county = in_counties.filter(reached).annotate(**counted)
    for code, n, members in per_county:
        entry = county(code)
        entry["organizations"] += n
        entry["members"] += members or 0
    for code, n, members in reached_per_county:
        entry = county(code)
        entry["reached"] += n
        entry["members_reached"] += members or 0

    if codes is None:
        lesson_rows = (
            lessons.annotate(county=Substr("region_id", 1, 6))
            .values("county", "status", "mode", category=F("course__category"))
            .annotate(n=Count("pk"), minutes=Sum("duration_minutes"), people=Sum("attendees_count"))
        )
        teachers_active = (
            Lesson.teachers.through.objects.filter(lesson__in=given.values("pk"))
            .values("teacher_id")
            .distinct()
            .count()
        )
    else:
        tallies = rollup.tallies(codes, year).exclude(status=LessonStatus.CANCELLED)
        if campaign is not None:
            tallies = tallies.filter(campaign=campaign)
        lesson_rows = (
            tallies.values("county", "status", "mode", "category")
            .annotate(n=Sum("lessons"), minutes=Sum("minutes"), people=Sum("attendees"))
            .order_by()
        )
        teachers_active = (
            rollup.delivering_teachers(year, codes, campaign=campaign)
            .values("teacher_id")
            .distinct()
            .count()
        )
    by_mode = {value: 0 for value in DeliveryMode.values}
    by_category = {value: 0 for value in CourseCategory.values}
    attendees = given_count = 0
    for row in lesson_rows:
        entry = county(row["county"])
        entry["lessons"] += row["n"]
        by_mode[row["mode"]] += row["n"]
        by_category[row["category"]] += row["n"]
        if row["status"] == LessonStatus.DELIVERED:
            entry["minutes"] += row["minutes"] or 0
            attendees += row["people"] or 0
            given_count += row["n"]

    names = dict(
        Region.objects.unscoped("county names")
        .filter(code__in=list(counties))
        .values_list("code", "name")
    )
    rows = []
    for code in sorted(counties):
        entry = counties[code]
        entry["name"] = names.get(code, code)
        entry["hours"] = round(entry.pop("minutes") / 60, 1)
        entry["percent"] = _percent(entry["reached"], entry["organizations"])
        rows.append(entry)

    def total(key):
        return sum(row[key] for row in rows)

    return {
        "year": year,
        "campaign": campaign,
        "organizations": total("organizations"),
        "reached": total("reached"),
        "percent": _percent(total("reached"), total("organizations")),
        "members": total("members"),
        "members_reached": total("members_reached"),
        "lessons": sum(by_mode.values()),
        "lessons_given": given_count,
        "attendees": attendees,
        "hours": round(sum(row["hours"] for row in rows), 1),
        "teachers_active": teachers_active,
        "by_mode": by_mode,
        "by_category": by_category,
        "counties": rows,
    }


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def campaign_progress(scope: Scope, campaigns) -> dict[int, dict]:
    """Progress of each campaign toward its targets, as far as `scope` sees: lessons given
    vs target_lessons, members of the organisations reached vs target_members,
    organisations reached vs organisations targeted (its kinds, in its region). Lessons of
    any date count. Four queries for any number of campaigns."""
    from django.db.models import Count

    from dangke.regions.models import Organization

    campaigns = list(campaigns)
    if not campaigns:
        return {}
    organizations = Organization.objects.visible_to(scope).filter(is_active=True).order_by()
    targeted = organizations.aggregate(
        **{f"c{c.pk}": Count("pk", filter=campaign_target_q(c)) for c in campaigns}
    )
    given = (
        Lesson.objects.visible_to(scope)
        .filter(status=LessonStatus.DELIVERED, campaign__in=campaigns)
        .order_by()
    )
    hosts = set(given.values_list("campaign_id", "organization_id"))
    hosts |= set(
        Lesson.other_organizations.through.objects.filter(
            lesson__in=given.values("pk")
        ).values_list("lesson__campaign_id", "organization_id")
    )
    lessons_given = dict(given.values("campaign_id").annotate(n=Count("pk")).values_list(
        "campaign_id", "n"))  # fmt: skip
    reached_orgs = {
        org.pk: org
        for org in organizations.filter(pk__in={org_id for _, org_id in hosts}).only(
            "pk", "kind", "region_id", "member_count"
        )
    }
    progress = {}
    for campaign in campaigns:
        kinds = set(campaign.target_kinds or [])
        reached = [
            reached_orgs[org_id]
            for campaign_id, org_id in hosts
            if campaign_id == campaign.pk and org_id in reached_orgs
        ]
        reached = [
            org
            for org in reached
            if org.region_id.startswith(campaign.region_id) and (not kinds or org.kind in kinds)
        ]
        members = sum(org.member_count for org in reached)
        lessons = lessons_given.get(campaign.pk, 0)
        total = targeted[f"c{campaign.pk}"]
        progress[campaign.pk] = {
            "lessons": lessons,
            "target_lessons": campaign.target_lessons,
            "lessons_percent": _percent(lessons, campaign.target_lessons),
            "members_reached": members,
            "target_members": campaign.target_members,
            "members_percent": _percent(members, campaign.target_members),
            "organizations_reached": len(reached),
            "organizations_targeted": total,
            "organizations_percent": _percent(len(reached), total),
        }
    return progress


@transaction.atomic
def create_campaign(
    *, scope: Scope, actor, name: str, region_code: str, starts_on, ends_on, target_kinds=(),
    target_lessons: int = 0, target_members: int = 0, description: str = "",
) -> Campaign:  # fmt: skip
    """A region admin starts a campaign (专项活动) in a region they administer."""
    from dangke.regions.models import OrganizationKind

    if not scope.manages_region(region_code):
        raise DeliveryError({"region": _("只能在本人管理的区划内发起专项活动")})
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("请填写活动名称")
    if ends_on < starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期")
    unknown = set(target_kinds) - set(OrganizationKind.values)
    if unknown:
        errors["target_kinds"] = _("未知的组织类型：%(kinds)s") % {
            "kinds": "、".join(sorted(unknown))
        }
    if errors:
        raise DeliveryError(errors)
    campaign = Campaign.objects.create(
        name=name.strip(),
        region_id=region_code,
        starts_on=starts_on,
        ends_on=ends_on,
        target_kinds=sorted(set(target_kinds)),
        target_lessons=target_lessons or 0,
        target_members=target_members or 0,
        description=description,
    )
    record_audit(campaign, actor=actor, action=AuditEntry.Action.CREATE, to_value=campaign.name)
    return campaign
