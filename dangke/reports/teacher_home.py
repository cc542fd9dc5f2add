"""A teacher's 工作台: what they have to do and how their year stands, instead of the office's
charts of one. Reads through each app's scoped querysets and services."""

from django.utils import timezone

from dangke.contests.models import ContestEntry
from dangke.delivery.models import Lesson, LessonStatus
from dangke.faculty import lifecycle
from dangke.insights.models import DeliveryAnalysis

UPCOMING = 6
RECENT = 3


def is_teacher_only(scope) -> bool:
    """A login that sees only its own teacher record (no office, group or organisation)."""
    return bool(scope.teacher_ids) and not (
        scope.is_superuser or scope.region_codes or scope.group_ids or scope.organization_ids
    )


def teacher_home(scope, teacher, year: int) -> dict:
    lessons = Lesson.objects.visible_to(scope).filter(teachers=teacher)
    return {
        "teacher": teacher,
        "year": year,
        "progress": lifecycle.progress(teacher, year),
        "upcoming": lessons.filter(
            starts_at__gte=timezone.now(),
            status__in=[LessonStatus.PLANNED, LessonStatus.CONFIRMED],
        )
        .select_related("course", "organization")
        .order_by("starts_at")[:UPCOMING],
        "to_confirm": lessons.filter(
            starts_at__gte=timezone.now(), status=LessonStatus.PLANNED
        ).count(),
        "given_this_year": lessons.filter(
            status=LessonStatus.DELIVERED, starts_at__year=year
        ).count(),
        "analyses": DeliveryAnalysis.objects.visible_to(scope)
        .filter(teacher=teacher)
        .select_related("course")[:RECENT],
        "entries": ContestEntry.objects.visible_to(scope)
        .filter(teachers=teacher)
        .select_related("contest", "course")
        .order_by("-contest__year", "-pk")[:RECENT],
    }
