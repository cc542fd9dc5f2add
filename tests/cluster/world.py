"""What the fault tests and the bench need in the cluster's database: a region admin who can
log in and an open on-site survey. The demo provides both; without the demo (CI builds no
demo, to stay within its minutes) a small world is made, with codes no real region uses."""

import datetime

from django.utils import timezone

FAULT_USER = "fault-admin"
FAULT_PASSWORD = "fault-test-pass-123"


def ensure_world():
    from dangke.accounts.models import Role, User
    from dangke.accounts.services import create_user_with_role
    from dangke.courses.categories import CourseCategory
    from dangke.courses.models import Course, CourseStatus
    from dangke.faculty.models import Teacher, TeacherLevel, TeacherSpecialty, TeacherStatus
    from dangke.regions.models import Organization, OrganizationKind, Region, RegionLevel

    province, _ = Region.objects.get_or_create(
        code="99", defaults={"name": "测试省", "level": RegionLevel.PROVINCE}
    )
    county, _ = Region.objects.get_or_create(
        code="999901",
        defaults={"name": "测试县", "level": RegionLevel.COUNTY, "parent": province},
    )
    village, _ = Region.objects.get_or_create(
        code="999901001001",
        defaults={"name": "测试村", "level": RegionLevel.VILLAGE, "parent": county},
    )
    teacher, created = Teacher.objects.get_or_create(
        code="T-FAULT-1",
        defaults={
            "name": "测试讲师",
            "region": county,
            "level": TeacherLevel.COUNTY,
            "status": TeacherStatus.ACTIVE,
        },
    )
    if created:
        TeacherSpecialty.objects.create(teacher=teacher, category=CourseCategory.THEORY)
    organization, _ = Organization.objects.get_or_create(
        code="O-FAULT-1",
        defaults={
            "name": "测试村党支部",
            "kind": OrganizationKind.VILLAGE,
            "region": village,
            "member_count": 40,
        },
    )
    course, created = Course.objects.get_or_create(
        code="C-FAULT-1",
        defaults={
            "title": "集群故障演练课",
            "category": CourseCategory.THEORY,
            "region": county,
            "status": CourseStatus.LISTED,
        },
    )
    if created:
        course.teachers.add(teacher)
    if not User.objects.filter(username=FAULT_USER).exists():
        create_user_with_role(
            FAULT_USER, password=FAULT_PASSWORD, role=Role.REGION_ADMIN, region=county
        )
    return User.objects.get(username=FAULT_USER), course, organization, teacher


def open_survey(attendees: int = 2000) -> str:
    """A new lesson that ended an hour ago with its survey open; returns the survey's key."""
    from dangke.delivery.models import Lesson
    from dangke.evaluation import services

    admin, course, organization, teacher = ensure_world()
    lesson = Lesson.objects.create(
        course=course,
        organization=organization,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        attendees_count=attendees,
    )
    lesson.teachers.add(teacher)
    return services.open_survey(lesson, actor=admin).public_key
