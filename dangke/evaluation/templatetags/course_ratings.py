"""A course's published rating for pages of apps below evaluation in the import order (the
course page shows it to an ally that sees the course shared in)."""

from django import template

from dangke.evaluation import scores

register = template.Library()


@register.simple_tag
def published_rating(course) -> dict:
    """The course's published score with n and interval (empty when none is published)."""
    return scores.course_ratings([course.pk]).get(course.pk, {})
