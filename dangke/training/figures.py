"""Training figures for `dangke stats --json`: classes of the year (by status), modules
offered, enrolments and completions, module choices and attendance, 先学后讲 sessions and
the people they reached, forums (classes with topics), topics, visible posts, essays and
the published ones."""

from django.db.models import Count, Q, Sum

from dangke.accounts.scoping import visible_within
from dangke.training.models import (
    CascadeSession,
    Enrollment,
    EnrollmentStatus,
    Essay,
    EssayStatus,
    ForumTopic,
    Post,
    TrainingClass,
)


def training_figures(scope, year: int, region_code: str | None = None) -> dict:
    classes = visible_within(TrainingClass, scope, region_code).filter(starts_on__year=year)
    counts = classes.aggregate(
        n=Count("pk", distinct=True),
        modules=Count("modules", filter=Q(modules__is_offered=True), distinct=True),
    )
    enrolments = (
        Enrollment.objects.unscoped("enrolments of classes in scope")
        .filter(training_class__in=classes)
        .aggregate(
            n=Count("pk"), completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED))
        )
    )
    cascades = (
        CascadeSession.objects.unscoped("sessions of classes in scope")
        .filter(enrollment__training_class__in=classes)
        .aggregate(n=Count("pk"), people=Sum("lesson__attendees_count"))
    )
    essays = (
        Essay.objects.unscoped("essays of classes in scope")
        .filter(training_class__in=classes)
        .aggregate(n=Count("pk"), published=Count("pk", filter=Q(status=EssayStatus.PUBLISHED)))
    )
    forums = ForumTopic.objects.unscoped("forums of classes in scope").filter(
        training_class__in=classes
    )
    return {
        "classes": counts["n"],
        "modules": counts["modules"],
        "enrolments": enrolments["n"],
        "completed": enrolments["completed"],
        "cascade_sessions": cascades["n"],
        "cascade_attendees": cascades["people"] or 0,
        "forums": forums.values("training_class").distinct().count(),
        "topics": forums.count(),
        "posts": Post.objects.unscoped("posts of forums in scope")
        .filter(topic__in=forums, is_hidden=False)
        .count(),
        "essays": essays["n"],
        "essays_published": essays["published"],
    }
