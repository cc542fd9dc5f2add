"""Forms of the study-record pages; they only parse input, the services decide."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangke.core.forms import RowsChoiceField
from dangke.core.listing import ScopedFilterForm
from dangke.members.hours import RuleValues
from dangke.members.models import CollectiveKind, StudyRule

SHOW_CHOICES = [
    ("", _("全部")),
    ("behind", _("未达标")),
    ("none", _("没有学时")),
    ("met", _("已达标")),
    ("leaders", _("书记和班子成员")),
    ("no_concentrated", _("未参加集中培训的书记")),
]


class StudyYearFilterForm(ScopedFilterForm):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    show = forms.ChoiceField(label=_("范围"), required=False, choices=SHOW_CHOICES)
    within = forms.RegexField(
        label=_("区划代码"), required=False, regex=r"^\d{2,12}$", widget=forms.HiddenInput
    )
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RuleForm(forms.ModelForm):
    class Meta:
        model = StudyRule
        fields = RuleValues.field_names()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
            field.widget.attrs["class"] = css


class CollectiveForm(forms.Form):
    kind = forms.ChoiceField(label=_("形式"), choices=CollectiveKind.choices)
    title = forms.CharField(label=_("学习内容"), max_length=120)
    held_on = forms.DateField(label=_("学习日期"), widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label=_("时长(分钟)"), min_value=10, max_value=600)
    note = forms.CharField(label=_("简要说明"), max_length=200, required=False)
    attendees = RowsChoiceField(
        label=_("参加党员"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members
        self.fields["held_on"].initial = timezone.localdate()
        for name, field in self.fields.items():
            if name != "attendees":
                field.widget.attrs["class"] = (
                    "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
                )

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day < datetime.date(2000, 1, 1):
            raise forms.ValidationError(_("日期不正确"))
        return day


class StudyClassForm(forms.Form):
    title = forms.CharField(label=_("班次名称"), max_length=120)
    starts_on = forms.DateField(label=_("开班日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结业日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"
