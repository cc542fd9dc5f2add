"""Undoing the storage order of answer sheets once a survey has closed.

Random keys and hour-rounded times keep the columns of an answer sheet from telling when it
was sent (issue #17). The table itself can still tell: PostgreSQL appends rows to its heap in
the order they were inserted and stamps each with the number of the transaction that wrote
it (`xmin`), so a plain `SELECT` by someone who can read the database lists sheets in the
order people sent them — and a spent invitation's hour then narrows an expert to a handful of
sheets. SQLite keeps rows in key order, which is random, so it never had the problem.

Once a survey is closed no sheet will be added, so we rewrite every sheet and comment of it
in one transaction, in a random order: each row gets a new version at a new place, all
stamped with the same transaction. Until then the survey is open and its sheets are few
minutes old anyway; `dangke evaluation_tick` (hourly) scatters what has closed since.
"""

from __future__ import annotations

import random

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dangke.evaluation.models import Response, Survey, SurveyComment

_shuffle = random.SystemRandom().shuffle


def scatter_answer_rows(survey: Survey, *, now=None) -> int:
    """Rewrite the survey's sheets and comments in a random order; returns how many rows."""
    rewritten = 0
    with transaction.atomic():
        for model in (Response, SurveyComment):
            keys = list(model.objects.filter(survey=survey).values_list("pk", flat=True))
            _shuffle(keys)
            for key in keys:
                # A no-op UPDATE still writes a new row version on PostgreSQL: that is the point.
                model.objects.filter(pk=key).update(submitted_hour=F("submitted_hour"))
            rewritten += len(keys)
        Survey.objects.filter(pk=survey.pk).update(rows_scattered_at=now or timezone.now())
    return rewritten


def scatter_closed_surveys(*, now=None) -> int:
    """Scatter every survey that has closed and is not scattered yet; returns how many."""
    now = now or timezone.now()
    due = Survey.objects.filter(closes_at__lte=now, rows_scattered_at__isnull=True)
    count = 0
    for survey in due.only("pk").iterator():
        scatter_answer_rows(survey, now=now)
        count += 1
    return count
