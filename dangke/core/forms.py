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
