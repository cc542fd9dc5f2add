from django import forms
from django.utils.translation import gettext_lazy as _


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
    """Choose one of the allowed next statuses and say why (the audit trail keeps both)."""

    status = forms.ChoiceField(label=_("变更为"))
    reason = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(type(obj)._meta.get_field("status").flatchoices)
        # No preselected choice: the first allowed status may well be 退出 or 下架.
        self.fields["status"].choices = [("", _("请选择…"))] + [
            (value, labels[value]) for value in obj.allowed_next_statuses()
        ]


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
