"""Issue #21, knowledge quizzes: a course's question bank imported (row-level errors, all
or nothing, versions) and exported; a quiz set on a lesson's survey and answered on the
same phone page, anonymously; results per question and knowledge point with n and
interval, the gain over a pre-test, and what the teacher sees; scoping."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangke.accounts.scoping import scope_for_user
from dangke.quizzes import services
from dangke.quizzes.models import Question, QuizSheet, QuizStage
from dangke.quizzes.spreadsheets import QuestionSheet
from engines.quizzes import quiz_results, wilson
from tests.conftest import PASSWORD
from tests.test_evaluation import form_nonce, make_lesson, stars

HEADERS = [column.header for column in QuestionSheet.columns]
GOOD_ROWS = [
    ["Q1", "单选题", "把什么建设摆在首位？", "政治建设", "思想建设", "组织建设", "", "",
     "A", "政治建设"],
    ["Q2", "多选题", "“四个意识”包括哪些？", "政治意识", "大局意识", "核心意识", "看齐意识", "",
     "ABCD", "政治建设"],
    ["Q3", "判断题", "党员应当按期交纳党费。", "", "", "", "", "", "正确", "党员义务"],
    ["Q4", "单选题", "“三会一课”中的“一课”是？", "党课", "团课", "", "", "", "A", "组织生活"],
    ["Q5", "判断题", "支部委员会每季度召开一次。", "", "", "", "", "", "错误", "组织生活"],
]  # fmt: skip


def workbook(rows, headers=HEADERS) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.title = "题库"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("题库.xlsx", buffer.getvalue())


def import_good(world):
    scope = scope_for_user(world.county_a_admin)
    return services.import_bank(
        world.course_a, workbook(GOOD_ROWS), scope=scope, actor=world.county_a_admin
    )


# --- results engine -------------------------------------------------------------------------


def test_wilson_interval_and_gain_by_hand():
    assert wilson(8, 10) == [49.0, 94.3]
    assert wilson(0, 0) is None
    doc = {
        "questions": [{"id": "a", "point": "P"}, {"id": "b", "point": "P"}],
        "post": [{"a": True, "b": True}] * 8 + [{"a": True, "b": False}] * 2,
        "pre": [{"a": True, "b": False}] * 5 + [{"a": False, "b": False}] * 5,
    }
    result = quiz_results(doc)
    assert result["post"]["questions"]["a"]["share"] == 100.0
    assert result["post"]["points"]["P"] == {"right": 18, "n": 20, "share": 90.0,
                                             "ci95": wilson(18, 20)}  # fmt: skip
    assert result["gain"]["points"] == 65.0  # 90 % after, 25 % before
    assert [f["kind"] for f in result["flags"]] == ["everyone_right"]
    assert result["not_landed"] == []


# --- the bank -------------------------------------------------------------------------------


def test_a_good_bank_is_imported_and_exported_in_the_same_columns(world):
    created, errors = import_good(world)
    assert (created, errors) == (5, [])
    q2 = Question.objects.get(code="Q2")
    assert q2.answer == ["A", "B", "C", "D"] and len(q2.options) == 4
    q5 = Question.objects.get(code="Q5")
    assert (q5.options, q5.answer) == (["正确", "错误"], ["B"])
    assert sorted(world.course_a.knowledge_points.values_list("name", flat=True)) == [
        "党员义务", "政治建设", "组织生活"]  # fmt: skip
    client = Client()
    client.login(username="county-a", password=PASSWORD)
    exported = client.get(reverse("quizzes:bank_export", args=[world.course_a.pk]))
    sheet = load_workbook(BytesIO(exported.content)).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows == GOOD_ROWS
    # importing it again makes version 2; version 1 stays for quizzes already run
    created, _ = services.import_bank(
        world.course_a, workbook(rows), scope=scope_for_user(world.county_a_admin),
        actor=world.county_a_admin,
    )  # fmt: skip
    assert created == 5
    assert Question.objects.filter(is_current=True, version=2).count() == 5
    assert Question.objects.filter(is_current=False, version=1).count() == 5


def test_a_bad_bank_reports_every_bad_row_and_imports_nothing(world, client):
    bad = [
        ["Q1", "单选题", "题干", "甲", "乙", "", "", "", "AB", "点一"],  # two answers
        ["Q2", "多选题", "题干", "甲", "乙", "丙", "", "", "A", "点一"],  # one answer
        ["Q3", "判断题", "题干", "", "", "", "", "", "也许", "点一"],
        ["Q4", "单选题", "题干", "甲", "", "丙", "", "", "A", "点一"],  # a gap in the options
        ["Q5", "问答题", "题干", "甲", "乙", "", "", "", "A", "点一"],
        ["Q5", "单选题", "题干", "甲", "乙", "", "", "", "C", ""],  # duplicate, bad, no point
    ]  # fmt: skip
    client.login(username="county-a", password=PASSWORD)
    page = client.post(reverse("quizzes:bank", args=[world.course_a.pk]), {"file": workbook(bad)})
    assert page.status_code == 400
    errors = {(e["row"], e["column"]) for e in page.context["errors"]}
    assert {(2, "正确答案"), (3, "正确答案"), (4, "正确答案"), (5, "选项A"), (6, "题型"),
            (7, "题号"), (7, "知识点")} <= errors  # fmt: skip
    text = page.content.decode()
    assert "单选题只能有一个正确答案" in text and "多选题至少有两个正确答案" in text
    assert "判断题的答案填「正确」或「错误」" in text
    assert not Question.objects.exists()


def test_the_template_is_a_workbook_with_the_banks_headers(world, client):
    client.login(username="county-a", password=PASSWORD)
    response = client.get(reverse("quizzes:bank_template", args=[world.course_a.pk]))
    sheet = load_workbook(BytesIO(response.content))["题库"]
    assert [str(c.value).rstrip("*") for c in sheet[1]] == HEADERS


def test_another_county_cannot_see_or_import_the_bank(world):
    import_good(world)
    other = Client()
    other.login(username="county-b", password=PASSWORD)
    url = reverse("quizzes:bank", args=[world.course_a.pk])
    assert other.get(url).status_code == 404
    assert other.post(url, {"file": workbook(GOOD_ROWS)}).status_code == 404
    assert other.get(reverse("quizzes:bank_export", args=[world.course_a.pk])).status_code == 404
    scope_b = scope_for_user(world.county_b_admin)
    assert not Question.objects.visible_to(scope_b).exists()
    assert Question.objects.visible_to(scope_for_user(world.county_a_admin)).count() == 5


# --- quizzes on the phone page --------------------------------------------------------------


@pytest.fixture
def quiz_survey(world):
    from dangke.evaluation import services as evaluation

    import_good(world)
    lesson = make_lesson(world, attendees=30)
    survey = evaluation.open_survey(lesson, actor=world.county_a_admin)
    return survey


def test_a_bank_needs_three_questions_and_a_quiz_spreads_over_the_points(world, quiz_survey):
    quiz = services.set_quiz(quiz_survey, stage=QuizStage.POST, actor=world.county_a_admin)
    points = {q.knowledge_point.name for q in quiz.questions.all()}
    assert quiz.questions.count() == 5 and len(points) == 3
    with pytest.raises(services.QuizError, match="已有课后测"):
        services.set_quiz(quiz_survey, stage=QuizStage.POST, actor=world.county_a_admin)
    Question.objects.exclude(code__in=["Q1", "Q2"]).update(is_current=False)
    with pytest.raises(services.QuizError, match="只有 2 道题"):
        services.set_quiz(quiz_survey, stage=QuizStage.PRE, actor=world.county_a_admin)


def test_trainees_answer_the_quiz_on_the_survey_page_anonymously(world, quiz_survey):
    quiz = services.set_quiz(quiz_survey, stage=QuizStage.POST, actor=world.county_a_admin)
    client = Client()
    url = reverse("evaluation:rate", args=[quiz_survey.public_key])
    page = client.get(url)
    body = page.content
    assert len(body) < 30 * 1024 and b"<script" not in body
    assert "把什么建设摆在首位？".encode() in body and b'type="checkbox"' in body
    q = {question.code: question.pk for question in quiz.questions.all()}
    data = {"nonce": form_nonce(page), **stars(4), f"q_{q['Q1']}": "A",
            f"q_{q['Q2']}": ["A", "B"], f"q_{q['Q3']}": "A"}  # fmt: skip
    assert "已收到您的评价".encode() in client.post(url, data).content
    client.post(url, data)  # re-sent on a weak signal: counted once
    (sheet,) = QuizSheet.objects.all()
    assert sheet.correct == {str(q["Q1"]): True, str(q["Q2"]): False, str(q["Q3"]): True}
    # nothing in the sheet could name the trainee or tie it to the survey sheet
    assert {f.name for f in QuizSheet._meta.get_fields()} == {"id", "quiz", "answers", "correct"}


def test_the_teacher_sees_points_that_did_not_land_and_the_gain(world, quiz_survey):
    post = services.set_quiz(quiz_survey, stage=QuizStage.POST, actor=world.county_a_admin)
    pre = services.set_quiz(quiz_survey, stage=QuizStage.PRE, actor=world.county_a_admin)
    ids = {question.code: str(question.pk) for question in post.questions.all()}
    for number in range(10):
        services.submit_quiz(post, {f"q_{ids['Q1']}": ["A"], f"q_{ids['Q4']}": ["A"],
                                    f"q_{ids['Q3']}": ["B" if number < 7 else "A"]})  # fmt: skip
        services.submit_quiz(pre, {f"q_{ids['Q1']}": ["A" if number < 3 else "B"]})
    client = Client()
    client.login(username="teacher", password=PASSWORD)
    page = client.get(reverse("evaluation:lesson_score", args=[quiz_survey.lesson_id]))
    html = page.content.decode()
    results = page.context["quiz_results"]
    assert results["not_landed"] == ["党员义务"]  # 3 of 10 right
    assert results["post"]["points"]["党员义务"]["ci95"] == wilson(3, 10)
    assert 'data-point="党员义务" class="table-warning"' in html and "未掌握" in html
    assert "「Q1」10 人中 10 人答对" in html
    assert results["gain"]["points"] == round(100 * (23 / 30 - 3 / 10), 1)


def test_the_quiz_feeds_knowledge_mastery_half_and_half(world, quiz_survey):
    from dangke.evaluation import scores
    from dangke.evaluation import services as evaluation
    from dangke.evaluation.models import RaterKind
    from engines.scoring import score_lesson

    post = services.set_quiz(quiz_survey, stage=QuizStage.POST, actor=world.county_a_admin)
    ids = {question.code: str(question.pk) for question in post.questions.all()}
    for _ in range(6):
        evaluation.submit_response(
            quiz_survey, role=RaterKind.TRAINEE,
            raw_answers={key[2:]: value for key, value in stars(5).items()},
            nonce=evaluation.new_form_nonce(quiz_survey), now=quiz_survey.opens_at,
        )  # fmt: skip
    for _ in range(4):  # four sheets: not enough to count yet
        services.submit_quiz(post, {f"q_{ids['Q1']}": ["A"], f"q_{ids['Q4']}": ["B"]})
    assert "objective" not in scores.survey_document(quiz_survey)
    services.submit_quiz(post, {f"q_{ids['Q1']}": ["A"], f"q_{ids['Q4']}": ["B"]})
    document = scores.survey_document(quiz_survey)
    assert document["objective"] == {"mastery": {"value": 50.0, "share": 0.5, "n": 5}}
    client = Client()
    client.login(username="county-a", password=PASSWORD)
    page = client.get(reverse("evaluation:lesson_score", args=[quiz_survey.lesson_id]))
    result = page.context["result"]
    # five stars (100) on every sheet, half of it replaced by the quiz's 50 % right
    assert result["indicators"]["mastery"]["value"] == 75.0
    assert result["score"] == score_lesson(document)["score"]
    html = page.content.decode()
    assert "知识掌握：学员自评 100.0，测验答对 50.0%。" in html
    assert "计入成绩的知识掌握为 75.0" in html
