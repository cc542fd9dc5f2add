"""Indicator-system versions and scoring bases (issues #25 and #17): each system is a named
version of its region's year; a survey keeps the weights and tree it was opened with and is
scored from them, so no later change — a new version, a campaign's own roles, a lesson moved
into a campaign — moves a published score; every score page names the version; every change
of a tree or a weight is in the audit log with its old and new values."""

import datetime
import importlib
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.core.models import AuditEntry
from dangke.delivery.models import Campaign, Lesson
from dangke.evaluation import indicators, scores, services
from dangke.evaluation.basis import take_basis
from dangke.evaluation.indicators import (
    copy_system,
    create_default_system,
    indicator_document,
    tree_rows,
)
from dangke.evaluation.models import (
    FeedbackRule,
    IndicatorSystem,
    RaterKind,
    RaterRole,
    Survey,
    SurveyKind,
)
from tests.conftest import PASSWORD
from tests.test_evaluation import make_lesson, trainee_answers

versions_migration = importlib.import_module(
    "dangke.evaluation.migrations.0007_indicator_system_versions"
)

DEFAULT_WEIGHTS = "参训学员 40%、专家 20%、基层代表 15%、组织方 15%、媒体观察员 10%、党组织书记 10%"


def lesson_year(lesson) -> int:
    return timezone.localtime(lesson.starts_at).year


def county_a(world):
    return scope_for_user(world.county_a_admin)


def history(system) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            content_type__model="indicatorsystem", object_id=str(system.pk)
        ).order_by("id")
    )


def expert_answers(survey, values):
    invitations = services.invite(
        survey, role=RaterKind.EXPERT, names=[f"专家{i}" for i in range(len(values))], actor=None
    )
    keys = [leaf.key for leaf in services.stage_roles(survey)[RaterKind.EXPERT].leaves]
    for invitation, value in zip(invitations, values, strict=True):
        services.submit_response(
            survey, role=RaterKind.EXPERT, raw_answers=dict.fromkeys(keys, str(value)),
            nonce=services.new_form_nonce(survey), invitation=invitation,
            now=survey.opens_at + datetime.timedelta(minutes=40),
        )  # fmt: skip


def answered_survey(world, lesson):
    """A published survey whose score depends on the role weights: trainees give 5 stars,
    experts 1, so moving weight between them moves the score."""
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    trainee_answers(survey, [5] * 6)
    expert_answers(survey, [1, 1])
    result = scores.refresh_score(survey)
    assert result["published"]
    return survey, result


def set_weight(system, kind, weight, *, world, campaign=None):
    roles = system.rater_roles.filter(campaign=campaign).prefetch_related("asked")
    settings = {
        role.pk: indicators.RoleSetting(
            Decimal(weight) if role.kind == kind else role.weight,
            role.min_n,
            frozenset(leaf.pk for leaf in role.asked.all()),
        )
        for role in roles
    }
    return indicators.set_roles(
        system, settings, campaign=campaign, scope=county_a(world), actor=world.county_a_admin
    )


# --- versions ----------------------------------------------------------------------------------


def test_versions_count_up_within_a_region_and_year(world):
    first = create_default_system(world.county_a, 2026)
    assert (first.version, first.version_label) == (1, "2026年版第1版")
    assert str(first) == "党员教育课程评价指标（2026年版第1版）"
    assert first.full_label == "《党员教育课程评价指标》2026年版第1版"
    scope = county_a(world)
    second = copy_system(first, year=2026, scope=scope, actor=world.county_a_admin)
    assert (second.name, second.version, second.copied_from) == (first.name, 2, first)
    next_year = copy_system(second, year=2027, scope=scope, actor=world.county_a_admin)
    assert next_year.version_label == "2027年版第1版"
    assert create_default_system(world.county_b, 2026).version == 1  # another county's count
    # the newest version is the one a new survey of that year uses
    assert indicators.system_for(world.county_a, 2026) == second
    with pytest.raises(PermissionDenied):  # another county's admin
        copy_system(
            first, year=2026, scope=scope_for_user(world.county_b_admin),
            actor=world.county_b_admin,
        )  # fmt: skip


def test_the_list_and_the_pages_name_the_version(world, client):
    system = create_default_system(world.county_a, 2026)
    client.login(username="county-a", password=PASSWORD)
    response = client.post(
        reverse("evaluation:system_copy", args=[system.pk]), {"year": "2026", "name": ""}
    )
    copy = IndicatorSystem.objects.get(copied_from=system)
    assert response.status_code == 302 and copy.version_label == "2026年版第2版"
    listing = client.get(reverse("evaluation:systems")).content.decode()
    assert "2026年版第1版" in listing and "2026年版第2版" in listing
    page = client.get(copy.get_absolute_url()).content.decode()
    assert '<small class="text-secondary" id="system-version">2026年版第2版</small>' in page
    assert "复制自" in page and "党员教育课程评价指标（2026年版第1版）" in page
    # county b neither sees nor copies county a's system
    client.login(username="county-b", password=PASSWORD)
    assert client.get(copy.get_absolute_url()).status_code == 404
    refused = client.post(reverse("evaluation:system_copy", args=[system.pk]), {"year": "2026"})
    assert refused.status_code == 404
    assert IndicatorSystem.objects.filter(region=world.county_a).count() == 2


def test_the_data_migration_numbers_existing_systems_in_the_order_they_were_made(world):
    older = create_default_system(world.county_a, 2026)
    newer = create_default_system(world.county_a, 2026)
    other = create_default_system(world.county_a, 2025)
    IndicatorSystem.objects.filter(pk=older.pk).update(version=7)
    IndicatorSystem.objects.filter(pk=newer.pk).update(version=9)
    IndicatorSystem.objects.filter(pk=other.pk).update(version=4)
    versions_migration.number_versions(apps, None)
    versions = dict(IndicatorSystem.objects.values_list("pk", "version"))
    assert (versions[older.pk], versions[newer.pk], versions[other.pk]) == (1, 2, 1)


# --- the scoring basis ---------------------------------------------------------------------------


def test_a_survey_keeps_the_weights_and_tree_it_was_opened_with(world):
    lesson = make_lesson(world)
    system = create_default_system(world.county_a, lesson_year(lesson))
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    assert survey.system == system
    basis = Survey.objects.get(pk=survey.pk).basis
    assert basis["system"] == {
        "id": system.pk, "name": "党员教育课程评价指标", "year": system.year, "version": 1,
    }  # fmt: skip
    assert basis["campaign"] is None
    assert basis["indicators"] == indicator_document(system)
    trainee = basis["rater_roles"][0]
    assert (trainee["kind"], trainee["weight"], trainee["min_n"]) == ("trainee", "0.400", 3)
    assert len(trainee["asked"]) == 9
    media = next(role for role in basis["rater_roles"] if role["kind"] == "media")
    assert "mastery" not in media["asked"]  # the spec's example
    # the engine's roles: each split into its on-the-day and follow-up parts
    engine = {role["id"]: role for role in basis["roles"]}
    leaves = {row.node.key: row.effective_weight for row in tree_rows(system) if row.is_leaf}
    follow_up_share = leaves["behaviour"] + leaves["impact"]
    assert engine["trainee"]["weight"] == pytest.approx(0.4 * (1 - follow_up_share))
    assert engine["trainee.follow_up"]["weight"] == pytest.approx(0.4 * follow_up_share)
    assert engine["secretary.follow_up"]["weight"] == pytest.approx(0.1)
    assert "secretary" not in engine
    # the follow-up is asked from the same basis, and the document is built from it
    follow_up = survey.follow_ups.get()
    assert set(services.stage_roles(follow_up)) == {"trainee", "secretary"}
    document = scores.survey_document(survey)
    assert (document["indicators"], document["roles"]) == (basis["indicators"], basis["roles"])


def test_a_new_version_changes_new_surveys_and_never_an_old_score(world, client):
    old_lesson = make_lesson(world, days_ago=3)
    system = create_default_system(world.county_a, lesson_year(old_lesson))
    old_survey, old_result = answered_survey(world, old_lesson)
    # the allowed way to change a used system's weights: a new version of the same year
    client.login(username="county-a", password=PASSWORD)
    client.post(reverse("evaluation:system_copy", args=[system.pk]), {"year": system.year})
    new_version = IndicatorSystem.objects.get(copied_from=system)
    assert set_weight(new_version, "trainee", "0.1", world=world) == 1
    set_weight(new_version, "expert", "0.6", world=world)
    new_survey, new_result = answered_survey(world, make_lesson(world))
    assert new_survey.system == new_version
    assert new_survey.basis["rater_roles"][0] == {
        "kind": "expert", "weight": "0.600", "min_n": 1,
        "asked": new_survey.basis["rater_roles"][0]["asked"],
    }  # fmt: skip
    assert new_result["score"] < old_result["score"]  # the experts' 1 star weighs more now
    assert new_result["basis"]["version"] == 2 and old_result["basis"]["version"] == 1
    # the old survey, rescored, is what was published, to the last digit
    assert scores.rescore(Survey.objects.filter(pk=old_survey.pk)) == 1
    old_survey.refresh_from_db()
    assert old_survey.result == old_result
    # even rows changed behind the services' back do not reach a published score
    RaterRole.objects.filter(system=system, kind="trainee").update(weight=Decimal("0.9"))
    scores.rescore(Survey.objects.filter(pk=old_survey.pk))
    old_survey.refresh_from_db()
    assert old_survey.result == old_result


def test_campaign_roles_and_a_lesson_moved_into_a_campaign_leave_its_score(world):
    lesson = make_lesson(world, days_ago=2)
    system = create_default_system(world.county_a, lesson_year(lesson))
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="两学一做专项", region=world.county_a, starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=30),
    )  # fmt: skip
    indicators.create_campaign_roles(
        system, campaign, scope=county_a(world), actor=world.county_a_admin
    )
    set_weight(system, "expert", "0.8", world=world, campaign=campaign)
    survey, result = answered_survey(world, lesson)  # no campaign: the defaults
    assert survey.basis["campaign"] is None
    # the lesson is later filed under the campaign: its published score stays
    Lesson.objects.filter(pk=lesson.pk).update(campaign=campaign)
    scores.rescore(Survey.objects.filter(pk=survey.pk))
    survey.refresh_from_db()
    assert survey.result == result
    # a lesson of the campaign is scored with the campaign's roles
    in_campaign = make_lesson(world)
    Lesson.objects.filter(pk=in_campaign.pk).update(campaign=campaign)
    in_campaign.refresh_from_db()
    campaign_survey, campaign_result = answered_survey(world, in_campaign)
    assert campaign_survey.basis["campaign"] == {"id": campaign.pk, "name": "两学一做专项"}
    assert ["expert", "0.800"] in campaign_result["basis"]["weights"]
    assert campaign_result["score"] < result["score"]


def legacy_engine_input(survey) -> dict:
    """The tree and roles as `scores.survey_document` read them from the live rows before
    surveys kept a basis (main at 94ae53e, `_system_roles`): the reference the snapshots
    must reproduce for existing data."""
    system = survey.system
    campaign = survey.lesson.campaign if survey.lesson_id else None
    rows = [row for row in tree_rows(system) if row.is_leaf]
    weight_of = {row.node.pk: row.effective_weight for row in rows}
    all_roles = system.rater_roles.prefetch_related("asked")
    own = list(all_roles.filter(campaign=campaign)) if campaign else []
    roles = []
    for role in own or list(all_roles.filter(campaign__isnull=True)):
        asked = list(role.asked.all()) or [row.node for row in rows]
        total = sum(weight_of[leaf.pk] for leaf in asked)
        for follow_up in (False, True):
            part = [leaf for leaf in asked if leaf.follow_up == follow_up]
            share = sum(weight_of[leaf.pk] for leaf in part)
            if not part or total <= 0 or share <= 0:
                continue
            roles.append(
                {
                    "id": f"{role.kind}.follow_up" if follow_up else role.kind,
                    "weight": float(role.weight) * share / total,
                    "min_n": role.min_n,
                    "indicators": [leaf.key for leaf in part],
                }
            )
    return {"indicators": indicator_document(system), "roles": roles}


@pytest.fixture
def demo_county(db, settings):
    settings.DANGKE_ALLOW_DEMO_ACCOUNTS = True
    call_command("demo", "--scale", "county", "--seed", "7", stdout=StringIO())


@pytest.mark.bulk_build
def test_rescoring_the_demo_reproduces_every_stored_result_from_filled_snapshots(demo_county):
    on_site = Survey.objects.filter(kind=SurveyKind.ON_SITE, lesson__isnull=False)
    stored = dict(on_site.values_list("pk", "result"))
    assert len(stored) > 50 and sum(1 for r in stored.values() if r and r["published"]) > 20
    # as before the migration: no snapshots, results without a basis
    for survey in on_site:
        survey.basis, survey.result = {}, {k: v for k, v in survey.result.items() if k != "basis"}
        survey.save(update_fields=["basis", "result"])
    versions_migration.fill_scoring_basis(apps, None)
    checked = 0
    for survey in on_site.select_related("system", "lesson__campaign"):
        document = scores.survey_document(survey)
        legacy = legacy_engine_input(survey)
        assert (document["indicators"], document["roles"]) == (
            legacy["indicators"],
            legacy["roles"],
        )
        assert survey.result == stored[survey.pk]  # the migration named the version
        checked += 1
    assert checked == len(stored)
    scores.rescore(on_site)
    assert dict(on_site.values_list("pk", "result")) == stored


# --- score pages name the version -------------------------------------------------------------


def test_score_pages_and_the_api_name_the_version_and_weights(world, client):
    lesson = make_lesson(world)
    system = create_default_system(world.county_a, lesson_year(lesson))
    survey, result = answered_survey(world, lesson)
    citation = (
        f"计分依据：《党员教育课程评价指标》{system.year}年版第1版（权重：{DEFAULT_WEIGHTS}）"
    )
    client.login(username="county-a", password=PASSWORD)
    page = client.get(reverse("evaluation:lesson_score", args=[lesson.pk])).content.decode()
    assert citation in page
    detail = client.get(reverse("evaluation:survey", args=[survey.pk])).content.decode()
    assert citation in detail
    for url in (
        reverse("evaluation:course_score", args=[world.course_a.pk]),
        reverse("evaluation:teacher_score", args=[world.teacher_a.pk]),
    ):
        text = client.get(url, {"year": system.year}).content.decode()
        assert f"{system.year}年版第1版</td>" in text
        assert f"{citation}：1 场" in text
    body = client.get(f"/api/v1/lessons/{lesson.pk}/score").json()
    assert body["indicator_system"] == citation
    assert body["score"] == result["score"]


# --- every change of a tree or a weight is audited, old and new -------------------------------


def test_new_system_from_the_list_page_is_audited_with_its_weights(world, client):
    client.login(username="county-a", password=PASSWORD)
    client.post(reverse("evaluation:systems"), {"year": "2026"})
    system = IndicatorSystem.objects.get(region=world.county_a, year=2026)
    (entry,) = history(system)
    assert (entry.action, entry.field, entry.to_value) == (
        "create", "version", "《党员教育课程评价指标》2026年版第1版",
    )  # fmt: skip
    assert entry.actor == world.county_a_admin
    changes = {change["label"]: change["to"] for change in entry.changes}
    assert changes["理论深度（depth）权重"] == "0.4000"
    assert changes["参训学员权重"] == "0.400"


def test_a_copy_is_audited_naming_its_source(world, client):
    system = create_default_system(world.county_a, 2026)
    client.login(username="county-a", password=PASSWORD)
    client.post(reverse("evaluation:system_copy", args=[system.pk]), {"year": "2026"})
    copy = IndicatorSystem.objects.get(copied_from=system)
    (entry,) = history(copy)
    assert (entry.field, entry.from_value, entry.to_value, entry.reason) == (
        "copied_from", "《党员教育课程评价指标》2026年版第1版",
        "《党员教育课程评价指标》2026年版第2版", "复制为新版本",
    )  # fmt: skip
    assert len(entry.changes) == 12 + 6  # every node and default role


def test_a_tree_edit_on_the_page_is_audited(world, client):
    system = create_default_system(world.county_a, 2026)
    nodes = {node.key: node for node in system.indicators.all()}
    data = {f"weight-{node.pk}": str(node.weight) for node in nodes.values()}
    data |= {f"name-{node.pk}": node.name for node in nodes.values()}
    data |= {f"follow_up-{node.pk}": "on" for node in nodes.values() if node.follow_up}
    data[f"weight-{nodes['depth'].pk}"] = "0.3"
    data[f"weight-{nodes['practice'].pk}"] = "0.45"
    data[f"name-{nodes['timeliness'].pk}"] = "案例的时效性"
    client.login(username="county-a", password=PASSWORD)
    assert client.post(system.get_absolute_url(), data).status_code == 302
    entries = {entry.field: entry for entry in history(system)[1:]}
    assert set(entries) == {"depth.weight", "practice.weight", "timeliness.name"}
    assert (entries["practice.weight"].from_value, entries["practice.weight"].to_value) == (
        "0.3500", "0.4500",
    )  # fmt: skip
    assert entries["timeliness.name"].to_value == "案例的时效性"
    assert entries["depth.weight"].reason == "修改指标与权重"
    # the page shows the history
    page = client.get(system.get_absolute_url()).content.decode()
    assert 'id="system-history"' in page and "案例的时效性" in page


def test_adding_and_removing_indicators_on_the_page_is_audited(world, client):
    system = create_default_system(world.county_a, 2026)
    client.login(username="county-a", password=PASSWORD)
    content = system.indicators.get(key="content")
    client.post(
        reverse("evaluation:system_add", args=[system.pk]),
        {"parent": content.pk, "key": "policy", "name": "政策解读"},
    )
    added = history(system)[-1]
    assert (added.field, added.from_value, added.to_value, added.reason) == (
        "policy", "", "政策解读（0）", "添加指标",
    )  # fmt: skip
    client.post(reverse("evaluation:system_remove", args=[system.pk, content.pk]))
    removed = history(system)[-1]
    assert removed.field == "content" and removed.reason == "删除指标及其下级"
    assert removed.from_value == (
        "教学内容（0.4000）、理论深度（0.4000）、实践价值（0.3500）、案例时效性（0.2500）、政策解读（0.0000）"
    )
    assert not system.indicators.filter(key__in=["content", "depth", "policy"]).exists()


def test_role_weights_on_the_page_are_audited_for_defaults_and_a_campaign(world, client):
    system = create_default_system(world.county_a, 2026)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="乡村振兴专项", region=world.county_a, starts_on=today, ends_on=today
    )
    client.login(username="county-a", password=PASSWORD)
    url = reverse("evaluation:system_roles", args=[system.pk])
    leaves = indicators.leaves_of(system)

    def post(roles, query=""):
        data = {}
        for role in roles:
            weight = "0.35" if role.kind == "trainee" else str(role.weight)
            data |= {f"weight-{role.pk}": weight, f"min_n-{role.pk}": str(role.min_n)}
            asked = {leaf.pk for leaf in role.asked.all()} or {leaf.pk for leaf in leaves}
            data |= {f"asked-{role.pk}-{pk}": "on" for pk in asked}
        return client.post(url + query, data)

    assert post(system.rater_roles.filter(campaign=None)).status_code == 302
    entry = history(system)[-1]
    assert (entry.field, entry.from_value, entry.to_value, entry.reason) == (
        "trainee.weight", "0.400", "0.350", "修改评价主体权重",
    )  # fmt: skip
    # a campaign's own set: created, then edited, each entry naming the campaign
    client.post(f"{url}?campaign={campaign.pk}")
    created = history(system)[-1]
    assert (created.field, created.to_value) == ("campaign", "乡村振兴专项")
    assert {"label": "参训学员权重", "from": "", "to": "0.4"} in created.changes
    post(system.rater_roles.filter(campaign=campaign), f"?campaign={campaign.pk}")
    edited = history(system)[-1]
    assert (edited.field, edited.to_value) == ("trainee.weight", "0.350")
    assert edited.reason == "专项活动「乡村振兴专项」修改评价主体权重"


def test_opening_a_survey_freezes_the_system_and_says_so_in_the_log(world):
    lesson = make_lesson(world)
    system = create_default_system(world.county_a, lesson_year(lesson))
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    entry = history(system)[-1]
    assert (entry.field, entry.from_value, entry.to_value) == ("is_locked", "可修改", "已冻结")
    assert entry.reason == f"测评「{survey.title}」已使用"
    with pytest.raises(indicators.SystemLocked):
        set_weight(system, "trainee", "0.5", world=world)
    assert len(history(system)) == 2  # nothing written by the refused change


def test_an_unused_survey_basis_falls_back_to_the_live_rows(world):
    """A survey not opened through the service (none today) is still scored."""
    lesson = make_lesson(world)
    system = create_default_system(world.county_a, lesson_year(lesson))
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    Survey.objects.filter(pk=survey.pk).update(basis={})
    survey.refresh_from_db()
    trainee_answers(survey, [4] * 5)
    document = scores.survey_document(survey)
    assert document["roles"] == take_basis(system)["roles"]
    assert scores.refresh_score(survey)["basis"]["system"] == system.pk


def test_feedback_rule_thresholds_are_audited_old_and_new(world, client):
    client.login(username="county-a", password=PASSWORD)
    values = {
        "min_responses": "10", "rectify_below": "70", "rectify_bottom_share": "0",
        "rectify_days": "60", "excellent_from": "90", "excellent_min_lessons": "3",
    }  # fmt: skip
    assert client.post(reverse("evaluation:rules"), values).status_code == 302
    assert (
        client.post(reverse("evaluation:rules"), values | {"rectify_below": "65"}).status_code
        == 302
    )
    rule = FeedbackRule.objects.get(region=world.county_a)
    created, changed = AuditEntry.objects.filter(
        content_type__model="feedbackrule", object_id=str(rule.pk)
    ).order_by("id")
    assert created.action == "create" and len(created.changes) == 6
    assert changed.changes == [{"label": "整改分数线", "from": "70.0", "to": "65"}]
    assert changed.actor == world.county_a_admin
