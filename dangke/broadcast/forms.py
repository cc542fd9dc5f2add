import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangke.broadcast.models import AudioProgramme
from dangke.core.forms import BootstrapFormMixin
from dangke.regions.models import Region, RegionLevel


def managed_counties(scope):
    regions = Region.objects.none()
    for code in scope.managed_region_codes:
        regions |= Region.objects.filter(code__startswith=code, level__lte=RegionLevel.COUNTY)
    return regions.unscoped("counties the user manages").order_by("code")


class ProgrammeForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("节目名称"), max_length=200)
    region = forms.ModelChoiceField(label=_("所属区划"), queryset=Region.objects.none())
    duration_minutes = forms.DecimalField(
        label=_("时长(分钟)"), min_value=0.1, max_value=240, decimal_places=1
    )
    audio = forms.FileField(label=_("音频文件（mp3/m4a/wav）"), required=False)
    text = forms.CharField(
        label=_("播报文本（无音频时由语音合成朗读）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = managed_counties(scope)


class SlotForm(BootstrapFormMixin, forms.Form):
    programme = forms.ModelChoiceField(label=_("节目"), queryset=AudioProgramme.objects.none())
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}), initial="07:00"
    )
    target_region = forms.ModelChoiceField(
        label=_("播出范围（该区划的全部站点）"), queryset=Region.objects.none()
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = AudioProgramme.objects.visible_to(scope).order_by(
            "-created_at"
        )
        self.fields["target_region"].queryset = managed_counties(scope)

    def start(self) -> datetime.datetime:
        naive = datetime.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"])
        return timezone.make_aware(naive)
