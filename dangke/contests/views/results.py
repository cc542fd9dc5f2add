"""Results: the ranking (raw or normalised, with judges' agreement), its Excel export, the
public notice with objections, the hall screen of the final, and the certificates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.contests import rules, services
from dangke.contests.models import (
    ContestAward,
    ContestEntry,
    ObjectionStatus,
    Round,
    ScoreBasis,
    Stage,
)
from dangke.contests.results import round_result
from dangke.contests.views.office import contest_for, error_messages, require_manager
from dangke.core.export import xlsx_response
from dangke.core.ids import db_id
from dangke.core.pdf import pdf_response, render_pdf

ICC_LABELS = (
    ("ICC1", gettext_lazy("单个评委 ICC(1)")),
    ("ICC1k", gettext_lazy("评委组平均 ICC(1,k)")),
    ("ICC2", gettext_lazy("单个评委 ICC(2,1)")),
    ("ICC2k", gettext_lazy("评委组平均 ICC(2,k)")),
    ("ICC3", gettext_lazy("单个评委 ICC(3,1)")),
    ("ICC3k", gettext_lazy("评委组平均 ICC(3,k)")),
)


def _round_and_basis(request, contest):
    round_ = request.GET.get("round")
    if round_ not in Round.values:
        round_ = Round.FINAL if contest.stage_index >= 3 else Round.FIRST
    basis = request.GET.get("basis")
    if basis not in ScoreBasis.values:
        basis = contest.score_basis
    return round_, basis


def _require_scores(request, contest):
    if not rules.may_see_scores(request.scope, contest):
        raise PermissionDenied(_("评审成绩仅比赛主办方可见；公示后可查看公示名单"))


@login_required
def ranking(request, pk):
    contest = contest_for(request, pk)
    _require_scores(request, contest)
    if request.method == "POST":
        require_manager(request, contest)
        try:
            services.set_score_basis(contest, request.POST.get("basis", ""), actor=request.user)
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(
                request, _("排名依据已设为：%(b)s") % {"b": contest.get_score_basis_display()}
            )
        return redirect("contests:ranking", contest.pk)
    round_, basis = _round_and_basis(request, contest)
    result = round_result(contest, round_, basis)
    overall = (result.agreement or {}).get("overall", {})
    design_complete = overall.get("design") == "complete"
    icc_rows = [
        (key, label, overall.get(key))
        for key, label in ICC_LABELS
        if design_complete or key.startswith("ICC1")
    ]
    return render(
        request,
        "contests/ranking.html",
        {
            "contest": contest,
            "result": result,
            "round": round_,
            "basis": basis,
            "rounds": Round.choices,
            "bases": ScoreBasis.choices,
            "icc_rows": icc_rows,
            "overall": overall,
            "design_complete": design_complete,
            "manager": rules.may_manage(request.scope, contest),
            "round_open": contest.status == services.ROUND_STAGE[round_],
            "cut": contest.finalists if round_ == Round.FIRST else contest.winners,
        },
    )


@login_required
def ranking_export(request, pk):
    contest = contest_for(request, pk)
    _require_scores(request, contest)
    round_, basis = _round_and_basis(request, contest)
    result = round_result(contest, round_, basis)
    headers = [_("名次"), _("匿名编号"), _("课程"), _("参赛教师"), _("教研组"), _("原始分"),
               _("标准化分"), _("排名得分"), _("去掉最高最低分平均"), _("标准差"), _("评委数"),
               _("同分比较")]  # fmt: skip
    rows = [
        [
            row["rank"], row["entry_obj"].code, row["entry_obj"].course.title,
            "、".join(t.name for t in row["entry_obj"].teachers.all()),
            str(row["entry_obj"].teaching_group or ""), round(row["raw"], 2),
            round(row["normalised"], 2), round(row["score"], 2), round(row["trimmed"], 2),
            round(row["sd"], 2), row["n"], row["tie_label"],
        ]
        for row in result.rows
    ]  # fmt: skip
    stem = f"{contest.name}-{Round(round_).label}-{ScoreBasis(basis).label[:3]}"
    return xlsx_response(stem, headers, rows)


@login_required
def notice(request, pk):
    """公示: the frozen ranking, the objection period, objections and their answers."""
    contest = contest_for(request, pk)
    if contest.status not in (Stage.NOTICE, Stage.RESULT):
        messages.info(request, _("尚未公示"))
        return redirect(contest)
    manager = rules.may_manage(request.scope, contest)
    if request.method == "POST":
        entry = ContestEntry.objects.filter(
            contest=contest, pk=db_id(request.POST.get("entry"))
        ).first()
        try:
            services.raise_objection(
                contest, body=request.POST.get("body", ""), user=request.user, entry=entry,
                contact=request.POST.get("contact", ""),
            )  # fmt: skip
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("异议已提交，主办方将在公示期内答复"))
        return redirect("contests:notice", contest.pk)
    objections = contest.objections.select_related("entry", "entry__course")
    if not manager:
        objections = objections.filter(submitted_by=request.user)
    winners = {row["entry"] for row in services.winners_of(contest)}
    return render(
        request,
        "contests/notice.html",
        {
            "contest": contest,
            "rows": contest.ranking,
            "winners": winners,
            "objections": objections,
            "manager": manager,
            "open": services.objection_open(contest),
            "awards": contest.awards.select_related("entry__course"),
            "pending": contest.objections.filter(status=ObjectionStatus.PENDING).count(),
        },
    )


@login_required
@require_POST
def decide_objection(request, pk, objection_pk):
    contest = contest_for(request, pk)
    require_manager(request, contest)
    objection = contest.objections.filter(pk=objection_pk).first()
    if objection is None:
        raise PermissionDenied
    try:
        services.decide_objection(
            objection, upheld=request.POST.get("decision") == "uphold",
            answer=request.POST.get("answer", ""), actor=request.user,
        )  # fmt: skip
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    return redirect("contests:notice", contest.pk)


@login_required
@require_POST
def promote(request, pk):
    contest = contest_for(request, pk)
    require_manager(request, contest)
    try:
        services.promote(contest, actor=request.user)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("十佳课程已纳入精品课程库"))
    return redirect("contests:notice", contest.pk)


def _hall_context(contest):
    result = round_result(contest, Round.FINAL)
    judges = contest.judges.filter(in_final=True).count()
    return {"contest": contest, "result": result, "final_judges": judges}


@login_required
def hall(request, pk):
    """The results screen for the hall of the final: big, dark, refreshed every few seconds."""
    contest = contest_for(request, pk)
    _require_scores(request, contest)
    return render(request, "contests/hall.html", _hall_context(contest))


@login_required
def hall_live(request, pk):
    contest = contest_for(request, pk)
    _require_scores(request, contest)
    return render(request, "contests/hall.html#live", _hall_context(contest))


@login_required
def certificate(request, pk):
    award = get_visible_or_404(
        ContestAward.objects.select_related("contest", "contest__region", "entry__course"),
        request.scope,
        pk=pk,
    )
    names = "、".join(teacher.name for teacher in award.entry.teachers.order_by("name"))
    pdf = render_pdf(
        "contests/certificate.html",
        {"award": award, "contest": award.contest, "teacher_names": names},
    )
    return pdf_response(pdf, f"{award.certificate_no}-{award.entry.course.title}.pdf")
