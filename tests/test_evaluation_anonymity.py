"""Anonymity against a database read (issue #17): nothing stored with an answer sheet, a
comment or a spent invitation — no key, no ordering, no time finer than the hour — lines
up with the order or the minute in which people signed in or used their codes."""

from datetime import timedelta

import time_machine
from django.db import connection
from django.utils import timezone

from dangke.delivery.models import Lesson
from dangke.evaluation import services
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
    # Nor does the database's own storage order (SQLite keeps rows in key order).
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
