"""Rollups of answer sheets: counts kept beside the raw rows so that a province's figures
add up a row per survey and role instead of counting fifteen million sheets.

A rollup holds inputs (counts), never a score: scores stay computed by `engines.scoring`
from the raw answers (shared/specs/evaluation.md). Writes keep it current
(`count_response`, called where a sheet is saved); `rebuild_tallies` recomputes it from the
raw sheets (`dangke rescore` and the demo's bulk loads go through it), and
tests/test_rollups.py proves both equal the raw count. The county-years of the surveys it
recounts are recounted after it (`year_rollup`, which adds the tallies up per county)."""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from dangke.evaluation import year_rollup
from dangke.evaluation.models import (
    Response,
    ResponseTally,
    Survey,
    SurveyKind,
    TeacherScoreYear,
)
from dangke.faculty import warning_levels
from engines.warnings import LessonScore
from engines.warnings.model import EARLIER, LEVEL_WINDOW, RECENT

# The early warning compares the last RECENT (or LEVEL_WINDOW) scores with the EARLIER
# before them: no more than these latest scores of a teacher can change its verdict.
LATEST_KEPT = max(RECENT, LEVEL_WINDOW) + EARLIER
REBUILD_BATCH_TEACHERS = 500

REBUILD_BATCH_SURVEYS = 2000


def count_response(response: Response) -> None:
    """One more sheet of the response's survey and role (inside the saving transaction).
    One statement, no read: a hall's phones all land here at once (bench phones)."""
    with connection.cursor() as cursor:
        cursor.execute(_count_sql(), [response.survey_id, response.role])


@functools.cache
def _count_sql() -> str:
    # INSERT … ON CONFLICT … DO UPDATE is the same on SQLite (3.24+) and PostgreSQL.
    quote = connection.ops.quote_name
    table = quote(ResponseTally._meta.db_table)
    survey, role, responses = (
        quote(ResponseTally._meta.get_field(name).column)
        for name in ("survey", "role", "responses")
    )
    return (
        f"INSERT INTO {table} ({survey}, {role}, {responses}) VALUES (%s, %s, 1) "
        f"ON CONFLICT ({survey}, {role}) DO UPDATE SET {responses} = {table}.{responses} + 1"
    )


def rebuild_tallies(surveys) -> int:
    """Recount the given surveys' sheets (with their follow-ups) from the raw rows, in
    batches of surveys; returns how many surveys were recounted, follow-ups included."""
    chosen = Survey.objects.unscoped("surveys the caller chose").filter(pk__in=surveys)
    survey_ids = list(chosen.values_list("pk", flat=True).order_by("pk"))
    follow_ups = Survey.objects.unscoped("follow-ups of surveys the caller chose")
    done = 0
    for first in range(0, len(survey_ids), REBUILD_BATCH_SURVEYS):
        batch = survey_ids[first : first + REBUILD_BATCH_SURVEYS]
        batch += follow_ups.filter(main_id__in=batch).values_list("pk", flat=True)
        done += _recount(batch)
        # Closed surveys' sheets may have changed: their county-years are recounted.
        year_rollup.surveys_changed(batch)
    year_rollup.flush()  # once, for every batch's keys
    return done


def _recount(survey_ids: list[int]) -> int:
    counts = (
        Response.objects.unscoped("sheets of surveys being recounted")
        .filter(survey_id__in=survey_ids)
        .values_list("survey_id", "role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    with transaction.atomic():
        ResponseTally.objects.unscoped("tallies being recounted").filter(
            survey_id__in=survey_ids
        ).delete()
        ResponseTally.objects.bulk_create(
            [ResponseTally(survey_id=s, role=role, responses=n) for s, role, n in counts],
            batch_size=1000,
        )
    return len(survey_ids)


def responses_by_role(surveys) -> dict[str, int]:
    """Sheets of the given surveys (a queryset in scope) per role, read from the tallies."""
    return {
        role: n
        for role, n in ResponseTally.objects.unscoped("tallies of surveys in scope")
        .filter(survey__in=surveys)
        .values_list("role")
        .annotate(n=Sum("responses"))
        .order_by()
        if n
    }


# --- a teacher's published lesson scores per year (the early warning's inputs) ---------------


def published_lesson_scores(teacher_ids, *, since=None, years=None) -> dict[int, list[tuple]]:
    """The raw computation: every published score of a delivered lesson of these teachers
    (from `since`, or in the given local years), read from the surveys one by one, as
    (survey, start, LessonScore) per teacher, in the order they were given."""
    from dangke.delivery.models import LessonStatus  # delivery imports evaluation

    surveys = Survey.objects.unscoped("published scores of the teachers asked for").filter(
        kind=SurveyKind.ON_SITE,
        published_at__isnull=False,
        lesson__status=LessonStatus.DELIVERED,
        lesson__teachers__in=teacher_ids,
    )
    if since is not None:
        surveys = surveys.filter(lesson__starts_at__gte=since)
    if years is not None:
        first, last = min(years), max(years)
        surveys = surveys.filter(
            lesson__starts_at__gte=year_start(first), lesson__starts_at__lt=year_start(last + 1)
        )
    rows = surveys.values_list(
        "lesson__teachers",
        "pk",
        "lesson__starts_at",
        # Only the keys the warning reads: the whole stored result (computation, basis) of
        # every teacher's lessons took 16 s to decode on a 20× city's 工作台 (issue #18).
        "result__published",
        "result__score_exact",
        "result__ci95_exact",
        "result__roles",
    )
    scores: dict[int, list[tuple]] = defaultdict(list)
    for teacher_id, survey_id, starts_at, published, score, ci95_exact, roles in rows:
        if not published:
            continue
        n = sum(role["n"] for role in (roles or {}).values() if role["counted"])
        ci95 = tuple(ci95_exact) if ci95_exact else None
        lesson = LessonScore(timezone.localdate(starts_at), score, max(n, 1), ci95)
        scores[teacher_id].append((survey_id, starts_at, lesson))
    return scores


def year_start(year: int) -> datetime.datetime:
    from dangke.core.calendar import year_bounds

    return year_bounds(year)[0]


def _ordered(scored: list[tuple]) -> list[tuple]:
    # by the lesson's start, then the survey: a fixed order for lessons of the same day
    return sorted(scored, key=lambda item: (item[1], item[0]))


def _entry(survey_id: int, starts_at: datetime.datetime, score: LessonScore) -> list:
    return [
        survey_id,
        starts_at.timestamp(),
        score.day.isoformat(),
        score.score,
        score.n,
        list(score.ci95) if score.ci95 else None,
    ]


def _year_rows(teacher_id: int, scored: list[tuple]) -> list[TeacherScoreYear]:
    by_year: dict[int, list[tuple]] = defaultdict(list)
    for item in scored:
        by_year[item[2].day.year].append(item)
    return [
        TeacherScoreYear(
            teacher_id=teacher_id,
            year=year,
            latest=[_entry(*item) for item in _ordered(items)[-LATEST_KEPT:]],
            lessons=len(items),
            responses=sum(item[2].n for item in items),
        )
        for year, items in by_year.items()
    ]


def refresh_teacher_years(teacher_ids, years=None) -> int:
    """Recompute these teachers' score years (all, or the given local years) from the raw
    surveys; returns the rows written. Called as a lesson's score is saved (its teachers,
    its year) and by `rebuild_teacher_years`."""
    teacher_ids = list(teacher_ids)
    if not teacher_ids:
        return 0
    scores = published_lesson_scores(teacher_ids, years=years)
    rows = [row for teacher_id, scored in scores.items() for row in _year_rows(teacher_id, scored)]
    with transaction.atomic():
        stale = TeacherScoreYear.objects.unscoped("score years being recomputed").filter(
            teacher_id__in=teacher_ids
        )
        if years is not None:
            stale = stale.filter(year__in=list(years))
        stale.delete()
        TeacherScoreYear.objects.bulk_create(rows, batch_size=1000)
        warning_levels.forget(teacher_ids)  # judged on these scores
    return len(rows)


def refresh_lesson_teachers(survey: Survey) -> None:
    """A lesson's score was saved: its teachers' score year follows."""
    if survey.lesson_id is None:
        return
    from dangke.delivery.models import Lesson

    lesson = Lesson.objects.unscoped("the lesson whose score was saved").get(pk=survey.lesson_id)
    teacher_ids = list(lesson.teachers.values_list("pk", flat=True))
    refresh_teacher_years(teacher_ids, [timezone.localdate(lesson.starts_at).year])


def rebuild_teacher_years(teachers=None) -> int:
    """Recompute every score year of the given teachers (a queryset; all when None) from the
    raw surveys, in batches of teachers; returns the rows written."""
    from dangke.faculty.models import Teacher

    chosen = teachers if teachers is not None else Teacher.objects.unscoped("every teacher")
    teacher_ids = list(chosen.values_list("pk", flat=True).order_by("pk"))
    written = 0
    for first in range(0, len(teacher_ids), REBUILD_BATCH_TEACHERS):
        written += refresh_teacher_years(teacher_ids[first : first + REBUILD_BATCH_TEACHERS])
    return written


def teacher_score_inputs(teacher_ids, since, year: int) -> dict[int, tuple[list, int]]:
    """What the early warning reads of each teacher, from the score years: the published
    lesson scores from `since` (the latest LATEST_KEPT of them, oldest first) and the
    counted sheets of `year`. Equal to the raw computation (tests/test_rollups.py)."""
    since_stamp = since.timestamp()
    rows = (
        TeacherScoreYear.objects.unscoped("score years of teachers in scope")
        .filter(
            teacher_id__in=teacher_ids if isinstance(teacher_ids, QuerySet) else list(teacher_ids),
            year__gte=timezone.localdate(since).year,
        )
        .values_list("teacher_id", "year", "latest", "responses")
    )
    entries: dict[int, list] = defaultdict(list)
    responses: dict[int, int] = defaultdict(int)
    for teacher_id, row_year, latest, year_responses in rows:
        entries[teacher_id].extend(entry for entry in latest if entry[1] >= since_stamp)
        if row_year == year:
            responses[teacher_id] = year_responses
    result = {}
    for teacher_id in entries.keys() | responses.keys():
        kept = sorted(entries[teacher_id], key=lambda entry: (entry[1], entry[0]))
        scores = [
            LessonScore(datetime.date.fromisoformat(day), score, n, tuple(ci95) if ci95 else None)
            for _survey, _stamp, day, score, n, ci95 in kept[-LATEST_KEPT:]
        ]
        result[teacher_id] = (scores, responses[teacher_id])
    return result
