"""Scores: the survey document `engines.scoring` reads, built from the database; a lesson's
score kept up to date on its on-site survey; course and teacher scores aggregated from
their lessons' published scores.

The indicator tree and the rater roles' weights come from the survey's scoring basis
(`dangke.evaluation.basis`, the snapshot taken when it was opened), never from the live
rows, so a published score stays what it was; the result names the version it used.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.evaluation.basis import engine_role_id, result_basis, survey_basis
from dangke.evaluation.models import RaterKind, Response, SurplusDecision, Survey, SurveyKind
from dangke.evaluation.services import sheet_allowance
from engines.scoring import aggregate_scores, score_lesson

BREAKDOWN_MIN = 5  # no breakdown for a group of fewer than 5 respondents


def role_label(role_id: str) -> str:
    kind, _sep, stage = role_id.partition(".")
    label = str(RaterKind(kind).label) if kind in RaterKind.values else kind
    return _("%(role)s（回访）") % {"role": label} if stage else label


def excluded_response_ids(survey: Survey) -> dict[int, str]:
    """Sheets the office decided not to count (active exclusions): id -> the reason."""
    from dangke.evaluation.models import ExclusionStatus, ResponseExclusion

    decided: dict[int, str] = {}
    for exclusion in (
        ResponseExclusion.objects.unscoped("scoring: the survey is held")
        .filter(survey=survey.on_site, status=ExclusionStatus.ACTIVE)
        .prefetch_related("responses")
    ):
        for response in exclusion.responses.all():
            decided.setdefault(response.pk, exclusion.reason)
    return decided


def survey_document(survey: Survey, *, also_exclude=()) -> dict:
    """The lesson's whole survey (on the day and follow-up) as shared/specs/evaluation.md
    defines it; `dangke score --input` recomputes the stored result from it. The tree and
    the roles are the survey's scoring basis. Sheets the office excluded stay in the
    document, listed under `exclude` with the reasons; `also_exclude` (response ids) adds
    a what-if exclusion, for comparing scores."""
    main = survey.on_site
    basis = survey_basis(main)
    surveys = [main, *main.follow_ups.all()]
    allowance = sheet_allowance(main)
    decided = excluded_response_ids(main)
    for response_id in also_exclude:
        decided.setdefault(response_id, _("对比：不计提示的答卷"))
    responses, exclude = [], {}
    for kind, response in ((s.kind, r) for s in surveys for r in counted_responses(s, allowance)):
        if response.pk in decided:
            exclude.setdefault(decided[response.pk], []).append(len(responses))
        responses.append(
            {
                "role": engine_role_id(response.role, kind == SurveyKind.FOLLOW_UP),
                "answers": response.answers,
            }
        )
    document = {
        "indicators": basis["indicators"],
        "roles": basis["roles"],
        "attendance": main.attendance,
        "responses": responses,
    }
    objective = quiz_objective(main)
    if objective:
        document["objective"] = objective
    if exclude:
        document["exclude"] = [
            {"responses": positions, "reason": reason} for reason, positions in exclude.items()
        ]
    return document


def quiz_objective(survey: Survey) -> dict | None:
    """The knowledge quiz as an objective measure of 知识掌握 (docs/scoring.md): when the
    lesson's post-test has enough sheets, the share of right answers, weighted half."""
    from dangke.quizzes.services import mastery_objective

    return mastery_objective(survey)


def counted_responses(survey: Survey, allowance) -> list[Response]:
    """A survey's sheets that count: every named rater's, and trainee sheets up to the
    allowance (the earliest hours first; within an hour in the random order of their keys,
    since the exact submission order is deliberately not stored) unless the office decided
    to count them all."""
    responses = list(
        survey.responses.order_by("submitted_hour", "id").only("pk", "role", "answers")
    )
    if allowance.decision == SurplusDecision.COUNT_ALL:
        return responses
    kept, trainees = [], 0
    for response in responses:
        if response.role == RaterKind.TRAINEE:
            trainees += 1
            if trainees > allowance.cap:
                continue
        kept.append(response)
    return kept


def responses_marker(survey: Survey) -> int:
    """What changes when an answer sheet arrives: their number (sheets are never deleted
    one by one). Keys are random (anonymity), so the largest key no longer marks the last."""
    main = survey.on_site
    return (
        Response.objects.unscoped("scoring: the survey is held")
        .filter(survey__in=[main, *main.follow_ups.all()])
        .count()
    )


def refresh_score(
    survey: Survey, *, force: bool = False, marker: int | None = None, teacher_years: bool = True
) -> dict:
    """The lesson's score, recomputed when answers arrived since it was last computed,
    naming the indicator-system version it was computed with (`basis`). The first time it
    reaches the publish threshold is audited. `marker` is the survey's `responses_marker`
    when the caller counted many surveys' answers at once. `teacher_years=False`: the
    caller rebuilds the teachers' score years once for all its surveys (`rescore`)."""
    main = survey.on_site
    last = responses_marker(main) if marker is None else marker
    if main.result and main.scored_upto == last and not force:
        return main.result
    result = score_lesson(survey_document(main))
    result["basis"] = result_basis(survey_basis(main))
    with transaction.atomic():
        main.result = result
        main.scored_upto = last
        main.scored_at = timezone.now()
        fields = ["result", "scored_upto", "scored_at"]
        newly_published = result["published"] and main.published_at is None
        if newly_published:
            main.published_at = main.scored_at
            fields.append("published_at")
        main.save(update_fields=fields)
        if teacher_years:  # the early warning's rollup follows the new score
            from dangke.evaluation.rollups import refresh_lesson_teachers

            refresh_lesson_teachers(main)
        if newly_published:
            record_audit(
                main,
                actor=None,
                action=AuditEntry.Action.STATUS,
                field="published",
                from_value=_("样本不足"),
                to_value=f"{result['score']}",
                reason=_("参训学员有效答卷达到发布门槛"),
            )
    return result


def is_provisional(survey: Survey, now=None) -> bool:
    """A lesson score is provisional until its follow-up closes."""
    now = now or timezone.now()
    return any(follow_up.closes_at > now for follow_up in survey.on_site.follow_ups.all())


def rescore(surveys) -> int:
    """Recompute every given on-site survey from its raw answers (`dangke rescore`), and
    recount their sheets' tallies (`rollups.rebuild_tallies`) and their teachers' score
    years (`rollups.rebuild_teacher_years`)."""
    from dangke.evaluation.rollups import rebuild_tallies, rebuild_teacher_years
    from dangke.faculty.models import Teacher

    rebuild_tallies(surveys.filter(kind=SurveyKind.ON_SITE))
    count = 0
    for survey in surveys.filter(kind=SurveyKind.ON_SITE).select_related("system"):
        refresh_score(survey, force=True, teacher_years=False)
        count += 1
    lessons = surveys.filter(kind=SurveyKind.ON_SITE).values("lesson_id")
    rebuild_teacher_years(
        Teacher.objects.unscoped("teachers of the rescored lessons")
        .filter(lessons__in=lessons)
        .distinct()
    )
    return count


def lesson_surveys(lessons):
    return (
        Survey.objects.unscoped("surveys of lessons in scope")
        .filter(kind=SurveyKind.ON_SITE, lesson__in=lessons)
        .select_related("lesson__course", "lesson__organization", "system")
    )


def aggregate(
    surveys, markers: dict[int, int] | None = None, *, recompute_at_most: int | None = None
) -> dict:
    """Course or teacher score: the lessons' published scores weighted by their counted
    responses, with the between-lesson interval of `engines.scoring.aggregate_scores`,
    plus the same weighting for each dimension and the lessons that went in.

    With `recompute_at_most` (a page a user waits for), only that many lessons whose answers
    changed since they were scored are scored now; the others count with their stored score
    (none yet: left out) and are listed in `summary["pending"]` for a task to score. A
    course of a province year has 800 lessons: scoring them all in one request ran 4,571
    queries (issue #18)."""
    items, lessons, pending = [], [], []
    dimension_sums: dict[str, list[float]] = {}
    surveys = list(surveys)
    if markers is None:
        markers = answer_markers(surveys)
    budget = len(surveys) if recompute_at_most is None else recompute_at_most
    for survey in surveys:
        current = survey.result and survey.scored_upto == markers.get(survey.pk)
        if current or budget > 0:
            budget -= 0 if current else 1
            result = refresh_score(survey, marker=markers.get(survey.pk))
        else:
            pending.append(survey.pk)
            result = survey.result
            if not result:
                lessons.append({"survey": survey, "result": {}, "n": 0, "pending": True})
                continue
        n = sum(role["n"] for role in result["roles"].values() if role["counted"])
        lessons.append({"survey": survey, "result": result, "n": n})
        if not result["published"]:
            items.append({"score": None, "n": max(n, 1)})
            continue
        items.append({"score": result["score_exact"], "n": n, "ci95": result["ci95_exact"]})
        for key, value in result["computation"]["dimensions_exact"].items():
            if value is not None:
                sums = dimension_sums.setdefault(key, [0.0, 0.0])
                sums[0] += n * value
                sums[1] += n
    summary = aggregate_scores(items)
    summary["dimensions"] = {
        key: round(total / weight, 1) for key, (total, weight) in dimension_sums.items() if weight
    }
    summary["lessons"] = lessons
    summary["pending"] = pending
    return summary


def answer_markers(surveys) -> dict[int, int]:
    """`responses_marker` of many on-site surveys in two queries, however many there are
    (a teacher's or a course's page lists all their lessons)."""
    from django.db.models import Count, prefetch_related_objects

    on_site = [survey for survey in surveys if survey.kind == SurveyKind.ON_SITE]
    if not on_site:
        return {}
    prefetch_related_objects(on_site, "follow_ups")
    asked = [*on_site, *(f for survey in on_site for f in survey.follow_ups.all())]
    answered = dict(
        Response.objects.unscoped("answers of surveys chosen in scope")
        .filter(survey__in=asked)
        .values_list("survey_id")
        .annotate(n=Count("pk"))
    )
    return {
        survey.pk: sum(answered.get(s.pk, 0) for s in [survey, *survey.follow_ups.all()])
        for survey in on_site
    }


def course_ratings(course_ids) -> dict[int, dict]:
    """Each course's score as last computed (`Survey.result`), for lists of many courses
    such as the 点单 menu: {course_id: {"score", "ci95", "n_responses", "n_lessons"}}.
    Reads stored results only; a course without a published lesson has score None."""
    stored: dict[int, list[dict]] = {}
    surveys = (
        Survey.objects.unscoped("stored ratings of courses in scope")
        .filter(kind=SurveyKind.ON_SITE, lesson__course_id__in=list(course_ids))
        .values_list("lesson__course_id", "result")
    )
    for course_id, result in surveys:
        if not result:
            continue
        n = sum(role["n"] for role in result["roles"].values() if role["counted"])
        if result["published"]:
            item = {"score": result["score_exact"], "n": n, "ci95": result["ci95_exact"]}
        else:
            item = {"score": None, "n": max(n, 1)}
        stored.setdefault(course_id, []).append(item)
    return {course_id: aggregate_scores(items) for course_id, items in stored.items()}


def course_score(course, year: int | None = None, **options) -> dict:
    lessons = course.lessons.all()
    if year:
        lessons = lessons.filter(starts_at__year=year)
    return aggregate(lesson_surveys(lessons).order_by("-lesson__starts_at", "-pk"), **options)


def teacher_score(teacher, year: int | None = None, **options) -> dict:
    lessons = teacher.lessons.all()
    if year:
        lessons = lessons.filter(starts_at__year=year)
    return aggregate(lesson_surveys(lessons).order_by("-lesson__starts_at", "-pk"), **options)


def rescore_surveys(survey_ids) -> int:
    """Score the given on-site surveys whose answers changed since they were scored (the
    task a score page queues for the lessons it did not score itself)."""
    surveys = list(
        Survey.objects.unscoped("surveys a score page in scope asked for")
        .filter(pk__in=list(survey_ids), kind=SurveyKind.ON_SITE)
        .select_related("system")
    )
    markers = answer_markers(surveys)
    for survey in surveys:
        refresh_score(survey, marker=markers.get(survey.pk))
    return len(surveys)


def teacher_year_results(teacher, year: int) -> dict:
    """For the faculty annual review: the teacher's score for the year with its n and
    interval, and how many lessons were evaluated and published."""
    return _year_result(teacher_score(teacher, year))


def _year_result(summary: dict) -> dict:
    return {
        "score": summary["score"],
        "ci95": summary["ci95"],
        "n_responses": summary["n_responses"],
        "lessons_published": summary["n_lessons"],
        "lessons_evaluated": len(summary["lessons"]),
    }


def teachers_year_results(teachers, year: int) -> dict[int, dict]:
    """`teacher_year_results` of many teachers in a fixed number of queries, for pages that
    list teachers with their scores (the honours candidates): the teachers' surveys, their
    follow-ups and their answer counts are read once for all."""
    if not teachers:
        return {}
    pairs = (
        Survey.objects.unscoped("surveys of teachers already chosen in scope")
        .filter(
            kind=SurveyKind.ON_SITE,
            lesson__starts_at__year=year,
            lesson__teachers__in=[teacher.pk for teacher in teachers],
        )
        .values_list("pk", "lesson__teachers")
    )
    surveys_of: dict[int, set[int]] = {}
    for survey_pk, teacher_pk in pairs:
        surveys_of.setdefault(teacher_pk, set()).add(survey_pk)
    wanted = set().union(*surveys_of.values())
    surveys = list(
        Survey.objects.unscoped("the surveys found above")
        .filter(pk__in=wanted)
        .select_related("lesson__course", "lesson__organization", "system")
    )
    markers = answer_markers(surveys)
    return {
        teacher.pk: _year_result(
            aggregate([s for s in surveys if s.pk in surveys_of.get(teacher.pk, ())], markers)
        )
        for teacher in teachers
    }
