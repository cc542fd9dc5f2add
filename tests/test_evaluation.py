"""Evaluation end to end: opening a survey for a lesson, trainees answering by QR code,
experts by one-time link, scores with n and interval, comments reviewed before anyone
sees them, anonymity, replayed and forged tokens, thresholds, rectification and scoping."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.core.models import AuditEntry
from dangke.courses.models import CourseStatus, ExcellentDesignation
from dangke.delivery.models import Lesson, LessonStatus
from dangke.evaluation import consequences, indicators, scores, services
from dangke.evaluation.indicators import (
    create_default_system,
    indicator_document,
    tree_errors,
    tree_rows,
)
from dangke.evaluation.models import (
    CommentStatus,
    FeedbackRule,
    Invitation,
    ProposalStatus,
    RaterKind,
    Rectification,
    RectificationStatus,
    Response,
    Survey,
    SurveyComment,
    SurveyKind,
)
from engines.scoring import score_lesson
from tests.conftest import PASSWORD

ON_SITE_KEYS = ("depth", "practice", "timeliness", "interaction", "interest", "multimedia")


def make_lesson(world, *, course=None, org=None, days_ago=0, attendees=10):
    start = timezone.now() - datetime.timedelta(days=days_ago, hours=1)
    lesson = Lesson.objects.create(
        course=course or world.course_a,
        organization=org or world.org_a,
        starts_at=start,
        attendees_count=attendees,
    )
    teacher = world.teacher_a if (course or world.course_a) == world.course_a else world.teacher_b
    lesson.teachers.add(teacher)
    return lesson


def stars(value, keys=(*ON_SITE_KEYS, "mastery")):
    return {f"i_{key}": str(value) for key in keys}


def form_nonce(page) -> str:
    """The form nonce as the phone reads it from the page (a hall's page comes from a
    cache, not from a template rendered for this request)."""
    return re.search(r'name="nonce" value="([^"]+)"', page.content.decode()).group(1)


def trainee_answers(survey, values):
    for value in values:
        services.submit_response(
            survey,
            role=RaterKind.TRAINEE,
            raw_answers={key[2:]: v for key, v in stars(value).items()},
            nonce=services.new_form_nonce(survey),
            now=survey.opens_at + datetime.timedelta(minutes=30),
        )


@pytest.fixture
def survey(world):
    lesson = make_lesson(world)
    return services.open_survey(lesson, actor=world.county_a_admin)


# --- indicator systems ----------------------------------------------------------------------


def test_default_system_is_the_seeds_three_dimensions(world):
    system = create_default_system(world.county_a, 2026)
    rows = tree_rows(system)
    top = [row.node.name for row in rows if row.depth == 0]
    assert top == ["教学内容", "教学方法", "教学效果"]
    leaves = {row.node.key: row for row in rows if row.is_leaf}
    assert len(leaves) == 9
    assert sum(row.effective_weight for row in leaves.values()) == pytest.approx(1.0)
    assert leaves["depth"].effective_weight == pytest.approx(0.4 * 0.4)
    assert {k for k, row in leaves.items() if row.node.follow_up} == {"behaviour", "impact"}
    # the engine accepts the tree as it is shipped
    doc = indicator_document(system)
    assert [node["id"] for node in doc] == ["content", "method", "effect"]


def test_weights_that_do_not_sum_to_one_are_refused_with_the_group_named(world, client):
    system = create_default_system(world.county_a, 2026)
    depth = system.indicators.get(key="depth")
    depth.weight = Decimal("0.5")
    errors = tree_errors([*list(system.indicators.exclude(pk=depth.pk)), depth])
    assert errors == ["「教学内容」下各项权重之和为 1.1，应为 1"]
    # through the page: nothing is saved
    client.login(username="county-a", password=PASSWORD)
    data = {f"weight-{n.pk}": str(n.weight) for n in system.indicators.all()}
    data[f"weight-{depth.pk}"] = "0.5"
    response = client.post(reverse("evaluation:system", args=[system.pk]), data)
    assert "下各项权重之和为 1.1，应为 1" in response.content.decode()
    assert system.indicators.get(key="depth").weight == Decimal("0.4")
    # a correct edit is saved
    data[f"weight-{depth.pk}"] = "0.3"
    data[f"weight-{system.indicators.get(key='practice').pk}"] = "0.45"
    response = client.post(reverse("evaluation:system", args=[system.pk]), data)
    assert response.status_code == 302
    assert system.indicators.get(key="practice").weight == Decimal("0.45")


def test_a_used_system_is_frozen_and_copied_for_changes(world, client, survey):
    system = survey.system
    system.refresh_from_db()
    assert system.is_locked
    client.login(username="county-a", password=PASSWORD)
    response = client.post(reverse("evaluation:system", args=[system.pk]), {})
    assert response.status_code == 403
    response = client.post(
        reverse("evaluation:system_copy", args=[system.pk]), {"year": "2027", "name": "新版"}
    )
    copy = system.region and type(system).objects.get(name="新版")
    assert response.status_code == 302 and not copy.is_locked
    assert copy.indicators.count() == system.indicators.count()


def test_a_locked_systems_role_weights_cannot_change_by_page_or_service(world, client, survey):
    system = survey.system
    system.refresh_from_db()
    trainee = system.rater_roles.get(kind="trainee", campaign=None)
    before = trainee.weight
    client.login(username="county-a", password=PASSWORD)
    url = reverse("evaluation:system_roles", args=[system.pk])
    data = {f"weight-{trainee.pk}": "0.35", f"min_n-{trainee.pk}": "5"}
    assert client.post(url, data).status_code == 403
    settings = {
        role.pk: indicators.RoleSetting(Decimal("0.35"), role.min_n, frozenset())
        for role in system.rater_roles.filter(campaign=None)
    }
    with pytest.raises(indicators.SystemLocked):
        indicators.set_roles(
            system, settings, scope=scope_for_user(world.county_a_admin),
            actor=world.county_a_admin,
        )  # fmt: skip
    trainee.refresh_from_db()
    assert trainee.weight == before
    # the rubric cannot grow or shrink either
    with pytest.raises(indicators.SystemLocked):
        indicators.add_indicator(
            system, parent=None, key="extra", name="额外",
            scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin,
        )  # fmt: skip


def test_weight_changes_are_audited_with_old_and_new_values(world, client):
    system = create_default_system(world.county_a, 2026)
    trainee = system.rater_roles.get(kind="trainee", campaign=None)
    settings = {
        role.pk: indicators.RoleSetting(
            Decimal("0.35") if role.pk == trainee.pk else role.weight,
            role.min_n,
            frozenset(role.asked.values_list("pk", flat=True)),
        )
        for role in system.rater_roles.filter(campaign=None)
    }
    with pytest.raises(PermissionDenied):  # another county's admin
        indicators.set_roles(
            system, settings, scope=scope_for_user(world.county_b_admin),
            actor=world.county_b_admin,
        )  # fmt: skip
    changed = indicators.set_roles(
        system, settings, scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin
    )
    assert changed == 1
    entry = AuditEntry.objects.get(field="trainee.weight")
    assert (entry.from_value, entry.to_value) == (str(trainee.weight), "0.350")
    assert entry.actor == world.county_a_admin and entry.reason == "修改评价主体权重"
    # a tree edit names each node and value it changed
    nodes = list(system.indicators.all())
    by_key = {node.key: node for node in nodes}
    by_key["depth"].weight, by_key["practice"].weight = Decimal("0.3"), Decimal("0.45")
    assert (
        indicators.edit_tree(
            system, nodes, scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin
        )
        == 2
    )
    depth = AuditEntry.objects.get(field="depth.weight")
    assert (Decimal(depth.from_value), Decimal(depth.to_value)) == (Decimal("0.4"), Decimal("0.3"))
    # a tree that does not add up is refused whole
    by_key["depth"].weight = Decimal("0.5")
    with pytest.raises(indicators.TreeError, match="应为 1"):
        indicators.edit_tree(
            system, nodes, scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin
        )
    assert system.indicators.get(key="depth").weight == Decimal("0.3")


# --- opening and answering ------------------------------------------------------------------


def test_open_survey_defaults_to_the_lesson_window_and_schedules_the_follow_up(
    clock, world, survey
):
    lesson = survey.lesson
    assert survey.opens_at == lesson.starts_at
    assert survey.closes_at == lesson.starts_at + datetime.timedelta(hours=24)
    follow_up = survey.follow_ups.get()
    assert follow_up.kind == SurveyKind.FOLLOW_UP
    assert follow_up.opens_at == lesson.starts_at + datetime.timedelta(days=30)
    assert AuditEntry.objects.filter(object_id=str(survey.pk), reason="发起测评").exists()
    with pytest.raises(services.SurveyError, match="已发起测评"):
        services.open_survey(lesson, actor=world.county_a_admin)


def test_the_survey_closes_by_itself(clock, world, survey):
    later = survey.closes_at + datetime.timedelta(seconds=1)
    with pytest.raises(services.SurveyError, match="已经结束"):
        services.submit_response(
            survey, role="trainee", raw_answers={"depth": "5"},
            nonce=services.new_form_nonce(survey), now=later,
        )  # fmt: skip


def test_phone_page_is_small_works_without_javascript_and_counts_once(world, client, survey):
    url = reverse("evaluation:rate", args=[survey.public_key])
    page = client.get(url)
    body = page.content
    assert page.status_code == 200
    assert len(body) < 30 * 1024
    assert b"<script" not in body and b"stylesheet" not in body
    assert "理论深度".encode() in body and "行为改变".encode() not in body  # follow-up leaf
    nonce = form_nonce(page)
    data = {"nonce": nonce, **stars(5), "comment": "讲得生动，案例贴近村里实际"}
    first = client.post(url, data)
    assert first.status_code == 200 and "已收到您的评价".encode() in first.content
    # the same form re-sent on a weak signal is not counted again
    again = client.post(url, data)
    assert "已收到您的评价".encode() in again.content
    assert Response.objects.filter(survey=survey).count() == 1
    assert SurveyComment.objects.filter(survey=survey).count() == 1
    # the signed cookie says this phone answered; a fresh form is refused politely
    refused = client.post(url, {"nonce": services.new_form_nonce(survey), **stars(1)})
    assert "已收到您的评价".encode() in refused.content
    assert Response.objects.filter(survey=survey).count() == 1


def test_bad_answers_are_named_and_nothing_is_kept(world, client, survey):
    url = reverse("evaluation:rate", args=[survey.public_key])
    nonce = form_nonce(client.get(url))
    response = client.post(url, {"nonce": nonce, "i_depth": "9", "i_practice": "x"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "「理论深度」的评分须在 1–5 之间" in text and "「实践价值」的评分不是整数" in text
    assert not Response.objects.exists()
    forged = client.post(url, {"nonce": "not-a-nonce", **stars(4)})
    assert forged.status_code == 400 and not Response.objects.exists()


def test_one_address_is_rate_limited_but_never_below_the_halls_attendance(world, survey, settings):
    """Phones on the venue's Wi-Fi share one address: the whole attendance may answer
    within a minute, a script flooding beyond it is refused and nothing of it is kept."""
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    settings.DANGKE_SURVEY_RATE_LIMIT = 2
    survey.attendance = 4
    survey.save(update_fields=["attendance"])
    url = reverse("evaluation:rate", args=[survey.public_key])
    statuses = []
    for _ in range(6):
        phone = Client()  # a phone of its own: no cookie from the others
        nonce = form_nonce(phone.get(url))
        statuses.append(phone.post(url, {"nonce": nonce, **stars(4)}).status_code)
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert Response.objects.filter(survey=survey).count() == 4


def test_responses_are_anonymous_by_construction():
    """No column of a response or comment can point at a person, an address or a device."""
    for model in (Response, SurveyComment):
        names = {field.name for field in model._meta.concrete_fields}
        relations = {
            field.related_model
            for field in model._meta.concrete_fields
            if isinstance(field, models.ForeignKey)
        }
        assert not names & {"user", "ip", "ip_address", "device", "user_agent", "phone", "name"}
        from django.contrib.auth import get_user_model

        if model is Response:
            assert relations == {Survey}
        else:  # the reviewer is office staff, never the rater
            assert relations == {Survey, get_user_model()}
    assert not any(f.name == "response" for f in SurveyComment._meta.concrete_fields)
    assert not any(f.name in ("response", "used_by") for f in Invitation._meta.concrete_fields)


def test_submission_time_is_kept_only_to_the_hour(clock, world, survey):
    moment = survey.opens_at + datetime.timedelta(minutes=37, seconds=12)
    response, _ = services.submit_response(
        survey, role="trainee", raw_answers={"depth": "4"},
            nonce=services.new_form_nonce(survey),
        now=moment,
    )  # fmt: skip
    assert response.submitted_hour == moment.replace(minute=0, second=0, microsecond=0)


def test_invitation_is_spent_once_and_forged_codes_fail(world, client, survey):
    (invitation,) = services.invite(
        survey, role=RaterKind.EXPERT, names=["赵教授"], actor=world.county_a_admin
    )
    url = reverse("evaluation:rate_invited", args=[invitation.code])
    page = client.get(url)
    assert "专家".encode() in page.content and "赵教授".encode() in page.content
    data = {"nonce": form_nonce(page), **stars(4, ON_SITE_KEYS)}
    assert "已收到您的评价".encode() in client.post(url, data).content
    replay = client.post(url, {"nonce": services.new_form_nonce(survey), **stars(1, ON_SITE_KEYS)})
    assert replay.status_code == 400
    assert "该邀请码已使用过".encode() in replay.content
    assert Response.objects.filter(role=RaterKind.EXPERT).count() == 1
    assert client.get(reverse("evaluation:rate_invited", args=["forged-code"])).status_code == 404
    # a trainee link cannot pose as an expert, and an expert needs a code
    with pytest.raises(services.SurveyError, match="邀请码"):
        services.submit_response(
            survey, role=RaterKind.EXPERT, raw_answers={"depth": "5"},
            nonce=services.new_form_nonce(survey),
        )  # fmt: skip


def test_a_spent_invitation_rolls_back_with_a_failed_response(world, survey, monkeypatch):
    (invitation,) = services.invite(
        survey, role=RaterKind.EXPERT, names=["钱研究员"], actor=world.county_a_admin
    )

    stored = services._insert

    def broken(row):  # the disk fills up at the last write of the sheet, its comment
        if isinstance(row, SurveyComment):
            raise RuntimeError("disk full")
        stored(row)

    monkeypatch.setattr(services, "_insert", broken)
    with pytest.raises(RuntimeError):
        services.submit_response(
            survey, role=RaterKind.EXPERT, raw_answers={"depth": "5"}, comment="很有启发",
            nonce=services.new_form_nonce(survey), invitation=invitation,
        )  # fmt: skip
    invitation.refresh_from_db()
    assert invitation.used_at is None  # the code can still be used
    assert not Response.objects.filter(survey=survey).exists()


# --- scores ---------------------------------------------------------------------------------


def test_score_is_withheld_below_the_threshold_then_published_with_n_and_interval(
    world, survey, client
):
    trainee_answers(survey, [5, 4, 4, 5])  # attendance 10 → need max(5, 2) = 5
    result = scores.refresh_score(survey)
    assert result["published"] is False and result["score"] is None
    assert survey.published_at is None
    client.login(username="county-a", password=PASSWORD)
    page = client.get(reverse("evaluation:lesson_score", args=[survey.lesson.pk]))
    assert "样本不足".encode() in page.content
    trainee_answers(survey, [3])
    result = scores.refresh_score(survey)
    assert result["published"] is True
    # by hand: every answer rates all on-site leaves equally, so s = 100·(x−1)/4
    values = [100, 75, 75, 100, 50]
    mean = sum(values) / 5
    assert result["score_exact"] == pytest.approx(mean)
    assert result["roles"]["trainee"]["n"] == 5
    assert result["ci95"][0] < result["score"] < result["ci95"][1]
    survey.refresh_from_db()
    assert survey.published_at is not None
    assert AuditEntry.objects.filter(object_id=str(survey.pk), field="published").count() == 1
    page = client.get(reverse("evaluation:lesson_score", args=[survey.lesson.pk]))
    text = page.content.decode()
    assert str(result["score"]) in text and "这个分数是怎么算出来的" in text


def test_follow_up_answers_count_for_the_effect_indicators(world, survey):
    trainee_answers(survey, [4, 4, 4, 4, 4])
    before = scores.refresh_score(survey)
    follow_up = survey.follow_ups.get()
    for value in (5, 5, 5):
        services.submit_response(
            follow_up, role="trainee", raw_answers={"behaviour": str(value), "impact": "5"},
            nonce=services.new_form_nonce(follow_up), now=follow_up.opens_at,
        )  # fmt: skip
    after = scores.refresh_score(survey)
    assert after["roles"]["trainee.follow_up"]["n"] == 3
    assert after["roles"]["trainee.follow_up"]["counted"] is True
    assert after["score_exact"] > before["score_exact"]  # 100 on effect lifts 75 overall
    # the stored result is what the document recomputes to, by anyone
    assert score_lesson(scores.survey_document(survey))["score"] == after["score"]


def test_dangke_score_and_rescore_recompute_from_raw_answers(world, survey, tmp_path, capsys):
    trainee_answers(survey, [5, 4, 3, 5, 4])
    stored = scores.refresh_score(survey)
    Survey.objects.filter(pk=survey.pk).update(result={"tampered": True}, scored_upto=0)
    path = tmp_path / "survey.json"
    call_command("rescore", survey=survey.pk, dump=str(path))
    survey.refresh_from_db()
    assert survey.result["score"] == stored["score"]
    capsys.readouterr()
    call_command("score", input=str(path))
    printed = json.loads(capsys.readouterr().out)
    assert printed["score"] == stored["score"] and printed["ci95"] == stored["ci95"]


def test_the_office_downloads_the_scoring_file_and_it_recomputes_the_score(
    world, client, survey, tmp_path, capsys
):
    trainee_answers(survey, [5, 4, 3, 5, 4])
    stored = scores.refresh_score(survey)
    page_url = reverse("evaluation:lesson_score", args=[survey.lesson.pk])
    file_url = reverse("evaluation:lesson_score_document", args=[survey.lesson.pk])
    client.login(username="county-a", password=PASSWORD)
    assert file_url in client.get(page_url).content.decode()
    download = client.get(file_url)
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert "%E8%AE%A1%E5%88%86%E6%96%87%E4%BB%B6" in download.headers["Content-Disposition"]
    path = tmp_path / "download.json"
    path.write_bytes(download.content)
    capsys.readouterr()
    call_command("score", input=str(path))
    printed = json.loads(capsys.readouterr().out)
    assert printed["score"] == stored["score"] and printed["ci95"] == stored["ci95"]
    # each sheet's answers by role: not for the teacher, whose page hides small groups
    client.login(username="teacher", password=PASSWORD)
    survey.lesson.teachers.add(world.teacher_a)
    assert file_url not in client.get(page_url).content.decode()
    assert client.get(file_url).status_code == 404


def test_no_breakdown_for_fewer_than_five_respondents(world, client, survey):
    trainee_answers(survey, [5, 4, 4])
    client.login(username="county-a", password=PASSWORD)
    text = client.get(reverse("evaluation:lesson_score", args=[survey.lesson.pk])).content
    assert "少于 5 份时不显示分项".encode() in text
    trainee_answers(survey, [5, 5])
    text = client.get(reverse("evaluation:lesson_score", args=[survey.lesson.pk])).content
    assert "少于 5 份时不显示分项".encode() not in text
    assert "理论深度".encode() in text


def test_teacher_and_course_scores_aggregate_published_lessons(pinned_clock, world, client):
    first = services.open_survey(make_lesson(world, days_ago=3), actor=world.county_a_admin)
    second = services.open_survey(make_lesson(world, days_ago=1), actor=world.county_a_admin)
    trainee_answers(first, [5, 5, 5, 5, 5])
    trainee_answers(second, [3, 3, 3, 3, 3, 3, 3, 3, 3, 3])
    year = timezone.localdate().year
    summary = scores.teacher_score(world.teacher_a, year)
    assert summary["n_lessons"] == 2 and summary["n_responses"] == 15
    assert summary["score"] == pytest.approx((5 * 100 + 10 * 50) / 15, abs=0.05)
    results = scores.teacher_year_results(world.teacher_a, year)
    assert results["lessons_published"] == 2 and results["ci95"] is not None
    client.login(username="teacher", password=PASSWORD)
    page = client.get(reverse("evaluation:teacher_score", args=[world.teacher_a.pk]))
    assert page.status_code == 200 and str(summary["score"]).encode() in page.content


# --- comments -------------------------------------------------------------------------------


def test_comments_are_seen_only_after_review_and_private_ones_only_by_the_teacher(
    world, client, survey
):
    for text in ("案例很新", "声音太小", "不想公开的意见"):
        services.submit_response(
            survey, role="trainee", raw_answers={"depth": "4"},
            nonce=services.new_form_nonce(survey),
            comment=text,
        )  # fmt: skip
    lesson_url = reverse("evaluation:lesson_score", args=[survey.lesson.pk])
    client.login(username="teacher", password=PASSWORD)
    assert "案例很新".encode() not in client.get(lesson_url).content  # pending
    by_body = {c.body: c for c in SurveyComment.objects.all()}
    services.review_comment(by_body["案例很新"], "public", actor=world.county_a_admin)
    services.review_comment(by_body["不想公开的意见"], "private", actor=world.county_a_admin)
    services.review_comment(by_body["声音太小"], "removed", actor=world.county_a_admin)
    text = client.get(lesson_url).content.decode()
    assert "案例很新" in text and "不想公开的意见" in text and "声音太小" not in text
    client.logout()
    client.login(username="county-a", password=PASSWORD)
    queue = client.get(reverse("evaluation:comments") + "?status=public").content.decode()
    assert "案例很新" in queue
    client.logout()
    client.login(username="liaison", password=PASSWORD)  # the host's liaison sees the lesson
    text = client.get(lesson_url).content.decode()
    assert "案例很新" in text and "不想公开的意见" not in text
    with pytest.raises(services.SurveyError):
        services.review_comment(by_body["案例很新"], CommentStatus.PENDING, actor=None)


def test_county_b_cannot_review_county_a_comments(world, client, survey):
    services.submit_response(
        survey, role="trainee", raw_answers={"depth": "4"},
            nonce=services.new_form_nonce(survey),
        comment="好",
    )  # fmt: skip
    comment = SurveyComment.objects.get()
    client.login(username="county-b", password=PASSWORD)
    response = client.post(
        reverse("evaluation:comment_review", args=[comment.pk]), {"status": "public"}
    )
    assert response.status_code == 404
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PENDING


# --- feedback loop --------------------------------------------------------------------------


def test_poor_course_gets_a_rectification_and_failing_review_takes_it_down(clock, world, client):
    poor = services.open_survey(make_lesson(world, days_ago=2), actor=world.county_a_admin)
    year = timezone.localtime(poor.lesson.starts_at).year  # last year, just after New Year
    trainee_answers(poor, [2, 2, 3, 2, 2, 3])
    rule = FeedbackRule.objects.create(
        region=world.county_a, year=year, min_responses=5, rectify_below=Decimal("70")
    )
    outcome = consequences.apply_rules(rule, actor=world.county_a_admin)
    (rectification,) = outcome["rectified"]
    world.course_a.refresh_from_db()
    assert world.course_a.status == CourseStatus.RECTIFYING
    assert rectification.rule == rule and rectification.evidence["n_responses"] == 6
    assert "低于整改分数线 70" in rectification.reason
    assert rectification.deadline == timezone.localdate() + datetime.timedelta(days=60)
    # applying again does not order a second one
    assert consequences.apply_rules(rule, actor=world.county_a_admin)["rectified"] == []
    # after the deadline, a poor re-evaluation takes the course down
    Rectification.objects.filter(pk=rectification.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=70)
    )
    again = services.open_survey(make_lesson(world, days_ago=1), actor=world.county_a_admin)
    trainee_answers(again, [2, 2, 2, 2, 2])
    result = consequences.review_due_rectifications(
        today=rectification.deadline + datetime.timedelta(days=1)
    )
    assert result["withdrawn"] == 1
    rectification.refresh_from_db()
    world.course_a.refresh_from_db()
    assert rectification.status == RectificationStatus.WITHDRAWN
    assert world.course_a.status == CourseStatus.WITHDRAWN
    client.login(username="county-a", password=PASSWORD)
    page = client.get(reverse("evaluation:rectification", args=[rectification.pk])).content
    assert "低于整改分数线".encode() in page and "复评".encode() in page


def test_high_scorer_is_proposed_and_accepted_into_the_excellent_library(pinned_clock, world):
    year = timezone.localdate().year
    for days in (1, 2, 3):
        survey = services.open_survey(make_lesson(world, days_ago=days), actor=world.city_admin)
        trainee_answers(survey, [5, 5, 5, 5, 5])
    rule = FeedbackRule.objects.create(region=world.city, year=year, min_responses=10)
    (proposal,) = consequences.apply_rules(rule, actor=world.city_admin)["proposed"]
    assert proposal.course == world.course_a and proposal.evidence["score"] == 100.0
    consequences.decide_proposal(proposal, accept=True, actor=world.city_admin, reason="好课")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert ExcellentDesignation.objects.filter(course=world.course_a, year=year).exists()


# --- scoping and permissions ----------------------------------------------------------------


def test_other_county_never_sees_a_survey_or_its_scores(world, client, survey):
    client.login(username="county-b", password=PASSWORD)
    for url in (
        reverse("evaluation:survey", args=[survey.pk]),
        reverse("evaluation:lesson_score", args=[survey.lesson.pk]),
        reverse("evaluation:survey_poster", args=[survey.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert survey.title not in client.get(reverse("evaluation:index")).content.decode()
    response = client.post(reverse("evaluation:open_for_lesson", args=[survey.lesson.pk]))
    assert response.status_code == 404


def test_organiser_opens_a_survey_and_a_teacher_cannot(world, client):
    lesson = make_lesson(world)
    client.login(username="teacher", password=PASSWORD)
    assert client.post(reverse("evaluation:open_for_lesson", args=[lesson.pk])).status_code == 403
    client.logout()
    client.login(username="organiser", password=PASSWORD)
    response = client.post(reverse("evaluation:open_for_lesson", args=[lesson.pk]))
    survey = Survey.objects.get(lesson=lesson, kind=SurveyKind.ON_SITE)
    assert response.status_code == 302 and response.url == survey.get_absolute_url()
    assert client.get(reverse("evaluation:survey_slide", args=[survey.pk])).status_code == 200


def test_cancelled_lessons_get_no_survey(world):
    lesson = make_lesson(world)
    Lesson.objects.filter(pk=lesson.pk).update(status=LessonStatus.CANCELLED)
    lesson.refresh_from_db()
    with pytest.raises(services.SurveyError, match="已取消"):
        services.open_survey(lesson, actor=world.county_a_admin)


def test_follow_up_is_sent_once_to_the_liaison_with_a_secretary_code(clock, world, survey):
    from dangke.core.models import Notification

    world.org_a.secretary = "周书记"
    world.org_a.save()
    follow_up = survey.follow_ups.get()
    assert services.send_due_follow_ups(now=follow_up.opens_at) == 1
    assert services.send_due_follow_ups(now=follow_up.opens_at) == 0
    notice = Notification.objects.get(user=world.liaison)
    assert "效果回访" in notice.message
    assert follow_up.invitations.get().name == "周书记"


def test_stats_count_evaluation_within_scope(world, survey):
    from dangke.reports.queries import year_figures

    trainee_answers(survey, [5, 4, 4, 5, 5])
    scores.refresh_score(survey)
    year = timezone.localtime(survey.opens_at).year
    mine = year_figures(world.county_a_admin, year)["evaluation"]
    assert mine["surveys"] == 1 and mine["responses"] == 5
    assert mine["responses_by_role"] == {"trainee": 5} and mine["scores_published"] == 1
    other = year_figures(world.county_b_admin, year)["evaluation"]
    assert other["surveys"] == 0 and other["responses"] == 0


# --- training classes ---------------------------------------------------------------------


def test_a_training_class_is_evaluated_as_a_whole_by_its_trainees(world, client):
    from dangke.training.models import ClassStatus, Enrollment, TrainingClass

    today = timezone.localdate()
    training_class = TrainingClass.objects.create(
        title="村党组织书记示范培训班", region=world.county_a, status=ClassStatus.RUNNING,
        starts_on=today - datetime.timedelta(days=1), ends_on=today,
    )  # fmt: skip
    for n in range(8):
        Enrollment.objects.create(training_class=training_class, name=f"学员{n}")
    # A teacher cannot open it; the county's admin can, once; the other county never sees it.
    client.login(username="teacher", password=PASSWORD)
    url = reverse("evaluation:open_for_class", args=[training_class.pk])
    assert client.post(url).status_code in (403, 404)
    client.login(username="county-a", password=PASSWORD)
    page = client.get(training_class.get_absolute_url()).content.decode()
    assert "培训班测评" in page and url in page
    response = client.post(url)
    survey = Survey.objects.get(training_class=training_class)
    assert response.url == survey.get_absolute_url()
    assert survey.attendance == 8 and survey.lesson is None and not survey.follow_ups.exists()
    assert survey.is_open_at(timezone.now())
    client.post(url)
    assert Survey.objects.filter(training_class=training_class).count() == 1

    trainee_answers(survey, [5, 4, 4])  # 8 enrolled → need max(5, 2) = 5
    page = client.get(reverse("evaluation:class_score", args=[training_class.pk]))
    assert "样本不足" in page.content.decode()
    trainee_answers(survey, [5, 3])
    page = client.get(reverse("evaluation:class_score", args=[training_class.pk])).content
    result = scores.refresh_score(survey)
    assert result["published"] and str(result["score"]).encode() in page
    assert "这个分数是怎么算出来的".encode() in page and "村党组织书记示范培训班".encode() in page

    client.login(username="county-b", password=PASSWORD)
    for hidden in (
        reverse("evaluation:class_score", args=[training_class.pk]),
        survey.get_absolute_url(),
    ):
        assert client.get(hidden).status_code == 404
