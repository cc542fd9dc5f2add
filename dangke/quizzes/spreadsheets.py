"""The question bank (题库) of one course as an Excel sheet: its template, its import (every
bad row reported by row and column, nothing saved unless all rows are good) and its
export in the same columns, so a bank goes out and comes back unchanged."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from dangke.imports import columns as c
from dangke.imports.sheets import ApplyCounts, SheetSpec
from dangke.quizzes.models import OPTION_LETTERS, KnowledgePoint, Question, QuestionKind

OPTION_FIELDS = [f"option_{letter}" for letter in OPTION_LETTERS[:5]]
TRUE_FALSE = {
    "正确": "A",
    "对": "A",
    "√": "A",
    "A": "A",
    "错误": "B",
    "错": "B",
    "×": "B",
    "B": "B",
}
TRUE_FALSE_OPTIONS = ["正确", "错误"]


def letters(value) -> str:
    return "".join(ch for ch in str(value).upper() if not ch.isspace() and ch not in ",，、")


class QuestionSheet(SheetSpec):
    kind = "questions"
    title = "题库"
    model = Question
    key_field = "code"
    columns = (
        c.Column("题号", "code", c.text(20), required=True, example="Q1",
                 help="本课程题库内不重复，如 Q1、Q2"),
        c.Column("题型", "kind", c.choice(QuestionKind), required=True, example="单选题",
                 choices=tuple(c.source_label(label) for label in QuestionKind.labels)),
        c.Column("题干", "text", c.text(500), required=True, width=40,
                 example="新时代党的建设总要求中，把什么建设摆在首位？"),
        c.Column("选项A", "option_A", c.text(200), example="政治建设", width=18,
                 help="判断题不填选项"),
        c.Column("选项B", "option_B", c.text(200), example="思想建设", width=18),
        c.Column("选项C", "option_C", c.text(200), example="组织建设", width=18),
        c.Column("选项D", "option_D", c.text(200), example="作风建设", width=18),
        c.Column("选项E", "option_E", c.text(200), example="", width=18),
        c.Column("正确答案", "answer", c.text(10), required=True, example="A",
                 help="单选填一个字母；多选填几个字母，如 ACD；判断题填「正确」或「错误」"),
        c.Column("知识点", "point", c.text(60), required=True, example="党的政治建设",
                 width=20),
    )  # fmt: skip
    notes = (
        "每次导入生成该课程题库的一个新版本，原有题目保留给已进行的测验，不再出新题。",
        "任何一行有错误时整份文件都不导入，请按错误清单逐行改正后重新上传。",
    )

    def __init__(self, course=None):
        self.course = course

    def check(self, rows, context, errors):
        answer_header = self.column_for("answer").header
        for row in rows:
            kind, answer = row.values.get("kind"), row.values.get("answer")
            if not kind or not answer:
                continue
            if kind == QuestionKind.TRUE_FALSE:
                if answer not in TRUE_FALSE:
                    errors.add(
                        row.number, answer_header, answer, "判断题的答案填「正确」或「错误」"
                    )
                    continue
                row.values["options"] = list(TRUE_FALSE_OPTIONS)
                row.values["answer"] = [TRUE_FALSE[answer]]
                continue
            options = [row.values.get(name) for name in OPTION_FIELDS]
            while options and not options[-1]:
                options.pop()
            if len(options) < 2 or not all(options):
                errors.add(row.number, "选项A", row.raw.get("选项A"),
                           "选择题至少要有选项A、选项B，且选项之间不能空缺")  # fmt: skip
                continue
            chosen = letters(answer)
            allowed = OPTION_LETTERS[: len(options)]
            if (
                not chosen
                or any(ch not in allowed for ch in chosen)
                or len(set(chosen)) < len(chosen)
            ):
                errors.add(row.number, answer_header, answer,
                           f"答案应为 {allowed[0]}–{allowed[-1]} 中的字母，且不重复")  # fmt: skip
                continue
            if kind == QuestionKind.SINGLE and len(chosen) != 1:
                errors.add(row.number, answer_header, answer, "单选题只能有一个正确答案")
                continue
            if kind == QuestionKind.MULTIPLE and len(chosen) < 2:
                errors.add(row.number, answer_header, answer, "多选题至少有两个正确答案")
                continue
            row.values["options"] = options
            row.values["answer"] = sorted(chosen)

    @transaction.atomic
    def apply(self, rows, context, progress):
        course = self.course
        latest = course.questions.aggregate(v=Max("version"))["v"] or 0
        course.questions.filter(is_current=True).update(is_current=False)
        points = {p.name: p for p in course.knowledge_points.all()}
        created = []
        for row in rows:
            name = row.values["point"]
            if name not in points:
                points[name] = KnowledgePoint.objects.create(course=course, name=name)
            created.append(
                Question(
                    course=course, version=latest + 1, is_current=True, code=row.values["code"],
                    kind=row.values["kind"], text=row.values["text"],
                    options=row.values["options"], answer=row.values["answer"],
                    knowledge_point=points[name],
                )
            )  # fmt: skip
        Question.objects.bulk_create(created)
        progress(len(rows), len(rows))
        return ApplyCounts(created=len(created))


def export_rows(course) -> tuple[list[str], list[list]]:
    """The current bank in the import's columns."""
    headers = [column.header for column in QuestionSheet.columns]
    rows = []
    for question in course.questions.filter(is_current=True).select_related("knowledge_point"):
        true_false = question.kind == QuestionKind.TRUE_FALSE
        options = [] if true_false else list(question.options)
        answer = (
            TRUE_FALSE_OPTIONS[OPTION_LETTERS.index(question.answer[0])]
            if true_false
            else "".join(question.answer)
        )
        rows.append(
            [question.code, question.get_kind_display(), question.text,
             *(options + [""] * 5)[:5], answer, question.knowledge_point.name]
        )  # fmt: skip
    return headers, rows
