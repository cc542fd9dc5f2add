from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.core.forms import BootstrapFormMixin
from dangke.core.uploads import UploadRejected
from dangke.courses.models import Course
from dangke.faculty.forms import managed_regions
from dangke.faculty.models import Teacher
from dangke.media.catalogue import NAME_MAX_CHARS, assignable
from dangke.media.models import COMMENT_MAX_CHARS, MediaColumn, MediaSeries, MediaWork
from dangke.media.uploads import check_media_file
from dangke.regions.models import RegionLevel


class WorkForm(BootstrapFormMixin, forms.ModelForm):
    upload = forms.FileField(
        label=_("文件（视频/动漫 mp4，音频 mp3/m4a/wav，图文配图 jpg/png）"), required=False
    )

    class Meta:
        model = MediaWork
        fields = [
            "title", "kind", "region", "column", "series", "episode", "course", "teacher",
            "duration_seconds", "summary", "body",
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = managed_regions(scope, max_level=RegionLevel.COUNTY)
        self.fields["column"].queryset = assignable(MediaColumn, scope, self.instance.column_id)
        self.fields["series"].queryset = assignable(MediaSeries, scope, self.instance.series_id)
        self.fields["course"].queryset = Course.objects.visible_to(scope).order_by("title")
        # Own teachers only: a lent teacher's works and their feedback stay at home.
        self.fields["teacher"].queryset = Teacher.objects.visible_to(scope, shared=False).order_by(
            "region_id", "name"
        )

    def clean(self):
        data = super().clean()
        series, episode = data.get("series"), data.get("episode")
        if episode is not None and series is None:
            self.add_error("series", _("填写了集数，请选择所属系列"))
        elif series is not None and episode is not None:
            taken = (
                MediaWork.objects.unscoped("an episode clash within the series")
                .filter(series=series, episode=episode)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if taken is not None:
                self.add_error(
                    "episode",
                    _("系列「%(series)s」已有第 %(n)d 集《%(title)s》")
                    % {"series": series.name, "n": episode, "title": taken.title},
                )
        upload, kind = data.get("upload"), data.get("kind")
        if upload and kind:
            try:
                check_media_file(upload, kind)
            except UploadRejected as error:
                self.add_error("upload", str(error))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("说说您的看法"),
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    nickname = forms.CharField(
        label=_("昵称（可不填）"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    at_seconds = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    as_danmaku = forms.BooleanField(
        label=_("作为弹幕显示在视频当前位置"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class CatalogueEntryForm(BootstrapFormMixin, forms.Form):
    """A new column or series: name, owning region, a line of description."""

    name = forms.CharField(label=_("名称"), max_length=NAME_MAX_CHARS)
    region = forms.ModelChoiceField(label=_("所属区划"), queryset=None)
    description = forms.CharField(label=_("简介（可不填）"), max_length=300, required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = managed_regions(scope, max_level=RegionLevel.COUNTY)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=NAME_MAX_CHARS)
    description = forms.CharField(label=_("简介"), max_length=300, required=False)
