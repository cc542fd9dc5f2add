"""Rollups of answer sheets: counts kept beside the raw rows so that a province's figures
add up a row per survey and role instead of counting fifteen million sheets.

A rollup holds inputs (counts), never a score: scores stay computed by `engines.scoring`
from the raw answers (shared/specs/evaluation.md). Writes keep it current
(`count_response`, called where a sheet is saved); `rebuild_tallies` recomputes it from the
raw sheets (`dangke rescore` and the demo's bulk loads go through it), and
tests/test_rollups.py proves both equal the raw count."""

from __future__ import annotations

import functools

from django.db import connection, transaction
from django.db.models import Count, Sum

from dangke.evaluation.models import Response, ResponseTally, Survey

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
