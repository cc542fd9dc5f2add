"""What an edit changed, field by field, with the old and the new value as the user saw
them, so the history can be read and a change undone by hand (issue #29: the log named the
fields only). Values of secret fields (passwords, tokens, keys) are masked."""

import datetime

from django import forms
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

MASK = "******"
SECRET_PARTS = {"password", "token", "secret", "key", "hash", "salt", "nonce"}
VALUE_MAX = 200


def is_secret(name: str, field: forms.Field | None = None) -> bool:
    if field is not None and isinstance(field.widget, forms.PasswordInput):
        return True
    return bool(SECRET_PARTS & set(name.lower().split("_")))


def _choice_labels(field) -> dict[str, str]:
    labels = {}
    for value, label in getattr(field, "choices", ()):
        if isinstance(label, list | tuple):  # a group of choices
            labels.update({str(v): str(lab) for v, lab in label})
        else:
            labels[str(value)] = str(label)
    return labels


def shown_value(field: forms.Field, value) -> str:
    """A form value as a person reads it: names, not primary keys or codes."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(field, forms.ModelMultipleChoiceField):
        items = value if isinstance(value, list | tuple | QuerySet) else [value]
        manager = field.queryset.model._base_manager  # values the form validated
        objects = [
            item if isinstance(item, Model) else manager.filter(pk=item).first() or item
            for item in items
        ]
        return "、".join(sorted(str(item) for item in objects))
    if isinstance(field, forms.ModelChoiceField):
        if not isinstance(value, Model):
            value = field.queryset.model._base_manager.filter(pk=value).first()
        return str(value or "")
    if isinstance(field, forms.MultipleChoiceField):
        labels = _choice_labels(field)
        return "、".join(labels.get(str(item), str(item)) for item in value)
    if isinstance(field, forms.ChoiceField):
        return _choice_labels(field).get(str(value), str(value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if hasattr(value, "name") and isinstance(field, forms.FileField):
        return str(value.name or "")
    return str(value)


def form_changes(form: forms.BaseForm) -> list[dict]:
    """Every changed field of a validated form: name, label, old and new value."""
    changes = []
    for name in form.changed_data:
        field = form.fields[name]
        if is_secret(name, field):
            old = new = MASK
        else:
            old = shown_value(field, form.initial.get(name, field.initial))
            new = shown_value(field, form.cleaned_data.get(name))
        changes.append(
            {"field": name, "label": str(field.label or name), "from": old[:VALUE_MAX],
             "to": new[:VALUE_MAX]}
        )  # fmt: skip
    return changes
