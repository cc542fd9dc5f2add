from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangke.core.ids import db_id


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """Several rows chosen by key. A key no row can have (not a number, or past 64 bits) is
    refused like any unknown key before the database is asked: SQLite cannot compare such a
    number with an integer column and would answer with an error page (issue #17)."""

    def _check_values(self, value):
        for key in value:
            if db_id(key) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": key},
                )
        return super()._check_values(value)


class BootstrapFormMixin:
    """Give every widget Bootstrap's classes, so templates can render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class StatusChangeForm(BootstrapFormMixin, forms.Form):
    """Choose one of the next statuses a form may take and say why (the audit trail keeps
    both). A status outside them is refused in the office's words, naming both statuses."""

    status = forms.CharField(label=_("变更为"), widget=forms.Select)
    reason = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )

    def __init__(self, *args, obj, offered=None, **kwargs):
        """`offered`: the next statuses this form may take (default: every allowed one)."""
        super().__init__(*args, **kwargs)
        self.obj = obj
        self.labels = dict(type(obj)._meta.get_field("status").flatchoices)
        self.nexts = [v for v in obj.allowed_next_statuses() if offered is None or v in offered]
        # No preselected choice: the first allowed status may well be 退出 or 下架.
        self.fields["status"].widget.choices = [("", _("请选择…"))] + [
            (value, self.labels[value]) for value in self.nexts
        ]
        self.fields["status"].error_messages["required"] = _("请选择要变更为的状态")

    def clean_status(self):
        wanted = self.cleaned_data["status"]
        if wanted not in self.nexts:
            raise forms.ValidationError(
                _("不能从「%(old)s」变更为「%(new)s」"),
                params={
                    "old": self.obj.get_status_display(),
                    "new": self.labels.get(wanted, wanted),
                },
            )
        return wanted


class CheckedFileField(forms.FileField):
    """A file field whose upload goes through `core.uploads.check_upload`: the size first
    (before any content is read), then the type by its first bytes and a real parse. Used
    instead of forms.ImageField, which hands the whole file to Pillow before any size
    check (a 300 MB "photo" was read for 18 s before its 5 MB limit was looked at)."""

    def __init__(self, *, allowed, max_bytes, **kwargs):
        self.allowed, self.max_bytes = tuple(allowed), max_bytes
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": ",".join(f".{e}" for e in allowed)})
        )
        super().__init__(**kwargs)

    def to_python(self, data):
        from dangke.core.uploads import UploadRejected, check_upload

        upload = super().to_python(data)
        if upload is None:
            return None
        try:
            check_upload(upload, self.allowed, self.max_bytes)
        except UploadRejected as error:
            raise forms.ValidationError(str(error), code="upload") from error
        return upload
