"""`{{ value|thousands }}` under the name the report's templates load; the filter itself is
the project's one (dangke/core/templatetags/dangke_numbers.py)."""

from django import template

from dangke.core.templatetags.dangke_numbers import thousands

register = template.Library()
register.filter("thousands", thousands)
