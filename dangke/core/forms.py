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
