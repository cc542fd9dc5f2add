"""The suggestions block of the 点单 menu, drawn by the template: delivery's menu view knows
nothing of advice (advice sits above delivery in the import order)."""

from django import template

from dangke.advice.services import menu_context

register = template.Library()


@register.inclusion_tag("advice/_suggestions.html", takes_context=True)
def menu_suggestions(context):
    request = context["request"]
    shown = context.flatten()
    shown.update(menu_context(request.scope, request.GET.get("organization", "")))
    return shown
