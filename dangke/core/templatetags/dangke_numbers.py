"""`{{ value|thousands }}` (47,000) and `{{ value|thousands:1 }}` (1,234.5): the office's
grouping on pages, whatever the locale; anything that is not a figure passes unchanged."""

from django import template

from dangke.core.numbers import grouped

register = template.Library()


@register.filter
def thousands(value, decimals=None):
    if value is None or value == "":
        return value
    try:
        return grouped(value, None if decimals in (None, "") else int(decimals))
    except (TypeError, ValueError, ArithmeticError):
        return value
