"""The teacher's dossier (个人教学档案) for one year, for a 职称 application or a committee:
lessons by category with hours, scores with n and 95 % interval, contest results, training
completed, rewards and shared analysis reports, each with its date. Read from the apps
that own them; lessons are counted exactly as the annual review counts them
(faculty.lifecycle.lesson_figures: delivered lessons starting in the local year)."""

from __future__ import annotations

import io
from collections import OrderedDict

from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.core.calendar import year_bounds
from dangke.courses.categories import CourseCategory
from dangke.delivery.models import Lesson, LessonStatus
from dangke.faculty import lifecycle
from dangke.faculty.models import FundStatus, RewardAllocation
from dangke.insights.models import DeliveryAnalysis
from dangke.training.models import Enrollment, EnrollmentStatus


def dossier_data(teacher, year: int) -> dict:
    start, end = year_bounds(year)
    lessons = list(
        Lesson.objects.unscoped("dossier of a teacher fetched in scope")
        .filter(
            teachers=teacher, status=LessonStatus.DELIVERED, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("course", "organization")
        .order_by("starts_at")
    )
    categories: OrderedDict[str, dict] = OrderedDict(
        (value, {"label": label, "lessons": 0, "minutes": 0})
        for value, label in CourseCategory.choices
    )
    for lesson in lessons:
        row = categories[lesson.course.category]
        row["lessons"] += 1
        row["minutes"] += lesson.duration_minutes
    by_category = [
        {"label": row["label"], "lessons": row["lessons"], "hours": round(row["minutes"] / 60, 1)}
        for row in categories.values()
        if row["lessons"]
    ]
    score = lifecycle.score_figures([teacher], year)[teacher.pk]
    ci95 = score.get("ci95")
    trainings = (
        Enrollment.objects.unscoped("dossier of a teacher fetched in scope")
        .filter(
            teacher=teacher,
            status=EnrollmentStatus.COMPLETED,
            training_class__ends_on__year=year,
        )
        .select_related("training_class")
        .order_by("training_class__ends_on")
    )
    rewards = (
        RewardAllocation.objects.unscoped("dossier of a teacher fetched in scope")
        .filter(teacher=teacher, fund__year=year, fund__status=FundStatus.APPROVED)
        .select_related("fund")
        .order_by("fund__approved_at")
    )
    analyses = (
        DeliveryAnalysis.objects.unscoped("dossier of a teacher fetched in scope")
        .filter(
            teacher=teacher,
            shared_region__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("course")
        .order_by("created_at")
    )
    return {
        "teacher": teacher,
        "year": year,
        "made_on": timezone.localdate(),
        "lessons": [
            {
                "date": timezone.localtime(lesson.starts_at).date(),
                "course": lesson.course.title,
                "category": lesson.course.get_category_display(),
                "hours": round(lesson.duration_minutes / 60, 1),
                "organization": lesson.organization.name,
            }
            for lesson in lessons
        ],
        "lesson_count": len(lessons),
        "hours": round(sum(lesson.duration_minutes for lesson in lessons) / 60, 1),
        "by_category": by_category,
        "score": score.get("score"),
        "n_responses": score.get("n_responses", 0),
        "ci95": tuple(ci95) if ci95 else None,
        "lessons_published": score.get("lessons_published", 0),
        "contests": lifecycle.contest_results_hook([teacher.pk], year).get(teacher.pk, []),
        "trainings": [
            {"date": e.training_class.ends_on, "title": e.training_class.title} for e in trainings
        ],
        "rewards": [
            {
                "date": timezone.localtime(r.fund.approved_at).date() if r.fund.approved_at else "",
                "fund": r.fund.name,
                "amount": r.amount,
            }
            for r in rewards
        ],
        "analyses": [
            {
                "date": timezone.localtime(a.created_at).date(),
                "title": a.course.title if a.course_id else a.original_name,
            }
            for a in analyses
        ],
    }


def _score_text(data: dict) -> str:
    if data["score"] is None:
        return _("本年度暂无已发布的评价得分")
    text = _("年度得分 %(s)s 分（有效答卷 %(n)s 份）") % {
        "s": round(data["score"], 1),
        "n": data["n_responses"],
    }
    if data["ci95"]:
        low, high = data["ci95"]
        text += _("，95%% 置信区间 %(low)s～%(high)s") % {
            "low": round(low, 1),
            "high": round(high, 1),
        }
    return text


def sections(data: dict) -> list[dict]:
    """The dossier as titled tables, shared by the Word and the PDF writer."""
    return [
        {
            "title": _("一、授课情况"),
            "text": _("%(year)s年共授课 %(n)s 场，%(h)s 小时。")
            % {"year": data["year"], "n": data["lesson_count"], "h": data["hours"]},
            "headers": [_("类别"), _("场次"), _("小时")],
            "rows": [[c["label"], c["lessons"], c["hours"]] for c in data["by_category"]],
        },
        {
            "title": _("二、授课明细"),
            "headers": [_("日期"), _("课程"), _("类别"), _("小时"), _("承办组织")],
            "rows": [
                [r["date"], r["course"], r["category"], r["hours"], r["organization"]]
                for r in data["lessons"]
            ],
        },
        {"title": _("三、教学评价"), "text": _score_text(data), "headers": [], "rows": []},
        {
            "title": _("四、擂台赛成绩"),
            "headers": [_("赛事"), _("作品"), _("成绩")],
            "rows": [[c["contest"], c["entry"], c["award"]] for c in data["contests"]],
        },
        {
            "title": _("五、参加培训"),
            "headers": [_("结业日期"), _("培训班")],
            "rows": [[t["date"], t["title"]] for t in data["trainings"]],
        },
        {
            "title": _("六、奖励"),
            "headers": [_("审批日期"), _("奖励基金"), _("金额(元)")],
            "rows": [[r["date"], r["fund"], r["amount"]] for r in data["rewards"]],
        },
        {
            "title": _("七、已共享的授课分析报告"),
            "headers": [_("日期"), _("课程")],
            "rows": [[a["date"], a["title"]] for a in data["analyses"]],
        },
    ]


def title_of(data: dict) -> str:
    return _("%(name)s %(year)s年度个人教学档案") % {
        "name": data["teacher"].name,
        "year": data["year"],
    }


def header_of(data: dict) -> str:
    teacher = data["teacher"]
    return _(
        "师资编号：%(code)s　工作单位：%(employer)s　职务/职称：%(position)s　级别：%(level)s"
    ) % {
        "code": teacher.code,
        "employer": teacher.employer or "—",
        "position": teacher.position or "—",
        "level": teacher.get_level_display(),
    }


def footer_of(data: dict) -> str:
    return _("制表日期：%(day)s") % {"day": data["made_on"]}


def as_docx(data: dict) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    document.add_heading(title_of(data), level=0)
    document.add_paragraph(header_of(data))
    for section in sections(data):
        document.add_heading(section["title"], level=1)
        if section.get("text"):
            document.add_paragraph(section["text"])
        if section["headers"]:
            if not section["rows"]:
                document.add_paragraph(_("无"))
                continue
            table = document.add_table(rows=1, cols=len(section["headers"]))
            table.style = "Table Grid"
            for cell, header in zip(table.rows[0].cells, section["headers"], strict=True):
                cell.text = str(header)
            for row in section["rows"]:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = "" if value is None else str(value)
    document.add_paragraph(footer_of(data))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def as_pdf(data: dict) -> bytes:
    from dangke.core.pdf import render_pdf

    return render_pdf(
        "care/pdf/dossier.html",
        {
            "title": title_of(data),
            "header": header_of(data),
            "sections": sections(data),
            "footer": footer_of(data),
        },
    )
