"""`{{ value|thousands }}`: 4,583 whatever the locale (Django's intcomma follows the
locale's grouping, which for zh-hans has none), as the office writes figures."""

from django import template

from dangke.workreport.numbers import exact

register = template.Library()


@register.filter
def thousands(value):
    try:
        return exact(value)
    except (TypeError, ValueError):
        return value
