"""Pages of the study records: the roster, a member's record, the liaison's progress
list, the admin's completion page, the year's rule, the roster sign-in of a lesson,
collective study, and a member's own view behind their personal link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.calendar import report_year
from dangke.core.export import xlsx_response
from dangke.core.ids import db_id
from dangke.core.listing import Column, ListDefinition, render_list
from dangke.delivery.models import Lesson
from dangke.members import queries, services
from dangke.members.forms import CollectiveForm, RuleForm, StudyClassForm, StudyYearFilterForm
from dangke.members.models import (
    AttendanceMatch,
    ClassEnrolment,
    CollectiveStatus,
    CollectiveStudy,
    MatchOutcome,
    Member,
    MemberStatus,
    PartyPost,
    StudyClass,
    StudyRecord,
    StudyRule,
    StudySource,
    StudyYear,
)
from dangke.members.rules import (
    may_edit_rule,
    may_keep_roster,
    may_review_collective,
    may_see_full_phone,
)
from dangke.regions.models import Organization


def _year(request, default: int | None = None) -> int:
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else (default or timezone.localdate().year)


def _export_requested(request) -> bool:
    return request.GET.get("export") == "xlsx"


@login_required
def index(request):
    scope = request.scope
    if not scope.region_codes and scope.organization_ids:
        return redirect("members:progress", scope.organization_ids[0])
    if scope.region_codes:
        return redirect("members:completion")
    raise PermissionDenied(_("党员学时档案只对党员教育管理员和基层党组织联络员开放"))


# --- the roster and the year's rows ---------------------------------------------------------


class MemberList(ListDefinition):
    title = gettext_lazy("党员名册")
    export_name = gettext_lazy("党员名册")
    search_fields = ("name", "organization__name", "number")
    default_sort = "organization__name"
    detail_url_name = "members:detail"
    columns = (
        Column(gettext_lazy("姓名"), lambda m: m.name, sort="name", link=True),
        Column(gettext_lazy("性别"), lambda m: m.get_gender_display()),
        Column(gettext_lazy("手机号"), lambda m: m.masked_phone),
        Column(
            gettext_lazy("所在党组织"), lambda m: m.organization.name, sort="organization__name"
        ),
        Column(gettext_lazy("党内职务"), lambda m: m.get_post_display(), sort="post"),
        Column(gettext_lazy("人员类别"), lambda m: m.get_category_display()),
        Column(gettext_lazy("入党日期"), lambda m: m.joined_on, sort="joined_on"),
        Column(gettext_lazy("状态"), lambda m: m.get_status_display(), sort="status"),
    )

    def base_queryset(self, request):
        return Member.objects.select_related("organization")


@login_required
def roster(request):
    if _export_requested(request):
        services.audit_export(
            Member, actor=request.user, region_code=_audit_region(request),
            rows=Member.objects.visible_to(request.scope).count(), what=_("党员名册"),
        )  # fmt: skip
    return render_list(request, MemberList())


def _audit_region(request) -> str:
    codes = request.scope.region_codes
    return codes[0] if len(codes) == 1 else ""


class StudyYearList(ListDefinition):
    title = gettext_lazy("党员年度学时")
    export_name = gettext_lazy("党员年度学时")
    filter_form = StudyYearFilterForm
    search_fields = ("member__name", "organization__name")
    default_sort = "hours"
    detail_url_name = "members:year"
    columns = (
        Column(gettext_lazy("姓名"), lambda y: y.member.name, sort="member__name", link=True),
        Column(gettext_lazy("手机号"), lambda y: y.member.masked_phone),
        Column(
            gettext_lazy("所在党组织"), lambda y: y.organization.name, sort="organization__name"
        ),
        Column(gettext_lazy("党内职务"), lambda y: y.member.get_post_display()),
        Column(gettext_lazy("学时"), lambda y: y.hours, sort="hours", numeric=True),
        Column(gettext_lazy("目标"), lambda y: y.target, numeric=True),
        Column(gettext_lazy("集中培训"), lambda y: _("是") if y.concentrated else _("否")),
        Column(gettext_lazy("达标"), lambda y: _("是") if y.met else _("否"), sort="met"),
        Column(gettext_lazy("在册"), lambda y: _("是") if y.is_active else _("已离开")),
    )

    def base_queryset(self, request):
        return StudyYear.objects.select_related("member", "organization")

    def filter(self, queryset, data):
        queryset = super().filter(queryset, data)
        queryset = queryset.filter(year=data.get("year") or timezone.localdate().year)
        if data.get("within"):
            queryset = queryset.filter(region__code__startswith=data["within"])
        if data.get("organization"):
            queryset = queryset.filter(organization_id=data["organization"])
        show = data.get("show")
        if show == "behind":
            queryset = queryset.filter(met=False)
        elif show == "none":
            queryset = queryset.filter(hours=0)
        elif show == "met":
            queryset = queryset.filter(met=True)
        elif show == "leaders":
            queryset = queryset.filter(is_leader=True)
        elif show == "no_concentrated":
            queryset = queryset.filter(member__post=PartyPost.SECRETARY, concentrated=False)
        return queryset


@login_required
def study_years(request):
    if _export_requested(request):
        services.audit_export(
            StudyYear, actor=request.user, region_code=_audit_region(request),
            rows=StudyYear.objects.visible_to(request.scope).filter(year=_year(request)).count(),
            what=_("党员年度学时"),
        )  # fmt: skip
    return render_list(request, StudyYearList())


@login_required
def study_year(request, pk):
    row = get_visible_or_404(StudyYear, request.scope, pk=pk)
    return redirect(reverse("members:detail", args=[row.member_id]) + f"?year={row.year}")


# --- a member's record ----------------------------------------------------------------------


def _ledger(member: Member, year: int) -> list[dict]:
    records = (
        StudyRecord.objects.unscoped("the member held")
        .filter(member=member, year=year)
        .select_related("match__attendance", "enrolment")
        .order_by("occurred_on", "id")
    )
    lines = []
    for record in records:
        url = ""
        if record.source == StudySource.LESSON:
            url = reverse("delivery:lesson", args=[record.match.attendance.lesson_id])
        elif record.source == StudySource.CLASS:
            url = reverse("members:class", args=[record.enrolment.study_class_id])
        elif record.source == StudySource.COLLECTIVE:
            url = reverse("members:collective") + f"#collective-{record.collective_id}"
        lines.append({"record": record, "url": url})
    return lines


@login_required
def member_detail(request, pk):
    member = get_visible_or_404(
        Member.objects.select_related("organization", "region"), request.scope, pk=pk
    )
    year = _year(request)
    can_keep = may_keep_roster(request.scope, member.organization)
    personal_url = ""
    qr = ""
    if can_keep:
        import segno

        personal_url = request.build_absolute_uri(reverse("members:mine", args=[member.view_token]))
        qr = segno.make(personal_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    context = {
        "member": member,
        "year": year,
        "phone": member.phone if may_see_full_phone(request.scope, member) else member.masked_phone,
        "study_year": StudyYear.objects.unscoped("the member held")
        .filter(member=member, year=year)
        .first(),
        "lines": _ledger(member, year),
        "can_keep": can_keep,
        "personal_url": personal_url,
        "qr": qr,
    }
    return render(request, "members/member.html", context)


@login_required
@require_POST
def reissue_link(request, pk):
    member = get_visible_or_404(Member.objects.select_related("organization"), request.scope, pk=pk)
    services.reissue_view_link(member, scope=request.scope, actor=request.user)
    messages.success(request, _("已重发个人查询链接，旧链接已失效"))
    return redirect("members:detail", member.pk)


@login_not_required  # a member without an account, by their private link
def mine(request, token):
    """A member's own year on their phone, without an account. The token is a random
    144-bit value unrelated to the phone (see README, 党员学时档案)."""
    member = services.member_for_token(token)
    if member is None:
        raise Http404
    year = timezone.localdate().year
    row = (
        StudyYear.objects.unscoped("the member of the private link")
        .filter(member=member, year=year)
        .first()
    )
    context = {
        "member": member,
        "year": year,
        "study_year": row,
        "lines": StudyRecord.objects.unscoped("the member of the private link")
        .filter(member=member, year=year)
        .order_by("occurred_on"),
        "weeks_left": queries.weeks_left(year),
    }
    response = render(request, "members/mine.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the liaison's progress list and the admin's completion ---------------------------------


@login_required
def progress(request, organization_pk):
    organization = get_visible_or_404(Organization, request.scope, pk=organization_pk)
    year = _year(request)
    rows = list(
        StudyYear.objects.unscoped("the organisation fetched in scope")
        .filter(organization=organization, year=year)
        .select_related("member")
        .order_by("met", "hours", "member__name")
    )
    if _export_requested(request):
        services.audit_export(
            StudyYear, actor=request.user, region_code=organization.region_id, rows=len(rows),
            what=_("%(org)s学时进度") % {"org": organization.name},
        )  # fmt: skip
        headers = [_("姓名"), _("手机号"), _("党内职务"), _("学时"), _("目标"), _("还差"),
                   _("集中培训"), _("达标")]  # fmt: skip
        return xlsx_response(
            _("%(org)s学时进度") % {"org": organization.name},
            headers,
            (
                [row.member.name, row.member.masked_phone, row.member.get_post_display(),
                 float(row.hours), float(row.target), float(row.missing),
                 _("是") if row.concentrated else _("否"), _("是") if row.met else _("否")]
                for row in rows
            ),
        )  # fmt: skip
    behind = [row for row in rows if not row.met and row.is_active]
    context = {
        "organization": organization,
        "year": year,
        "rows": rows,
        "behind": behind,
        "met": sum(1 for row in rows if row.met),
        "weeks_left": queries.weeks_left(year),
        "can_keep": may_keep_roster(request.scope, organization),
        "unresolved": services.visible_unresolved(request.scope)
        .filter(attendance__lesson__organization=organization)
        .count(),
    }
    return render(request, "members/progress.html", context)


LEVEL_LABELS = {
    "county": gettext_lazy("按县（市、区）"),
    "township": gettext_lazy("按乡镇（街道）"),
    "organization": gettext_lazy("按基层党组织"),
}


@login_required
def completion_page(request):
    if not request.scope.region_codes:
        raise PermissionDenied(_("完成情况只对党员教育管理员开放"))
    year = _year(request, default=report_year())  # as the dashboard and `dangke stats`
    level = request.GET.get("level", "county")
    if level not in LEVEL_LABELS:
        level = "county"
    within = request.GET.get("within", "")
    if within and not within.isdigit():
        within = ""
    figures = queries.completion(request.scope, year, region_code=within, level=level)
    for group in figures["groups"]:
        if level == "organization":
            group["filter"] = f"organization={group['key']}"
        else:
            group["filter"] = f"within={group['key']}"
    context = {
        "year": year,
        "level": level,
        "levels": LEVEL_LABELS,
        "level_label": LEVEL_LABELS[level],
        "within": within,
        "figures": figures,
        "next_level": {"county": "township", "township": "organization"}.get(level),
    }
    return render(request, "members/completion.html", context)


@login_required
def rule_edit(request):
    managed = request.scope.managed_region_codes
    region_code = request.GET.get("region") or (managed[0] if managed else "")
    if not may_edit_rule(request.scope, region_code):
        raise PermissionDenied(_("只有党员教育管理员可以修改学时规则"))
    year = _year(request)
    rule = (
        StudyRule.objects.unscoped("a region the user may edit")
        .filter(region_id=region_code, year=year)
        .first()
    )
    if rule is None:
        current = services.rule_for(region_code, year)
        rule = StudyRule(region_id=region_code, year=year, **current.__dict__)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_rule(
                scope=request.scope, actor=request.user, region_code=region_code, year=year,
                values={name: form.cleaned_data[name] for name in form.fields},
            )  # fmt: skip
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("学时规则已保存，本年度学时已重新计算"))
            return redirect(reverse("members:rules") + f"?region={region_code}&year={year}")
    context = {"form": form, "year": year, "region_code": region_code}
    return render(request, "members/rules.html", context)


# --- the liaison's roster sign-in and resolving sign-ins ------------------------------------


@login_required
def lesson_roster(request, lesson_pk):
    lesson = get_visible_or_404(
        Lesson.objects.select_related("course", "organization"), request.scope, pk=lesson_pk
    )
    if not may_keep_roster(request.scope, lesson.organization):
        raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以登记签到"))
    organizations = services.lesson_organization_ids(lesson)
    roster_members = (
        Member.objects.unscoped("members of the lesson's organisations")
        .filter(organization_id__in=organizations, status=MemberStatus.ACTIVE)
        .select_related("organization")
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "resolve":
                match = get_visible_or_404(
                    AttendanceMatch.objects.select_related("attendance__lesson__organization"),
                    request.scope, pk=db_id(request.POST.get("match")), attendance__lesson=lesson,
                )  # fmt: skip
                picked = request.POST.get("member")  # empty: the sign-in is no member's
                member = (
                    get_visible_or_404(Member, request.scope, pk=db_id(picked)) if picked else None
                )
                services.resolve_match(match, scope=request.scope, actor=request.user,
                                       member=member)  # fmt: skip
                messages.success(request, _("已核对签到"))
            else:
                ids = [db_id(value) for value in request.POST.getlist("members")]
                picked = roster_members.filter(pk__in=[pk for pk in ids if pk])
                added = services.sign_in_from_roster(
                    lesson, list(picked), scope=request.scope, actor=request.user
                )
                messages.success(request, _("已从名册登记 %(n)s 人") % {"n": added})
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("members:lesson_roster", lesson.pk)
    query = request.GET.get("q", "").strip()
    shown = roster_members.filter(name__contains=query) if query else roster_members
    signed = set(
        AttendanceMatch.objects.unscoped("matches of the lesson held")
        .filter(attendance__lesson=lesson, member__isnull=False)
        .values_list("member_id", flat=True)
    )
    matches = (
        AttendanceMatch.objects.unscoped("matches of the lesson held")
        .filter(attendance__lesson=lesson)
        .select_related("attendance", "member__organization")
        .order_by("outcome", "attendance__signed_at")
    )
    context = {
        "lesson": lesson,
        "members": shown[:500],
        "signed": signed,
        "query": query,
        "matches": matches,
        "unresolved": [m for m in matches if m.outcome == MatchOutcome.UNRESOLVED],
        "roster_all": roster_members,
    }
    return render(request, "members/lesson_roster.html", context)


@login_required
def unresolved_list(request):
    """Sign-ins waiting for the liaison to say who they were, newest lessons first."""
    matches = (
        services.visible_unresolved(request.scope)
        .select_related("attendance__lesson__course", "attendance__lesson__organization")
        .order_by("-attendance__lesson__starts_at", "attendance__signed_at")[:300]
    )
    return render(request, "members/unresolved.html", {"matches": matches})


# --- collective study -----------------------------------------------------------------------


@login_required
def collective_list(request):
    studies = (
        CollectiveStudy.objects.visible_to(request.scope)
        .select_related("organization")
        .prefetch_related("attendees")[:200]
    )
    rows = [
        {"study": study, "can_review": study.status == CollectiveStatus.SUBMITTED
         and may_review_collective(request.scope, study)}
        for study in studies
    ]  # fmt: skip
    organizations = Organization.objects.unscoped("the user's own organisations").filter(
        pk__in=request.scope.organization_ids
    )
    return render(
        request, "members/collective.html", {"rows": rows, "organizations": organizations}
    )


@login_required
def collective_new(request, organization_pk):
    organization = get_visible_or_404(Organization, request.scope, pk=organization_pk)
    if not may_keep_roster(request.scope, organization):
        raise PermissionDenied(_("只有本组织的联络员可以登记集体学习"))
    members = Member.objects.unscoped("members of an organisation fetched in scope").filter(
        organization=organization, status=MemberStatus.ACTIVE
    )
    form = CollectiveForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_collective(
                scope=request.scope, actor=request.user, organization=organization,
                kind=data["kind"], title=data["title"], held_on=data["held_on"],
                minutes=data["minutes"], note=data["note"], members=data["attendees"],
            )  # fmt: skip
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("已登记集体学习，待县级审核后计入学时"))
            return redirect("members:collective")
    return render(
        request, "members/collective_form.html", {"form": form, "organization": organization}
    )


@login_required
@require_POST
def collective_review(request, pk):
    study = get_visible_or_404(CollectiveStudy, request.scope, pk=pk)
    try:
        services.review_collective(
            study, scope=request.scope, actor=request.user,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )  # fmt: skip
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已审核"))
    return redirect("members:collective")


# --- training classes for members ------------------------------------------------------------


@login_required
def class_list(request):
    managed = request.scope.managed_region_codes
    form = StudyClassForm(request.POST or None)
    if request.method == "POST":
        if not managed:
            raise PermissionDenied(_("只有党员教育管理员可以开设培训班"))
        if form.is_valid():
            try:
                study_class = services.create_class(
                    scope=request.scope, actor=request.user, region_code=managed[0],
                    **form.cleaned_data,
                )  # fmt: skip
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect("members:class", study_class.pk)
    classes = StudyClass.objects.visible_to(request.scope).order_by("-starts_on", "-id")[:100]
    context = {"classes": classes, "form": form if managed else None}
    return render(request, "members/classes.html", context)


@login_required
def class_detail(request, pk):
    study_class = get_visible_or_404(StudyClass, request.scope, pk=pk)
    can_manage = request.scope.manages_region(study_class.region_id)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("只有举办区划的管理员可以登记培训班学员"))
        try:
            if request.POST.get("action") == "days":
                enrolment = get_visible_or_404(
                    ClassEnrolment.objects.select_related("study_class", "member"),
                    request.scope, pk=request.POST.get("enrolment"), study_class=study_class,
                )  # fmt: skip
                services.record_class_days(
                    enrolment, request.POST.get("days") or "0", scope=request.scope,
                    actor=request.user,
                )  # fmt: skip
                messages.success(request, _("已登记出勤"))
            else:
                picked = Member.objects.visible_to(request.scope).filter(
                    pk__in=request.POST.getlist("members")
                )
                added = services.enrol_members(
                    study_class, list(picked), scope=request.scope, actor=request.user
                )
                messages.success(request, _("已新增学员 %(n)s 人") % {"n": added})
        except (ValidationError, ArithmeticError, ValueError) as error:
            for message in getattr(error, "messages", [_("出勤天数不正确")]):
                messages.error(request, message)
        return redirect(reverse("members:class", args=[pk]) + "?" + request.GET.urlencode())
    enrolments = study_class.enrolments.select_related("member__organization").order_by(
        "member__organization__name", "member__name"
    )
    organization = None
    candidates = []
    if can_manage and request.GET.get("organization", "").isdigit():
        organization = get_visible_or_404(
            Organization, request.scope, pk=request.GET["organization"]
        )
        enrolled = {e.member_id for e in enrolments}
        candidates = [
            m
            for m in Member.objects.unscoped("members of the organisation held")
            .filter(organization=organization, status=MemberStatus.ACTIVE)
            .order_by("name")
            if m.pk not in enrolled
        ]
    organizations = (
        Organization.objects.visible_to(request.scope)
        .filter(region__code__startswith=study_class.region_id)
        .order_by("name")
        .only("pk", "name")[:2000]
        if can_manage
        else []
    )
    context = {
        "study_class": study_class,
        "enrolments": enrolments,
        "can_manage": can_manage,
        "organizations": organizations,
        "organization": organization,
        "candidates": candidates,
    }
    return render(request, "members/class.html", context)
