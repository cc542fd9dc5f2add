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


def office_year(scope, figures: dict, year: int) -> dict:
    """The region's year at a glance for the office's 工作台 (DESIGN §2a): what was given,
    whom it reached, the campaign's progress, scores, rectifications, teachers behind quota
    and orders waiting, each with the list page that shows its rows."""
    from django.urls import reverse

    from dangke.accounts.scoping import visible_within
    from dangke.faculty.models import AnnualReview
    from dangke.workreport.numbers import percent

    organizations, members = figures["organizations"]["total"], figures["members"]
    campaigns = [c for c in figures["campaigns"] if c["target_lessons"]]
    campaign = max(campaigns, key=lambda c: c["lessons"]) if campaigns else None
    return {
        "lessons": figures["lessons"]["by_state"]["delivered"],
        "covered": figures["organizations"]["covered"],
        "covered_share": percent(figures["organizations"]["covered"], organizations),
        "members_reached": figures["members_reached"],
        "members_share": percent(figures["members_reached"], members),
        "campaign": campaign,
        "campaign_share": percent(campaign["lessons"], campaign["target_lessons"])
        if campaign
        else "",
        "scores_published": figures["evaluation"]["scores_published"],
        "responses": figures["evaluation"]["responses"],
        "rectifications": figures["evaluation"]["rectifications"].get("open", 0),
        "behind": visible_within(AnnualReview, scope).filter(year=year, passed=False).count(),
        "orders_waiting": figures["orders"]["by_state"]["submitted"],
        "urls": {
            "lessons": reverse("delivery:lessons"),
            "coverage": f"{reverse('delivery:coverage')}?year={year}",
            "campaigns": reverse("delivery:campaigns"),
            "scores": reverse("evaluation:index"),
            "rectifications": reverse("evaluation:rectifications"),
            "behind": reverse("faculty:review"),
            "orders": reverse("delivery:queue"),
            "report": reverse("workreport:index"),
        },
    }
