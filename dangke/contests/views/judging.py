"""The judge's pages, opened on a phone by the judge's secret link (no account needed).

Blind by construction: these views put no teacher, entrant, employer or county into their
context — an entry is its anonymous code, the course title and category, the outline and
the materials, which are served under neutral file names."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from dangke.contests import services
from dangke.contests.models import Judge, JudgeAssignment, Round, Stage
from dangke.contests.results import rubric

OPEN_ROUND = {Stage.FIRST_ROUND: Round.FIRST, Stage.FINAL: Round.FINAL}


def _judge(key) -> Judge:
    return get_object_or_404(
        Judge.objects.unscoped("a judge's link, by its key").select_related("contest"), key=key
    )


def _blind_rows(judge: Judge, round_: str):
    rows = (
        JudgeAssignment.objects.unscoped("the judge's own assignments")
        .filter(judge=judge, round=round_)
        .select_related("entry__course", "sheet")
        .order_by("entry__code")
    )
    return [
        {
            "pk": row.pk,
            "code": row.entry.code,
            "title": row.entry.course.title,
            "category": row.entry.course.get_category_display(),
            "score": row.sheet.score if hasattr(row, "sheet") else None,
        }
        for row in rows
    ]


@login_not_required  # the judge's secret link is the credential
@never_cache
def judge_home(request, key):
    judge = _judge(key)
    contest = judge.contest
    round_ = OPEN_ROUND.get(contest.status)
    rows = _blind_rows(judge, round_) if round_ else []
    return render(
        request,
        "contests/judge_home.html",
        {
            "judge": judge,
            "contest": contest,
            "round_label": Round(round_).label if round_ else "",
            "rows": rows,
            "done": sum(1 for row in rows if row["score"] is not None),
        },
    )


def _assignment(judge: Judge, pk) -> JudgeAssignment:
    assignment = (
        JudgeAssignment.objects.unscoped("the judge's own assignments")
        .filter(judge=judge, pk=pk)
        .select_related("entry__course", "entry__contest")
        .first()
    )
    if assignment is None:
        raise Http404(_("未找到该评审任务"))
    return assignment


@login_not_required
@never_cache
def judge_sheet(request, key, pk):
    judge = _judge(key)
    assignment = _assignment(judge, pk)
    contest = judge.contest
    errors, values = [], {}
    if request.method == "POST":
        values = request.POST
        try:
            services.submit_sheet(assignment, request.POST, comment=request.POST.get("comment", ""))
        except ValidationError as error:
            errors = list(error.messages)
        else:
            return redirect("contests:judge_home", key)
    elif hasattr(assignment, "sheet"):
        values = {f"i_{k}": str(v) for k, v in assignment.sheet.answers.items()}
        values["comment"] = assignment.sheet.comment
    groups: dict[str, list] = {}
    for leaf in rubric(contest):
        dimension = leaf.parent.name if leaf.parent_id else ""
        choices = list(range(leaf.scale_min, leaf.scale_max + 1))
        groups.setdefault(dimension, []).append(
            {"key": leaf.key, "name": leaf.name, "choices": choices,
             "numeric": leaf.scale_max - leaf.scale_min > 4,
             "selected": int(values.get(f"i_{leaf.key}") or 0) or None}
        )  # fmt: skip
    entry = assignment.entry
    return render(
        request,
        "contests/judge_sheet.html",
        {
            "judge": judge,
            "contest": contest,
            "code": entry.code,
            "title": entry.course.title,
            "category": entry.course.get_category_display(),
            "outline": entry.outline,
            "has_courseware": bool(entry.courseware),
            "has_recording": bool(entry.recording),
            "assignment_pk": assignment.pk,
            "groups": list(groups.items()),
            "errors": errors,
            "comment": values.get("comment", ""),
            "open": OPEN_ROUND.get(contest.status) == assignment.round,
        },
    )


@login_not_required
def judge_material(request, key, pk, kind):
    judge = _judge(key)
    entry = _assignment(judge, pk).entry
    field = {"courseware": entry.courseware, "recording": entry.recording}.get(kind)
    if not field:
        raise Http404(_("没有该材料"))
    suffix = PurePosixPath(field.name).suffix.lower()
    label = _("课件") if kind == "courseware" else _("录像")
    content_type = mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"
    return FileResponse(
        field.open("rb"), as_attachment=False, filename=f"{entry.code}-{label}{suffix}",
        content_type=content_type,
    )  # fmt: skip
