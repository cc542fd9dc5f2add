"""Every change to the roster and the study ledger. Each write ends by refreshing the
rollup (`StudyYear`) of the members it touched, so pages read one row per member-year.

Matching a sign-in to a member follows one rule: a sign-in becomes a member's only when
its name *and* phone match exactly one member, or when the liaison picks the member.
Anything else is recorded as a non-member or left 待核对 for the liaison — never merged.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.accounts.scoping import Scope
from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.members import hours as h
from dangke.members import rollup as study_rollup
from dangke.members.models import (
    CREDITED_OUTCOMES,
    LEADER_POSTS,
    AttendanceMatch,
    ClassEnrolment,
    CollectiveStatus,
    CollectiveStudy,
    MatchOutcome,
    Member,
    MemberStatus,
    StudyClass,
    StudyRecord,
    StudyRule,
    StudySource,
    StudyYear,
    new_view_token,
)
from dangke.members.rules import may_edit_rule, may_keep_roster, may_review_collective

BATCH = 2000
ONLINE_MODES = ("online", "loudspeaker")


class MembersError(ValidationError):
    pass


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


# --- rules ----------------------------------------------------------------------------------


def rules_for_year(year: int) -> dict[str, h.RuleValues]:
    """Region code → the rule saved for that region and year (one query)."""
    return {
        rule.region_id: rule.values()
        for rule in StudyRule.objects.unscoped("study rules are read along a region chain").filter(
            year=year
        )
    }


def pick_rule(rules: dict[str, h.RuleValues], region_code: str) -> h.RuleValues:
    """The most specific saved rule whose region contains `region_code`, else the default."""
    best = ""
    for code in rules:
        if region_code.startswith(code) and len(code) > len(best):
            best = code
    return rules[best] if best else h.RuleValues()


def rule_for(region_code: str, year: int) -> h.RuleValues:
    return pick_rule(rules_for_year(year), region_code)


@transaction.atomic
def save_rule(*, scope: Scope, actor, region_code: str, year: int, values: dict) -> StudyRule:
    """A region admin sets the year's rule; the year is recomputed for every member
    inside the region, so the pages show the new figures at once."""
    if not may_edit_rule(scope, region_code):
        raise PermissionDenied(_("只有该区划的党员教育管理员可以修改学时规则"))
    rule, created = StudyRule.objects.get_or_create(region_id=region_code, year=year)
    before = rule.values()
    for name, value in values.items():
        setattr(rule, name, value)
    rule.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    rule.full_clean()
    rule.save()
    changed = [
        f"{name}: {getattr(before, name)}→{getattr(rule, name)}"
        for name in h.RuleValues.field_names()
        if getattr(before, name) != getattr(rule, name)
    ]
    record_audit(
        rule,
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        to_value="; ".join(changed) or _("未改动"),
        reason=_("修改学时规则"),
    )
    recompute_year(year, region_code=region_code)
    return rule


def recompute_year(year: int, *, region_code: str = "") -> int:
    """Recompute every line's 学时 of `year` from its minutes or days under the rules now
    in force, then the rollups. Returns the number of members refreshed."""
    rules = rules_for_year(year)
    members = Member.objects.filter(region__code__startswith=region_code)
    member_ids = list(members.values_list("pk", flat=True))
    for start in range(0, len(member_ids), BATCH):
        chunk = member_ids[start : start + BATCH]
        records = list(
            StudyRecord.objects.filter(member_id__in=chunk, year=year).select_related("member")
        )
        changed = []
        for record in records:
            rule = pick_rule(rules, record.member.region_id)
            raw = _raw_hours(record, rule)
            concentrated = h.is_concentrated(raw, record.source == StudySource.CLASS, rule)
            if (raw, concentrated) != (record.raw_hours, record.concentrated):
                record.raw_hours, record.concentrated = raw, concentrated
                changed.append(record)
        # Only what the rule changed is written: a bulk update of every line costs minutes.
        StudyRecord.objects.bulk_update(changed, ["raw_hours", "concentrated"], batch_size=500)
        refresh_years(chunk, year, rules=rules)
    return len(member_ids)


def _raw_hours(record: StudyRecord, rule: h.RuleValues) -> Decimal:
    if record.source == StudySource.CLASS:
        return h.days_to_hours(record.days, rule)
    return h.minutes_to_hours(record.minutes, rule)


def _cap_of(record: StudyRecord) -> str:
    if record.source == StudySource.COLLECTIVE:
        return "collective"
    return "online" if record.online else ""


# --- the rollup -----------------------------------------------------------------------------


def refresh_years(member_ids, year: int, *, rules=None) -> None:
    """Apply the caps to the members' lines of `year` and write their rollup rows."""
    member_ids = list(set(member_ids))
    if not member_ids:
        return
    rules = rules if rules is not None else rules_for_year(year)
    members = {
        m.pk: m for m in Member.objects.unscoped("the members held").filter(pk__in=member_ids)
    }
    lines = defaultdict(list)
    for record in (
        StudyRecord.objects.unscoped("the members held")
        .filter(member_id__in=member_ids, year=year)
        .order_by("member_id", "occurred_on", "id")
    ):
        lines[record.member_id].append(record)
    existing = {
        row.member_id: row
        for row in StudyYear.objects.unscoped("the members held").filter(
            member_id__in=member_ids, year=year
        )
    }
    study_rollup.study_years_changed([row.region_id for row in existing.values()], year)
    changed_records, new_rows, changed_rows = [], [], []
    for member_id, member in members.items():
        rule = pick_rule(rules, member.region_id)
        records = lines.get(member_id, [])
        credited = h.credit(
            [h.Line(r.pk, r.raw_hours, _cap_of(r), r.concentrated) for r in records], rule
        )
        for record, line in zip(records, credited, strict=True):
            if record.hours != line.hours:
                record.hours = line.hours
                changed_records.append(record)
        total = sum((line.hours for line in credited), h.ZERO)
        concentrated = any(line.concentrated and line.hours > 0 for line in credited)
        leader = member.post in LEADER_POSTS
        values = {
            "region_id": member.region_id,
            "organization_id": member.organization_id,
            "is_leader": leader,
            "is_active": member.status == MemberStatus.ACTIVE,
            "hours": total,
            "lines": len(records),
            "concentrated": concentrated,
            "target": h.target_for(leader, rule),
            "met": h.target_met(total, concentrated, leader, rule),
        }
        row = existing.get(member_id)
        if row is None and not records and not values["is_active"]:
            continue  # left the roster with no line that year: no year to keep
        if row is None:
            new_rows.append(StudyYear(member_id=member_id, year=year, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed_rows.append(row)
    # The counties' study figures where the rows are now, and where they were (above).
    study_rollup.study_years_changed([member.region_id for member in members.values()], year)
    StudyRecord.objects.bulk_update(changed_records, ["hours"], batch_size=BATCH)
    StudyYear.objects.bulk_create(new_rows, batch_size=BATCH)
    StudyYear.objects.bulk_update(
        changed_rows,
        ["region", "organization", "is_leader", "is_active", "hours", "lines", "concentrated",
         "target", "met"],
        batch_size=BATCH,
    )  # fmt: skip


def rebuild_study_years(year: int, *, region_code: str = "") -> int:
    """Rebuild the rollup of `year` from the ledger: every member with lines that year or
    on the roster now gets a row; rows of members with neither go."""
    with transaction.atomic():
        with_lines = set(
            StudyRecord.objects.filter(year=year, member__region__code__startswith=region_code)
            .values_list("member_id", flat=True)
            .distinct()
        )
        active = set(
            Member.objects.filter(
                region__code__startswith=region_code, status=MemberStatus.ACTIVE
            ).values_list("pk", flat=True)
        )
        wanted = with_lines | active
        leaving = StudyYear.objects.filter(year=year, region__code__startswith=region_code).exclude(
            member_id__in=wanted
        )
        study_rollup.study_years_changed(leaving.values_list("region_id", flat=True), year)
        leaving.delete()
        return recompute_year(year, region_code=region_code) if wanted else 0


# --- the ledger -----------------------------------------------------------------------------


def _lesson_day(lesson) -> datetime.date:
    return timezone.localtime(lesson.starts_at).date()


def _credit_match(match: AttendanceMatch) -> None:
    """The lesson's line for the matched member, replaced when the match changes."""
    touched = set()
    old = StudyRecord.objects.unscoped("the match held").filter(match=match).first()
    if old is not None:
        touched.add((old.member_id, old.year))
        old.delete()
    if match.outcome in CREDITED_OUTCOMES and match.member_id:
        lesson = match.attendance.lesson
        day = _lesson_day(lesson)
        rule = rule_for(match.member.region_id, day.year)
        raw = h.minutes_to_hours(lesson.duration_minutes, rule)
        StudyRecord.objects.create(
            member_id=match.member_id,
            year=day.year,
            occurred_on=day,
            source=StudySource.LESSON,
            title=str(lesson.course.title)[:160],
            minutes=lesson.duration_minutes,
            online=lesson.mode in ONLINE_MODES,
            raw_hours=raw,
            concentrated=h.is_concentrated(raw, False, rule),
            match=match,
        )
        touched.add((match.member_id, day.year))
    for member_id, year in touched:
        refresh_years([member_id], year)


def lesson_organization_ids(lesson) -> set[int]:
    return {lesson.organization_id, *lesson.other_organizations.values_list("pk", flat=True)}


def match_attendance(attendance) -> AttendanceMatch:
    """Decide who a new sign-in was (see the module's rule) and credit the member."""
    lesson = attendance.lesson
    organizations = lesson_organization_ids(lesson)
    name, phone = attendance.name.strip(), normalise_phone(attendance.phone)
    # A member of another organisation is looked for in the lesson's city.
    nearby = Member.objects.unscoped(
        "a member of another organisation, in the lesson's city"
    ).filter(region__code__startswith=lesson.region_id[:4], status=MemberStatus.ACTIVE)
    by_phone = list(nearby.filter(phone=phone)) if len(phone) == 11 else []
    exact = [member for member in by_phone if member.name == name]
    member, note = None, ""
    if len(exact) == 1:
        member = exact[0]
        outcome = (
            MatchOutcome.MEMBER
            if member.organization_id in organizations
            else MatchOutcome.OTHER_ORGANIZATION
        )
    elif exact:
        outcome, note = MatchOutcome.UNRESOLVED, _("名册中有多名同名同手机号的党员")
    elif by_phone:
        outcome, note = MatchOutcome.UNRESOLVED, _("手机号在名册中，但姓名不符")
    elif nearby.filter(organization_id__in=organizations, name=name).exists():
        outcome, note = MatchOutcome.UNRESOLVED, _("与本组织党员同名，但手机号不符")
    else:
        outcome = MatchOutcome.NON_MEMBER
    match = AttendanceMatch.objects.create(
        attendance=attendance, member=member, outcome=outcome, note=note
    )
    if member is not None:
        _credit_match(match)
    return match


@transaction.atomic
def resolve_match(match: AttendanceMatch, *, scope: Scope, actor, member=None) -> AttendanceMatch:
    """The liaison says who a sign-in was: a member of a visible roster, or (member None)
    a non-member. Audited; the ledger follows."""
    lesson = match.attendance.lesson
    if not may_keep_roster(scope, lesson.organization):
        raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以核对签到"))
    before = match.get_outcome_display()
    if member is None:
        match.member, match.outcome = None, MatchOutcome.NON_MEMBER
    else:
        if not Member.objects.visible_to(scope).filter(pk=member.pk).exists():
            raise MembersError(_("只能选择您名册中的党员"))
        if (
            AttendanceMatch.objects.unscoped("matches of the lesson held")
            .filter(attendance__lesson=lesson, member=member)
            .exclude(pk=match.pk)
            .exists()
        ):
            raise MembersError(_("%(name)s 已经签到过本次授课") % {"name": member.name})
        match.member = member
        match.outcome = (
            MatchOutcome.MEMBER
            if member.organization_id in lesson_organization_ids(lesson)
            else MatchOutcome.OTHER_ORGANIZATION
        )
    match.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    match.resolved_at = timezone.now()
    match.note = ""
    match.save()
    record_audit(
        match.attendance.lesson,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        field="attendance",
        from_value=f"{match.attendance.name}：{before}",
        to_value=f"{match.attendance.name}：{match.get_outcome_display()}"
        + (f" {member.name}" if member else ""),
        reason=_("核对签到"),
    )
    _credit_match(match)
    return match


@transaction.atomic
def sign_in_from_roster(lesson, members, *, scope: Scope, actor) -> int:
    """The liaison ticks members on the roster: each is signed in to the lesson (once)
    and tied to the member picked, whatever their phone says."""
    from dangke.delivery.services import sign_listed

    if not may_keep_roster(scope, lesson.organization):
        raise PermissionDenied(_("只有承办组织的联络员或所在区划的管理员可以登记签到"))
    allowed = lesson_organization_ids(lesson)
    already = set(
        AttendanceMatch.objects.unscoped("matches of the lesson held")
        .filter(attendance__lesson=lesson, member__isnull=False)
        .values_list("member_id", flat=True)
    )
    added = 0
    for member in members:
        if member.organization_id not in allowed or member.pk in already:
            continue
        attendance, _created = sign_listed(
            lesson, name=member.name, phone=member.phone, organization_name=str(member.organization)
        )
        match = (
            AttendanceMatch.objects.unscoped("the attendance held")
            .filter(attendance=attendance)
            .first()
        )
        if match is None:
            match = AttendanceMatch(attendance=attendance)
        if match.member_id != member.pk:
            match.member, match.outcome, match.note = member, MatchOutcome.MEMBER, ""
            match.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
            match.resolved_at = timezone.now()
            match.save()
            _credit_match(match)
        already.add(member.pk)
        added += 1
    if added:
        record_audit(
            lesson, actor=actor, action=AuditEntry.Action.UPDATE, field="attendance",
            to_value=_("从名册登记 %(n)s 人") % {"n": added},
        )  # fmt: skip
    return added


# --- training classes and collective study ---------------------------------------------------


@transaction.atomic
def create_class(*, scope: Scope, actor, region_code: str, title: str, starts_on, ends_on):
    """A region admin opens a training class for members (乡镇党校, 春训冬训, 积极分子)."""
    if not scope.manages_region(region_code):
        raise PermissionDenied(_("只有该区划的党员教育管理员可以开设培训班"))
    if ends_on < starts_on:
        raise MembersError({"ends_on": _("结业日期不能早于开班日期")})
    study_class = StudyClass.objects.create(
        title=title, region_id=region_code, starts_on=starts_on, ends_on=ends_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    record_audit(study_class, actor=actor, action=AuditEntry.Action.CREATE, to_value=title)
    return study_class


@transaction.atomic
def enrol_members(study_class: StudyClass, members, *, scope: Scope, actor) -> int:
    """Members picked from rosters the admin sees join the class (once each)."""
    if not scope.manages_region(study_class.region_id):
        raise PermissionDenied(_("只有举办区划的管理员可以登记培训班学员"))
    visible = set(
        Member.objects.visible_to(scope)
        .filter(pk__in=[member.pk for member in members])
        .values_list("pk", flat=True)
    )
    already = set(study_class.enrolments.values_list("member_id", flat=True))
    new = [
        ClassEnrolment(study_class=study_class, member_id=pk) for pk in sorted(visible - already)
    ]
    ClassEnrolment.objects.bulk_create(new)
    if new:
        added = _("新增学员 %(n)s 人") % {"n": len(new)}
        record_audit(
            study_class, actor=actor, action=AuditEntry.Action.UPDATE, field="enrolments",
            to_value=added,
        )  # fmt: skip
    return len(new)


@transaction.atomic
def record_class_days(enrolment: ClassEnrolment, days, *, scope: Scope, actor) -> StudyRecord:
    """A member's days at a training class become one line (集中培训)."""
    study_class: StudyClass = enrolment.study_class
    if not scope.manages_region(study_class.region_id):
        raise PermissionDenied(_("只有举办区划的管理员可以登记培训班出勤"))
    days = Decimal(str(days))
    length = Decimal((study_class.ends_on - study_class.starts_on).days + 1)
    if days < 0 or days > length:
        raise MembersError(_("出勤天数应在 0 到 %(n)s 之间") % {"n": length})
    enrolment.days_attended = days
    enrolment.save(update_fields=["days_attended"])
    StudyRecord.objects.unscoped("the enrolment held").filter(enrolment=enrolment).delete()
    year = study_class.ends_on.year
    rule = rule_for(enrolment.member.region_id, year)
    raw = h.days_to_hours(days, rule)
    record = StudyRecord.objects.create(
        member=enrolment.member,
        year=year,
        occurred_on=study_class.ends_on,
        source=StudySource.CLASS,
        title=study_class.title[:160],
        days=days,
        raw_hours=raw,
        concentrated=True,
        enrolment=enrolment,
    )
    record_audit(
        study_class, actor=actor, action=AuditEntry.Action.UPDATE, field="days_attended",
        to_value=f"{enrolment.member.name}：{days}",
    )  # fmt: skip
    refresh_years([enrolment.member_id], year)
    return record


@transaction.atomic
def record_collective(*, scope: Scope, actor, organization, kind, title, held_on, minutes, note,
                      members) -> CollectiveStudy:  # fmt: skip
    """The liaison records a branch's collective study; it waits for the county."""
    if not may_keep_roster(scope, organization):
        raise PermissionDenied(_("只有本组织的联络员可以登记集体学习"))
    if held_on > timezone.localdate():
        raise MembersError({"held_on": _("学习日期不能晚于今天")})
    members = list(members)
    if not members:
        raise MembersError({"attendees": _("请选择参加学习的党员")})
    if any(member.organization_id != organization.pk for member in members):
        raise MembersError({"attendees": _("只能选择本组织名册中的党员")})
    study = CollectiveStudy.objects.create(
        organization=organization, kind=kind, title=title, held_on=held_on, minutes=minutes,
        note=note, recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    study.attendees.set(members)
    record_audit(study, actor=actor, action=AuditEntry.Action.CREATE,
                 to_value=_("%(n)s 人参加") % {"n": len(members)})  # fmt: skip
    return study


@transaction.atomic
def review_collective(study: CollectiveStudy, *, scope: Scope, actor, approve: bool, note=""):
    """The county approves (the attendees are credited) or returns it with a reason."""
    if not may_review_collective(scope, study):
        raise PermissionDenied(_("集体学习由县级党员教育管理员审核"))
    locked = (
        CollectiveStudy.objects.unscoped("the held study, under a lock")
        .select_for_update()
        .get(pk=study.pk)
    )
    if locked.status != CollectiveStatus.SUBMITTED:
        raise MembersError(_("该记录已审核过"))
    if not approve and not note.strip():
        raise MembersError({"review_note": _("退回时请写明原因")})
    new_status = CollectiveStatus.APPROVED if approve else CollectiveStatus.RETURNED
    CollectiveStudy.objects.unscoped("the study fetched in scope").filter(pk=study.pk).update(
        status=new_status,
        reviewed_by=actor if getattr(actor, "is_authenticated", False) else None,
        review_note=note.strip()[:200],
    )
    study.refresh_from_db()
    record_audit(study, actor=actor, action=AuditEntry.Action.STATUS,
                 from_value=CollectiveStatus.SUBMITTED.label, to_value=new_status.label,
                 reason=note)  # fmt: skip
    if approve:
        credit_collective([study])
    return study


def credit_collective(studies) -> None:
    """Lines for the attendees of approved collective studies (bulk; the demo uses it)."""
    touched = defaultdict(set)
    rules_by_year = {}
    records = []
    through = CollectiveStudy.attendees.through
    by_study = defaultdict(list)
    for study_id, member_id, region_id in through.objects.filter(
        collectivestudy_id__in=[s.pk for s in studies]
    ).values_list("collectivestudy_id", "member_id", "member__region_id"):
        by_study[study_id].append((member_id, region_id))
    for study in studies:
        year = study.held_on.year
        rules = rules_by_year.setdefault(year, rules_for_year(year))
        for member_id, region_id in by_study[study.pk]:
            rule = pick_rule(rules, region_id)
            raw = h.minutes_to_hours(study.minutes, rule)
            records.append(
                StudyRecord(
                    member_id=member_id, year=year, occurred_on=study.held_on,
                    source=StudySource.COLLECTIVE,
                    title=f"{study.get_kind_display()}：{study.title}"[:160],
                    minutes=study.minutes, raw_hours=raw,
                    concentrated=h.is_concentrated(raw, False, rule), collective=study,
                )
            )  # fmt: skip
            touched[year].add(member_id)
    StudyRecord.objects.bulk_create(records, batch_size=BATCH)
    for year, member_ids in touched.items():
        refresh_years(member_ids, year, rules=rules_by_year[year])


# --- the roster -----------------------------------------------------------------------------


def reissue_view_link(member: Member, *, scope: Scope, actor) -> Member:
    """A new personal link; the old one stops working at once (a lost phone, a forwarded
    link)."""
    if not may_keep_roster(scope, member.organization):
        raise PermissionDenied(_("只有本组织的联络员或所在区划的管理员可以重发个人查询链接"))
    member.view_token = new_view_token()
    member.save(update_fields=["view_token", "updated_at"])
    record_audit(member, actor=actor, action=AuditEntry.Action.UPDATE, field="view_token",
                 to_value=_("重发个人查询链接"))  # fmt: skip
    return member


def audit_export(queryset_model, *, actor, region_code: str, rows: int, what: str) -> None:
    """Every roster export leaves a trace: who, when, which region, how many rows."""
    AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=AuditEntry.Action.UPDATE,
        content_type_id=_content_type_id(queryset_model),
        object_id="",
        object_repr=_("导出%(what)s") % {"what": what},
        field="export",
        to_value=_("%(rows)s 行") % {"rows": rows},
        reason=_("导出名册"),
        region_code=region_code,
    )


def _content_type_id(model) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


def ensure_years(member_ids, year: int) -> None:
    """Rollup rows for members who have none this year yet (new on the roster)."""
    refresh_years(
        set(member_ids)
        - set(
            StudyYear.objects.filter(member_id__in=member_ids, year=year).values_list(
                "member_id", flat=True
            )
        ),
        year,
    )


def member_for_token(token: str) -> Member | None:
    if not token or len(token) < 16:
        return None
    return (
        Member.objects.unscoped("a member's own link, by its token")
        .select_related("organization")
        .filter(view_token=token)
        .first()
    )


def visible_unresolved(scope: Scope):
    return AttendanceMatch.objects.visible_to(scope).filter(Q(outcome=MatchOutcome.UNRESOLVED))
