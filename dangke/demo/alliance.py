"""The city demo's alliance (issue #20): 乐山 (5111) and its neighbour 眉山 (5114) in one
党员教育协作联盟, coordinated by 眉山, whose admin is the demo account `ally-admin`.

眉山 gets a small pool (a few teachers, courses and organisations, no villages: the
division table holds its counties only); each city shares a few courses with the other,
眉山 has borrowed one 乐山 teacher (asked and approved through the services; the approval
made the lesson, given since), has ordered one 乐山 course, and both held one joint summit
with four sessions, speakers of both cities, registrations and attendance.
Small on purpose: `make demo` stays fast."""

from __future__ import annotations

import datetime

from django.utils import timezone

from dangke.accounts.scoping import Scope
from dangke.alliances import services
from dangke.alliances.models import (
    Alliance,
    AllianceMember,
    CourseShare,
    JointEventKind,
    TeacherExchange,
)
from dangke.core.calendar import YearSoFar, local_midnight
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseStatus, OutlineItem
from dangke.delivery import services as delivery
from dangke.delivery.models import CourseOrder, Lesson, OrderStatus
from dangke.faculty.models import Teacher, TeacherLevel, TeacherSpecialty, TeacherStatus
from dangke.regions.models import Organization, OrganizationKind, Region

ALLY_ROOT = "5114"
ALLIANCE_NAME = "乐眉党员教育协作联盟"
CHARTER = (
    "一、联盟由眉山市、乐山市党员教育工作部门自愿组成，眉山市牵头。\n"
    "二、成员单位共享优质课程资源，互派骨干教师参与对方教研培训与实践教学。\n"
    "三、每年联合举办党员教育研讨峰会不少于一次，轮流承办。\n"
    "四、共享课程的评价结果仅展示已公布的数据，个人信息与答卷不对外提供。"
)
ALLY_TEACHERS = [  # code, name, county, level, employer, position
    ("MS-T-001", "苏文博", "511402", TeacherLevel.CITY, "中共眉山市委党校", "教授"),
    ("MS-T-002", "杨清", "511402", TeacherLevel.COUNTY, "东坡区委党校", "讲师"),
    ("MS-T-003", "何雨桐", "511421", TeacherLevel.COUNTY, "仁寿县委党校", "副教授"),
    ("MS-T-004", "罗志刚", "511403", TeacherLevel.COUNTY, "彭山区委组织部", "科长"),
    ("MS-T-005", "唐晓梅", "511423", TeacherLevel.COUNTY, "洪雅县委党校", "讲师"),
]
ALLY_COURSES = [  # code, title, category, county, teacher codes, shared
    ("MS-C-001", "东坡文化中的家国情怀与廉洁修身", CourseCategory.THEORY, "5114", [0], True),
    ("MS-C-002", "三苏祠里的家风家教", CourseCategory.THEORY, "511402", [1], True),
    ("MS-C-003", "仁寿县乡村振兴的基层实践", CourseCategory.POLICY, "511421", [2], False),
    ("MS-C-004", "彭祖长寿文化与党员健康生活", CourseCategory.THEORY, "511403", [3, 4], False),
]
ALLY_ORGANIZATIONS = [  # code, name, kind, county
    ("MS-O-001", "东坡区苏祠社区党委", OrganizationKind.COMMUNITY, "511402"),
    ("MS-O-002", "仁寿县委组织部机关党支部", OrganizationKind.ORGAN, "511421"),
]


def clear_alliance_demo() -> int:
    """Delete the demo alliance and 眉山's demo rows (before a rebuild of the city demo)."""
    # Only the alliance's own rows, by their codes: the province demo (issue #18) fills the
    # rest of 眉山 beside them, and a rebuild of the city must leave that alone.
    deleted = Alliance.objects.filter(name=ALLIANCE_NAME).delete()[0]
    organizations = [row[0] for row in ALLY_ORGANIZATIONS]
    for queryset in (
        Lesson.objects.filter(
            region__code__startswith=ALLY_ROOT, organization__code__in=organizations
        ),
        CourseOrder.objects.filter(
            region__code__startswith=ALLY_ROOT, organization__code__in=organizations
        ),
        Course.objects.filter(
            region__code__startswith=ALLY_ROOT, code__in=[row[0] for row in ALLY_COURSES]
        ),
        Teacher.objects.filter(
            region__code__startswith=ALLY_ROOT, code__in=[row[0] for row in ALLY_TEACHERS]
        ),
        Organization.objects.filter(region__code__startswith=ALLY_ROOT, code__in=organizations),
    ):
        deleted += queryset.delete()[0]
    return deleted


def build_alliance_demo(period: YearSoFar, home_root: str = "5111") -> dict[str, int]:
    """The alliance and 眉山's small pool; returns the counts for the demo's summary."""
    ally = Region.objects.filter(code=ALLY_ROOT).first()
    home = Region.objects.filter(code=home_root).first()
    if ally is None or home is None:  # divisions not loaded: no alliance, nothing else
        return {}
    clear_alliance_demo()
    regions = {r.code: r for r in Region.objects.filter(code__startswith=ALLY_ROOT)}
    teachers = [
        _teacher(code, name, regions[county], level, employer, position)
        for code, name, county, level, employer, position in ALLY_TEACHERS
    ]
    ally_courses = []
    for code, title, category, county, teacher_indexes, shared in ALLY_COURSES:
        course = Course.objects.create(
            code=code,
            title=title,
            category=category,
            region=regions[county],
            status=CourseStatus.LISTED,
            duration_minutes=90,
            summary=f"{title}：眉山市党员教育精品课程。",
        )
        OutlineItem.objects.bulk_create(
            OutlineItem(course=course, position=n, title=part, planned_minutes=minutes)
            for n, (part, minutes) in enumerate(
                (("导入与背景", 15), ("主要内容", 60), ("研讨交流", 15)), start=1
            )
        )
        course.teachers.set([teachers[i] for i in teacher_indexes])
        ally_courses.append((course, shared))
    organizations = [
        Organization.objects.create(
            code=code,
            name=name,
            kind=kind,
            region=regions[county],
            member_count=48,
            contact_name="刘晓燕",
            contact_phone="028-38100000",
        )
        for code, name, kind, county in ALLY_ORGANIZATIONS
    ]

    founded = datetime.date(period.year, 3, 18)
    alliance = Alliance.objects.create(
        name=ALLIANCE_NAME,
        region=ally,
        founded_on=min(founded, period.last_past_day),
        charter=CHARTER,
    )
    for region, contact, phone in (
        (ally, "刘晓燕", "028-38100000"),
        (home, "周建华", "0833-2100000"),
    ):
        AllianceMember.objects.create(
            alliance=alliance,
            region=region,
            joined_on=alliance.founded_on,
            contact_name=contact,
            contact_phone=phone,
        )
    # 乐山 shares its best-rated listed city and county courses, 眉山 two of its own.
    home_courses = list(
        Course.objects.filter(region__code__startswith=home_root, status=CourseStatus.LISTED)
        .order_by("-excellent_years__year", "code")
        .distinct()[:3]
    )
    shares = [(course, home) for course in home_courses]
    shares += [(course, ally) for course, shared in ally_courses if shared]
    for course, region in shares:
        CourseShare.objects.create(
            alliance=alliance, course=course, region=region, shared_on=alliance.founded_on
        )

    lent_day = max(period.first_day, period.last_past_day - datetime.timedelta(days=5))
    lent_teacher = (
        Teacher.objects.filter(courses__in=home_courses, status=TeacherStatus.ACTIVE)
        .order_by("code")
        .first()
    )
    ally_scope, home_scope = _office(ALLY_ROOT), _office(home_root)
    lessons = 0
    if lent_teacher is not None and home_courses:
        course = next(c for c in home_courses if lent_teacher in c.teachers.all())
        CourseOrder.objects.create(
            organization=organizations[0],
            course=course,
            expected_attendees=60,
            dates=[lent_day.isoformat()],
            status=OrderStatus.PLANNED,
            notes="联盟共享课程点单",
        )
        # Asked and approved through the services, as the two offices would: the approval
        # makes the host's lesson, which 眉山 then gives through delivery.
        lent_from = max(period.first_day, lent_day - datetime.timedelta(days=10))
        exchange = services.request_exchange(
            alliance, lent_teacher, scope=ally_scope, actor=None, host_region=ally,
            purpose="lesson", starts_on=lent_from,
            ends_on=max(lent_day, period.today + datetime.timedelta(days=60)),
            note="东坡区“两新”组织党员专题党课", course=course, organization=organizations[0],
            lesson_starts_at=local_midnight(lent_day) + datetime.timedelta(hours=9),
        )  # fmt: skip
        services.decide_exchange(
            exchange, scope=home_scope, actor=None, approve=True, reason="同意派出，请做好食宿安排"
        )
        lesson = Lesson.objects.unscoped("the demo exchange's lesson").get(
            pk=TeacherExchange.objects.unscoped("the demo exchange").get(pk=exchange.pk).lesson_id
        )
        delivery.confirm_lesson(lesson, scope=ally_scope, actor=None)
        delivery.deliver_lesson(lesson, scope=ally_scope, actor=None, attendees_count=56)
        lessons = 1
    summit_day = min(datetime.date(period.year, 6, 28), period.last_past_day)
    summit = services.hold_joint_event(
        alliance, scope=ally_scope, actor=None, kind=JointEventKind.SUMMIT,
        title="乐眉党员教育研讨峰会", region=ally, held_on=summit_day,
        venue="眉山市委党校报告厅", participants=[ally, home],
        summary="两市交流共享课程建设与师资互派经验，签署年度合作清单。",
    )  # fmt: skip
    home_speaker = (
        Teacher.objects.filter(region__code__startswith=home_root, status=TeacherStatus.ACTIVE)
        .order_by("level", "code")
        .first()
    )
    programme = [  # hour, title, sending region, teacher or outside speaker and affiliation
        (9, "东坡文化中的家国情怀与廉洁修身", ally, teachers[0], ("", "")),
        (10, "共享课程库建设的乐山经验", home, home_speaker, ("", "")),
        (14, "县级党校教研协作的实践与思考", ally, teachers[2], ("", "")),
        (15, "新时代党员教育数字化转型", home, None, ("陈思远", "四川省委党校党建教研部")),
    ]
    for hour, title, region, teacher, (outside, affiliation) in programme:
        if teacher is None and not outside:
            continue
        start = local_midnight(summit_day) + datetime.timedelta(hours=hour)
        services.add_event_session(
            summit, scope=ally_scope, actor=None, title=title, starts_at=start,
            ends_at=start + datetime.timedelta(minutes=50), place="眉山市委党校报告厅",
            region=region, speaker=teacher, outside_speaker="" if teacher else outside,
            outside_affiliation=affiliation,
        )  # fmt: skip
    services.register_for_event(summit, ally, scope=ally_scope, actor=None, registered=100)
    services.register_for_event(summit, home, scope=home_scope, actor=None, registered=90)
    services.record_event_attendance(
        summit, scope=ally_scope, actor=None, attended={ally.code: 95, home.code: 85}
    )
    return {
        "alliance_shared_courses": len(shares),
        "alliance_exchanges": 1 if lessons else 0,
        "alliance_lessons": lessons,
        "ally_teachers": len(teachers),
    }


def _teacher(code, name, region, level, employer, position) -> Teacher:
    teacher = Teacher.objects.create(
        code=code,
        name=name,
        region=region,
        level=level,
        status=TeacherStatus.ACTIVE,
        employer=employer,
        position=position,
        joined_on=timezone.localdate().replace(month=1, day=1),
    )
    TeacherSpecialty.objects.create(teacher=teacher, category=CourseCategory.THEORY)
    return teacher


def _office(code: str) -> Scope:
    """The region office the demo acts as (no user: the audit trail names no one)."""
    return Scope(region_codes=(code,), managed_region_codes=(code,))
