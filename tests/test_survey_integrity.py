"""Issue #29 (1): survey stuffing. A form nonce counts only when this server issued it for
this survey (signed), once; and a lesson never counts more trainee sheets than its
sign-ins plus the office's margin without the office's decision — the surplus is kept,
shown and explained."""

import datetime
import secrets

import pytest
from django.test import Client
from django.urls import reverse

from dangke.core.models import AuditEntry
from dangke.delivery.models import Attendance
from dangke.evaluation import scores, services
from dangke.evaluation.models import RaterKind, Response, SurplusDecision
from tests.conftest import PASSWORD
from tests.test_evaluation import make_lesson, stars


@pytest.fixture
def survey(world):
    lesson = make_lesson(world, attendees=0)
    for number in range(12):
        Attendance.objects.create(lesson=lesson, name=f"党员{number}")
    return services.open_survey(lesson, actor=world.county_a_admin)


def _post(survey, nonce):
    url = reverse("evaluation:rate", args=[survey.public_key])
    return Client().post(url, {"nonce": nonce, **stars(4)})


def test_invented_nonces_are_refused_and_nothing_is_stored(survey):
    statuses = [_post(survey, secrets.token_hex(16)).status_code for _ in range(10)]
    assert statuses == [400] * 10
    assert not Response.objects.exists()


def test_a_nonce_of_another_survey_or_a_tampered_one_is_refused(world, survey):
    other = services.open_survey(make_lesson(world, attendees=5), actor=world.county_a_admin)
    foreign = services.new_form_nonce(other)
    tampered = services.new_form_nonce(survey)[:-2] + "xx"
    assert _post(survey, foreign).status_code == 400
    assert _post(survey, tampered).status_code == 400
    assert "表单已失效" in _post(survey, tampered).content.decode()
    assert not Response.objects.exists()


def test_an_issued_nonce_counts_once(survey):
    nonce = services.new_form_nonce(survey)
    assert _post(survey, nonce).status_code == 200
    assert _post(survey, nonce).status_code == 200  # re-sent on a weak signal
    assert Response.objects.filter(survey=survey).count() == 1


def _trainee_sheets(survey, count, value=4):
    for _ in range(count):
        services.submit_response(
            survey, role=RaterKind.TRAINEE,
            raw_answers={key[2:]: v for key, v in stars(value).items()},
            nonce=services.new_form_nonce(survey),
            now=survey.opens_at + datetime.timedelta(minutes=30),
        )  # fmt: skip


def test_sheets_within_sign_ins_plus_margin_all_count(survey, client):
    _trainee_sheets(survey, 14)  # 12 sign-ins + the default margin of 2
    allowance = services.sheet_allowance(survey)
    assert (allowance.sign_ins, allowance.cap, allowance.surplus) == (12, 14, 0)
    assert scores.refresh_score(survey)["roles"]["trainee"]["n"] == 14
    client.login(username="county-a", password=PASSWORD)
    assert "学员答卷多于签到人数" not in client.get(survey.get_absolute_url()).content.decode()


def test_surplus_is_kept_shown_and_waits_for_the_office(survey, client):
    _trainee_sheets(survey, 14, value=5)
    _trainee_sheets(survey, 29, value=1)  # 43 sheets for 12 sign-ins
    assert Response.objects.filter(survey=survey).count() == 43  # nothing thrown away
    result = scores.refresh_score(survey, force=True)
    assert result["roles"]["trainee"]["n"] == 14  # the earliest 14
    client.login(username="county-a", password=PASSWORD)
    page = client.get(survey.get_absolute_url()).content.decode()
    assert "收到学员答卷 43 份，签到 12 人，允许超出 2 份：计入成绩 14 份。" in page
    assert "超出的 29 份已保留但未计入" in page

    url = reverse("evaluation:survey_surplus", args=[survey.pk])
    client.post(url, {"decision": "count_all", "margin": "2", "reason": "纸质签到表另有31人"})
    survey.refresh_from_db()
    assert survey.surplus_decision == SurplusDecision.COUNT_ALL
    assert scores.refresh_score(survey)["roles"]["trainee"]["n"] == 43
    audit = AuditEntry.objects.get(field="surplus_decision")
    assert audit.reason == "学员答卷 43 份，签到 12 人：纸质签到表另有31人"
    assert (audit.from_value, audit.to_value) == ("待决定，+2", "全部计入，+2")

    client.post(url, {"decision": "keep_cap", "margin": "5", "reason": "按签到计"})
    survey.refresh_from_db()
    assert scores.refresh_score(survey)["roles"]["trainee"]["n"] == 17


def test_only_the_office_decides_and_a_reason_is_required(survey, client):
    _trainee_sheets(survey, 20)
    url = reverse("evaluation:survey_surplus", args=[survey.pk])
    client.login(username="liaison", password=PASSWORD)  # runs the survey, may not decide
    assert (
        client.post(url, {"decision": "count_all", "margin": "2", "reason": "x"}).status_code == 403
    )
    client.login(username="county-b", password=PASSWORD)
    assert (
        client.post(url, {"decision": "count_all", "margin": "2", "reason": "x"}).status_code == 404
    )
    with pytest.raises(services.SurveyError, match="理由"):
        services.decide_surplus(survey, decision="count_all", margin=2, actor=None, reason=" ")
    survey.refresh_from_db()
    assert survey.surplus_decision == SurplusDecision.PENDING
