"""Demo evaluation data: surveys for a share of the year's delivered lessons, answered by
trainees (some lessons below the publish threshold), experts and organisers, with comments
in every review state, and this year's feedback rule applied, so the score pages, the
moderation queue and the rectification list have something to show.

Answers are generated per course from a course "quality" drawn once, so good and poor
courses come out consistently; deterministic for a given seed."""

from __future__ import annotations

import datetime
import random
import secrets
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from dangke.core.calendar import YearSoFar, report_year
from dangke.courses.models import ExcellentDesignation
from dangke.delivery.models import Lesson, LessonStatus
from dangke.evaluation import consequences, scores, services
from dangke.evaluation.basis import take_basis
from dangke.evaluation.indicators import system_for
from dangke.evaluation.models import (
    CommentStatus,
    ExcellentProposal,
    FeedbackRule,
    IndicatorSystem,
    Invitation,
    RaterKind,
    Rectification,
    Response,
    Survey,
    SurveyComment,
)
from dangke.regions.models import Region

REVIEW_ANSWERS = 40
SHARE_EVALUATED = 0.05
MAX_SURVEYS = 2400
GOOD = (
    "案例贴近村里实际，听得懂用得上",
    "老师讲得生动，互动多",
    "政策讲解很透彻",
    "希望多来我们村讲",
)
POOR = ("内容有点空，希望多讲身边的例子", "时间太长，后面有些听不进去", "声音太小，后排听不清")


def clear_evaluation_demo(root_code: str) -> None:
    """Consequences first (they protect their rules), then surveys, rules and systems."""
    for model in (Rectification, ExcellentProposal, Survey, FeedbackRule, IndicatorSystem):
        model.objects.filter(region__code__startswith=root_code).delete()


def _answers(rng, keys, quality: float) -> dict[str, int]:
    return {key: max(1, min(5, round(rng.gauss(quality, 0.7)))) for key in keys}


def _stuffed_sheets(rng, survey, roles, trainees: int, hour) -> list[Response]:
    """One survey for the integrity flags (issue #21) to find: 40 % extra copies of one
    middling sheet, sent that night from fresh browsers."""
    keys = [leaf.key for leaf in roles[RaterKind.TRAINEE].leaves]
    answers = {key: 5 if position % 2 else 4 for position, key in enumerate(keys)}
    night = max(hour, timezone.localtime(hour).replace(hour=23))
    return [
        Response(
            survey=survey, role=RaterKind.TRAINEE, nonce=secrets.token_hex(16),
            answers=dict(answers), submitted_hour=night,
        )
        for _ in range(max(5, round(0.4 * trainees)))
    ]  # fmt: skip


def build_evaluation_demo(
    seed: int, root_code: str, admin=None, period: YearSoFar | None = None
) -> dict[str, int]:
    period = period or YearSoFar.of(report_year())
    rng = random.Random(f"dangke-demo:evaluation:{seed}")
    root = Region.objects.get(code=root_code)
    lessons = list(
        Lesson.objects.filter(region__code__startswith=root_code, status=LessonStatus.DELIVERED)
        .select_related("course", "organization", "region")
        .order_by("starts_at", "id")
    )
    # The office evaluates each teacher's best-attended lessons until about REVIEW_ANSWERS
    # trainees can have answered, so most of the pool reaches the review's 30 answers and
    # has a published score, and a small share of the rest: not a whole city's year, which
    # would cost the build minutes (a village lesson has about nine attendees).
    attendees = {lesson.pk: lesson.attendees_count for lesson in lessons}
    by_teacher: dict[int, list[int]] = {}
    for lesson_id, teacher_id in (
        Lesson.teachers.through.objects.filter(lesson__in=lessons)
        .order_by("teacher_id", "lesson_id")
        .values_list("lesson_id", "teacher_id")
    ):
        by_teacher.setdefault(teacher_id, []).append(lesson_id)
    sampled: set[int] = set()
    for lesson_ids in by_teacher.values():
        reach = 0
        for lesson_id in sorted(lesson_ids, key=lambda pk: (-attendees[pk], pk)):
            if reach >= REVIEW_ANSWERS:
                break
            sampled.add(lesson_id)
            reach += attendees[lesson_id] * 0.7
    evaluated = [
        lesson for lesson in lessons if lesson.pk in sampled or rng.random() <= SHARE_EVALUATED
    ]
    if len(evaluated) > MAX_SURVEYS:
        evaluated = sorted(rng.sample(evaluated, MAX_SURVEYS), key=lambda item: item.starts_at)
    excellent = set(
        ExcellentDesignation.objects.filter(year=period.year).values_list("course_id", flat=True)
    )
    quality: dict[int, float] = {}
    surveys = responses = 0
    response_rows, comment_rows = [], []
    stuffed = None
    systems: dict[str, object] = {}  # one indicator system per region and year
    asked: dict[tuple, dict] = {}  # the roles asked, per system and campaign
    bases: dict[tuple, dict] = {}  # the scoring basis, per system and campaign
    opened, invitations = [], []
    for lesson in evaluated:
        system = systems.get(lesson.region_id)
        if system is None:
            system = systems[lesson.region_id] = system_for(lesson.region, period.year)
        # One snapshot per system and campaign: taking it is a dozen queries per survey.
        basis_key = (system.pk, lesson.campaign_id)
        if basis_key not in bases:
            bases[basis_key] = take_basis(system, lesson.campaign)
        survey = services.open_survey(lesson, actor=admin, system=system, basis=bases[basis_key])
        opened.append(survey.pk)
        surveys += 1
        # Courses already named 精品 this year are good ones; the rest range widely.
        low = 4.2 if lesson.course_id in excellent else 3.8
        course_quality = quality.setdefault(lesson.course_id, rng.uniform(low, 4.95))
        roles_key = (survey.system_id, lesson.campaign_id)
        if roles_key not in asked:
            asked[roles_key] = services.stage_roles(survey)
        roles = asked[roles_key]
        hour = lesson.starts_at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        # Most lessons reach the publish threshold; a few stay below it (样本不足).
        trainees = min(
            lesson.attendees_count, int(lesson.attendees_count * rng.uniform(0.45, 0.95))
        )
        for kind, count in (
            (RaterKind.TRAINEE, trainees),
            (RaterKind.EXPERT, rng.choice((0, 1, 2))),
            (RaterKind.ORGANISER, rng.choice((0, 1))),
        ):
            keys = [leaf.key for leaf in roles[kind].leaves]
            for _ in range(count):
                response_rows.append(
                    Response(
                        survey=survey, role=kind, nonce=secrets.token_hex(16),
                        answers=_answers(rng, keys, course_quality), submitted_hour=hour,
                    )
                )  # fmt: skip
        for _ in range(rng.choice((0, 0, 1, 2))):
            text = rng.choice(GOOD if course_quality >= 3.6 else POOR)
            status = rng.choice(
                (CommentStatus.PENDING, CommentStatus.PUBLIC, CommentStatus.PUBLIC,
                 CommentStatus.PRIVATE)
            )  # fmt: skip
            comment_rows.append(
                SurveyComment(
                    survey=survey, role=RaterKind.TRAINEE, body=text, status=status,
                    submitted_hour=hour, reviewed_by=admin if status != "pending" else None,
                    reviewed_at=min(hour + timedelta(days=1), period.now)
                    if status != "pending"
                    else None,
                )
            )  # fmt: skip
        invitations.append(Invitation(survey=survey, role=RaterKind.EXPERT, name="特邀专家"))
        if stuffed is None and trainees >= 12 and lesson.course_id not in excellent:
            stuffed = survey
            response_rows += _stuffed_sheets(rng, survey, roles, trainees, hour)
    Invitation.objects.bulk_create(invitations, batch_size=1000)
    Response.objects.bulk_create(response_rows, batch_size=1000)
    SurveyComment.objects.bulk_create(comment_rows, batch_size=1000)
    # Every lesson's score computed once, sharing what the surveys of one indicator system
    # have in common; the rules, the review and the pages then read the stored results.
    scores.rescore(Survey.objects.filter(pk__in=opened))
    responses = len(response_rows)
    rule = FeedbackRule.objects.create(
        region=root, year=period.year, min_responses=15, rectify_below=Decimal("65"),
        rectify_bottom_share=Decimal("0"), excellent_from=Decimal("88"),
    )  # fmt: skip
    outcome = consequences.apply_rules(rule, actor=admin)
    if period.today > period.last_day:
        # A closed year's rules were applied in that year (the year's figures count the
        # rectifications ordered in it), on its last day.
        ordered = period.at(period.last_day, datetime.time(17))
        Rectification.objects.filter(pk__in=[r.pk for r in outcome["rectified"]]).update(
            created_at=ordered,
            deadline=period.last_day + timedelta(days=rule.rectify_days),
        )
    return {
        "surveys": surveys,
        "responses": responses,
        "rectifications": len(outcome["rectified"]),
        "excellent_proposals": len(outcome["proposed"]),
    }
