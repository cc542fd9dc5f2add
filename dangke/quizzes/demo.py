"""Demo quizzes: a question bank for each of the year's excellent courses, and post-tests
(a pre-test on every third) on their evaluated lessons, answered by as many trainees as
rated the lesson. One knowledge point of each course is made hard, so the teacher's page
has a point that did not land. Deterministic for a given seed."""

from __future__ import annotations

import random

from dangke.core.calendar import YearSoFar, report_year
from dangke.courses.models import Course, ExcellentDesignation
from dangke.evaluation.models import RaterKind, Survey, SurveyKind
from dangke.evaluation.scores import refresh_score
from dangke.quizzes.models import KnowledgePoint, Question, Quiz, QuizSheet, QuizStage

# (knowledge point, kind, question, options, answer letters)
BANK = [
    ("党的政治建设", "single", "新时代党的建设总要求中，摆在首位的是？",
     ["政治建设", "思想建设", "组织建设", "作风建设"], ["A"]),
    ("党的政治建设", "multiple", "“两个维护”指的是坚决维护哪些？",
     ["习近平总书记党中央的核心、全党的核心地位", "党中央权威和集中统一领导", "地方利益",
      "部门利益"], ["A", "B"]),
    ("组织生活制度", "single", "“三会一课”中的“一课”是指？", ["党课", "团课", "业务课", "法治课"],
     ["A"]),
    ("组织生活制度", "true_false", "党支部一般每月相对固定一天开展主题党日。", ["正确", "错误"],
     ["A"]),
    ("党员权利义务", "true_false", "党员没有正当理由，连续六个月不交纳党费的，被认为是自行脱党。",
     ["正确", "错误"], ["A"]),
    ("党员权利义务", "single", "预备党员的预备期为？", ["半年", "一年", "两年", "三年"], ["B"]),
]  # fmt: skip
HARD_POINT = "党员权利义务"  # the point the demo's trainees mostly miss


def build_quiz_demo(seed: int, root_code: str, period: YearSoFar | None = None) -> dict:
    period = period or YearSoFar.of(report_year())
    rng = random.Random(f"dangke-demo:quizzes:{seed}")
    courses = Course.objects.filter(
        region__code__startswith=root_code,
        pk__in=ExcellentDesignation.objects.filter(year=period.year).values("course_id"),
    ).order_by("id")
    questions = 0
    for course in courses:
        points = {
            name: KnowledgePoint.objects.create(course=course, name=name)
            for name in dict.fromkeys(row[0] for row in BANK)
        }
        Question.objects.bulk_create(
            Question(course=course, code=f"Q{number}", kind=kind, text=text, options=options,
                     answer=answer, knowledge_point=points[point])
            for number, (point, kind, text, options, answer) in enumerate(BANK, start=1)
        )  # fmt: skip
        questions += len(BANK)
    surveys = Survey.objects.filter(
        kind=SurveyKind.ON_SITE, lesson__course__in=courses
    ).select_related("lesson", "system")
    quizzes = sheets = 0
    for index, survey in enumerate(surveys.order_by("id")):
        bank = list(survey.lesson.course.questions.filter(is_current=True).order_by("id"))
        asked = [bank[i] for i in (0, 2, 3, 4, 5)]
        trainees = survey.responses.filter(role=RaterKind.TRAINEE).count()
        stages = [(QuizStage.POST, 0.0)] + ([(QuizStage.PRE, 0.3)] if index % 3 == 0 else [])
        rows = []
        for stage, handicap in stages:
            quiz = Quiz.objects.create(survey=survey, stage=stage)
            quiz.questions.set(asked)
            quizzes += 1
            for _ in range(trainees):
                correct = {}
                for question in asked:
                    chance = 0.45 if question.knowledge_point.name == HARD_POINT else 0.85
                    correct[str(question.pk)] = rng.random() < chance - handicap
                answers = {
                    qid: (q.answer if ok else [_wrong(q)])
                    for (qid, ok), q in zip(correct.items(), asked, strict=True)
                }
                rows.append(QuizSheet(quiz=quiz, answers=answers, correct=correct))
        QuizSheet.objects.bulk_create(rows)
        sheets += len(rows)
        refresh_score(survey, force=True)  # the quiz now counts in 知识掌握
    return {"question_banks": courses.count(), "questions": questions, "quizzes": quizzes,
            "quiz_sheets": sheets}  # fmt: skip


def _wrong(question: Question) -> str:
    letters = "ABCDEF"[: len(question.options)]
    return next(letter for letter in letters if letter not in question.answer)
