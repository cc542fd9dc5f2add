"""The alliance pages (联盟主页). Thin: services decide, check and audit."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404, shared_in_annotation
from dangke.alliances import services
from dangke.alliances.figures import (
    chart_data,
    exchanges_by_member_status,
    orders_by_member_month,
    year_figures,
)
from dangke.alliances.forms import (
    EventSessionForm,
    ExchangeRequestForm,
    JointEventForm,
    ReasonForm,
    ShareCourseForm,
)
from dangke.alliances.models import (
    Alliance,
    CourseShare,
    EventRegistration,
    ExchangeStatus,
    JointEvent,
    JointEventSession,
    TeacherExchange,
)
from dangke.core.export import add_sheet, new_workbook, workbook_response
from dangke.core.status import StatusTransitionError
from dangke.evaluation.scores import course_ratings
from dangke.faculty.models import Teacher


@login_required
def alliance_list(request):
    alliances = Alliance.objects.visible_to(request.scope).select_related("region").order_by("name")
    return render(request, "alliances/alliance_list.html", {"alliances": alliances})


def _alliance(request, pk):
    return get_visible_or_404(Alliance.objects.select_related("region"), request.scope, pk=pk)


def _year(request) -> int:
    value = request.GET.get("year", "")
    today = timezone.localdate()
    if value.isascii() and value.isdigit() and 2000 <= int(value) <= today.year + 1:
        return int(value)
    return today.year


@login_required
def alliance_detail(request, pk):
    alliance = _alliance(request, pk)
    scope = request.scope
    year = _year(request)
    members = list(alliance.members.select_related("region").order_by("joined_on", "region_id"))
    shares = list(alliance.shares.select_related("course", "region").order_by("-shared_on", "pk"))
    ratings = course_ratings([share.course_id for share in shares])
    for share in shares:
        share.rating = ratings.get(share.course_id) or {}
        share.may_withdraw = share.withdrawn_on is None and scope.manages_region(
            share.course.region_id
        )
    active_shares = [share for share in shares if share.withdrawn_on is None]
    exchanges = list(
        alliance.exchanges.select_related(
            "teacher",
            "region",
            "host_region",
            "course",
            "organization",
            "lesson",
            "training_class",
            "training_module",
        ).order_by("-starts_on", "pk")
    )
    if request.GET.get("export") == "xlsx":
        events = _events(alliance, scope, hosts=[])
        return _export(alliance, year, members, shares, exchanges, events)
    for exchange in exchanges:
        exchange.may_decide = exchange.status == ExchangeStatus.REQUESTED and (
            scope.manages_region(exchange.region_id)
        )
        exchange.is_host = scope.manages_region(exchange.host_region_id)
        exchange.may_end = exchange.status == ExchangeStatus.APPROVED and (
            exchange.is_host or scope.manages_region(exchange.region_id)
        )
    active_members = [member for member in members if member.left_on is None]
    orders = orders_by_member_month(alliance, year, members, shares)
    exchange_counts = exchanges_by_member_status(exchanges, year, members)
    courses = services.shareable_courses(alliance, scope)
    hosts = services.host_regions(alliance, scope)
    may_hold = services.is_coordinator(scope, alliance) or bool(hosts)
    context = {
        "alliance": alliance,
        "year": year,
        "figures": year_figures(alliance, year),
        "members": members,
        "active_shares": active_shares,
        "withdrawn_shares": [share for share in shares if share.withdrawn_on is not None],
        "exchanges": exchanges,
        "orders_by_member": orders,
        "exchange_counts": exchange_counts,
        "exchange_statuses": ExchangeStatus.choices,
        "charts": chart_data(orders, exchange_counts, active_shares),
        "events": _events(alliance, scope, hosts),
        "share_form": ShareCourseForm(courses=courses) if courses.exists() else None,
        "exchange_form": _exchange_form(alliance, scope, hosts) if hosts else None,
        "event_form": JointEventForm(members=active_members) if may_hold else None,
        "is_coordinator": services.is_coordinator(scope, alliance),
        "host_regions": hosts,
    }
    return render(request, "alliances/alliance_detail.html", context)


def _events(alliance, scope, hosts) -> list:
    """The joint events with each member's registration; what the user may do on each."""
    registrations = Prefetch(
        "registrations", queryset=EventRegistration.objects.select_related("region")
    )
    events = list(
        alliance.events.select_related("region")
        .prefetch_related(registrations)
        .order_by("-held_on", "pk")
    )
    coordinator = services.is_coordinator(scope, alliance)
    for event in events:
        event.may_register = bool(hosts)
        event.may_record = bool(event.registrations.all()) and (
            coordinator or scope.manages_region(event.region_id)
        )
    return events


def _exchange_form(alliance, scope, hosts, data=None):
    courses, organizations = services.lesson_choices(scope, hosts)
    return ExchangeRequestForm(
        data, teachers=services.lendable_teachers(alliance, scope), hosts=hosts,
        courses=courses, organizations=organizations,
        classes=services.training_class_choices(scope, hosts),
    )  # fmt: skip


def _export(alliance, year, members, shares, exchanges, events):
    """The workbook a coordinator hands in: members with their contacts, the shared library
    with its published scores, the year's exchanges and joint events (registrations and
    attendance per member) and the year's figures. Teachers are named, nothing personal."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    workbook = new_workbook()
    add_sheet(workbook, _("成员单位"), [
        _("成员单位"), _("区划代码"), _("牵头单位"), _("加入日期"), _("退出日期"),
        _("联络人"), _("联络电话"),
    ], [
        [member.region.name, member.region_id,
         _("是") if member.region_id == alliance.region_id else "", member.joined_on,
         member.left_on, member.contact_name, member.contact_phone]
        for member in members
    ])  # fmt: skip
    add_sheet(workbook, _("共享课程库"), [
        _("共享方"), _("课程编号"), _("课程名称"), _("共享日期"), _("撤回日期"),
        _("评分"), _("95%区间下限"), _("95%区间上限"), _("答卷数"), _("授课场次"),
    ], [
        [share.region.name, share.course.code, share.course.title, share.shared_on,
         share.withdrawn_on, share.rating.get("score"),
         *(share.rating.get("ci95") or (None, None)),
         share.rating.get("n_responses"), share.rating.get("n_lessons")]
        for share in shares
    ])  # fmt: skip
    add_sheet(workbook, _("师资互派"), [
        _("教师"), _("派出方"), _("接收方"), _("用途"), _("开始日期"), _("结束日期"),
        _("状态"), _("审批意见"), _("授课课程"), _("承办组织"), _("授课时间"), _("授课状态"),
    ], [
        [exchange.teacher.name, exchange.region.name, exchange.host_region.name,
         exchange.get_purpose_display(), exchange.starts_on, exchange.ends_on,
         exchange.get_status_display(), exchange.decision_reason,
         exchange.course.title if exchange.course else "",
         exchange.organization.name if exchange.organization else "",
         exchange.lesson.starts_at if exchange.lesson else exchange.lesson_starts_at,
         exchange.lesson.get_status_display() if exchange.lesson else ""]
        for exchange in exchanges
        if exchange.starts_on <= last and exchange.ends_on >= first
    ])  # fmt: skip
    add_sheet(workbook, _("联合活动"), [
        _("举办日期"), _("活动名称"), _("类型"), _("承办方"), _("地点"), _("参加人数"),
        _("参加成员"), _("报名人数"), _("出席人数"),
    ], _event_rows([event for event in events if first <= event.held_on <= last]))  # fmt: skip
    figures = year_figures(alliance, year)
    add_sheet(
        workbook,
        _("年度合作成效"),
        [_("年度"), _("指标"), _("数值")],
        [[year, label, figures[key]] for label, key in FIGURE_LABELS],
    )
    return workbook_response(f"{alliance.name}-{year}", workbook)


def _event_rows(events):
    """One row per member registered for an event (the event's own columns on each), or one
    row for an event nobody has registered for yet."""
    for event in events:
        own = [event.held_on, event.title, event.get_kind_display(), event.region.name,
               event.venue, event.attendance]  # fmt: skip
        registrations = list(event.registrations.all())
        if not registrations:
            yield [*own, "", None, None]
        for registration in registrations:
            yield [*own, registration.region.name, registration.registered, registration.attended]


FIGURE_LABELS = (
    (gettext_lazy("成员单位"), "members"),
    (gettext_lazy("共享课程（门）"), "shared_courses"),
    (gettext_lazy("其他成员点单共享课程（次）"), "orders_of_shared_courses"),
    (gettext_lazy("互派师资（人次）"), "exchanges"),
    (gettext_lazy("互派教师授课（场）"), "lessons_by_lent_teachers"),
    (gettext_lazy("联合活动（场）"), "joint_events"),
    (gettext_lazy("其中研讨峰会（场）"), "summits"),
)


def _failed(request, error):
    messages.error(request, error.message)


@login_required
@require_POST
def share_course(request, pk):
    alliance = _alliance(request, pk)
    form = ShareCourseForm(
        request.POST, courses=services.shareable_courses(alliance, request.scope)
    )
    if not form.is_valid():
        messages.error(request, _("请选择要共享的课程"))
        return redirect(alliance)
    try:
        share = services.share_course(
            alliance, form.cleaned_data["course"], scope=request.scope, actor=request.user
        )
    except services.AllianceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("已共享「%(course)s」") % {"course": share.course.title})
    return redirect(alliance)


@login_required
@require_POST
def withdraw_share(request, pk, share_pk):
    alliance = _alliance(request, pk)
    share = get_visible_or_404(
        CourseShare.objects.select_related("course"), request.scope, pk=share_pk, alliance=alliance
    )
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤回共享须填写原因"))
        return redirect(alliance)
    try:
        services.withdraw_share(
            share, scope=request.scope, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except services.AllianceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("已撤回共享：其他成员不能再点单，已有记录保留"))
    return redirect(alliance)


@login_required
@require_POST
def request_exchange(request, pk):
    alliance = _alliance(request, pk)
    hosts = services.host_regions(alliance, request.scope)
    form = _exchange_form(alliance, request.scope, hosts, request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(alliance)
    data = form.cleaned_data
    try:
        services.request_exchange(
            alliance, data["teacher"], scope=request.scope, actor=request.user,
            host_region=form.hosts[data["host_region"]], purpose=data["purpose"],
            starts_on=data["starts_on"], ends_on=data["ends_on"], note=data["note"],
            course=data["course"], organization=data["organization"],
            lesson_starts_at=data["lesson_starts_at"], training_class=data["training_class"],
        )  # fmt: skip
    except services.AllianceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("互派申请已提交，待派出方审批"))
    return redirect(alliance)


@login_required
@require_POST
def decide_exchange(request, pk, exchange_pk):
    alliance = _alliance(request, pk)
    exchange = get_visible_or_404(
        TeacherExchange.objects.select_related("teacher"),
        request.scope,
        pk=exchange_pk,
        alliance=alliance,
    )
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("审批须填写意见"))
        return redirect(alliance)
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_exchange(
            exchange, scope=request.scope, actor=request.user, approve=approve,
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    except services.AllianceError as error:
        _failed(request, error)
    except StatusTransitionError as error:  # decided meanwhile by another admin
        messages.error(request, error.message)
    else:
        messages.success(request, _("已同意互派") if approve else _("已拒绝互派申请"))
    return redirect(alliance)


@login_required
@require_POST
def end_exchange(request, pk, exchange_pk):
    alliance = _alliance(request, pk)
    exchange = get_visible_or_404(TeacherExchange, request.scope, pk=exchange_pk, alliance=alliance)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("结束互派须说明原因"))
        return redirect(alliance)
    try:
        services.end_exchange(
            exchange, scope=request.scope, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except services.AllianceError as error:
        _failed(request, error)
    except StatusTransitionError as error:  # ended or declined meanwhile by the other office
        messages.error(request, error.message)
    else:
        messages.success(request, _("已结束互派，尚未授课的活动已取消"))
    return redirect(alliance)


@login_required
@require_POST
def hold_event(request, pk):
    alliance = _alliance(request, pk)
    members = list(
        alliance.members.filter(left_on__isnull=True).select_related("region").order_by("pk")
    )
    form = JointEventForm(request.POST, members=members)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(alliance)
    data = form.cleaned_data
    try:
        services.hold_joint_event(
            alliance, scope=request.scope, actor=request.user, kind=data["kind"],
            title=data["title"], region=form.regions[data["region"]], held_on=data["held_on"],
            venue=data["venue"], participants=[m.region for m in members],
            attendance=data["attendance"], summary=data["summary"],
        )  # fmt: skip
    except services.AllianceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("联合活动已登记"))
    return redirect(alliance)


def _count(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else None


@login_required
@require_POST
def register_for_event(request, pk, event_pk):
    """A member's office registers how many it sends, for the member region it manages."""
    alliance = _alliance(request, pk)
    event = get_visible_or_404(JointEvent, request.scope, pk=event_pk, alliance=alliance)
    hosts = {region.code: region for region in services.host_regions(alliance, request.scope)}
    region, registered = (
        hosts.get(request.POST.get("region", "")),
        _count(request.POST.get("registered")),
    )
    if region is None or registered is None:
        messages.error(request, _("请选择报名单位并填写报名人数（整数）"))
        return redirect(alliance)
    try:
        services.register_for_event(
            event, region, scope=request.scope, actor=request.user, registered=registered
        )
    except services.AllianceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("已报名「%(event)s」") % {"event": event.title})
    return redirect(alliance)


@login_required
@require_POST
def record_attendance(request, pk, event_pk):
    """The coordinator or the hosting member records how many came from each member."""
    alliance = _alliance(request, pk)
    event = get_visible_or_404(JointEvent, request.scope, pk=event_pk, alliance=alliance)
    attended = {}
    for registration in event.registrations.all():
        value = request.POST.get(f"attended-{registration.region_id}", "")
        if not value.strip():
            continue
        count = _count(value)
        if count is None:
            messages.error(request, _("出席人数须为整数"))
            return redirect(alliance)
        attended[registration.region_id] = count
    try:
        services.record_event_attendance(
            event, scope=request.scope, actor=request.user, attended=attended
        )
    except services.AllianceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("出席情况已登记"))
    return redirect(alliance)


# ---------------------------------------------------------------- the event page


def _event(request, alliance, event_pk):
    return get_visible_or_404(
        JointEvent.objects.select_related("region"), request.scope, pk=event_pk, alliance=alliance
    )


def _speaker_access(scope, sessions) -> None:
    """How the page may show each session's teacher: `speaker_link` when the viewer opens
    the teacher's page (their own, or lent to them: that page is the professional card),
    otherwise the name and employer the event gives, and nothing to click."""
    ids = {session.speaker_id for session in sessions if session.speaker_id}
    opened = dict(
        Teacher.objects.visible_to(scope)
        .filter(pk__in=ids)
        .annotate(shared_in=shared_in_annotation(Teacher, scope))
        .values_list("pk", "shared_in")
    )
    for session in sessions:
        session.speaker_link = session.speaker_id in opened
        session.speaker_lent = opened.get(session.speaker_id, False)


def _session_form(alliance, members, data=None):
    return EventSessionForm(data, members=members, speakers=services.speaker_choices(alliance))


def _active_members(alliance) -> list:
    return list(
        alliance.members.filter(left_on__isnull=True).select_related("region").order_by("pk")
    )


@login_required
def event_detail(request, pk, event_pk):
    """One joint event: its programme and speakers, each member's registration and
    attendance. The coordinator arranges the programme here."""
    alliance = _alliance(request, pk)
    event = _event(request, alliance, event_pk)
    scope = request.scope
    sessions = list(
        JointEventSession.objects.visible_to(scope)
        .filter(event=event)
        .select_related("speaker", "region", "speaker__region")
        .order_by("starts_at", "pk")
    )
    _speaker_access(scope, sessions)
    registrations = {
        registration.region_id: registration
        for registration in event.registrations.select_related("region")
    }
    members = list(alliance.members.select_related("region").order_by("joined_on", "region_id"))
    per_member = [
        (member, registrations.pop(member.region_id, None))
        for member in members
        if member.left_on is None or member.region_id in registrations
    ]
    coordinator = services.is_coordinator(scope, alliance)
    context = {
        "alliance": alliance,
        "event": event,
        "sessions": sessions,
        "per_member": per_member,
        "registered_total": sum(r.registered for _m, r in per_member if r),
        "is_coordinator": coordinator,
        "session_form": (
            _session_form(alliance, [m for m in members if m.left_on is None])
            if coordinator
            else None
        ),
    }
    return render(request, "alliances/event_detail.html", context)


@login_required
@require_POST
def add_event_session(request, pk, event_pk):
    alliance = _alliance(request, pk)
    event = _event(request, alliance, event_pk)
    form = _session_form(alliance, _active_members(alliance), request.POST)
    back = redirect("alliances:event_detail", pk=alliance.pk, event_pk=event.pk)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return back
    data = form.cleaned_data
    try:
        services.add_event_session(
            event, scope=request.scope, actor=request.user, title=data["title"],
            starts_at=data["starts_at"], ends_at=data["ends_at"], place=data["place"],
            region=form.regions[data["region"]], speaker=data["speaker"],
            outside_speaker=data["outside_speaker"],
            outside_affiliation=data["outside_affiliation"],
        )  # fmt: skip
    except services.AllianceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("议程已添加"))
    return back


@login_required
@require_POST
def remove_event_session(request, pk, event_pk, session_pk):
    alliance = _alliance(request, pk)
    event = _event(request, alliance, event_pk)
    session = get_visible_or_404(
        JointEventSession.objects.select_related("event", "alliance", "speaker"),
        request.scope, pk=session_pk, event=event,
    )  # fmt: skip
    back = redirect("alliances:event_detail", pk=alliance.pk, event_pk=event.pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("删除议程须填写原因"))
        return back
    try:
        services.remove_event_session(
            session, scope=request.scope, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except services.AllianceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("议程已删除"))
    return back
