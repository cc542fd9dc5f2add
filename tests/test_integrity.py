"""Issue #21, rating integrity: each flag on generated surveys in both directions (honest
halls, all-high ones included, raise none; stuffed, coached and out-of-window ones are
caught), the scoring engine's exclusion list, and the office's exclusion flow end to end:
flag shown with its figures, both scores, exclude with a reason, the course score
follows, `dangke score --input` agrees, revoke, and who may decide."""

import datetime
import io
import json
import random
from contextlib import redirect_stdout

import pytest
from django.test import Client
from django.urls import reverse

from dangke.core.models import AuditEntry
from dangke.evaluation import integrity, scores, services
from dangke.evaluation.models import ExclusionStatus, RaterKind, ResponseExclusion
from engines.integrity import check_survey, simulate
from engines.scoring import main as score_main
from engines.scoring import score_lesson
from tests.conftest import PASSWORD
from tests.test_evaluation import ON_SITE_KEYS, make_lesson

KEYS = (*ON_SITE_KEYS, "mastery")


def kinds(doc) -> set[str]:
    return {flag["kind"] for flag in check_survey(doc)}


# --- the engine on generated surveys -------------------------------------------------------


def test_honest_halls_including_all_high_ones_raise_no_flag():
    rng = random.Random(2026)
    flagged = [kinds(simulate.honest_hall(rng)) for _ in range(150)]
    flagged += [kinds(simulate.honest_hall(rng, all_high=True)) for _ in range(150)]
    assert [k for k in flagged if k] == []


def test_an_all_five_star_hall_is_not_suspicious_by_itself():
    doc = simulate.honest_hall(random.Random(1))
    for response in doc["responses"]:
        response["answers"] = dict.fromkeys(simulate.LEAVES, 5)
    assert kinds(doc) == set()


def test_stuffed_copies_of_a_sheet_are_caught_with_their_ids():
    rng = random.Random(7)
    caught = 0
    for _ in range(100):
        doc, added = simulate.stuffed(rng)
        copied = doc["responses"][min(added)]["answers"]
        if len(set(copied.values())) == 1:
            continue  # a uniform sheet: the surplus and straight-line checks' business
        identical = [f for f in check_survey(doc) if f["kind"] == "identical"]
        if identical and added <= set(identical[0]["responses"]):
            caught += 1
    assert caught >= 80


def test_stuffed_five_star_sheets_are_caught_by_the_count_against_sign_ins():
    rng = random.Random(8)
    for _ in range(50):
        doc, added = simulate.stuffed(rng, top_sheet=True)
        (surplus,) = [f for f in check_survey(doc) if f["kind"] == "surplus"]
        assert surplus["figures"]["extra"] == len(added)


def test_a_coached_hall_shows_as_trainees_far_from_every_other_role():
    rng = random.Random(9)
    outliers = []
    for _ in range(100):
        flags = [f for f in check_survey(simulate.coached(rng)) if f["kind"] == "role_outlier"]
        outliers += [f["figures"]["role"] for f in flags]
    assert set(outliers) == {"trainee"}
    assert len(outliers) >= 70


def test_sheets_sent_outside_the_lesson_are_caught_exactly():
    rng = random.Random(10)
    for _ in range(30):
        doc, added = simulate.out_of_window(rng)
        (flag,) = [f for f in check_survey(doc) if f["kind"] == "out_of_window"]
        assert set(flag["responses"]) == added


def test_straight_lining_needs_most_of_a_long_sheet_hall_and_spares_full_marks():
    rng = random.Random(11)
    doc = simulate.honest_hall(rng)
    trainees = [r for r in doc["responses"] if r["role"] == "trainee"]
    for response in trainees[: int(len(trainees) * 0.6)]:
        response["answers"] = dict.fromkeys(simulate.LEAVES, 3)
    (flag,) = [f for f in check_survey(doc) if f["kind"] == "straight_line"]
    assert 3 in flag["figures"]["values"]
    assert flag["figures"]["count"] >= int(len(trainees) * 0.6)
    for response in trainees[: int(len(trainees) * 0.6)]:
        response["answers"] = dict.fromkeys(simulate.LEAVES, 5)
    assert "straight_line" not in kinds(doc)


def test_a_sentence_repeated_three_times_is_flagged_short_praise_is_not():
    doc = simulate.honest_hall(random.Random(12))
    doc["comments"] = [{"id": i, "body": "很好"} for i in range(6)] + [
        {"id": 10 + i, "body": "老师讲得非常好，联系实际！" if i % 2 else "老师讲得非常好 联系实际"}
        for i in range(3)
    ]
    (flag,) = [f for f in check_survey(doc) if f["kind"] == "comments"]
    assert flag["comments"] == [10, 11, 12] and flag["figures"]["count"] == 3


# --- the scoring engine's exclusion list ----------------------------------------------------

DOC = {
    "indicators": [{"id": "all", "weight": 1, "children": [{"id": "q", "weight": 1}]}],
    "roles": [{"id": "trainee", "weight": 1, "min_n": 3}],
    "attendance": 5,
    "responses": [{"role": "trainee", "answers": {"q": v}} for v in (3, 3, 4, 4, 5, 5, 5, 5)],
}


def test_without_an_exclusion_list_the_output_is_unchanged_and_with_one_it_follows():
    plain = score_lesson(DOC)
    assert "excluded_by_decision" not in plain
    assert score_lesson({**DOC, "exclude": []}) | {"excluded_by_decision": 0} == {
        **plain,
        "excluded_by_decision": 0,
    }
    decided = score_lesson({**DOC, "exclude": [{"responses": [4, 5, 6], "reason": "相同"}]})
    assert decided["roles"]["trainee"]["n"] == 5
    assert decided["score"] == 70.0  # (50+50+75+75+100)/5
    assert decided["excluded_by_decision"] == 3


def test_a_bad_exclusion_list_names_the_entry(tmp_path):
    with pytest.raises(Exception, match=r"exclude\[0\]: 8 is not the position"):
        score_lesson({**DOC, "exclude": [{"responses": [8]}]})


def test_the_command_takes_the_same_exclusion_list(tmp_path):
    (tmp_path / "survey.json").write_text(json.dumps(DOC), encoding="utf-8")
    (tmp_path / "exclude.json").write_text(json.dumps([{"responses": [4, 5, 6]}]))
    out = io.StringIO()
    with redirect_stdout(out):
        status = score_main(
            ["--input", str(tmp_path / "survey.json"), "--exclude", str(tmp_path / "exclude.json")]
        )
    assert status == 0 and json.loads(out.getvalue())["score"] == 70.0


# --- the office's decision, end to end ------------------------------------------------------


def _sheet(survey, answers, *, minutes=30):
    services.submit_response(
        survey, role=RaterKind.TRAINEE, raw_answers={k: str(v) for k, v in answers.items()},
        nonce=services.new_form_nonce(survey),
        now=survey.lesson.starts_at + datetime.timedelta(minutes=minutes),
    )  # fmt: skip


@pytest.fixture
def stuffed_survey(world):
    """30 honest, varied sheets and 10 copies of one middling sheet."""
    lesson = make_lesson(world, attendees=40)
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    rng = random.Random(5)
    for _ in range(30):
        level = rng.uniform(3.6, 4.6)
        _sheet(survey, {k: min(5, max(1, round(level + rng.gauss(0, 0.6)))) for k in KEYS})
    copy = dict(zip(KEYS, (3, 2, 3, 2, 3, 3, 2), strict=True))
    for _ in range(10):
        _sheet(survey, copy)
    return survey


def test_the_office_compares_excludes_with_a_reason_and_revokes(world, stuffed_survey, client):
    survey = stuffed_survey
    client.login(username="county-a", password=PASSWORD)
    page = client.get(survey.get_absolute_url()).content.decode()
    assert "成批相同的答卷" in page
    assert "10 份学员答卷（共 40 份）的 7 项评分完全相同" in page
    (flag,) = [f for f in integrity.survey_flags(survey) if f.kind == "identical"]
    comparison = integrity.score_comparison(survey, [flag])
    assert (comparison["current_n"], comparison["without_n"]) == (40, 30)
    before = scores.refresh_score(survey)["score"]
    course_before = scores.course_score(world.course_a)["score"]

    refused = client.post(reverse("evaluation:survey_exclude", args=[survey.pk]),
                          {"flag": flag.key, "reason": "  "})  # fmt: skip
    assert refused.status_code == 302 and not ResponseExclusion.objects.exists()
    client.post(reverse("evaluation:survey_exclude", args=[survey.pk]),
                {"flag": flag.key, "reason": "同一答卷重复提交 10 次"})  # fmt: skip
    exclusion = ResponseExclusion.objects.get()
    assert exclusion.responses.count() == 10
    survey.refresh_from_db()
    assert survey.result["score"] == comparison["without"]["score"] != before
    assert survey.result["roles"]["trainee"]["n"] == 30
    assert scores.course_score(world.course_a)["score"] == survey.result["score"] != course_before
    audit = AuditEntry.objects.filter(field="exclusions").get()
    assert "同一答卷重复提交 10 次" in audit.reason
    assert audit.to_value == str(survey.result["score"])
    assert "已排除" in client.get(survey.get_absolute_url()).content.decode()

    # anyone can recompute the published score from the document and its exclusion list
    document = scores.survey_document(survey)
    assert document["exclude"] == [
        {"responses": document["exclude"][0]["responses"], "reason": "同一答卷重复提交 10 次"}
    ]
    assert len(document["responses"]) == 40
    assert score_lesson(document)["score"] == survey.result["score"]

    client.post(reverse("evaluation:exclusion_revoke", args=[exclusion.pk]),
                {"reason": "核实为两个班组合并评价"})  # fmt: skip
    exclusion.refresh_from_db()
    survey.refresh_from_db()
    assert exclusion.status == ExclusionStatus.REVOKED
    assert survey.result["score"] == before
    assert "exclude" not in scores.survey_document(survey)


def test_only_the_office_of_the_region_decides(world, stuffed_survey, client):
    survey = stuffed_survey
    (flag,) = [f for f in integrity.survey_flags(survey) if f.kind == "identical"]
    url = reverse("evaluation:survey_exclude", args=[survey.pk])
    client.login(username="teacher", password=PASSWORD)
    assert client.post(url, {"flag": flag.key, "reason": "x"}).status_code in (403, 404)
    other = Client()
    other.login(username="county-b", password=PASSWORD)
    assert other.post(url, {"flag": flag.key, "reason": "x"}).status_code == 404
    assert not ResponseExclusion.objects.exists()


def test_the_lesson_score_page_shows_both_scores(world, stuffed_survey, client):
    client.login(username="county-a", password=PASSWORD)
    page = client.get(reverse("evaluation:lesson_score", args=[stuffed_survey.lesson_id]))
    html = page.content.decode()
    assert 'id="integrity-comparison"' in html
    assert "不计全部提示涉及的 10 份答卷" in html


def test_sheets_sent_long_after_the_lesson_are_flagged(world):
    lesson = make_lesson(world, attendees=20)
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    rng = random.Random(3)
    for _ in range(12):
        _sheet(survey, {k: rng.choice((4, 5)) for k in KEYS})
    for _ in range(3):
        _sheet(survey, {k: 5 for k in KEYS}, minutes=60 * 20)  # 20 hours after the start
    (flag,) = [f for f in integrity.survey_flags(survey) if f.kind == "out_of_window"]
    assert len(flag.response_ids) == 3
    assert "3 份学员答卷（共 15 份）提交于授课时段之外" in flag.message


@pytest.mark.bulk_build
def test_the_demo_has_one_stuffed_survey_and_honest_ones(db):
    from tests.test_demo import run

    run("demo", "--scale", "county", "--seed", "7")
    from dangke.evaluation.models import Survey

    flagged = {}
    for survey in Survey.objects.filter(kind="on_site").select_related("lesson", "system"):
        kinds = {flag.kind for flag in integrity.survey_flags(survey)}
        if kinds:
            flagged[survey.pk] = kinds
    assert len(flagged) == 1
    (kinds,) = flagged.values()
    assert {"identical", "out_of_window"} <= kinds
    # …and the excellent courses have question banks, their evaluated lessons quiz results
    from dangke.quizzes import services as quizzes
    from dangke.quizzes.models import Question, QuizSheet

    assert Question.objects.exists() and QuizSheet.objects.exists()
    quizzed = Survey.objects.filter(quizzes__isnull=False).distinct()
    with_sheets = [s for s in quizzed if quizzes.results(s)["post"]["sheets"] >= 5]
    assert with_sheets
    # The demo's trainees mostly miss one point (HARD_POINT); with enough sheets on a lesson
    # it shows as not landed, and only points below the line ever do.
    from dangke.quizzes.demo import HARD_POINT
    from engines.quizzes import LANDED

    shown = [quizzes.results(s) for s in with_sheets]
    assert any(HARD_POINT in figures["not_landed"] for figures in shown)
    for figures in shown:
        for point in figures["not_landed"]:
            assert figures["post"]["points"][point]["share"] < 100 * LANDED
    assert with_sheets[0].result["objective"]["mastery"]["n"] >= 5
