from django import forms
from django.utils.translation import gettext_lazy as _

from dangke.core.forms import BootstrapFormMixin
from dangke.courses.models import Course
from dangke.faculty.forms import managed_regions
from dangke.faculty.models import Teacher
from dangke.media.models import COMMENT_MAX_CHARS, MediaColumn, MediaWork
from dangke.media.uploads import MediaRejected, check_media_file
from dangke.regions.models import RegionLevel


class WorkForm(BootstrapFormMixin, forms.ModelForm):
    upload = forms.FileField(
        label=_("文件（视频/动漫 mp4，音频 mp3/m4a，图文配图 jpg/png）"), required=False
    )

    class Meta:
        model = MediaWork
        fields = [
            "title", "kind", "region", "column", "course", "teacher",
            "duration_seconds", "summary", "body",
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = managed_regions(scope, max_level=RegionLevel.COUNTY)
        self.fields["column"].queryset = MediaColumn.objects.visible_to(scope).order_by("name")
        self.fields["course"].queryset = Course.objects.visible_to(scope).order_by("title")
        self.fields["teacher"].queryset = Teacher.objects.visible_to(scope).order_by(
            "region_id", "name"
        )

    def clean(self):
        data = super().clean()
        upload, kind = data.get("upload"), data.get("kind")
        if upload and kind:
            try:
                check_media_file(upload, kind)
            except MediaRejected as error:
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
