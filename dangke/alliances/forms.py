"""Forms of the alliance page. They only parse input; the rules live in services."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.alliances.models import ExchangePurpose, JointEventKind


def _styled(form):
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css + " form-control-sm")
    return form


class ShareCourseForm(forms.Form):
    course = forms.ModelChoiceField(label=_("共享课程"), queryset=None)

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        _styled(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因/意见"), max_length=200)


class ExchangeRequestForm(forms.Form):
    teacher = forms.ModelChoiceField(label=_("申请教师"), queryset=None)
    host_region = forms.ChoiceField(label=_("接收方"))
    purpose = forms.ChoiceField(label=_("用途"), choices=ExchangePurpose.choices)
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=500, required=False)
    # For a lesson (optional): approved, the exchange becomes this lesson of the host.
    course = forms.ModelChoiceField(label=_("授课课程"), queryset=None, required=False)
    organization = forms.ModelChoiceField(label=_("承办组织"), queryset=None, required=False)
    lesson_starts_at = forms.DateTimeField(
        label=_("授课时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    # For a training class (optional): approved, the course becomes a module of this class.
    training_class = forms.ModelChoiceField(label=_("培训班"), queryset=None, required=False)

    def __init__(self, *args, teachers, hosts, courses, organizations, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["training_class"].queryset = classes
        self.fields["organization"].queryset = organizations
        self.fields["teacher"].queryset = teachers
        self.fields["teacher"].label_from_instance = lambda teacher: (
            f"{teacher.name}（{teacher.region.name} · {teacher.get_level_display()}）"
        )
        self.hosts = {region.code: region for region in hosts}
        self.fields["host_region"].choices = [(r.code, r.name) for r in hosts]
        _styled(self)

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            raise forms.ValidationError(_("结束日期不能早于开始日期"))
        if starts_on and ends_on and ends_on - starts_on > datetime.timedelta(days=366):
            raise forms.ValidationError(_("一次互派不超过一年"))
        return data


class JointEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("活动类型"), choices=JointEventKind.choices)
    title = forms.CharField(label=_("活动名称"), max_length=200)
    region = forms.ChoiceField(label=_("承办方"))
    held_on = forms.DateField(label=_("举办日期"), widget=forms.DateInput(attrs={"type": "date"}))
    venue = forms.CharField(label=_("地点"), max_length=200, required=False)
    attendance = forms.IntegerField(label=_("参加人数"), min_value=0, max_value=100000, initial=0)
    summary = forms.CharField(label=_("活动小结"), max_length=2000, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {member.region_id: member.region for member in members}
        self.fields["region"].choices = [(m.region_id, m.region.name) for m in members]
        _styled(self)


class EventSessionForm(forms.Form):
    title = forms.CharField(label=_("议程名称"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    region = forms.ChoiceField(label=_("派出成员"))
    speaker = forms.ModelChoiceField(label=_("主讲教师"), queryset=None, required=False)
    outside_speaker = forms.CharField(label=_("或特邀主讲人"), max_length=64, required=False)
    outside_affiliation = forms.CharField(label=_("主讲人单位"), max_length=120, required=False)

    def __init__(self, *args, members, speakers, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {member.region_id: member.region for member in members}
        self.fields["region"].choices = [(m.region_id, m.region.name) for m in members]
        self.fields["speaker"].queryset = speakers
        self.fields["speaker"].label_from_instance = lambda teacher: (
            f"{teacher.name}（{teacher.region.name} · "
            f"{teacher.employer or teacher.get_level_display()}）"
        )
        _styled(self)
