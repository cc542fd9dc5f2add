"""Quizzes' state changes and figures: importing a course's bank, setting a quiz for a
survey, accepting a trainee's answers, and the results per question and knowledge point
(`engines.quizzes`). Views and the rater's page call these."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.imports.sheets import ImportContext, WorkbookError, validate
from dangke.quizzes.models import OPTION_LETTERS, Question, QuestionKind, Quiz, QuizSheet, QuizStage
from dangke.quizzes.spreadsheets import QuestionSheet
from engines.quizzes import quiz_results

MIN_QUESTIONS, MAX_QUESTIONS = 3, 5
MASTERY_KEY = "mastery"  # the 知识掌握 leaf of the default indicator system
MASTERY_SHARE = 0.5  # the quiz's part in a trainee's 知识掌握 (docs/scoring.md)
MIN_SHEETS = 5  # fewer quiz sheets say too little to move a score


class QuizError(ValidationError):
    """A request about quizzes that cannot be done; the message says why, in Chinese."""


def import_bank(course, upload, *, scope, actor) -> tuple[int, list[dict]]:
    """Read a bank workbook for `course`: (questions created, []) or (0, the row errors),
    all or nothing."""
    spec = QuestionSheet(course)
    context = ImportContext.for_scope(scope, actor)
    try:
        result = validate(upload, spec, context, lambda done, total: None)
    except WorkbookError as error:
        return 0, [{"sheet": "", "row": None, "column": "", "value": "", "message": str(error)}]
    if result.errors:
        return 0, result.errors.items
    if not result.rows:
        return 0, [{"sheet": result.sheet, "row": None, "column": "", "value": "",
                    "message": "文件中没有题目"}]  # fmt: skip
    with transaction.atomic():
        counts = spec.apply(result.rows, context, lambda done, total: None)
        record_audit(
            course, actor=actor, action=AuditEntry.Action.IMPORT, field="questions",
            to_value=_("题库新版本，%(n)s 题") % {"n": counts.created}, reason=_("导入题库"),
        )  # fmt: skip
    return counts.created, []


def pick_questions(course, count: int = MAX_QUESTIONS) -> list[Question]:
    """Up to `count` current questions, one knowledge point after another, so a short quiz
    covers as many points as it can."""
    by_point: dict[int, list[Question]] = {}
    for question in course.questions.filter(is_current=True).order_by("knowledge_point_id", "id"):
        by_point.setdefault(question.knowledge_point_id, []).append(question)
    picked: list[Question] = []
    while len(picked) < count and any(by_point.values()):
        for questions in by_point.values():
            if questions and len(picked) < count:
                picked.append(questions.pop(0))
    return picked


@transaction.atomic
def set_quiz(survey, *, stage: str, actor, count: int = MAX_QUESTIONS) -> Quiz:
    """Attach a quiz of 3–5 questions from the course's current bank to a lesson's
    on-site survey (the post-test, or a pre-test before the lesson)."""
    if stage not in QuizStage.values:
        raise QuizError(_("未知的测验阶段"))
    main = survey.on_site
    if not main.lesson_id:
        raise QuizError(_("测验按授课课程出题，培训班测评暂不支持"))
    if Quiz.objects.filter(survey=main, stage=stage).exists():
        raise QuizError(_("本测评已有%(stage)s") % {"stage": QuizStage(stage).label})
    questions = pick_questions(
        main.lesson.course, count=min(MAX_QUESTIONS, max(MIN_QUESTIONS, count))
    )
    if len(questions) < MIN_QUESTIONS:
        raise QuizError(
            _("课程题库只有 %(n)s 道题，至少需要 %(min)s 道才能测验")
            % {"n": len(questions), "min": MIN_QUESTIONS}
        )
    quiz = Quiz.objects.create(survey=main, stage=stage)
    quiz.questions.set(questions)
    record_audit(main, actor=actor, action=AuditEntry.Action.UPDATE, field="quiz",
                 to_value=f"{quiz.get_stage_display()} {len(questions)}",
                 reason=_("设置知识测验"))  # fmt: skip
    return quiz


def quiz_for(survey, stage: str = QuizStage.POST) -> Quiz | None:
    return (
        Quiz.objects.unscoped("the quiz of a survey held")
        .filter(survey=survey.on_site, stage=stage)
        .prefetch_related("questions")
        .first()
    )


def form_questions(quiz: Quiz, values=None) -> list[dict]:
    """The quiz's questions as the phone page lays them out: radio buttons for one answer,
    check boxes for several; field names q_<id>."""
    values = values or {}
    rows = []
    for question in quiz.questions.all().order_by("id"):
        chosen = values.getlist(f"q_{question.pk}") if hasattr(values, "getlist") else []
        rows.append(
            {
                "id": question.pk,
                "text": question.text,
                "kind": question.kind,
                "multiple": question.kind == QuestionKind.MULTIPLE,
                "options": [
                    {"letter": letter, "text": text, "checked": letter in chosen}
                    for letter, text in question.lettered_options()
                ],
            }
        )
    return rows


def submit_quiz(quiz: Quiz, raw) -> QuizSheet | None:
    """Store one trainee's answers (a QueryDict or {f"q_<id>": [letters]}); unanswered
    questions are left out; nothing at all answered stores nothing. The caller makes sure a
    re-sent form is not stored twice (the survey sheet's nonce)."""
    getlist = raw.getlist if hasattr(raw, "getlist") else (lambda key: raw.get(key, []))
    answers, correct = {}, {}
    for question in quiz.questions.all():
        allowed = OPTION_LETTERS[: len(question.options)]
        chosen = sorted({letter for letter in getlist(f"q_{question.pk}") if letter in allowed})
        if not chosen:
            continue
        if question.kind != QuestionKind.MULTIPLE:
            chosen = chosen[:1]
        answers[str(question.pk)] = chosen
        correct[str(question.pk)] = chosen == sorted(question.answer)
    if not answers:
        return None
    return QuizSheet.objects.create(quiz=quiz, answers=answers, correct=correct)


def results(survey) -> dict | None:
    """The lesson's quiz results with the questions and knowledge points they refer to;
    None when no post-test ran."""
    post = quiz_for(survey, QuizStage.POST)
    if post is None:
        return None
    pre = quiz_for(survey, QuizStage.PRE)
    questions = {q.pk: q for q in post.questions.select_related("knowledge_point")}
    if pre:
        questions |= {q.pk: q for q in pre.questions.select_related("knowledge_point")}
    doc = {
        "questions": [
            {"id": str(pk), "point": q.knowledge_point.name} for pk, q in questions.items()
        ],
        "post": list(post.sheets.values_list("correct", flat=True)),
        "pre": list(pre.sheets.values_list("correct", flat=True)) if pre else [],
    }
    figures = quiz_results(doc)
    post_ids = {str(q.pk) for q in post.questions.all()}
    return {
        **figures,
        "questions": [
            {"question": questions[int(qid)], **row}
            for qid, row in figures["post"]["questions"].items()
            if qid in post_ids
        ],
        "flag_texts": [
            (
                _("「%(code)s」%(n)s 人中 %(right)s 人答对：几乎人人会，区分不出掌握程度")
                if flag["kind"] == "everyone_right"
                else _("「%(code)s」%(n)s 人中只有 %(right)s 人答对：题目或讲解可能有问题")
            )
            % {
                "code": questions[int(flag["question"])].code,
                "n": flag["n"],
                "right": flag["right"],
            }
            for flag in figures["flags"]
        ],
    }


def mastery_objective(survey) -> dict | None:
    """`{"mastery": {"value", "share", "n"}}` for the score document, or None: no
    post-test, fewer than MIN_SHEETS sheets, or no 知识掌握 leaf in the indicator system."""
    from dangke.evaluation.indicators import leaves_of

    quiz = quiz_for(survey, QuizStage.POST)
    if quiz is None or not any(
        leaf.key == MASTERY_KEY for leaf in leaves_of(survey.on_site.system)
    ):
        return None
    sheets = list(quiz.sheets.values_list("correct", flat=True))
    answered = [ok for sheet in sheets for ok in sheet.values()]
    if len(sheets) < MIN_SHEETS or not answered:
        return None
    value = round(100 * sum(answered) / len(answered), 1)
    return {MASTERY_KEY: {"value": value, "share": MASTERY_SHARE, "n": len(sheets)}}
