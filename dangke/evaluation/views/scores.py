"""Score pages of a lesson, a course and a teacher. Every score shows its n and interval,
"样本不足" below the publish threshold, a breakdown only for groups of at least five, and
the panel that explains how the number was computed."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from dangke.accounts.scoping import get_own_or_404, get_visible_or_404
from dangke.core.ids import bounded_year
from dangke.courses.models import Course
from dangke.delivery.models import Lesson
from dangke.evaluation.basis import basis_citation, basis_version
from dangke.evaluation.indicators import tree_rows
from dangke.evaluation.models import Survey, SurveyKind
from dangke.evaluation.rules import may_manage_evaluation
from dangke.evaluation.scores import (
    BREAKDOWN_MIN,
    course_score,
    is_provisional,
    quiz_objective,
    refresh_score,
    role_label,
    survey_document,
    teacher_score,
)
from dangke.evaluation.views.integrity import integrity_context
from dangke.evaluation.views.surveys import visible_comments
from dangke.faculty.models import Teacher
from engines.scoring import score_lesson


def _year(request) -> int | None:
    value = request.GET.get("year", "")
    return bounded_year(value, timezone.localdate().year)


def explain(survey: Survey, result: dict) -> dict:
    """The figures behind a lesson score, laid out for the 'how computed' panel."""
    computation = result["computation"]
    names = {row.node.key: row for row in tree_rows(survey.system)}
    respondents = sum(role["n"] for role in result["roles"].values() if role["counted"])
    show_breakdown = respondents >= BREAKDOWN_MIN
    roles = []
    for role_id, row in result["roles"].items():
        roles.append(
            {
                "id": role_id,
                "label": role_label(role_id),
                **row,
                "share": computation["role_weights_used"].get(role_id),
                # a mean of fewer than five answers could identify a rater
                "show_mean": row["n"] >= BREAKDOWN_MIN,
            }
        )
    dimensions = [
        {
            "name": names[key].node.name if key in names else key,
            "value": value,
            "indicators": [
                {
                    "name": names[leaf["id"]].node.name,
                    "weight": leaf["weight"],
                    "scale": leaf["scale"],
                    **result.get("indicators", {}).get(leaf["id"], {}),
                }
                for leaf in computation["leaves"]
                if leaf["path"][0] == key
            ],
        }
        for key, value in result["dimensions"].items()
    ]
    return {
        "roles": roles,
        "dimensions": dimensions,
        "show_breakdown": show_breakdown,
        "respondents": respondents,
        "breakdown_min": BREAKDOWN_MIN,
        "computation": computation,
    }


@login_required
def lesson_score(request, lesson_pk):
    lesson = get_visible_or_404(
        Lesson.objects.select_related("course", "organization").prefetch_related("teachers"),
        request.scope,
        pk=lesson_pk,
    )
    survey = lesson.surveys.filter(kind=SurveyKind.ON_SITE).select_related("system").first()
    context = {"lesson": lesson, "survey": survey}
    if survey:
        _sync_quiz_objective(survey)
        surveys = [survey, *survey.follow_ups.all()]
        teacher_ids = [t.pk for t in lesson.teachers.all()]
        context |= _survey_score_context(request, survey, surveys, teacher_ids)
        context |= integrity_context(request, survey)
        context |= _quiz_context(survey, context["result"], context["document"])
        context["may_download_document"] = may_manage_evaluation(request.scope, lesson.region_id)
    return render(request, "evaluation/lesson_score.html", context)


@login_required
def lesson_score_document(request, lesson_pk):
    """The lesson's scoring file (shared/specs/evaluation.md), for `dangke score --input`.
    It holds every sheet's answers by role, so only the office that manages the lesson's
    evaluation may take it; the page's role breakdown stays hidden below five sheets for
    everyone else."""
    lesson = get_visible_or_404(
        Lesson.objects.select_related("course"), request.scope, pk=lesson_pk
    )
    survey = lesson.surveys.filter(kind=SurveyKind.ON_SITE).first()
    if survey is None or not may_manage_evaluation(request.scope, lesson.region_id):
        raise Http404
    body = json.dumps(survey_document(survey), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    day = timezone.localtime(lesson.starts_at)
    filename = f"计分文件-{day:%Y%m%d}-{lesson.course.title}-{lesson.pk}.json"
    response.headers["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _quiz_context(survey, result, document) -> dict:
    """The lesson's knowledge quiz beside the self-rated 知识掌握, and what the score
    counts (docs/scoring.md, "Knowledge quizzes")."""
    from dangke.quizzes.services import MASTERY_KEY, MIN_SHEETS, results

    quiz = results(survey)
    if quiz is None:
        return {}
    self_only = {key: value for key, value in document.items() if key != "objective"}
    self_rating = score_lesson(self_only)["indicators"].get(MASTERY_KEY, {}).get("value")
    counted = None
    if result.get("objective"):
        counted = result["indicators"].get(MASTERY_KEY, {}).get("value")
    mastery = {
        "self": "—" if self_rating is None else self_rating,
        "quiz": "—"
        if quiz["post"]["overall"]["share"] is None
        else quiz["post"]["overall"]["share"],
        "counted": counted,
        "min_sheets": MIN_SHEETS,
    }
    return {"quiz_results": quiz, "quiz_mastery": mastery}


def _sync_quiz_objective(survey) -> None:
    """Quiz sheets arrive with survey sheets, so the score is usually current; a quiz set
    or answered without a new survey sheet is caught up here."""
    if survey.result and survey.result.get("objective") != quiz_objective(survey):
        refresh_score(survey, force=True)


@login_required
def class_score(request, class_pk):
    """The score of a training class as a whole, explained like a lesson's."""
    from dangke.training.models import TrainingClass

    training_class = get_visible_or_404(
        TrainingClass.objects.select_related("region"), request.scope, pk=class_pk
    )
    survey = training_class.surveys.filter(kind=SurveyKind.ON_SITE).select_related("system").first()
    context = {"training_class": training_class, "survey": survey}
    if survey:
        context |= _survey_score_context(request, survey, [survey], [])
    return render(request, "evaluation/lesson_score.html", context)


def _survey_score_context(request, survey, comment_surveys, teacher_ids) -> dict:
    """One survey's score, its explanation and the comments this user may read."""
    result = refresh_score(survey)
    return {
        "result": result,
        "basis_citation": basis_citation(result.get("basis")),
        "explained": explain(survey, result),
        "provisional": is_provisional(survey),
        "document": survey_document(survey),
        "comments": visible_comments(request.scope, comment_surveys, teacher_ids),
    }


# A score page scores at most this many lessons whose answers changed while the user waits;
# more are scored by a task (a copied or imported year: hundreds at once).
SCORE_ON_VIEW = 20
LESSONS_PER_PAGE = 50


def _score_summary(request, score, subject) -> dict:
    summary = score(subject, _year(request), recompute_at_most=SCORE_ON_VIEW)
    if summary["pending"]:
        from dangke.evaluation.tasks import rescore_surveys

        # one task per subject and year at a time: a reload while it runs queues nothing
        key = f"rescore:{type(subject).__name__}:{subject.pk}:{_year(request)}"
        if cache.add(key, True, timeout=RESCORE_GUARD_SECONDS):
            rescore_surveys.enqueue(summary["pending"])
    return summary


RESCORE_GUARD_SECONDS = 300


def _aggregate_context(request, summary: dict, teacher_ids) -> dict:
    surveys = [item["survey"] for item in summary["lessons"]]
    citations: dict[str, int] = {}
    for row in summary["lessons"]:
        citation = basis_citation(row["result"].get("basis"))
        if citation:
            citations[citation] = citations.get(citation, 0) + 1
    page = Paginator(summary["lessons"], LESSONS_PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        basis = row["result"].get("basis")
        row["version"], row["basis_citation"] = basis_version(basis), basis_citation(basis)
    return {
        "summary": summary,
        "year": _year(request),
        "rows": page.object_list,
        "page": page,
        "pending": len(summary["pending"]),
        "citations": sorted(citations.items()),
        "comments": visible_comments(request.scope, surveys, teacher_ids).select_related(
            "survey__lesson__course"
        )[:100],
    }


@login_required
def course_score_page(request, pk):
    # Its lessons' responses and comments: an ally sharing the course in sees the published
    # score on the course page instead.
    course = get_own_or_404(Course.objects.prefetch_related("teachers"), request.scope, pk=pk)
    summary = _score_summary(request, course_score, course)
    context = {"course": course, **_aggregate_context(request, summary, [])}
    return render(request, "evaluation/course_score.html", context)


@login_required
def teacher_score_page(request, pk):
    # All the teacher's lessons and comments: the home office's, not a host's (who sees the
    # exchange's own lesson score).
    teacher = get_own_or_404(Teacher, request.scope, pk=pk)
    summary = _score_summary(request, teacher_score, teacher)
    context = {"teacher": teacher, **_aggregate_context(request, summary, [teacher.pk])}
    context["feedback"] = comment_summary(context["comments"], teacher, request.scope)
    return render(request, "evaluation/teacher_score.html", context)


def comment_summary(comments, teacher, scope) -> dict:
    """Themes and sentiment of the reviewed survey comments, beside those of the teacher's
    micro-lessons (comments and 弹幕)."""
    from dangke.media.feedback import teacher_comment_summary
    from engines.feedback import sentiment, themes

    texts = [comment.body for comment in comments]
    survey = {"count": len(texts), "themes": themes(texts), "sentiment": sentiment(texts)}
    return {"survey": survey, "media": teacher_comment_summary(teacher, scope=scope)}
