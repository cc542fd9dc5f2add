"""The 工作台 of a teacher and of a grassroots liaison: what they have to do and how their year
stands, instead of the office's charts scoped to one person or one organisation. Reads
through each app's scoped querysets and services."""

from django.db.models import Sum
from django.utils import timezone

from dangke.contests.models import ContestEntry
from dangke.delivery.models import CourseOrder, Lesson, LessonStatus
from dangke.faculty import lifecycle
from dangke.insights.models import DeliveryAnalysis

UPCOMING = 6
RECENT = 3


def is_teacher_only(scope) -> bool:
    """A login that sees only its own teacher record (no office, group or organisation)."""
    return bool(scope.teacher_ids) and not (
        scope.is_superuser or scope.region_codes or scope.group_ids or scope.organization_ids
    )


def is_liaison_only(scope) -> bool:
    """A login that sees only its own organisation(s)."""
    return bool(scope.organization_ids) and not (
        scope.is_superuser or scope.region_codes or scope.group_ids or scope.teacher_ids
    )


def liaison_home(scope, year: int) -> dict:
    from dangke.regions.models import Organization

    lessons = Lesson.objects.visible_to(scope)
    given = lessons.filter(status=LessonStatus.DELIVERED, starts_at__year=year)
    return {
        "year": year,
        "organizations": Organization.objects.visible_to(scope).order_by("code"),
        "upcoming": lessons.filter(
            starts_at__gte=timezone.now(),
            status__in=[LessonStatus.PLANNED, LessonStatus.CONFIRMED],
        )
        .select_related("course", "organization")
        .prefetch_related("teachers")
        .order_by("starts_at")[:UPCOMING],
        "given_this_year": given.count(),
        "attendees_this_year": given.aggregate(n=Sum("attendees_count"))["n"] or 0,
        "orders": CourseOrder.objects.visible_to(scope)
        .select_related("course", "organization")
        .order_by("-created_at")[:UPCOMING],
    }


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
