"""Every list page takes the same number of queries for one row as for three (pretalx's
test_featured pattern, as tests/test_query_counts.py does for the dashboard and the comment
queue). Each page is rendered once with one row and once with three, as the role that uses
it; the rows differ in the related data the page shows (teacher, course, organisation,
score), so a row that fetches its own relation shows as a higher count. The count is also
pinned, so a page that starts asking one more query per request shows too. The pages run at
the pinned clock: their subject is not the calendar, and rows are made "days ago"."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangke.broadcast.models import AudioProgramme
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseSeries, CourseStatus
from dangke.delivery.models import Lesson
from dangke.regions.models import Organization, OrganizationKind
from tests.conftest import make_teacher
from tests.test_delivery import dw  # noqa: F401  (fixture)

# ---- rows: each call adds the `n`th row of a kind, with its own related rows ---------------


def new_teacher(world, n: int):
    return make_teacher(f"T-Q-{n:03}", f"列表教师{n}", world.county_a)


def new_organization(world, n: int) -> Organization:
    return Organization.objects.create(
        code=f"O-Q-{n:03}", name=f"列表党支部{n}", kind=OrganizationKind.VILLAGE,
        region=world.village_a, member_count=30 + n,
    )  # fmt: skip


def new_course(world, n: int) -> Course:
    series = CourseSeries.objects.create(name=f"列表系列{n}", region=world.county_a)
    course = Course.objects.create(
        code=f"C-Q-{n:03}", title=f"列表课程{n}", category=CourseCategory.THEORY,
        region=world.county_a, status=CourseStatus.LISTED, series=series,
    )  # fmt: skip
    course.teachers.add(new_teacher(world, n))
    return course


def new_lesson(world, n: int, *, days_ago: int = 1) -> Lesson:
    course = new_course(world, n)
    lesson = Lesson.objects.create(
        course=course, organization=new_organization(world, n), attendees_count=20 + n,
        starts_at=timezone.now() - datetime.timedelta(days=days_ago, hours=n),
    )  # fmt: skip
    lesson.teachers.add(*course.teachers.all())
    return lesson


def survey_row(world, n: int) -> str:
    from dangke.evaluation import services

    survey = services.open_survey(new_lesson(world, n), actor=world.county_a_admin)
    return survey.title


def order_row(world, n: int) -> str:
    from dangke.delivery import services
    from dangke.delivery.models import Campaign
    from tests.test_delivery import day

    campaign = Campaign.objects.create(
        name=f"列表专项{n}", region=world.county_a, starts_on=world.start, ends_on=world.end,
        target_lessons=5,
    )  # fmt: skip
    organization = new_organization(world, n)
    services.place_order(
        scope=world.scope_a, actor=world.county_a_admin, organization=organization,
        course=new_course(world, n), expected_attendees=30, dates=[day(world, n + 2)],
        campaign=campaign,
    )  # fmt: skip
    return organization.name


def media_row(world, n: int) -> str:
    from dangke.media.models import MediaColumn, MediaKind, MediaSeries, MediaWork

    work = MediaWork.objects.create(
        title=f"列表微课{n}", kind=MediaKind.VIDEO, region=world.county_a,
        column=MediaColumn.objects.create(name=f"列表专栏{n}", region=world.county_a),
        series=MediaSeries.objects.create(name=f"列表系列{n}", region=world.county_a),
        episode=n + 1, teacher=new_teacher(world, n), duration_seconds=300,
    )  # fmt: skip
    return work.title


def course_row(world, n: int) -> str:
    from dangke.courses.models import ExcellentDesignation

    course = new_course(world, n)
    ExcellentDesignation.objects.create(course=course, year=2026)
    return course.title


def organization_row(world, n: int) -> str:
    return new_organization(world, n).name


def member_row(world, n: int) -> str:
    from dangke.core.calendar import report_year
    from dangke.members.services import ensure_years
    from tests.members_helpers import member

    person = member(new_organization(world, n), f"列表党员{n}", f"138000000{n:02}")
    for year in {timezone.localdate().year, report_year()}:  # the roster's and the report's
        ensure_years([person.pk], year)
    return person.name


def organization_member_row(world, n: int) -> str:
    from dangke.members.models import Member

    return Member.objects.get(name=member_row(world, n)).organization.name


def station_row(world, n: int) -> str:
    from dangke.broadcast import services
    from dangke.regions.models import Region, RegionLevel

    village = Region.objects.create(
        code=f"51110200100{n + 2}", name=f"列表村{n}", level=RegionLevel.VILLAGE,
        parent=world.village_a.parent,
    )  # fmt: skip
    return services.create_station(village, estimated_listeners=50 + n).name


def teacher_row(world, n: int) -> str:
    teacher = new_teacher(world, n)
    new_course(world, 100 + n).teachers.add(teacher)
    return teacher.name


def new_user(world, n: int, role=None):
    from dangke.accounts.models import Role
    from dangke.accounts.services import create_user_with_role

    return create_user_with_role(
        f"list-user-{n}", password="x-pass-123", role=role or Role.REGION_ADMIN,
        region=world.county_a,
    )  # fmt: skip


def lesson_row(world, n: int) -> str:
    return new_lesson(world, n, days_ago=-3).course.title


def teacher_lesson_row(world, n: int) -> str:
    lesson = new_lesson(world, n, days_ago=-3)
    lesson.teachers.add(world.teacher_a)
    return lesson.course.title


def plan_row(world, n: int) -> str:
    from dangke.delivery.models import PlanRun

    start = world.start + datetime.timedelta(days=n)
    PlanRun.objects.create(
        region=world.county_a, horizon_start=start, horizon_end=world.end,
        created_by=new_user(world, n),
    )  # fmt: skip
    return f"list-user-{n}"


def campaign_row(world, n: int) -> str:
    from dangke.delivery.models import Campaign, LessonStatus

    campaign = Campaign.objects.create(
        name=f"列表专项{n}", region=world.county_a, ends_on=world.end, target_lessons=5,
        starts_on=world.start - datetime.timedelta(days=60),
    )  # fmt: skip
    lesson = new_lesson(world, n)
    Lesson.objects.filter(pk=lesson.pk).update(campaign=campaign, status=LessonStatus.DELIVERED)
    return campaign.name


def my_order_row(world, n: int) -> str:
    from dangke.delivery import services
    from dangke.delivery.models import Campaign
    from tests.test_delivery import day

    course = new_course(world, n)
    campaign = Campaign.objects.create(
        name=f"列表专项{n}", region=world.county_a, starts_on=world.start, ends_on=world.end,
    )  # fmt: skip
    services.place_order(
        scope=world.scope_a, actor=world.county_a_admin, organization=world.org_a,
        course=course, expected_attendees=30, dates=[day(world, n + 2)], campaign=campaign,
    )  # fmt: skip
    return course.title


def menu_row(world, n: int) -> str:
    from dangke.courses.models import ExcellentDesignation

    course = new_course(world, n)
    ExcellentDesignation.objects.create(course=course, year=2026)
    return course.title


def notification_row(world, n: int) -> str:
    from dangke.core.models import Notification

    Notification.objects.create(user=world.county_a_admin, message=f"列表通知{n}", url="/")
    return f"列表通知{n}"


def login_row(world, n: int) -> str:
    from dangke.accounts.models import LoginAttempt, LoginOutcome

    user = new_user(world, n)
    LoginAttempt.objects.create(
        username=user.username, user=user, region=world.county_a, address=f"10.0.0.{n}",
        outcome=LoginOutcome.SUCCEEDED, at=timezone.now(),
    )  # fmt: skip
    return user.username


def import_row(world, n: int) -> str:
    from dangke.imports.models import ImportJob, ImportKind

    ImportJob.objects.create(
        kind=ImportKind.ORGANIZATIONS, file=f"imports/{n}.xlsx", original_name=f"列表{n}.xlsx",
        region=world.county_a, created_by=new_user(world, n),
    )  # fmt: skip
    return f"列表{n}.xlsx"


def training_row(world, n: int) -> str:
    from dangke.training.models import TrainingClass

    start = timezone.localdate() + datetime.timedelta(days=10 + n)
    TrainingClass.objects.create(
        title=f"列表培训班{n}", region=world.county_a, starts_on=start,
        ends_on=start + datetime.timedelta(days=2), created_by=new_user(world, n),
    )  # fmt: skip
    return f"列表培训班{n}"


def analysis_row(world, n: int) -> str:
    from tests.test_insights import make_done

    course = new_course(world, n)
    make_done(world, teacher=course.teachers.get(), course=course)
    return course.title


def annual_report_row(world, n: int) -> str:
    from dangke.workreport.models import AnnualReport

    report = AnnualReport.objects.create(
        region=world.county_a, year=2020 + n, title=f"列表年度报告{n}",
        created_by=new_user(world, n),
    )  # fmt: skip
    return f'id="report-{report.pk}"'


def review_row(world, n: int) -> str:
    from dangke.faculty import lifecycle
    from dangke.faculty.models import Quota, TeacherLevel

    Quota.objects.get_or_create(region=world.city, year=2026, level=TeacherLevel.COUNTY)
    lesson = new_lesson(world, n)
    Lesson.objects.filter(pk=lesson.pk).update(
        status="delivered", starts_at=datetime.datetime(2026, 1, 10, 2, tzinfo=datetime.UTC)
    )
    lifecycle.compute_reviews(world.city.code, 2026, final=False)
    return lesson.teachers.get().name


def proposal_row(world, n: int) -> str:
    from dangke.faculty.models import ProposalKind, StatusProposal

    teacher = new_teacher(world, n)
    StatusProposal.objects.create(
        teacher=teacher, region=world.county_a, kind=ProposalKind.WARNING, year=2026,
        rule_text="年度授课不少于6次", reason=f"列表理由{n}",
    )  # fmt: skip
    return teacher.name


def fund_row(world, n: int) -> str:
    from decimal import Decimal

    from dangke.faculty.models import RewardFund

    RewardFund.objects.create(
        region=world.county_a, year=2020 + n, name=f"列表奖励基金{n}", total=Decimal("1000"),
        cap=Decimal("500"),
    )  # fmt: skip
    return f"列表奖励基金{n}"


def programme_row(world, n: int) -> str:
    from dangke.broadcast import services

    return services.create_programme(
        title=f"列表节目{n}", region=world.county_a, duration_seconds=600, text="……"
    ).title


def slot_row(world, n: int) -> str:
    from dangke.broadcast.models import BroadcastSlot

    programme = programme_row(world, n)
    start = timezone.localtime().replace(hour=6 + n, minute=0, second=0, microsecond=0)
    BroadcastSlot.objects.create(
        programme=AudioProgramme.objects.get(title=programme), start=start,
        end=start + datetime.timedelta(minutes=10), target_region=world.county_a,
        region=world.county_a,
    )  # fmt: skip
    return programme


def media_comment_row(world, n: int) -> str:
    from dangke.media.models import MediaComment, MediaWork

    title = media_row(world, n)
    MediaComment.objects.create(
        work=MediaWork.objects.get(title=title), region=world.county_a, body=f"列表留言{n}"
    )
    return f"列表留言{n}"


def catalogue_row(world, n: int) -> str:
    from dangke.media.models import MediaColumn, MediaSeries

    MediaColumn.objects.create(name=f"列表专栏{n}", region=world.county_a)
    MediaSeries.objects.create(name=f"列表系列{n}", region=world.county_a)
    return f"列表系列{n}"


def system_row(world, n: int) -> str:
    from dangke.evaluation.models import IndicatorSystem

    return IndicatorSystem.objects.create(
        name=f"列表指标体系{n}", region=world.county_a, year=2020 + n
    ).name


def rectification_row(world, n: int) -> str:
    from dangke.evaluation.models import Rectification

    course = new_course(world, n)
    Rectification.objects.create(
        course=course, region=world.county_a, reason=f"列表整改{n}",
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )  # fmt: skip
    return course.title


def contest_row(world, n: int) -> str:
    from dangke.contests import services

    return services.create_contest(
        world.county_a, 2020 + n, actor=world.county_a_admin, name=f"列表比赛{n}"
    ).name


def the_contest(world):
    from dangke.contests import services

    if not hasattr(world, "contest"):
        world.contest = services.create_contest(world.county_a, 2026, actor=world.county_a_admin)
    return world.contest


def entry_row(world, n: int) -> str:
    from dangke.contests import services

    contest = the_contest(world)
    course = new_course(world, n)
    services.register_entry(contest, course, actor=world.county_a_admin)
    services.add_judge(contest, actor=world.county_a_admin, name=f"列表评委{n}")
    return course.title


def collective_row(world, n: int) -> str:
    from dangke.members.models import CollectiveKind, CollectiveStudy
    from tests.members_helpers import member

    organization = new_organization(world, n)
    study = CollectiveStudy.objects.create(
        organization=organization, region=organization.region, kind=CollectiveKind.THEME_DAY,
        title=f"列表主题党日{n}", held_on=timezone.localdate(), minutes=60,
    )  # fmt: skip
    study.attendees.add(member(organization, f"列表党员{n}"))
    return study.title


def study_class_row(world, n: int) -> str:
    from dangke.members.models import StudyClass

    return StudyClass.objects.create(
        title=f"列表党员培训班{n}", region=world.county_a, starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    ).title  # fmt: skip


def room_row(world, n: int) -> str:
    from dangke.care.models import Room, RoomBooking, RoomKind

    room = Room.objects.create(region=world.county_a, name=f"列表功能室{n}", kind=RoomKind.SEMINAR)
    start = timezone.now() + datetime.timedelta(days=1, hours=n)
    RoomBooking.objects.create(
        room=room, title=f"列表备课{n}", starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30), booked_by=new_user(world, n),
    )  # fmt: skip
    return f"列表备课{n}"


def counselling_row(world, n: int) -> str:
    from dangke.care.models import CounsellingRequest, Counsellor

    counsellor = Counsellor.objects.create(region=world.county_a, name=f"列表咨询师{n}")
    CounsellingRequest.objects.create(teacher=new_teacher(world, n), counsellor=counsellor)
    return counsellor.name


def care_record_row(world, n: int) -> str:
    from dangke.care.models import CareKind, CareRecord, Festival

    teacher = new_teacher(world, n)
    CareRecord.objects.create(
        teacher=teacher, year=timezone.localdate().year, festival=Festival.SPRING,
        kind=CareKind.GIFT, given_on=timezone.localdate(), recorded_by=new_user(world, n),
    )  # fmt: skip
    return teacher.name


def the_class(world):
    from dangke.accounts.scoping import scope_for_user
    from dangke.training import services

    if not hasattr(world, "training_class"):
        today = timezone.localdate()
        world.training_class = services.create_class(
            scope=scope_for_user(world.organiser), actor=world.organiser, region=world.city,
            title="列表师资班", starts_on=today, ends_on=today, modules_to_complete=1,
            max_choices=3,
        )  # fmt: skip
    return world.training_class


def module_row(world, n: int) -> str:
    from dangke.accounts.scoping import scope_for_user
    from dangke.training import services

    klass, office = the_class(world), scope_for_user(world.organiser)
    teacher = new_teacher(world, n)
    services.add_module(
        klass, scope=office, actor=world.organiser, topic=f"列表模块{n}", capacity=10,
        teacher=teacher, course=new_course(world, 100 + n),
    )  # fmt: skip
    services.enroll(klass, scope=office, actor=world.organiser, teacher=teacher)
    return teacher.name


def question_row(world, n: int) -> str:
    from dangke.quizzes.models import KnowledgePoint, Question

    point = KnowledgePoint.objects.create(course=world.course_a, name=f"列表知识点{n}")
    Question.objects.create(
        course=world.course_a, code=f"Q-{n}", kind="single", text=f"列表题目{n}",
        options=["甲", "乙"], answer="A", knowledge_point=point,
    )  # fmt: skip
    return f"列表题目{n}"


def coverage_row(world, n: int) -> str:
    """A lesson delivered to a new organisation; the page counts the organisations reached."""
    from dangke.delivery.models import LessonStatus

    lesson = new_lesson(world, n)
    from dangke.delivery import rollup

    Lesson.objects.filter(pk=lesson.pk).update(status=LessonStatus.DELIVERED)
    rollup.lessons_changed([lesson.pk])  # a raw update: tell the rollup, as services do
    return f'id="figure-reached">{n} /'


def candidate_row(world, n: int) -> str:
    from dangke.faculty.models import TeacherStatus

    candidate = TeacherStatus.CANDIDATE
    return make_teacher(f"T-Q-{n:03}", f"列表教师{n}", world.county_a, status=candidate).name


def quota_row(world, n: int) -> str:
    from dangke.faculty.models import Quota, TeacherLevel

    level = list(TeacherLevel)[n - 1]
    Quota.objects.create(region=world.county_a, year=2026, level=level, min_lessons=n)
    return str(level.label)


def audit_row(world, n: int) -> str:
    """A change of the teacher by another user: the teacher's page lists its history."""
    from dangke.core.models import AuditEntry
    from dangke.core.services import record_audit

    user = new_user(world, n)
    change = AuditEntry.Action.UPDATE
    record_audit(world.teacher_a, actor=user, action=change, to_value=f"列表修改{n}")
    return f"列表修改{n}"


def progress_member_row(world, n: int) -> str:
    """A member of the liaison's own organisation, with this year's study row."""
    from dangke.core.calendar import report_year
    from dangke.members.services import ensure_years
    from tests.members_helpers import member

    person = member(world.org_a, f"列表党员{n}", f"138000000{n:02}")
    for year in {timezone.localdate().year, report_year()}:
        ensure_years([person.pk], year)
    return person.name


def lodging_row(world, n: int) -> str:
    from dangke.accounts.scoping import scope_for_user
    from dangke.care import lodging
    from dangke.care.models import Apartment, Bed, StayPurpose

    apartment = Apartment.objects.create(region=world.county_a, name=f"列表公寓{n}")
    bed = Bed.objects.create(apartment=apartment, room_number=f"10{n}", label="1")
    check_in = timezone.localdate() + datetime.timedelta(days=1)
    lodging.assign_stay(
        scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin, bed=bed,
        teacher=new_teacher(world, n), check_in=check_in,
        check_out=check_in + datetime.timedelta(days=2), purpose=StayPurpose.TRAINING,
    )  # fmt: skip
    return f"列表教师{n}"


def the_fund(world):
    from decimal import Decimal

    from dangke.accounts.scoping import scope_for_user
    from dangke.faculty import rewards

    if not hasattr(world, "fund"):
        world.fund = rewards.create_fund(
            scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin,
            region=world.county_a, year=2026, name="列表奖励基金", total=Decimal("9000"),
            cap=Decimal("9000"),
        )  # fmt: skip
    return world.fund


def allocation_row(world, n: int) -> str:
    from dangke.accounts.scoping import scope_for_user
    from dangke.delivery.models import LessonStatus
    from dangke.faculty import rewards
    from dangke.faculty.models import RewardAllocation

    fund = the_fund(world)
    lesson = new_lesson(world, n)
    Lesson.objects.filter(pk=lesson.pk).update(
        status=LessonStatus.DELIVERED,
        starts_at=datetime.datetime(2026, 2, n, 2, tzinfo=datetime.UTC),
    )
    RewardAllocation.objects.filter(fund=fund).delete()
    rewards.allocate(fund, scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin)
    return lesson.teachers.get().name


def enrollment_row(world, n: int) -> str:
    """A class the teacher is enrolled in (their own list on the training page)."""
    from dangke.training.models import Enrollment, TrainingClass

    start = timezone.localdate() + datetime.timedelta(days=10 + n)
    klass = TrainingClass.objects.create(
        title=f"列表培训班{n}", region=world.county_a, starts_on=start,
        ends_on=start + datetime.timedelta(days=2),
    )  # fmt: skip
    Enrollment.objects.create(training_class=klass, teacher=world.teacher_a, name="王红梅")
    return klass.title


def warned_teacher_row(world, n: int) -> str:
    """A county teacher with no lessons against this year's quota: behind, so warned."""
    from decimal import Decimal

    from dangke.faculty.models import Quota, TeacherLevel

    Quota.objects.get_or_create(
        region=world.city, year=timezone.localdate().year, level=TeacherLevel.COUNTY,
        defaults={"min_lessons": 6, "min_hours": Decimal("12"), "min_responses": 0},
    )  # fmt: skip
    return new_teacher(world, n).name


def honoured_teacher_row(world, n: int) -> str:
    """A teacher with a lesson of last year rated by ten trainees: a candidate of that year."""
    from tests.test_care import rated_lesson

    course = new_course(world, n)
    teacher = course.teachers.get()
    rated_lesson(world, teacher, world.org_a, course, [4] * 10, LAST_YEAR)
    return teacher.name


def judged_entry_row(world, n: int) -> str:
    """An entry of the contest's first round given to its one expert, who has marked it.
    (The solver assigns a whole round at once; here the round is reopened for each entry.)"""
    from dangke.contests import services
    from dangke.contests.models import Contest, JudgeAssignment, Round, Stage
    from dangke.contests.results import rubric

    contest = the_contest(world)
    Contest.objects.filter(pk=contest.pk).update(status=Stage.REGISTRATION)
    contest.refresh_from_db()
    admin = world.county_a_admin
    if not hasattr(world, "contest_judge"):
        world.contest_judge = services.add_judge(contest, actor=admin, name="列表评委")
    entry = services.register_entry(contest, new_course(world, n), actor=admin)
    Contest.objects.filter(pk=contest.pk).update(status=Stage.FIRST_ROUND)
    assignment = JudgeAssignment.objects.create(
        entry=entry, judge=world.contest_judge, round=Round.FIRST
    )
    marks = {f"i_{leaf.key}": str(3 + n % 3) for leaf in rubric(contest)}
    services.submit_sheet(JudgeAssignment.objects.get(pk=assignment.pk), marks)
    return entry.code


def roster_member_row(world, n: int) -> str:
    """A member of the lesson's organisation, on the roster the liaison signs in from."""
    from tests.members_helpers import lesson, member

    if not hasattr(world, "roster_lesson"):
        world.roster_lesson = lesson(world, day=timezone.localdate())
    return member(world.org_a, f"列表党员{n}", f"138000000{n:02}").name


def portal_row(world, n: int) -> str:
    from dangke.media.models import WorkStatus
    from tests.test_media import make_work

    teacher = new_teacher(world, n)
    published = WorkStatus.PUBLISHED
    return make_work(world, teacher=teacher, status=published, title=f"列表微课{n}").title


def planned_order_row(world, n: int) -> str:
    """A served order of the county, and the plan run again over all of them."""
    from dangke.delivery import services
    from tests.test_delivery import order_a

    order_a(world, 3 * n)
    services.start_plan(
        scope=world.scope_a, actor=world.county_a_admin, region_code=world.county_a.code,
        start=world.start, end=world.end,
    )  # fmt: skip
    return world.org_a.name


def the_roster_lesson(world) -> list[int]:
    return [world.roster_lesson.pk]


def latest_plan(world) -> list[int]:
    from dangke.delivery.models import PlanRun

    return [PlanRun.objects.latest("pk").pk]


def scored_lesson_row(world, n: int) -> str:
    """A lesson of teacher A's course A at another organisation, rated by ten trainees."""
    from tests.test_care import rated_lesson

    organization = new_organization(world, n)
    rated_lesson(world, world.teacher_a, organization, world.course_a, [4] * 10, 2026)
    return organization.name


LAST_YEAR = 2025  # wholly past at the pinned clock
BY_ORGANIZATION = {"level": "organization"}
THIS_YEAR = {"year": 2026}  # at the pinned clock


def alliance_share_row(world, n: int) -> str:
    """A course of county a shared in its alliance, a teacher exchange and a joint event."""
    from dangke.alliances.models import (
        Alliance,
        AllianceMember,
        CourseShare,
        JointEvent,
        TeacherExchange,
    )

    today = timezone.localdate()
    alliance, created = Alliance.objects.unscoped("test rows").get_or_create(
        name="列表协作联盟", defaults={"region": world.county_a, "founded_on": today}
    )
    if created:
        AllianceMember.objects.create(alliance=alliance, region=world.county_a, joined_on=today)
    course = new_course(world, n)
    CourseShare.objects.create(
        alliance=alliance, course=course, region=world.county_a, shared_on=today
    )
    TeacherExchange.objects.create(
        alliance=alliance, teacher=new_teacher(world, 100 + n), region=world.county_a,
        host_region=world.county_a, purpose="lesson", starts_on=today, ends_on=today,
    )  # fmt: skip
    JointEvent.objects.create(
        alliance=alliance, kind="summit", title=f"列表峰会{n}", region=world.county_a,
        held_on=today,
    )  # fmt: skip
    return course.title


def the_alliance(world) -> list[int]:
    from dangke.alliances.models import Alliance

    return [Alliance.objects.unscoped("test rows").get().pk]


@dataclass(frozen=True)
class Page:
    url_name: str
    role: str  # a World attribute
    add_row: Callable[[object, int], str]  # adds the nth row, returns a text the page shows
    queries: int  # the pinned count, for one row and for three
    query: dict | None = None  # the page's GET parameters
    args: Callable | None = None  # the page's URL arguments, from the world with its rows


# Pages that read lessons, teachers, courses or training modules ask once per request and
# kind what an alliance shares in (`Scope.shared_ids`, issue #18): a short list of ids lets
# PostgreSQL use the region-prefix index, where the shared subquery in the OR made it scan
# the province's 500,083 lessons for a city.
PAGES = [
    Page("evaluation:index", "county_a_admin", survey_row, 8),
    Page("delivery:queue", "county_a_admin", order_row, 9),
    Page("media:list", "county_a_admin", media_row, 10),
    Page("courses:list", "county_a_admin", course_row, 11),
    Page("regions:list", "county_a_admin", organization_row, 8),
    Page("members:roster", "county_a_admin", member_row, 8),
    Page("members:years", "county_a_admin", member_row, 8),
    Page("broadcast:stations", "county_a_admin", station_row, 8),
    Page("faculty:list", "county_a_admin", teacher_row, 10),
    # the day counts, then each day's first lessons numbered alone and read (issue #18)
    Page("delivery:lessons", "county_a_admin", lesson_row, 10),
    Page("delivery:lessons", "teacher_user", teacher_lesson_row, 10),
    Page("delivery:plans", "county_a_admin", plan_row, 7),
    Page("delivery:campaigns", "county_a_admin", campaign_row, 13),
    Page("delivery:my_orders", "liaison", my_order_row, 6),
    Page("delivery:menu", "liaison", menu_row, 20),
    Page("delivery:demand_map", "county_a_admin", order_row, 7),
    Page("accounts:notifications", "county_a_admin", notification_row, 6),
    Page("accounts:login_history", "county_a_admin", login_row, 7),
    Page("imports:index", "county_a_admin", import_row, 6),
    Page("training:index", "county_a_admin", training_row, 8),
    Page("insights:index", "county_a_admin", analysis_row, 13),
    Page("workreport:index", "county_a_admin", annual_report_row, 7),
    Page("faculty:review", "city_admin", review_row, 14, {"year": 2026, "show": "all"}),
    Page("faculty:proposals", "county_a_admin", proposal_row, 8),
    Page("faculty:funds", "county_a_admin", fund_row, 7),
    Page("broadcast:programmes", "county_a_admin", programme_row, 7),
    Page("broadcast:schedule", "county_a_admin", slot_row, 8),
    Page("media:comments", "county_a_admin", media_comment_row, 8),
    Page("media:catalogue", "county_a_admin", catalogue_row, 10),
    Page("evaluation:systems", "county_a_admin", system_row, 7),
    Page("evaluation:rectifications", "county_a_admin", rectification_row, 7),
    Page("contests:index", "county_a_admin", contest_row, 7),
    Page("contests:detail", "county_a_admin", entry_row, 15, args=lambda w: [w.contest.pk]),
    Page("members:collective", "county_a_admin", collective_row, 7),
    Page("members:classes", "county_a_admin", study_class_row, 6),
    Page("members:completion", "county_a_admin", organization_member_row, 8, BY_ORGANIZATION),
    Page("care:index", "county_a_admin", room_row, 8),
    Page("care:counselling", "county_a_admin", counselling_row, 10),
    Page("care:festivals", "county_a_admin", care_record_row, 15),
    Page("training:detail", "organiser", module_row, 16, args=lambda w: [w.training_class.pk]),
    Page("quizzes:bank", "county_a_admin", question_row, 9, args=lambda w: [w.course_a.pk]),
    Page(
        "delivery:coverage", "county_a_admin", coverage_row, 11
    ),  # 12 before issue #18 (EXISTS per organisation); 11 with the delivery rollup: the
    # organisations and those reached in two plain aggregates, no subplan per organisation
    Page("faculty:quotas", "county_a_admin", quota_row, 8, {"year": 2026}),
    Page("faculty:pool", "county_a_admin", candidate_row, 13),
    Page("faculty:detail", "county_a_admin", audit_row, 16, args=lambda w: [w.teacher_a.pk]),
    Page("members:progress", "liaison", progress_member_row, 7, args=lambda w: [w.org_a.pk]),
    Page(
        "advice:warnings", "county_a_admin", warned_teacher_row, 12
    ),  # the warned teachers read after the pool's figures; the lessons given, planned and of
    # the last 90 days in two (the teacher months of the delivery rollup, the cut months)
    Page("care:honours", "county_a_admin", honoured_teacher_row, 15, {"year": LAST_YEAR}),
    Page("care:lodging", "county_a_admin", lodging_row, 11),
    Page("faculty:fund", "county_a_admin", allocation_row, 8, args=lambda w: [w.fund.pk]),
    Page("training:index", "teacher_user", enrollment_row, 7),
    Page("contests:judge_home", "judge", judged_entry_row, 4, args=lambda w: [w.contest_judge.key]),
    Page("contests:ranking", "county_a_admin", judged_entry_row, 11, args=lambda w: [w.contest.pk]),
    Page("members:lesson_roster", "liaison", roster_member_row, 9, args=the_roster_lesson),
    Page("media:portal", "county_a_admin", portal_row, 7, args=lambda w: [w.county_a.code]),
    Page("delivery:plan", "county_a_admin", planned_order_row, 11, args=latest_plan),
    Page(
        "alliances:detail", "county_a_admin", alliance_share_row, 27, args=the_alliance
    ),  # +4: the exchange form's courses, organisations, training classes; registrations
    Page(
        "evaluation:teacher_score",
        "county_a_admin",
        scored_lesson_row,
        12,
        THIS_YEAR,
        args=lambda w: [w.teacher_a.pk],
    ),
    Page(
        "evaluation:course_score",
        "county_a_admin",
        scored_lesson_row,
        12,
        THIS_YEAR,
        args=lambda w: [w.course_a.pk],
    ),
]


def queries_for(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize("page", PAGES, ids=[f"{page.url_name}-{page.role}" for page in PAGES])
def test_list_page_queries_do_not_grow_with_rows(page, pinned_clock, dw, client, settings):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    client.force_login(getattr(dw, page.role))
    first = page.add_row(dw, 1)
    one, html = counted_visit(client, page, dw)
    assert first in html
    page.add_row(dw, 2)
    last = page.add_row(dw, 3)
    three, html = counted_visit(client, page, dw)
    assert last in html
    assert three == one
    assert one == page.queries  # pinned: a page that asks one query more shows here too


def counted_visit(client, page: Page, world) -> tuple[int, str]:
    """The queries of a second visit: the first fills what a page keeps once (the content
    types, a lesson's stored score), which is not what grows with rows."""
    url = reverse(page.url_name, args=page.args(world) if page.args else None)
    url += "?" + urlencode(page.query) if page.query else ""
    client.get(url)
    return queries_for(client, url)
