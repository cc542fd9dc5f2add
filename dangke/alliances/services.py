"""Every change to an alliance goes through here: checked, written and audited.

Who may do what: the coordinator (an admin of the alliance's leading region) founds the
alliance, admits members and holds joint events; a member's admin shares the courses of its
region, withdraws them, leaves, and asks another member for a teacher; the teacher's home
office approves or declines the request with a reason."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.accounts.scoping import Scope
from dangke.alliances.models import (
    Alliance,
    AllianceMember,
    CourseShare,
    EventRegistration,
    ExchangePurpose,
    ExchangeStatus,
    JointEvent,
    JointEventSession,
    TeacherExchange,
)
from dangke.core.models import AuditEntry
from dangke.core.services import change_status, record_audit
from dangke.courses.models import Course


class AllianceError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AllianceError(message)


def member_for(alliance: Alliance, region_code: str) -> AllianceMember | None:
    """The active membership `region_code` takes part through (its own or a region above)."""
    prefixes = [region_code[:length] for length in range(1, len(region_code) + 1)]
    return (
        AllianceMember.objects.unscoped("the memberships of an alliance already held")
        .filter(alliance=alliance, left_on__isnull=True, region_id__in=prefixes)
        .order_by("-region_id")
        .first()
    )


def is_coordinator(scope: Scope, alliance: Alliance) -> bool:
    return scope.manages_region(alliance.region_id)


# ---------------------------------------------------------------- founding and membership


@transaction.atomic
def found_alliance(
    *,
    scope: Scope,
    actor,
    name: str,
    region,
    founded_on: datetime.date,
    charter: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Alliance:
    """The coordinating office founds the alliance; its region is the first member."""
    _require(scope.manages_region(region.code), _("只能由牵头区划的管理员创建协作联盟"))
    _require(bool(name.strip()), _("请填写联盟名称"))
    alliance = Alliance.objects.create(
        name=name.strip(), region=region, founded_on=founded_on, charter=charter
    )
    record_audit(alliance, actor=actor, action=AuditEntry.Action.CREATE, to_value=alliance.name)
    admit_member(
        alliance,
        region,
        scope=scope,
        actor=actor,
        joined_on=founded_on,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    return alliance


@transaction.atomic
def admit_member(
    alliance: Alliance,
    region,
    *,
    scope: Scope,
    actor,
    joined_on: datetime.date | None = None,
    contact_name: str = "",
    contact_phone: str = "",
) -> AllianceMember:
    _require(is_coordinator(scope, alliance), _("只有联盟牵头单位可以吸收成员"))
    already = (
        AllianceMember.objects.unscoped("the memberships of an alliance already held")
        .filter(alliance=alliance, left_on__isnull=True)
        .filter(Q(region__code__startswith=region.code) | Q(region_id__in=_prefixes(region.code)))
    )
    _require(
        not already.exists(),
        _("%(region)s 已是本联盟成员（或其上下级已是成员）") % {"region": region.name},
    )
    member = AllianceMember.objects.create(
        alliance=alliance,
        region=region,
        joined_on=joined_on or timezone.localdate(),
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    record_audit(
        alliance,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        field="members",
        to_value=_("加入：%(region)s") % {"region": region.name},
    )
    return member


def _prefixes(code: str) -> list[str]:
    return [code[:length] for length in range(1, len(code) + 1)]


@transaction.atomic
def leave(member: AllianceMember, *, scope: Scope, actor, reason: str) -> AllianceMember:
    """A member leaves (itself, or removed by the coordinator): what it shared is withdrawn
    and its approved exchanges end; history stays."""
    _require(
        scope.manages_region(member.region_id) or is_coordinator(scope, member.alliance),
        _("只有该成员或联盟牵头单位可以办理退出"),
    )
    _require(member.left_on is None, _("该成员已退出联盟"))
    _require(bool(reason.strip()), _("请填写退出原因"))
    today = timezone.localdate()
    member.left_on = max(today, member.joined_on)
    member.save(update_fields=["left_on"])
    for share in member.alliance.shares.filter(
        withdrawn_on__isnull=True, region__code__startswith=member.region_id
    ):
        share.withdrawn_on = today
        share.save(update_fields=["withdrawn_on"])
    _close_exchanges_of(member, actor=actor, reason=reason)
    record_audit(
        member.alliance,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        field="members",
        from_value=member.region.name,
        to_value=_("退出：%(region)s") % {"region": member.region.name},
        reason=reason,
    )
    return member


def _close_exchanges_of(member: AllianceMember, *, actor, reason: str) -> None:
    """The leaving member's exchanges, lending or hosting: approved ones end, open requests
    are declined; what they made and is not yet given is cancelled."""
    code = member.region_id
    exchanges = member.alliance.exchanges.filter(
        Q(region__code__startswith=code) | Q(host_region__code__startswith=code),
        status__in=(ExchangeStatus.REQUESTED, ExchangeStatus.APPROVED),
    ).order_by("pk")
    why = _("成员退出联盟：%(reason)s") % {"reason": reason.strip()}
    for exchange in exchanges:
        was_approved = exchange.status == ExchangeStatus.APPROVED
        target = ExchangeStatus.ENDED if was_approved else ExchangeStatus.DECLINED
        change_status(exchange, target, actor=actor, reason=why)
        if was_approved:
            cancel_what_exchange_made(exchange, actor=actor, reason=why)


# ---------------------------------------------------------------- shared courses


@transaction.atomic
def share_course(alliance: Alliance, course, *, scope: Scope, actor) -> CourseShare:
    _require(scope.manages_region(course.region_id), _("只能共享本区划管理的课程"))
    member = member_for(alliance, course.region_id)
    _require(member is not None, _("课程所属区划不是本联盟的成员"))
    _require(
        not alliance.shares.filter(course=course, withdrawn_on__isnull=True).exists(),
        _("该课程已共享到本联盟"),
    )
    share = CourseShare.objects.create(
        alliance=alliance,
        course=course,
        region=member.region,
        shared_on=timezone.localdate(),
        shared_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_audit(share, actor=actor, action=AuditEntry.Action.CREATE, to_value=str(share))
    return share


@transaction.atomic
def withdraw_share(share: CourseShare, *, scope: Scope, actor, reason: str) -> CourseShare:
    """No new orders from the other members; their orders and lessons stay."""
    _require(scope.manages_region(share.course.region_id), _("只能撤回本区划共享的课程"))
    _require(share.withdrawn_on is None, _("该课程已撤回共享"))
    _require(bool(reason.strip()), _("请填写撤回原因"))
    share.withdrawn_on = timezone.localdate()
    share.save(update_fields=["withdrawn_on"])
    record_audit(
        share,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        field="withdrawn_on",
        to_value=str(share.withdrawn_on),
        reason=reason,
    )
    return share


# ---------------------------------------------------------------- teacher exchange


@transaction.atomic
def request_exchange(
    alliance: Alliance,
    teacher,
    *,
    scope: Scope,
    actor,
    host_region,
    purpose: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
    course=None,
    organization=None,
    lesson_starts_at: datetime.datetime | None = None,
    training_class=None,
) -> TeacherExchange:
    """The host member's office asks for a teacher of another member; for a lesson it may
    name the course, its organisation and the time, and approval then makes the lesson; for
    a training class, the class, the course taught and the time, and approval adds that
    module to the class. A teaching-research exchange names nothing: the faculty app has no
    session a visiting teacher leads, so approval lends the teacher for the period only."""
    _require(scope.manages_region(host_region.code), _("只能为本区划申请互派师资"))
    host = member_for(alliance, host_region.code)
    home = member_for(alliance, teacher.region_id)
    _require(host is not None, _("申请方不是本联盟的成员"))
    _require(home is not None, _("该教师所在区划不是本联盟的成员"))
    _require(home.pk != host.pk, _("只能申请其他成员单位的教师"))
    _require(ends_on >= starts_on, _("结束日期不能早于开始日期"))
    if training_class is not None:
        _check_training_request(
            scope, host_region, purpose, training_class, course, organization, lesson_starts_at
        )
        lesson_starts_at = _aware(lesson_starts_at)
        _require(
            starts_on <= timezone.localdate(lesson_starts_at) <= ends_on,
            _("授课时间须在互派期间内"),
        )
    lesson_asked = course is not None or organization is not None or lesson_starts_at is not None
    if lesson_asked and training_class is None:
        _require(purpose == ExchangePurpose.LESSON, _("只有用途为「授课」的互派可以指定授课安排"))
        _require(
            course is not None and organization is not None and lesson_starts_at is not None,
            _("指定授课安排须同时填写课程、承办组织和授课时间"),
        )
        _require(
            organization.region_id.startswith(host_region.code),
            _("承办组织须在申请方区划内"),
        )
        _require(
            Course.objects.visible_to(scope).filter(pk=course.pk).exists(),
            _("只能选择本区划的课程或联盟共享的课程"),
        )
        lesson_starts_at = _aware(lesson_starts_at)
        _require(
            starts_on <= timezone.localdate(lesson_starts_at) <= ends_on,
            _("授课时间须在互派期间内"),
        )
    exchange = TeacherExchange.objects.create(
        alliance=alliance,
        teacher=teacher,
        region=teacher.region,
        host_region=host_region,
        purpose=purpose,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        course=course,
        organization=organization,
        lesson_starts_at=lesson_starts_at,
        training_class=training_class,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_audit(exchange, actor=actor, action=AuditEntry.Action.CREATE, to_value=str(exchange))
    return exchange


def _within(codes) -> Q:
    """Rows whose region lies inside any of the region `codes` (none: no rows)."""
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(region__code__startswith=code)
    return condition


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _check_training_request(
    scope, host_region, purpose, training_class, course, organization, starts_at
) -> None:
    from dangke.training.models import ClassStatus, TrainingClass

    _require(purpose == ExchangePurpose.TRAINING, _("只有用途为「培训班授课」的互派可以指定培训班"))
    _require(organization is None, _("培训班授课不需要指定承办组织"))
    _require(
        course is not None and starts_at is not None,
        _("指定培训班须同时填写授课课程和授课时间"),
    )
    _require(
        training_class.region_id.startswith(host_region.code)
        and TrainingClass.objects.visible_to(scope).filter(pk=training_class.pk).exists(),
        _("培训班须由申请方主办"),
    )
    _require(
        training_class.status in (ClassStatus.DRAFT, ClassStatus.CHOOSING),
        _("只能为筹备中或选课中的培训班申请授课教师"),
    )
    _require(
        Course.objects.visible_to(scope).filter(pk=course.pk).exists(),
        _("只能选择本区划的课程或联盟共享的课程"),
    )
    day = timezone.localdate(_aware(starts_at))
    _require(
        training_class.starts_on <= day <= training_class.ends_on,
        _("授课时间须在培训班举办期间内"),
    )


def _host_scope(exchange: TeacherExchange) -> Scope:
    """The host office's scope: what the approval makes (and its undoing) is done on the
    host's behalf, who asked for exactly this course, place and time."""
    code = exchange.host_region_id
    return Scope(region_codes=(code,), managed_region_codes=(code,))


def _make_module(exchange: TeacherExchange, *, actor):
    """The approved exchange's module of the host's training class, taught by the lent
    teacher, through training's one door for adding a module."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangke.training import services as training

    course = exchange.course
    try:
        module = training.add_module(
            exchange.training_class, scope=_host_scope(exchange), actor=actor,
            topic=course.title[:120], teacher=exchange.teacher, course=course,
            starts_at=exchange.lesson_starts_at, duration_minutes=course.duration_minutes or 90,
        )  # fmt: skip
    except (ValidationError, PermissionDenied) as error:
        messages = getattr(error, "messages", None) or [str(error)]
        raise AllianceError("；".join(messages)) from error
    exchange.training_module = module
    TeacherExchange.objects.unscoped("the exchange just approved").filter(pk=exchange.pk).update(
        training_module=module
    )
    return module


def cancel_what_exchange_made(exchange: TeacherExchange, *, actor, reason: str) -> None:
    """The exchange no longer lends the teacher: its lesson, if not given yet, is cancelled
    through delivery, and its training module, if the class has not started, is no longer
    offered through training. What was given stays (history). Either way the exchange's
    audit trail says what became of it."""
    from dangke.delivery.models import LessonStatus
    from dangke.delivery.services import cancel_lesson
    from dangke.training.models import ClassStatus
    from dangke.training.services import adjust_module

    if exchange.lesson_id:
        lesson = exchange.lesson
        if lesson.status in (LessonStatus.PLANNED, LessonStatus.CONFIRMED):
            cancel_lesson(lesson, scope=_host_scope(exchange), actor=actor, reason=reason)
            outcome = _("已取消授课活动：%(lesson)s") % {"lesson": lesson.course.title}
        else:
            outcome = _("授课活动（%(status)s）保留：%(lesson)s") % {
                "status": lesson.get_status_display(), "lesson": lesson.course.title,
            }  # fmt: skip
        record_audit(exchange, actor=actor, action=AuditEntry.Action.UPDATE, field="lesson",
                     to_value=outcome, reason=reason)  # fmt: skip
    if exchange.training_module_id:
        module = exchange.training_module
        training_class = module.training_class
        if not module.is_offered:
            return
        if training_class.status in (ClassStatus.DRAFT, ClassStatus.CHOOSING):
            adjust_module(module, scope=_host_scope(exchange), actor=actor, is_offered=False,
                          note=reason[:200])  # fmt: skip
            outcome = _("培训模块不再开设：%(module)s") % {"module": module.topic}
        else:
            outcome = _("培训班已开班，培训模块保留：%(module)s") % {"module": module.topic}
        record_audit(exchange, actor=actor, action=AuditEntry.Action.UPDATE,
                     field="training_module", to_value=outcome, reason=reason)  # fmt: skip


def _make_lesson(exchange: TeacherExchange, *, actor):
    """The approved exchange's lesson, in the host region with the lent teacher, through
    delivery's one door for lessons recorded outside a plan. It is entered on the host
    office's behalf: the host asked for exactly this course, organisation and time."""
    from dangke.delivery.models import LessonStatus
    from dangke.delivery.services import DeliveryError, record_manual_lesson

    try:
        lesson = record_manual_lesson(
            scope=_host_scope(exchange), actor=actor, course=exchange.course,
            organization=exchange.organization, starts_at=exchange.lesson_starts_at,
            teachers=[exchange.teacher], status=LessonStatus.PLANNED,
        )  # fmt: skip
    except DeliveryError as error:
        raise AllianceError("；".join(error.messages)) from error
    exchange.lesson = lesson
    TeacherExchange.objects.unscoped("the exchange just approved").filter(pk=exchange.pk).update(
        lesson=lesson
    )
    return lesson


def decide_exchange(
    exchange: TeacherExchange, *, scope: Scope, actor, approve: bool, reason: str
) -> TeacherExchange:
    """The teacher's home office approves or declines; a reason is required either way.
    Declining after approving cancels what the approval made and is not yet given."""
    _require(scope.manages_region(exchange.region_id), _("只有教师所在区划的管理员可以审批"))
    _require(bool(reason.strip()), _("请填写审批意见"))
    target = ExchangeStatus.APPROVED if approve else ExchangeStatus.DECLINED
    with transaction.atomic():
        was_approved = exchange.status == ExchangeStatus.APPROVED
        change_status(exchange, target, actor=actor, reason=reason)
        exchange.decision_reason = reason.strip()[:200]
        TeacherExchange.objects.unscoped("the exchange just decided").filter(pk=exchange.pk).update(
            decision_reason=exchange.decision_reason
        )
        if approve and exchange.training_class_id and exchange.training_module_id is None:
            _make_module(exchange, actor=actor)
        elif approve and exchange.course_id and exchange.lesson_id is None:
            _make_lesson(exchange, actor=actor)
        if was_approved and not approve:
            cancel_what_exchange_made(exchange, actor=actor, reason=reason)
    return exchange


def end_exchange(exchange: TeacherExchange, *, scope: Scope, actor, reason: str):
    """Either office ends an approved exchange early: the teacher is no longer lent, and
    what the exchange made and is not yet given is cancelled."""
    _require(
        scope.manages_region(exchange.region_id) or scope.manages_region(exchange.host_region_id),
        _("只有派出方或接收方可以结束互派"),
    )
    with transaction.atomic():
        change_status(exchange, ExchangeStatus.ENDED, actor=actor, reason=reason)
        cancel_what_exchange_made(exchange, actor=actor, reason=reason)
    return exchange


# ---------------------------------------------------------------- joint events


@transaction.atomic
def hold_joint_event(
    alliance: Alliance,
    *,
    scope: Scope,
    actor,
    kind: str,
    title: str,
    region,
    held_on: datetime.date,
    venue: str = "",
    participants=(),
    attendance: int = 0,
    summary: str = "",
) -> JointEvent:
    """The coordinator (or the hosting member's office) records a joint event."""
    _require(
        is_coordinator(scope, alliance) or scope.manages_region(region.code),
        _("只有联盟牵头单位或承办成员可以登记联合活动"),
    )
    _require(member_for(alliance, region.code) is not None, _("承办方不是本联盟的成员"))
    _require(bool(title.strip()), _("请填写活动名称"))
    event = JointEvent.objects.create(
        alliance=alliance,
        kind=kind,
        title=title.strip(),
        region=region,
        held_on=held_on,
        venue=venue,
        attendance=attendance,
        summary=summary,
    )
    event.participant_regions.set(participants)
    record_audit(event, actor=actor, action=AuditEntry.Action.CREATE, to_value=event.title)
    return event


@transaction.atomic
def register_for_event(event: JointEvent, region, *, scope: Scope, actor, registered: int):
    """A member's office says how many it sends (报名); again, it changes the number."""
    _require(scope.manages_region(region.code), _("只能为本区划报名"))
    member = member_for(event.alliance, region.code)
    _require(member is not None and member.region_id == region.code,
             _("只有联盟成员单位可以报名"))  # fmt: skip
    _require(0 <= registered <= 100000, _("报名人数须在 0 到 100000 之间"))
    registration, _created = EventRegistration.objects.unscoped(
        "the one registration of a member for an event"
    ).get_or_create(event=event, region=region, defaults={"alliance": event.alliance})
    previous = registration.registered
    registration.registered = registered
    registration.save(update_fields=["registered", "updated_at"])
    record_audit(
        event, actor=actor, action=AuditEntry.Action.UPDATE, field="registrations",
        from_value=f"{region.name} {previous}", to_value=f"{region.name} {registered}",
    )  # fmt: skip
    return registration


@transaction.atomic
def record_event_attendance(event: JointEvent, *, scope: Scope, actor, attended: dict):
    """The coordinator or the hosting member records how many came from each registered
    member; the event's attendance becomes their sum."""
    _require(
        is_coordinator(scope, event.alliance) or scope.manages_region(event.region_id),
        _("只有联盟牵头单位或承办成员可以登记出席情况"),
    )
    registrations = {
        registration.region_id: registration
        for registration in event.registrations.select_related("region")
    }
    for code, count in attended.items():
        _require(code in registrations, _("该成员未报名本次活动"))
        _require(0 <= count <= 100000, _("出席人数须在 0 到 100000 之间"))
        registration = registrations[code]
        registration.attended = count
        registration.save(update_fields=["attended", "updated_at"])
    total = sum(r.attended or 0 for r in registrations.values())
    JointEvent.objects.unscoped("the event whose attendance is recorded").filter(
        pk=event.pk
    ).update(attendance=total)
    record_audit(
        event, actor=actor, action=AuditEntry.Action.UPDATE, field="attendance",
        from_value=str(event.attendance), to_value=str(total),
    )  # fmt: skip
    event.attendance = total
    return event


@transaction.atomic
def add_event_session(
    event: JointEvent,
    *,
    scope: Scope,
    actor,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    region,
    place: str = "",
    speaker=None,
    outside_speaker: str = "",
    outside_affiliation: str = "",
) -> JointEventSession:
    """The coordinator puts a session on the event's programme: its speaker is a teacher of
    the member `region` that sends them, or someone from outside that member invites."""
    from dangke.faculty.models import TeacherStatus

    _require(is_coordinator(scope, event.alliance), _("只有联盟牵头单位可以安排活动议程"))
    _require(bool(title.strip()), _("请填写议程名称"))
    member = member_for(event.alliance, region.code)
    _require(member is not None, _("派出成员不是本联盟的成员"))
    outside_speaker = outside_speaker.strip()
    _require(
        (speaker is None) != (not outside_speaker),
        _("请选择一位成员单位的教师，或填写特邀主讲人（二选一）"),
    )
    if speaker is not None:
        _require(
            speaker.region_id.startswith(region.code) and speaker.status == TeacherStatus.ACTIVE,
            _("主讲教师须是派出成员在库的教师"),
        )
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    _require(ends_at > starts_at, _("结束时间须晚于开始时间"))
    _require(timezone.localdate(starts_at) >= event.held_on, _("议程不能早于活动举办日期"))
    session = JointEventSession.objects.create(
        event=event, alliance=event.alliance, title=title.strip(), starts_at=starts_at,
        ends_at=ends_at, place=place.strip(), region=region, speaker=speaker,
        outside_speaker=outside_speaker,
        outside_affiliation="" if speaker is not None else outside_affiliation.strip(),
    )  # fmt: skip
    record_audit(
        event, actor=actor, action=AuditEntry.Action.UPDATE, field="sessions",
        to_value=_("新增议程：%(title)s（%(speaker)s）")
        % {"title": session.title, "speaker": session.speaker_name},
    )  # fmt: skip
    return session


@transaction.atomic
def remove_event_session(session: JointEventSession, *, scope: Scope, actor, reason: str):
    """The coordinator takes a session off the programme; the event's trail keeps it."""
    _require(is_coordinator(scope, session.alliance), _("只有联盟牵头单位可以安排活动议程"))
    _require(bool(reason.strip()), _("请填写删除原因"))
    record_audit(
        session.event, actor=actor, action=AuditEntry.Action.UPDATE, field="sessions",
        from_value=_("%(title)s（%(speaker)s）")
        % {"title": session.title, "speaker": session.speaker_name},
        to_value=_("删除议程"), reason=reason.strip(),
    )  # fmt: skip
    session.delete()


# ---------------------------------------------------------------- what a page offers


def shareable_courses(alliance: Alliance, scope: Scope):
    """Listed courses of the regions the user manages inside a member, not shared yet."""
    from dangke.courses.models import Course, CourseStatus

    managed = [code for code in scope.managed_region_codes if member_for(alliance, code)]
    if not managed and scope.is_superuser:
        managed = [m.region_id for m in alliance.members.filter(left_on__isnull=True)]
    condition = _within(managed)
    shared = alliance.shares.filter(withdrawn_on__isnull=True).values("course_id")
    return (
        Course.objects.visible_to(scope)
        .filter(condition, status=CourseStatus.LISTED)
        .exclude(pk__in=shared)
        .order_by("code")
    )


def host_regions(alliance: Alliance, scope: Scope) -> list:
    """The member regions the user may ask a teacher for: those they administer."""
    return [
        member.region
        for member in alliance.members.filter(left_on__isnull=True).select_related("region")
        if scope.manages_region(member.region_id)
    ]


def lesson_choices(scope: Scope, hosts) -> tuple:
    """What a host may name for an exchange's lesson: the listed courses it sees (its own
    and those shared in) and the active organisations of its member regions."""
    from dangke.courses.models import CourseStatus
    from dangke.regions.models import Organization

    in_hosts = _within(region.code for region in hosts)
    courses = Course.objects.visible_to(scope).filter(status=CourseStatus.LISTED).order_by("code")
    organizations = (
        Organization.objects.visible_to(scope).filter(in_hosts, is_active=True).order_by("code")
    )
    return courses, organizations


def training_class_choices(scope: Scope, hosts):
    """The host's training classes an exchange may add a module to: not started yet."""
    from dangke.training.models import ClassStatus, TrainingClass

    in_hosts = _within(region.code for region in hosts)
    return (
        TrainingClass.objects.visible_to(scope)
        .filter(in_hosts, status__in=(ClassStatus.DRAFT, ClassStatus.CHOOSING))
        .order_by("starts_on", "pk")
    )


def lendable_teachers(alliance: Alliance, scope: Scope):
    """The other members' active teachers a host may ask for: a catalogue of names, levels
    and regions (the page shows nothing else of them), like the 点单 menu."""
    from dangke.faculty.models import Teacher, TeacherStatus

    hosts = host_regions(alliance, scope)
    if not hosts:
        return Teacher.objects.none()
    host_codes = {region.code for region in hosts}
    members = alliance.members.filter(left_on__isnull=True)
    condition = _within(m.region_id for m in members if m.region_id not in host_codes)
    return (
        Teacher.objects.unscoped("catalogue of allied teachers: names and levels only")
        .filter(condition, status=TeacherStatus.ACTIVE)
        .select_related("region")
        .order_by("region_id", "name")
    )


def speaker_choices(alliance: Alliance):
    """The active teachers of the active members the coordinator may put on a programme: a
    catalogue of names, employers and regions (like `lendable_teachers`); choosing one
    shows that much of them on the event, nothing else."""
    from dangke.faculty.models import Teacher, TeacherStatus

    members = alliance.members.filter(left_on__isnull=True)
    condition = _within(member.region_id for member in members)
    return (
        Teacher.objects.unscoped("catalogue of the members' teachers: names and employers only")
        .filter(condition, status=TeacherStatus.ACTIVE)
        .select_related("region")
        .order_by("region_id", "name")
    )
