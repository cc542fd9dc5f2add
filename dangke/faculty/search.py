"""A teacher picker for pools of hundreds: a search box that asks the server (htmx) for the
few matching teachers the user may see, instead of a drop-down of every name. The form
field keeps its whole scoped queryset, so what is posted is still checked against it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from dangke.faculty.models import Teacher

SHOWN = 30


def matching_teachers(scope, words: str, *, statuses=None):
    """Visible teachers whose name, code or employer contains `words`, best first."""
    teachers = Teacher.objects.visible_to(scope)
    if statuses:
        teachers = teachers.filter(status__in=statuses)
    words = words.strip()
    if words:
        teachers = teachers.filter(
            Q(name__icontains=words) | Q(code__icontains=words) | Q(employer__icontains=words)
        )
    return teachers.select_related("region").order_by("name", "code")[:SHOWN]


@login_required
def teacher_options(request):
    """The `<option>`s of the search box for ?q= (name, code or employer)."""
    teachers = matching_teachers(request.scope, request.GET.get("q", ""))
    return render(request, "faculty/widgets/teacher_options.html", {"teachers": teachers})


class TeacherSearchSelect(forms.Select):
    """Renders only the chosen teacher (if any) as an option, with a search box that fills
    the list from `faculty:teacher_options` as the user types."""

    def optgroups(self, name, value, attrs=None):
        chosen = {str(v) for v in value if str(v).isdigit()}
        queryset = self.choices.queryset
        self.choices.queryset = queryset.filter(pk__in=chosen) if chosen else queryset.none()
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices.queryset = queryset

    def render(self, name, value, attrs=None, renderer=None):
        select = super().render(name, value, attrs, renderer)
        return mark_safe(
            render_to_string(
                "faculty/widgets/teacher_search.html",
                {
                    "select": select,
                    "select_id": (attrs or {}).get("id") or self.attrs.get("id", ""),
                    "search_url": reverse("faculty:teacher_options"),
                },
            )
        )
