"""Pages of quizzes: a course's question bank (template, import with row errors, export),
setting a quiz on a lesson's survey, the pre-test page for trainees, and the results."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.export import XLSX_CONTENT_TYPE, xlsx_response
from dangke.courses.models import Course
from dangke.evaluation.models import Survey, SurveyKind
from dangke.evaluation.rules import may_manage_evaluation, may_run_surveys
from dangke.imports.blank import template_workbook
from dangke.imports.forms import WorkbookUploadForm
from dangke.quizzes import services
from dangke.quizzes.models import QuizStage
from dangke.quizzes.spreadsheets import QuestionSheet, export_rows

PRE_TEST_GRACE = timedelta(minutes=30)


def may_edit_bank(scope, course) -> bool:
    """The office of the course's region, or a teacher of the course."""
    return may_manage_evaluation(scope, course.region_id) or bool(
        {t.pk for t in course.teachers.all()} & set(scope.teacher_ids)
    )


def _course(request, pk) -> Course:
    return get_visible_or_404(Course.objects.prefetch_related("teachers"), request.scope, pk=pk)


@login_required
def bank(request, pk):
    course = _course(request, pk)
    questions = course.questions.filter(is_current=True).select_related("knowledge_point")
    context = {
        "course": course,
        "questions": questions,
        "version": questions[0].version if questions else None,
        "may_edit": may_edit_bank(request.scope, course),
        "form": WorkbookUploadForm(),
        "errors": [],
    }
    if request.method == "POST":
        if not context["may_edit"]:
            raise PermissionDenied(_("只有课程所在区划的管理员或授课老师可以导入题库"))
        form = WorkbookUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            created, errors = services.import_bank(
                course, form.cleaned_data["file"], scope=request.scope, actor=request.user
            )
            if not errors:
                messages.success(request, _("已导入 %(n)s 道题，生成新版本题库") % {"n": created})
                return redirect("quizzes:bank", course.pk)
            context["errors"] = errors
    return render(request, "quizzes/bank.html", context, status=400 if context["errors"] else 200)


@login_required
def bank_template(request, pk):
    _course(request, pk)
    response = HttpResponse(template_workbook(QuestionSheet()), content_type=XLSX_CONTENT_TYPE)
    filename = _("题库导入模板.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def bank_export(request, pk):
    course = _course(request, pk)
    headers, rows = export_rows(course)
    return xlsx_response(_("题库-%(code)s") % {"code": course.code or course.pk}, headers, rows)


@login_required
@require_POST
def set_quiz(request, survey_pk):
    survey = get_visible_or_404(
        Survey.objects.select_related("lesson__course"), request.scope, pk=survey_pk
    )
    if not survey.lesson_id or not may_run_surveys(request.scope, survey.lesson):
        raise PermissionDenied(_("只有组织测评的人可以设置测验"))
    try:
        services.set_quiz(survey, stage=request.POST.get("stage", ""), actor=request.user)
    except services.QuizError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已设置测验，学员扫码评价时一并作答"))
    return redirect(survey)


@login_not_required  # trainees in the hall, anonymous like the survey
@never_cache
@csrf_protect
def pre_test(request, key):
    """The pre-test before the lesson, at the survey's own code: no login, no cookie, only
    the answers are kept."""
    survey = get_object_or_404(
        Survey.objects.unscoped("the pre-test, by the survey's public key"),
        public_key=key,
        kind=SurveyKind.ON_SITE,
    )
    quiz = services.quiz_for(survey, QuizStage.PRE)
    done = False
    if quiz and request.method == "POST":
        services.submit_quiz(quiz, request.POST)
        done = True
    context = {
        "survey": survey,
        "lesson": survey.lesson,
        "quiz": quiz,
        "questions": services.form_questions(quiz) if quiz else [],
        "done": done,
        # the pre-test is for the start of the lesson, before it has taught anything
        "started": survey.lesson and timezone.now() >= survey.lesson.starts_at + PRE_TEST_GRACE,
    }
    return render(request, "quizzes/pre_test.html", context)
