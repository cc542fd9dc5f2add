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


# --- judge, group leader, organiser (DESIGN §2a) ---------------------------------------------


def _contest_schedule(contest) -> list[dict]:
    """The contest's stages with their dates, the current one marked: what a judge plans by."""
    from dangke.contests.models import STAGE_ORDER, Stage

    dates = {
        Stage.REGISTRATION: contest.registration_ends,
        Stage.PREPARATION: contest.preparation_ends,
        Stage.FIRST_ROUND: contest.first_round_ends,
        Stage.FINAL: contest.final_on,
        Stage.NOTICE: contest.notice_ends,
    }
    current = STAGE_ORDER.index(contest.status)
    return [
        {
            "label": Stage(stage).label,
            "date": dates.get(stage),
            "current": index == current,
            "past": index < current,
        }
        for index, stage in enumerate(STAGE_ORDER)
    ]


def judge_home(scope) -> dict:
    """Each contest the login judges: its sheets by round, blind (code, title and category,
    never the entrant), scored or not, the round's deadline and whether it is open now."""
    from dangke.contests.models import STAGE_ORDER, Judge, JudgeAssignment, Round, Stage

    open_round = {Stage.FIRST_ROUND: Round.FIRST, Stage.FINAL: Round.FINAL}
    round_stage = {Round.FIRST: Stage.FIRST_ROUND, Round.FINAL: Stage.FINAL}
    deadline = {Round.FIRST: "first_round_ends", Round.FINAL: "final_on"}
    judgeships = []
    for judge in (
        Judge.objects.visible_to(scope)
        .filter(user_id=scope.user_id)
        .select_related("contest")
        .order_by("-contest__year", "-contest_id")
    ):
        contest = judge.contest
        assignments = (
            JudgeAssignment.objects.visible_to(scope)
            .filter(judge=judge)
            .select_related("entry__course", "sheet")
            .order_by("round", "entry__code")
        )
        rounds = {}
        for row in assignments:
            sheet = getattr(row, "sheet", None)
            rounds.setdefault(row.round, []).append(
                {
                    "pk": row.pk,
                    "code": row.entry.code,
                    "title": row.entry.course.title,
                    "category": row.entry.course.get_category_display(),
                    "score": sheet.score if sheet is not None else None,
                }
            )
        judgeships.append(
            {
                "judge": judge,
                "contest": contest,
                "schedule": _contest_schedule(contest),
                "rounds": [
                    {
                        "label": Round(round_).label,
                        "open": open_round.get(contest.status) == round_,
                        "over": STAGE_ORDER.index(contest.status)
                        > STAGE_ORDER.index(round_stage[round_]),
                        "deadline": getattr(contest, deadline[round_]),
                        "rows": rows,
                        "done": sum(1 for row in rows if row["score"] is not None),
                    }
                    for round_, rows in sorted(
                        rounds.items(), key=lambda item: Round.values.index(item[0])
                    )
                ],
            }
        )
    return {"judgeships": judgeships, "today": timezone.localdate()}


def group_home(scope, year: int) -> dict:
    """The group's teachers with this year's lessons, score (n, interval), quota judgement
    and last year's score beside it; courses waiting to be listed and courseware updated
    lately; the group's contest entries and the delivery analyses shared with it."""
    from datetime import timedelta

    from django.db.models import Count, Q

    from dangke.courses.models import Course, CourseStatus, Courseware
    from dangke.faculty.models import AnnualReview, Teacher, TeachingGroup

    groups = TeachingGroup.objects.visible_to(scope).filter(pk__in=scope.group_ids)
    teachers = list(
        Teacher.objects.visible_to(scope)
        .filter(groups__in=scope.group_ids)
        .distinct()
        .annotate(
            lessons_given=Count(
                "lessons",
                filter=Q(lessons__status=LessonStatus.DELIVERED, lessons__starts_at__year=year),
                distinct=True,
            )
        )
        .order_by("name", "pk")
    )
    reviews = {
        (review.teacher_id, review.year): review
        for review in AnnualReview.objects.visible_to(scope)
        .filter(teacher__in=teachers, year__in=(year - 1, year))
        .select_related("quota")
    }
    rows = []
    for teacher in teachers:
        review = reviews.get((teacher.pk, year))
        before = reviews.get((teacher.pk, year - 1))
        trend = None
        if review and before and review.score is not None and before.score is not None:
            trend = round(review.score - before.score, 1)
        quota = review.quota if review else None
        rows.append(
            {
                "teacher": teacher,
                "review": review,
                "last_score": before.score if before else None,
                "trend": trend,
                "quota_percent": min(100, round(100 * review.lessons / quota.min_lessons))
                if review and quota and quota.min_lessons
                else None,
            }
        )
    scored = [row for row in rows if row["review"] and row["review"].score is not None]
    courses = Course.objects.visible_to(scope).filter(teaching_group__in=scope.group_ids)
    since = timezone.now() - timedelta(days=30)
    return {
        "year": year,
        "groups": groups,
        "rows": rows,
        "scored": len(scored),
        "passed": sum(1 for row in rows if row["review"] and row["review"].passed),
        "failed": sum(1 for row in rows if row["review"] and row["review"].passed is False),
        "drafts": courses.filter(status=CourseStatus.DRAFT).order_by("-created_at")[:UPCOMING],
        "rectifying": courses.filter(status=CourseStatus.RECTIFYING).order_by("title")[:UPCOMING],
        "courseware": Courseware.objects.unscoped("courseware of courses in scope")
        .filter(course__in=courses, uploaded_at__gte=since)
        .select_related("course")
        .order_by("-uploaded_at")[:UPCOMING],
        "entries": ContestEntry.objects.visible_to(scope)
        .filter(teaching_group__in=scope.group_ids)
        .select_related("contest", "course")
        .order_by("-contest__year", "code")[:UPCOMING],
        "analyses": DeliveryAnalysis.objects.visible_to(scope)
        .filter(shared_region__isnull=False)
        .select_related("course", "teacher")
        .order_by("-created_at")[:UPCOMING],
    }


def organiser_home(scope) -> dict:
    """This term's classes (running and coming) with enrolment and attendance, each
    class's module demand, the surveys open today with their poster and slide, and the
    forum topics with posts in the last week."""
    from datetime import datetime, time, timedelta

    from django.db.models import Count, Max, Q

    from dangke.evaluation.models import Survey
    from dangke.training import services as training
    from dangke.training.models import ClassStatus, ForumTopic, ModuleChoice, TrainingClass

    today = timezone.localdate()
    now = timezone.now()
    classes = list(
        TrainingClass.objects.visible_to(scope)
        .filter(
            Q(status__in=[ClassStatus.DRAFT, ClassStatus.CHOOSING, ClassStatus.RUNNING])
            | Q(status=ClassStatus.COMPLETED, ends_on__gte=today - timedelta(days=60))
        )
        .select_related("region")
        .annotate(enrolled=Count("enrollments", distinct=True))
        .order_by("starts_on", "pk")[:UPCOMING]
    )
    attendance = {
        row["module__training_class"]: row
        for row in ModuleChoice.objects.visible_to(scope)
        .filter(module__training_class__in=classes)
        .values("module__training_class")
        .annotate(
            admitted=Count("pk", filter=Q(admitted=True)),
            attended=Count("pk", filter=Q(attended=True)),
        )
    }
    for klass in classes:
        figures = attendance.get(klass.pk, {})
        klass.admitted = figures.get("admitted", 0)
        klass.attended = figures.get("attended", 0)
        klass.demand = training.demand(klass)[:5]
    day_start = timezone.make_aware(datetime.combine(today, time.min))
    surveys = (
        Survey.objects.visible_to(scope)
        .filter(opens_at__lt=day_start + timedelta(days=1), closes_at__gt=now)
        .order_by("closes_at", "pk")
    )
    week_ago = now - timedelta(days=7)
    topics = (
        ForumTopic.objects.visible_to(scope)
        .annotate(
            new_posts=Count(
                "posts", filter=Q(posts__created_at__gte=week_ago, posts__is_hidden=False)
            ),
            last_post=Max("posts__created_at"),
        )
        .filter(new_posts__gt=0)
        .select_related("training_class")
        .order_by("-last_post")[:UPCOMING]
    )
    return {
        "classes": classes,
        "surveys": surveys[:10],
        "surveys_open": surveys.count(),
        "topics": topics,
        "today": today,
    }
