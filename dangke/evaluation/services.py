"""Evaluation's state changes: opening and closing surveys, invitations, accepting an
answer sheet, reviewing comments, sending follow-ups. Views, the API, commands and tasks
call these; nothing else writes these rows.

Scores are computed in `dangke.evaluation.scores`; consequences in
`dangke.evaluation.consequences`.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core import signing
from django.core.cache import InvalidCacheBackendError, caches
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dangke.core import ratelimit
from dangke.core.models import AuditEntry
from dangke.core.services import notify, record_audit
from dangke.delivery.models import LessonStatus
from dangke.evaluation import rollups
from dangke.evaluation.basis import survey_basis, take_basis
from dangke.evaluation.indicators import check_tree, leaves_of, system_for
from dangke.evaluation.models import (
    DEFAULT_WINDOW,
    CommentStatus,
    Indicator,
    IndicatorSystem,
    Invitation,
    RaterKind,
    Response,
    SurplusDecision,
    Survey,
    SurveyComment,
    SurveyKind,
)

COMMENT_MAX = 500


class SurveyError(ValidationError):
    """A request the survey cannot accept; the message says why, in Chinese."""


class RateLimited(SurveyError):
    """Too many sheets from one address this minute (`submit_response`'s `rate_limit`)."""


@dataclass(frozen=True)
class StageRole:
    """A rater role as asked in one survey: its kind and the leaves of this stage."""

    kind: str
    label: str
    leaves: tuple[Indicator, ...]


def stage_roles(survey: Survey) -> dict[str, StageRole]:
    """Each role that answers this survey, with the leaves it is asked at this stage
    (on the day: the leaves not kept for the follow-up; the follow-up: those kept), as the
    survey's scoring basis has them: a form asks what the score will count."""
    follow_up = survey.kind == SurveyKind.FOLLOW_UP
    leaves = leaves_of(survey.system)
    result = {}
    for role in survey_basis(survey)["rater_roles"]:
        asked = set(role["asked"])
        stage = tuple(leaf for leaf in leaves if leaf.key in asked and leaf.follow_up == follow_up)
        if stage:
            label = str(RaterKind(role["kind"]).label)
            result[role["kind"]] = StageRole(role["kind"], label, stage)
    return result


# --- The rater's page (issue #19): what a hall of phones reads, a few hundred times a
# minute. The view caches what every phone of a survey version shares (the roles with
# their leaves, the rendered questions); per phone it reads one row and writes one sheet.


@dataclass(frozen=True)
class AskedLeaf:
    """A leaf as a rating form asks it: plain values, so a form cached for a survey's
    phones holds no model rows (cheap to copy out of a cache, nothing to refresh)."""

    key: str
    name: str
    dimension: str
    scale_min: int
    scale_max: int


def asked_roles(survey: Survey) -> dict[str, StageRole]:
    """`stage_roles` as a rating form asks them, with `AskedLeaf` leaves."""
    return {
        kind: StageRole(
            role.kind,
            role.label,
            tuple(
                AskedLeaf(
                    leaf.key,
                    leaf.name,
                    leaf.parent.name if leaf.parent_id else "",
                    leaf.scale_min,
                    leaf.scale_max,
                )
                for leaf in role.leaves
            ),
        )
        for kind, role in stage_roles(survey).items()
    }


# The fields of a survey a phone's request reads; the others stay deferred.
RATER_SURVEY_FIELDS = (
    "id", "kind", "main", "lesson", "training_class", "public_key", "title", "opens_at",
    "closes_at", "attendance", "system",
)  # fmt: skip


@dataclass(frozen=True)
class _RaterSurveyQuery:
    sql: str
    fields: tuple  # the survey's fields read, in the model's order (as Model.from_db wants)
    converters: tuple  # per field: the (converter, expression) pairs the ORM would apply


@functools.cache
def _rater_survey_query(by: str) -> _RaterSurveyQuery:
    """One statement for everything a phone's request needs to know of its survey, with
    the ORM's own value converters. Plain SQL because the ORM compiles a query with these
    joins in milliseconds each time, which at a hall's rate was a large part of a phone's
    visit (docs/benchmarks.md, issue #19)."""
    from dangke.courses.models import Course
    from dangke.delivery.models import Lesson
    from dangke.quizzes.models import Quiz
    from dangke.regions.models import Organization

    quote = connection.ops.quote_name

    def table(model):
        return quote(model._meta.db_table)

    def column(model, alias, name):
        return f"{alias}.{quote(model._meta.get_field(name).column)}"

    fields = tuple(
        field for field in Survey._meta.concrete_fields if field.name in RATER_SURVEY_FIELDS
    )
    columns = ", ".join(f"s.{quote(field.column)}" for field in fields)
    sql = (
        f"SELECT {columns}, "
        f"{column(IndicatorSystem, 'y', 'is_locked')}, "
        f"{column(Course, 'c', 'title')}, "
        f"{column(Organization, 'o', 'name')}, "
        f"{column(Lesson, 'l', 'starts_at')}, "
        f"EXISTS (SELECT 1 FROM {table(Quiz)} q WHERE {column(Quiz, 'q', 'survey')} = "
        f"{column(Survey, 's', 'id')} AND {column(Quiz, 'q', 'stage')} = %s) "
        f"FROM {table(Survey)} s "
        f"JOIN {table(IndicatorSystem)} y ON {column(IndicatorSystem, 'y', 'id')} = "
        f"{column(Survey, 's', 'system')} "
        f"LEFT JOIN {table(Lesson)} l ON {column(Lesson, 'l', 'id')} = "
        f"{column(Survey, 's', 'lesson')} "
        f"LEFT JOIN {table(Course)} c ON {column(Course, 'c', 'id')} = "
        f"{column(Lesson, 'l', 'course')} "
        f"LEFT JOIN {table(Organization)} o ON {column(Organization, 'o', 'id')} = "
        f"{column(Lesson, 'l', 'organization')} "
        f"WHERE {column(Survey, 's', by)} = %s"
    )
    converters = []
    for field in fields:
        expression = field.get_col("s")
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        converters.append(tuple((converter, expression) for converter in found))
    return _RaterSurveyQuery(sql, fields, tuple(converters))


def rater_survey(*, public_key: str | None = None, pk: int | None = None) -> Survey | None:
    """The survey behind a venue QR code (`public_key`) or an invitation (`pk`), read
    fresh for every request (its window and attendance may change at any time), with
    what its page shows of the lesson (`rater_*` attributes) and whether it has a quiz.
    Public by the key, so no scope: the key is the rater's only credential."""
    from dangke.quizzes.models import QuizStage

    by, value = ("public_key", public_key) if pk is None else ("id", pk)
    query = _rater_survey_query(by)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, [QuizStage.POST, value])
        row = cursor.fetchone()
    if row is None:
        return None
    count = len(query.fields)
    values = list(row[:count])
    for index, converters in enumerate(query.converters):
        for converter, expression in converters:
            values[index] = converter(values[index], expression, connection)
    survey = Survey.from_db(connection.alias, [field.attname for field in query.fields], values)
    locked, course, organization, lesson_start, has_quiz = row[count:]
    survey.rater_system_locked = bool(locked)
    survey.rater_course_title = course
    survey.rater_organization_name = organization
    survey.rater_lesson_start = lesson_start  # as stored: only compared, never shown
    survey.rater_has_quiz = bool(has_quiz)
    return survey


RATER_FORM_TIMEOUT = 60 * 60 * 6


def rater_form_version(survey: Survey) -> str | None:
    """The version of what every phone of `survey` is shown, as a cache key: the survey
    (by its public key, random and never reused, unlike a row id), its indicator system,
    the language, and a digest of the page's heading (the survey's title, the course, the
    organisation, the lesson's start), so an edit of any of these is a new key. The basis
    is written once, when the survey is opened, and the system's tree is frozen from then
    on (a change goes into a new version: another system row, another key), so nothing
    under this key changes and a per-process cache never needs telling. None while the
    tree can still change (a survey made by hand on an unlocked system): then the form is
    built afresh for every request. `survey` comes from `rater_survey`."""
    if not survey.rater_system_locked:
        return None
    heading = repr(
        (
            survey.title,
            survey.rater_course_title,
            survey.rater_organization_name,
            str(survey.rater_lesson_start),
        )
    )
    digest = hashlib.blake2b(heading.encode(), digest_size=8).hexdigest()
    return f"rater-form:1:{survey.public_key}:{survey.system_id}:{get_language()}:{digest}"


def local_cache():
    """The process's memory cache (settings: CACHES["local"]); the default cache where a
    deployment's settings replaced CACHES without it."""
    try:
        return caches["local"]
    except InvalidCacheBackendError:
        return caches["default"]


def _held(system):
    """The system's row locked until the survey is saved, so no change to its roles can
    come between the snapshot of its weights and the lock that freezes them."""
    return (
        type(system)
        .objects.unscoped("the held system, under a lock")
        .select_for_update()
        .get(pk=system.pk)
    )


def _lock_for_survey(system, survey: Survey, *, actor) -> None:
    """Answers will refer to this tree: it must not change under them (changes go into a
    new version). Audited the first time, naming the survey that froze it."""
    if system.is_locked:
        return
    type(system).objects.unscoped("the tree of the survey just opened").filter(pk=system.pk).update(
        is_locked=True
    )
    system.is_locked = True
    record_audit(
        system, actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=AuditEntry.Action.STATUS, field="is_locked", from_value=_("可修改"),
        to_value=_("已冻结"), reason=_("测评「%(title)s」已使用") % {"title": survey.title},
    )  # fmt: skip


@transaction.atomic
def open_survey(lesson, *, actor, opens_at=None, closes_at=None, system=None, basis=None) -> Survey:
    """Open the on-the-day survey of a lesson, and schedule its follow-up when the
    indicator system keeps effect indicators for later. The window defaults to the start of
    the lesson until 24 hours after it. `basis` is `take_basis(system, lesson.campaign)`
    when a caller opening many surveys of one system and campaign (the demo) took it once."""
    if lesson.status == LessonStatus.CANCELLED:
        raise SurveyError(_("已取消的授课不能发起测评"))
    existing = (
        Survey.objects.unscoped("the survey of the lesson held")
        .filter(lesson=lesson, kind=SurveyKind.ON_SITE)
        .first()
    )
    if existing:
        raise SurveyError(_("该授课已发起测评（%(title)s）") % {"title": existing.title})
    system = system or system_for(lesson.region, timezone.localtime(lesson.starts_at).year)
    system = _held(system)
    check_tree(system)
    opens_at = opens_at or lesson.starts_at
    closes_at = closes_at or lesson.starts_at + DEFAULT_WINDOW
    if closes_at <= opens_at:
        raise SurveyError(_("截止时间须晚于开始时间"))
    survey = Survey.objects.create(
        kind=SurveyKind.ON_SITE,
        lesson=lesson,
        title=_("%(course)s · %(org)s · %(day)s")
        % {
            "course": lesson.course.title,
            "org": lesson.organization.name if lesson.organization_id else "",
            "day": timezone.localtime(lesson.starts_at).strftime("%Y-%m-%d"),
        },
        region=lesson.region,
        system=system,
        basis=basis if basis is not None else take_basis(system, lesson.campaign),
        opens_at=opens_at,
        closes_at=closes_at,
        attendance=lesson.attendees_count,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if any(leaf.follow_up for leaf in leaves_of(system)):
        follow_up_opens = lesson.starts_at + timedelta(days=system.follow_up_days)
        Survey.objects.create(
            kind=SurveyKind.FOLLOW_UP,
            main=survey,
            lesson=lesson,
            title=_("%(title)s（效果回访）") % {"title": survey.title},
            region=lesson.region,
            system=system,
            opens_at=follow_up_opens,
            closes_at=follow_up_opens + timedelta(days=system.follow_up_window_days),
            attendance=lesson.attendees_count,
            created_by=survey.created_by,
        )
    _lock_for_survey(system, survey, actor=actor)
    record_audit(survey, actor=actor, action=AuditEntry.Action.CREATE, reason=_("发起测评"))
    return survey


@transaction.atomic
def open_class_survey(
    training_class, *, actor, opens_at=None, closes_at=None, system=None
) -> Survey:
    """Open the survey of a training class as a whole, answered by its trainees at the
    venue code and by named raters through invitations. The window defaults to the whole
    class, from its first morning until the day after it ends (Asia/Shanghai); the
    publish threshold counts the enrolled trainees."""
    from dangke.training.models import ClassStatus, EnrollmentStatus

    if training_class.status == ClassStatus.CANCELLED:
        raise SurveyError(_("已取消的培训班不能发起测评"))
    existing = (
        Survey.objects.unscoped("the survey of the class held")
        .filter(training_class=training_class, kind=SurveyKind.ON_SITE)
        .first()
    )
    if existing:
        raise SurveyError(_("该培训班已发起测评（%(title)s）") % {"title": existing.title})
    zone = timezone.get_default_timezone()
    first_morning = datetime.combine(training_class.starts_on, time(0), tzinfo=zone)
    day_after_end = datetime.combine(training_class.ends_on, time(0), tzinfo=zone) + timedelta(
        days=2
    )
    opens_at = opens_at or first_morning
    closes_at = closes_at or day_after_end
    if closes_at <= opens_at:
        raise SurveyError(_("截止时间须晚于开始时间"))
    system = system or system_for(training_class.region, training_class.starts_on.year)
    system = _held(system)
    check_tree(system)
    enrolled = training_class.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN).count()
    survey = Survey.objects.create(
        kind=SurveyKind.ON_SITE,
        training_class=training_class,
        title=_("培训班：%(title)s") % {"title": training_class.title},
        region=training_class.region,
        system=system,
        basis=take_basis(system),
        opens_at=opens_at,
        closes_at=closes_at,
        attendance=enrolled,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _lock_for_survey(system, survey, actor=actor)
    record_audit(survey, actor=actor, action=AuditEntry.Action.CREATE, reason=_("发起培训班测评"))
    return survey


@transaction.atomic
def close_survey(survey: Survey, *, actor, now=None) -> Survey:
    now = now or timezone.now()
    if survey.closes_at <= now:
        raise SurveyError(_("测评已经结束"))
    old = survey.closes_at
    survey.closes_at = max(now, survey.opens_at + timedelta(seconds=1))
    survey.save(update_fields=["closes_at"])
    record_audit(
        survey,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        field="closes_at",
        from_value=timezone.localtime(old).strftime("%Y-%m-%d %H:%M"),
        to_value=timezone.localtime(survey.closes_at).strftime("%Y-%m-%d %H:%M"),
        reason=_("提前结束测评"),
    )
    return survey


def invite(survey: Survey, *, role: str, names: list[str], actor) -> list[Invitation]:
    """One-time codes for named raters; refuses roles this survey does not ask."""
    if role == RaterKind.TRAINEE:
        raise SurveyError(_("参训学员扫码匿名评价，不需要邀请码"))
    if role not in stage_roles(survey):
        raise SurveyError(
            _("本测评不询问「%(role)s」") % {"role": RaterKind(role).label}
            if role in RaterKind.values
            else _("未知的评价主体：%(role)s") % {"role": role}
        )
    names = [name.strip() for name in names if name.strip()]
    if not names:
        raise SurveyError(_("请填写受邀人姓名，每行一位"))
    with transaction.atomic():
        invitations = [Invitation.objects.create(survey=survey, role=role, name=n) for n in names]
        record_audit(
            survey,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            field="invitations",
            to_value=f"{RaterKind(role).label} × {len(invitations)}",
            reason=_("生成评价邀请码"),
        )
    return invitations


NONCE_SALT = "dangke.evaluation.form"
NONCE_MAX_AGE = 60 * 60 * 24 * 3  # a page left open overnight still submits


def _nonce_signer(survey: Survey) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"{NONCE_SALT}:{survey.pk}")


def new_form_nonce(survey: Survey) -> str:
    """What a rater's form carries: a random number signed by the server for this survey.
    The number is kept with the answer sheet, once per survey, so a re-sent form counts
    once; a number the server did not issue, or issued for another survey, is refused
    (issue #29: invented 32-digit numbers were stored as answers)."""
    return _nonce_signer(survey).sign(secrets.token_hex(16))


def form_nonce_number(survey: Survey, token: str) -> str:
    """The random number of a form token this server issued for `survey`; SurveyError
    otherwise."""
    try:
        number = _nonce_signer(survey).unsign(token or "", max_age=NONCE_MAX_AGE)
    except signing.BadSignature:
        raise SurveyError(_("表单已失效，请重新打开评价页面")) from None
    if len(number) != 32 or not all(c in "0123456789abcdef" for c in number):
        raise SurveyError(_("表单已失效，请重新打开评价页面"))
    return number


@dataclass(frozen=True)
class SheetAllowance:
    """How many trainee sheets of a survey count toward its score. A fresh browser can
    always fetch a fresh form, so a signed nonce alone does not make one person one sheet:
    trainee sheets count up to the lesson's sign-ins plus the margin the office set, and a
    surplus beyond it is kept, shown and waits for the office (docs/survey-integrity.md)."""

    sign_ins: int
    margin: int
    sheets: int
    decision: str

    @property
    def cap(self) -> int:
        return self.sign_ins + self.margin

    @property
    def surplus(self) -> int:
        return max(0, self.sheets - self.cap)

    @property
    def counted(self) -> int:
        if self.decision == SurplusDecision.COUNT_ALL:
            return self.sheets
        return min(self.sheets, self.cap)


def sign_in_count(survey: Survey) -> int:
    """Who the lesson knows was there: its sign-ins, or the attendance the office recorded
    (a paper list), whichever is larger. Read only: signing in belongs to delivery."""
    main = survey.on_site
    signed = main.lesson.attendances.count() if main.lesson_id else 0
    return max(signed, main.attendance or 0)


def sheet_allowance(survey: Survey) -> SheetAllowance:
    """The allowance of the lesson's on-site trainee sheets (a follow-up asks the same
    people, so its own trainee sheets are held to the same cap)."""
    main = survey.on_site
    sheets = main.responses.filter(role=RaterKind.TRAINEE).count()
    return SheetAllowance(sign_in_count(main), main.sheet_margin, sheets, main.surplus_decision)


@transaction.atomic
def decide_surplus(survey: Survey, *, decision: str, margin: int, actor, reason: str) -> Survey:
    """The office's decision on trainee sheets beyond the allowance: count them all, or
    keep to sign-ins plus `margin`. Audited with the figures it was made on."""
    main = (
        Survey.objects.unscoped("re-read under lock: the survey held")
        .select_for_update()
        .get(pk=survey.on_site.pk)
    )
    if decision not in (SurplusDecision.COUNT_ALL, SurplusDecision.KEEP_CAP):
        raise SurveyError(_("请选择「全部计入」或「按上限计入」"))
    if not (reason or "").strip():
        raise SurveyError(_("请填写决定的理由"))
    if margin < 0 or margin > 1000:
        raise SurveyError(_("允许超出的份数须在 0–1000 之间"))
    before = sheet_allowance(main)
    old = f"{main.get_surplus_decision_display()}，+{main.sheet_margin}"
    main.surplus_decision, main.sheet_margin = decision, margin
    main.save(update_fields=["surplus_decision", "sheet_margin"])
    record_audit(
        main, actor=actor, action=AuditEntry.Action.UPDATE, field="surplus_decision",
        from_value=old, to_value=f"{main.get_surplus_decision_display()}，+{margin}",
        reason=_("学员答卷 %(sheets)s 份，签到 %(signed)s 人：%(reason)s")
        % {"sheets": before.sheets, "signed": before.sign_ins, "reason": reason.strip()},
    )  # fmt: skip
    from dangke.evaluation.scores import refresh_score  # scores reads services

    refresh_score(main, force=True)
    return main


def parse_answers(survey: Survey, role: StageRole, raw: dict[str, str]) -> dict[str, int]:
    """The submitted stars by leaf key; every problem named by its indicator."""
    answers: dict[str, int] = {}
    errors = []
    for leaf in role.leaves:
        value = (raw.get(leaf.key) or "").strip()
        if not value:
            continue
        try:
            number = int(value)
        except ValueError:
            errors.append(_("「%(name)s」的评分不是整数") % {"name": leaf.name})
            continue
        if not leaf.scale_min <= number <= leaf.scale_max:
            errors.append(
                _("「%(name)s」的评分须在 %(lo)s–%(hi)s 之间")
                % {"name": leaf.name, "lo": leaf.scale_min, "hi": leaf.scale_max}
            )
            continue
        answers[leaf.key] = number
    if errors:
        raise SurveyError(errors)
    if not answers:
        raise SurveyError(_("请至少为一项指标打分"))
    return answers


def submit_response(
    survey: Survey,
    *,
    role: str,
    raw_answers: dict[str, str],
    nonce: str,
    comment: str = "",
    invitation: Invitation | None = None,
    now=None,
    roles: dict[str, StageRole] | None = None,
    rate_limit: tuple[str, int] | None = None,
) -> tuple[Response, bool]:
    """Accept one answer sheet. Returns (response, created): a form sent twice (same
    nonce) returns the first response and counts once. An invitation is spent in the same
    transaction as the response, so a replayed code never admits a second sheet. `roles`
    is the survey's `stage_roles` when the caller has it already.

    `rate_limit` is (key, limit) of `core.ratelimit`: the hit is counted in the sheet's
    own transaction (one write lock per phone, not two) and, past the limit, committed
    without the sheet and answered by RateLimited. A sheet the checks refuse before that
    transaction is not counted here: the caller counts it (`ratelimit.hit`)."""
    now = now or timezone.now()
    if not survey.is_open_at(now):
        if now < survey.opens_at:
            raise SurveyError(_("测评尚未开始"))
        raise SurveyError(_("测评已经结束，谢谢关注"))
    roles = roles if roles is not None else stage_roles(survey)
    if role not in roles:
        raise SurveyError(_("本测评不询问该评价主体"))
    if invitation is None and role != RaterKind.TRAINEE:
        raise SurveyError(_("请使用邀请码评价"))
    if invitation is not None and (invitation.survey_id != survey.pk or invitation.role != role):
        raise SurveyError(_("邀请码与本测评不符"))
    nonce = form_nonce_number(survey, nonce)
    answers = parse_answers(survey, roles[role], raw_answers)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise SurveyError(_("留言不能超过 %(n)s 字") % {"n": COMMENT_MAX})
    hour = now.replace(minute=0, second=0, microsecond=0)
    sheet = Response(survey=survey, role=role, answers=answers, nonce=nonce, submitted_hour=hour)
    note = (
        SurveyComment(survey=survey, role=role, body=comment, submitted_hour=hour)
        if comment
        else None
    )
    # One write and no read before it: the form's number is unique per survey, so a form
    # sent again (a retry on a weak signal) fails the insert and is answered with the
    # sheet it sent first. The invitation is spent after the insert, in the same
    # transaction, so a retry of a spent code finds its sheet instead of a refusal.
    try:
        with transaction.atomic():
            if rate_limit is not None and ratelimit.count_hit(rate_limit[0]) > rate_limit[1]:
                refused = True  # leave the block normally: the count is committed
            else:
                refused = False
                _store(sheet, note, invitation, hour)
    except IntegrityError:
        existing = (
            Response.objects.unscoped("the rater's own form, sent again")
            .filter(survey=survey, nonce=nonce)
            .first()
        )
        if existing is None:
            raise
        if rate_limit is not None:  # the rolled-back transaction took its count along
            ratelimit.hit(rate_limit[0], limit=rate_limit[1])
        return existing, False
    if refused:
        raise RateLimited(_("提交太频繁，请稍后再试"))
    return sheet, True


def _store(sheet: Response, note: SurveyComment | None, invitation, hour) -> None:
    _insert(sheet)
    if invitation is not None:
        spent = (
            Invitation.objects.unscoped("the invitation of the rater's link")
            .filter(pk=invitation.pk, used_at__isnull=True)
            .update(used_at=hour)
        )
        if not spent:
            raise SurveyError(_("该邀请码已使用过，每个邀请码只能评价一次"))
    rollups.count_response(sheet)
    if note is not None:
        _insert(note)


@functools.cache
def _insert_sql(model) -> str:
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"


def _insert(instance) -> None:
    """INSERT a new answer sheet or comment, its key already drawn at random: what
    `save()` sends, with every value prepared by its field as `save()` prepares it, but
    without compiling the statement again for each phone of a hall (issue #19)."""
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection)
        for field in instance._meta.concrete_fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(type(instance)), values)
    instance._state.adding = False
    instance._state.db = connection.alias


@transaction.atomic
def review_comment(comment: SurveyComment, status: str, *, actor) -> SurveyComment:
    if status not in CommentStatus.values or status == CommentStatus.PENDING:
        raise SurveyError(_("审核结果只能是公开、仅老师可见或删除"))
    old = comment.get_status_display()
    comment.status = status
    comment.reviewed_by = actor
    comment.reviewed_at = timezone.now()
    comment.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    record_audit(
        comment,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        field="status",
        from_value=old,
        to_value=comment.get_status_display(),
        reason=_("审核评价留言"),
    )
    return comment


def send_due_follow_ups(now=None) -> int:
    """Tell each liaison whose lesson's follow-up has opened to forward its link to the
    attendees, with a one-time code for the organisation's secretary. Returns how many
    follow-ups were sent; each is sent once."""
    from dangke.accounts.models import Role, RoleAssignment

    now = now or timezone.now()
    due = Survey.objects.filter(
        kind=SurveyKind.FOLLOW_UP,
        follow_up_sent_at__isnull=True,
        opens_at__lte=now,
        closes_at__gt=now,
    ).select_related("lesson__organization", "lesson__course")
    sent = 0
    for survey in due:
        with transaction.atomic():
            claimed = Survey.objects.filter(pk=survey.pk, follow_up_sent_at__isnull=True).update(
                follow_up_sent_at=now
            )
            if not claimed:
                continue
            organization = survey.lesson.organization if survey.lesson else None
            if organization is None:
                continue
            if organization.secretary and RaterKind.SECRETARY in stage_roles(survey):
                Invitation.objects.create(
                    survey=survey, role=RaterKind.SECRETARY, name=organization.secretary
                )
            liaisons = [
                assignment.user
                for assignment in RoleAssignment.objects.filter(
                    role=Role.LIAISON, organization=organization, is_active=True
                ).select_related("user")
            ]
            notify(
                liaisons,
                _("「%(course)s」效果回访已开始：请把回访链接转发给当天的参学党员，并请书记填写")
                % {"course": survey.lesson.course.title},
                reverse("evaluation:follow_up_share", args=[survey.pk]),
            )
            sent += 1
    return sent
