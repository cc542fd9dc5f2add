from django import template

register = template.Library()


@register.simple_tag
def sort_link(query_without_sort: str, current: str, field: str) -> str:
    """The query string that sorts by `field`, toggling direction when already sorted by it."""
    direction = "-" if current == field else ""
    prefix = f"{query_without_sort}&" if query_without_sort else ""
    return f"?{prefix}sort={direction}{field}"


@register.simple_tag
def page_link(query: str, number: int) -> str:
    prefix = f"{query}&" if query else ""
    return f"?{prefix}page={number}"


@register.filter
def cell(value):
    """How a value reads in a table cell: lists joined, empty as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value) or "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return value
