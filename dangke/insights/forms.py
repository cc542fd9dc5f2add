from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from dangke.contests.models import ContestEntry
from dangke.core.forms import BootstrapFormMixin
from dangke.core.uploads import UploadRejected
from dangke.courses.models import Course
from dangke.delivery.models import Lesson
from dangke.faculty.models import Teacher
from dangke.insights import rules, services
from dangke.insights.uploads import EXTENSIONS, check_recording

LESSON_DAYS = 180  # the lesson list offers the last half year


def recording_label():
    # Built when shown, not at import, so it follows the active language.
    return _("录音或录像（%(ext)s）") % {"ext": _("、").join(EXTENSIONS)}


class RecordingForm(BootstrapFormMixin, forms.Form):
    teacher = forms.ModelChoiceField(label=_("授课师资"), queryset=Teacher.objects.none())
    course = forms.ModelChoiceField(
        label=_("课程（按其提纲对照各知识点用时）"), queryset=Course.objects.none()
    )
    lesson = forms.ModelChoiceField(
        label=_("授课活动（可不选）"), queryset=Lesson.objects.none(), required=False
    )
    entry = forms.ModelChoiceField(
        label=_("参赛作品（可不选）"), queryset=ContestEntry.objects.none(), required=False
    )
    title = forms.CharField(label=_("说明"), max_length=200, required=False)
    recording = forms.FileField(label=lazy(recording_label, str)())

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        # Own teachers only: a recording's analysis is the teacher's record, kept at home.
        teachers = (
            Teacher.objects.visible_to(scope, shared=False)
            .prefetch_related("groups")
            .order_by("name")
        )
        self.fields["teacher"].queryset = teachers
        self.fields["course"].queryset = Course.objects.visible_to(scope).order_by("title")
        self.fields["lesson"].queryset = (
            Lesson.objects.visible_to(scope)
            .filter(starts_at__gte=timezone.now() - timedelta(days=LESSON_DAYS))
            .select_related("course", "organization")
            .order_by("-starts_at")
        )
        self.fields["entry"].queryset = (
            ContestEntry.objects.visible_to(scope)
            .select_related("contest", "course")
            .order_by("-contest__year", "contest__name", "code")
        )
        self.fields["entry"].label_from_instance = lambda entry: (
            f"{entry.contest.name} · {entry.course.title}"
        )
        if len(scope.teacher_ids) == 1 and not self.is_bound:
            self.initial.setdefault("teacher", scope.teacher_ids[0])

    def clean_recording(self):
        upload = self.cleaned_data["recording"]
        try:
            check_recording(upload)
        except UploadRejected as error:
            raise forms.ValidationError(str(error)) from error
        return upload

    def clean(self):
        data = super().clean()
        teacher, course, lesson = data.get("teacher"), data.get("course"), data.get("lesson")
        entry = data.get("entry")
        if teacher is not None and not rules.may_coach(self.scope, teacher):
            self.add_error("teacher", _("只能为本人或本教研组的师资上传录音"))
        if lesson is not None and course is not None and lesson.course_id != course.pk:
            self.add_error("lesson", _("所选授课活动不是这门课程的"))
        if lesson is not None and entry is not None:
            self.add_error("entry", _("一段录音对应一次授课或一件参赛作品，请只选一项"))
        elif entry is not None and teacher is not None and course is not None:
            try:
                services.check_entry(entry, teacher, course)
            except services.AnalysisNotAllowed as error:
                self.add_error("entry", str(error))
        return data
