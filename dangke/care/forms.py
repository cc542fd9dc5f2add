from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.care.models import (
    Apartment,
    CareKind,
    Counsellor,
    Diet,
    Festival,
    Room,
    StayPurpose,
    Talk,
)
from dangke.care.rooms import MAX_WEEKS

DATE = forms.DateInput(
    attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
)
TIME = forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"})
DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local", "class": "form-control form-control-sm"},
    format="%Y-%m-%dT%H:%M",
)


class SmallForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else None
            if css is None:
                css = "form-select form-select-sm" if isinstance(widget, forms.Select) else None
            widget.attrs.setdefault("class", css or "form-control form-control-sm")


class BookingForm(SmallForm):
    day = forms.DateField(label=_("日期"), widget=DATE)
    start = forms.TimeField(label=_("开始"), widget=TIME)
    end = forms.TimeField(label=_("结束"), widget=TIME)
    title = forms.CharField(label=_("用途"), max_length=120, initial=_("备课"))
    teaching_group = forms.ModelChoiceField(
        label=_("教研组（集体备课）"), queryset=None, required=False
    )
    weeks = forms.IntegerField(
        label=_("每周重复（周数）"), min_value=1, max_value=MAX_WEEKS, initial=1
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teaching_group"].queryset = groups


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "kind", "capacity", "equipment", "location"]


class ApartmentForm(forms.ModelForm):
    rooms = forms.IntegerField(label=_("房间数"), min_value=1, max_value=200, initial=4)
    beds_per_room = forms.IntegerField(label=_("每间床位"), min_value=1, max_value=8, initial=2)

    class Meta:
        model = Apartment
        fields = ["name", "address"]


class StayForm(SmallForm):
    teacher = forms.ModelChoiceField(label=_("师资"), queryset=None)
    bed = forms.ModelChoiceField(label=_("床位"), queryset=None)
    check_in = forms.DateField(label=_("入住日期"), widget=DATE)
    check_out = forms.DateField(label=_("退房日期"), widget=DATE)
    purpose = forms.ChoiceField(label=_("事由"), choices=StayPurpose.choices)

    def __init__(self, *args, teachers, beds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers
        self.fields["bed"].queryset = beds


class NeedsForm(SmallForm):
    needs_bed = forms.BooleanField(label=_("需要住宿"), required=False)
    diet = forms.ChoiceField(label=_("饮食"), choices=Diet.choices, required=False)
    diet_note = forms.CharField(label=_("饮食说明"), max_length=120, required=False)


class CounsellorForm(forms.ModelForm):
    class Meta:
        model = Counsellor
        fields = ["name", "qualification", "introduction"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 2})}


class TalkForm(forms.ModelForm):
    class Meta:
        model = Talk
        fields = ["title", "speaker", "starts_at", "venue", "capacity"]
        widgets = {"starts_at": DATETIME}


class CounsellingForm(SmallForm):
    counsellor = forms.ModelChoiceField(label=_("心理咨询师"), queryset=None)
    preferred_time = forms.CharField(
        label=_("希望时间"), max_length=120, required=False, help_text=_("如：周三下午")
    )
    note = forms.CharField(
        label=_("想说的话（仅咨询师可见）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, counsellors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counsellor"].queryset = counsellors


class ScheduleForm(SmallForm):
    scheduled_at = forms.DateTimeField(label=_("约定时间"), widget=DATETIME, required=False)


class CareRecordForm(SmallForm):
    teacher = forms.ModelChoiceField(label=_("师资"), queryset=None)
    festival = forms.ChoiceField(label=_("节日"), choices=Festival.choices)
    kind = forms.ChoiceField(label=_("慰问方式"), choices=CareKind.choices)
    given_on = forms.DateField(label=_("日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers


class CardsForm(SmallForm):
    festival = forms.ChoiceField(label=_("节日"), choices=Festival.choices)
    message = forms.CharField(
        label=_("祝福语"),
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("感谢您一年来在党员教育讲台上的辛勤付出，祝您节日快乐、身体健康、工作顺利！"),
    )
    sender = forms.CharField(label=_("落款"), max_length=64, required=False)


def style_model_form(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        elif not isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-control form-control-sm")
    return form
