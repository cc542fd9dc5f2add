"""Anonymity against a database read (issue #17): nothing stored with an answer sheet, a
comment or a spent invitation — no key, no ordering, no time finer than the hour — lines
up with the order or the minute in which people signed in or used their codes."""

from datetime import timedelta

import time_machine
from django.db import connection
from django.utils import timezone

from dangke.delivery.models import Lesson
from dangke.evaluation import anonymity, services
from dangke.evaluation.models import Invitation, Response, SurveyComment


def test_no_stored_column_or_order_follows_submission(world):
    start = timezone.now().replace(minute=3, second=0, microsecond=0) - timedelta(hours=2)
    lesson = Lesson.objects.create(course=world.course_a, organization=world.org_a, starts_at=start)
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    invitations = services.invite(
        survey, role="expert", names=[f"专家{i}" for i in range(8)], actor=world.county_a_admin
    )
    submitted = []  # (instant, response pk) in the order people sent their sheets
    for index in range(24):
        moment = start + timedelta(minutes=2 * index + 1, seconds=17)
        invitation = invitations[index] if index < len(invitations) else None
        with time_machine.travel(moment, tick=False):
            response, created = services.submit_response(
                survey,
                role="expert" if invitation else "trainee",
                raw_answers={"depth": str(1 + index % 5)},
                nonce=services.new_form_nonce(survey),
                comment=f"第{index}份留言",
                invitation=invitation,
            )
        assert created
        submitted.append(response.pk)

    # Keys are random: neither the sheets' nor the comments' order is the submission order.
    stored_order = list(Response.objects.filter(survey=survey).order_by("pk").values_list("pk"))
    assert [pk for (pk,) in stored_order] != submitted
    assert all(pk > 2**62 for pk in submitted)
    comment_order = list(
        SurveyComment.objects.filter(survey=survey).order_by("pk").values_list("body", flat=True)
    )
    assert comment_order != [f"第{i}份留言" for i in range(24)]
    # Nor does the database's own storage order: SQLite keeps rows in key order. PostgreSQL's
    # heap keeps them in insertion order (and xmin numbers transactions), which only
    # `scatter_answer_rows` undoes — tested in test_scatter_rewrites_storage_order.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Response._meta.db_table} WHERE survey_id = %s", [survey.pk]
            )
            assert [row[0] for row in cursor.fetchall()] != submitted

    # Every stored time is a whole hour: answer sheets, comments and spent invitations.
    times = [
        *Response.objects.filter(survey=survey).values_list("submitted_hour", flat=True),
        *SurveyComment.objects.filter(survey=survey).values_list("submitted_hour", flat=True),
        *Invitation.objects.filter(survey=survey, used_at__isnull=False).values_list(
            "used_at", flat=True
        ),
    ]
    assert len(times) == 24 + 24 + 8
    assert {(t.minute, t.second, t.microsecond) for t in times} == {(0, 0, 0)}
    # The only column that could order sheets — the hour — holds several of them at once.
    hours = Response.objects.filter(survey=survey).values_list("submitted_hour", flat=True)
    assert len(set(hours)) < len(submitted) / 4

    # No column of the three tables stores a finer instant or a sequence number.
    for model in (Response, SurveyComment, Invitation):
        for field in model._meta.concrete_fields:
            assert field.get_internal_type() not in {"AutoField", "BigAutoField"} or (
                model is Invitation
            ), (model.__name__, field.name)


def _storage_order(model, survey):
    """Rows as the database hands them out with no ORDER BY, with PostgreSQL's xmin."""
    xmin = ", xmin::text" if connection.vendor == "postgresql" else ", ''"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id{xmin} FROM {model._meta.db_table} WHERE survey_id = %s", [survey.pk]
        )
        rows = cursor.fetchall()
    return [key for key, _ in rows], {stamp for _, stamp in rows}


def test_scatter_rewrites_storage_order(world):
    start = timezone.now() - timedelta(hours=30)
    lesson = Lesson.objects.create(course=world.course_a, organization=world.org_a, starts_at=start)
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    submitted = []
    for index in range(30):
        with time_machine.travel(start + timedelta(minutes=index + 1), tick=False):
            response, _created = services.submit_response(
                survey,
                role="trainee",
                raw_answers={"depth": str(1 + index % 5)},
                nonce=services.new_form_nonce(survey),
                comment=f"第{index}份留言",
            )
        submitted.append(response.pk)
    answers_before = dict(Response.objects.filter(survey=survey).values_list("pk", "answers"))
    if connection.vendor == "postgresql":
        # The gap this closes: each sheet carries the number of the transaction that wrote
        # it, and those numbers follow the order the sheets were sent in.
        assert len(_storage_order(Response, survey)[1]) == len(submitted)

    # The survey closed 6 hours ago: the hourly tick scatters it, once.
    assert anonymity.scatter_closed_surveys() == 1
    assert anonymity.scatter_closed_surveys() == 0
    survey.refresh_from_db()
    assert survey.rows_scattered_at is not None

    order, stamps = _storage_order(Response, survey)
    assert sorted(order) == sorted(submitted)
    assert order != submitted
    comment_keys, comment_stamps = _storage_order(SurveyComment, survey)
    assert len(comment_keys) == 30
    if connection.vendor == "postgresql":
        # One transaction wrote every row: xmin no longer numbers them either.
        assert len(stamps) == 1 and stamps == comment_stamps
    # Nothing was lost or changed.
    assert dict(Response.objects.filter(survey=survey).values_list("pk", "answers")) == (
        answers_before
    )


def test_open_survey_is_not_scattered(world):
    lesson = Lesson.objects.create(
        course=world.course_a, organization=world.org_a, starts_at=timezone.now()
    )
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    assert anonymity.scatter_closed_surveys() == 0
    survey.refresh_from_db()
    assert survey.rows_scattered_at is None
