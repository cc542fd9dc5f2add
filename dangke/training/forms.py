from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.core.forms import BootstrapFormMixin
from dangke.faculty.search import TeacherSearchSelect
from dangke.training.models import TrainingClass, TrainingModule


class TrainingClassForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = TrainingClass
        fields = [
            "title", "audience", "starts_on", "ends_on", "choose_by", "venue",
            "modules_to_complete", "max_choices", "description",
        ]  # fmt: skip
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "choose_by": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise forms.ValidationError(_("结业日期不能早于开班日期"))
        return data


class ModuleForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = TrainingModule
        fields = ["topic", "teacher", "starts_at", "duration_minutes", "capacity"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            # A city pool has hundreds of teachers: search instead of one long drop-down.
            "teacher": TeacherSearchSelect,
        }

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers


class CascadeForm(BootstrapFormMixin, forms.Form):
    course = forms.ModelChoiceField(label=_("讲授课程"), queryset=None)
    organization = forms.ModelChoiceField(label=_("授课组织（村/社区）"), queryset=None)
    starts_at = forms.DateTimeField(
        label=_("授课时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    attendees_count = forms.IntegerField(label=_("参学人数"), min_value=0, initial=0)

    def __init__(self, *args, courses, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["organization"].queryset = organizations
