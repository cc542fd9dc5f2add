"""A teacher's 工作台 shows their own lessons to confirm, their year's progress, their
analyses and contest entries; a liaison's, their organisation's lessons and orders; offices
keep the dashboard of figures."""

import datetime
from decimal import Decimal

from django.utils import timezone

from dangke.delivery.models import CourseOrder, Lesson, LessonStatus
from dangke.faculty.models import Quota, TeacherLevel
from dangke.insights.models import AnalysisState, DeliveryAnalysis


def lesson(world, teacher, starts_at, status):
    made = Lesson.objects.create(
        course=world.course_a, organization=world.org_a, starts_at=starts_at, status=status,
        duration_minutes=120,
    )  # fmt: skip
    made.teachers.add(teacher)
    return made


def test_teacher_sees_their_work_not_the_office_charts(pinned_clock, client, world):
    now = timezone.now()
    Quota.objects.create(
        region=world.city, year=timezone.localdate().year, level=TeacherLevel.COUNTY,
        min_lessons=6, min_hours=Decimal("8"), min_score=Decimal("80"), min_responses=30,
    )  # fmt: skip
    lesson(world, world.teacher_a, now + datetime.timedelta(days=3), LessonStatus.PLANNED)
    lesson(world, world.teacher_a, now - datetime.timedelta(days=2), LessonStatus.DELIVERED)
    lesson(world, world.teacher_b, now + datetime.timedelta(days=4), LessonStatus.PLANNED)
    DeliveryAnalysis.objects.create(
        teacher=world.teacher_a, course=world.course_a, region=world.county_a,
        recording="insights/x.wav", original_name="x.wav", state=AnalysisState.DONE,
    )  # fmt: skip

    client.force_login(world.teacher_user)
    response = client.get("/")
    assert response.templates[0].name == "reports/teacher_home.html"
    html = response.content.decode()
    lessons = html[html.index('id="my-lessons"') : html.index('id="my-progress"')]
    assert lessons.count(world.course_a.title) == 1  # the delivered one is past
    assert world.org_b.name not in lessons  # 李建国's lesson is not theirs
    assert "1 场授课等待您确认" in lessons and "本年度已授课 1 场" in lessons
    progress = html[html.index('id="my-progress"') : html.index('id="my-analyses"')]
    assert "1 / 6" in progress
    assert "已完成" in html[html.index('id="my-analyses"') :]

    client.force_login(world.county_a_admin)
    response = client.get("/")
    assert response.templates[0].name == "reports/dashboard.html"


def test_liaison_sees_their_organisations_lessons_and_orders(pinned_clock, client, world):
    now = timezone.now()
    coming = lesson(world, world.teacher_a, now + datetime.timedelta(days=3), LessonStatus.PLANNED)
    given = lesson(world, world.teacher_a, now - datetime.timedelta(days=2), LessonStatus.DELIVERED)
    given.attendees_count = 42
    given.save(update_fields=["attendees_count"])
    other = Lesson.objects.create(
        course=world.course_b, organization=world.org_b, status=LessonStatus.PLANNED,
        starts_at=now + datetime.timedelta(days=5),
    )  # fmt: skip
    CourseOrder.objects.create(
        organization=world.org_a, course=world.course_a, expected_attendees=30,
        dates=[(now + datetime.timedelta(days=20)).date().isoformat()],
    )  # fmt: skip

    client.force_login(world.liaison)
    response = client.get("/")
    assert response.templates[0].name == "reports/liaison_home.html"
    html = response.content.decode()
    lessons = html[html.index('id="org-lessons"') : html.index('id="org-orders"')]
    assert f"/delivery/lessons/{coming.pk}/checkin/" in lessons
    assert f"/delivery/lessons/{other.pk}/" not in lessons  # another organisation's
    assert "本年度已授课 1 场，参学 42 人次" in lessons
    orders = html[html.index('id="org-orders"') :]
    assert world.course_a.title in orders and "已提交" in orders
