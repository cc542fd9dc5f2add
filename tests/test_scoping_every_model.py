"""Every model that declares scope rules is proven: a county admin sees rows of their own
county and never a row of another county. A new scoped model without rows here fails the
test, so it cannot slip in unproven."""

import pytest
from django.apps import apps
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.courses.models import CourseOrigin, CourseSeries, Courseware, ExcellentDesignation
from dangke.faculty.models import LectureTeam, TeachingGroup
from dangke.regions.models import Region


def region_of(obj) -> str:
    if isinstance(obj, Region):
        return obj.code
    paths = ("region_id", "course.region_id", "lesson.region_id", "survey.region_id")
    paths += ("member.region_id", "study_class.region_id", "attendance.lesson.region_id")
    paths += ("teacher.region_id", "quiz.survey.region_id", "organization.region_id", "county")
    for path in paths:
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None)
        if value:
            return value
    raise AssertionError(f"{obj!r} has no region to check")


@pytest.fixture
def rows_in_both_counties(world):
    for county, village, course, teacher, admin in (
        (world.county_a, world.village_a, world.course_a, world.teacher_a, world.county_a_admin),
        (world.county_b, world.village_b, world.course_b, world.teacher_b, world.county_b_admin),
    ):
        CourseSeries.objects.create(name=f"{county.name}红色文化", region=county)
        ExcellentDesignation.objects.create(course=course, year=2026)
        Courseware.objects.create(
            course=course, version=1, file="courseware/x.pdf", original_name="x.pdf",
            kind="pdf", size_bytes=10,
        )  # fmt: skip
        CourseOrigin.objects.create(
            course=course, region=county, installation="眉山市党员教育平台",
            origin_region_code="5114", origin_region_name="眉山市", origin_code="MS-001",
            revised_at=timezone.now(), exported_at=timezone.now(), content_sha256="0" * 64,
            format_version=1,
        )  # fmt: skip
        team = LectureTeam.objects.create(name=f"{county.name}宣讲队", region=county)
        team.members.add(teacher)
        TeachingGroup.objects.create(name=f"{county.name}教研组", region=county)
        from dangke.evaluation.models import TeacherScoreYear

        TeacherScoreYear.objects.create(teacher=teacher, year=2026, lessons=1, responses=12)
        from dangke.imports.models import ImportJob

        ImportJob.objects.create(
            kind="teachers", file="imports/x.xlsx", original_name="x.xlsx", region=county,
            created_by=admin,
        )  # fmt: skip
        from dangke.imports.export_jobs import ExportJob

        ExportJob.objects.create(title="基层党组织", definition="x", created_by=admin)
        _broadcast_rows(county, village)
        org = world.org_a if county == world.county_a else world.org_b
        _delivery_rows(county, org, course, teacher, admin)
        _media_rows(county, teacher)
        _evaluation_rows(county, org, course, teacher, admin)
        _contests_rows(county, org, course, teacher, admin)
        _faculty_rows(county, org, course, teacher, admin)
        _training_rows(county, org, course, teacher, admin)
        _insights_rows(county, org, course, teacher, admin)
        _care_rows(county, teacher, admin)
        _workreport_rows(county, admin)
        from dangke.accounts.models import LoginAttempt

        LoginAttempt.objects.create(
            username=admin.username, user=admin, region=county, outcome="failed",
            at=timezone.now(),
        )  # fmt: skip
        _members_rows(county, org, course, admin)
        _delivery_rollup_rows(county, org, teacher)
        _alliances_rows(county, course, teacher)
    return world


def _alliances_rows(county, course, teacher):
    """A one-member alliance per county: what members share is proven in test_alliances."""
    import datetime

    from dangke.alliances import models as alliances

    day = datetime.date(2026, 3, 2)
    alliance = alliances.Alliance.objects.create(
        name=f"{county.name}协作联盟", region=county, founded_on=day
    )
    alliances.AllianceMember.objects.create(alliance=alliance, region=county, joined_on=day)
    alliances.CourseShare.objects.create(
        alliance=alliance, course=course, region=county, shared_on=day
    )
    alliances.TeacherExchange.objects.create(
        alliance=alliance, teacher=teacher, region=county, host_region=county,
        purpose="lesson", starts_on=day, ends_on=day,
    )  # fmt: skip
    event = alliances.JointEvent.objects.create(
        alliance=alliance, kind="summit", title="峰会", region=county, held_on=day
    )
    alliances.EventRegistration.objects.create(
        event=event, alliance=alliance, region=county, registered=3
    )
    starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    alliances.JointEventSession.objects.create(
        event=event, alliance=alliance, title="主旨报告", region=county, speaker=teacher,
        starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1),
    )  # fmt: skip


def _care_rows(county, teacher, admin):
    import datetime

    from dangke.care import models as care
    from dangke.training.models import Enrollment, TrainingClass

    day = datetime.date(2026, 5, 4)
    room = care.Room.objects.create(region=county, name="备课室", kind="preparation")
    care.RoomBooking.objects.create(
        room=room, title="备课", booked_by=admin, starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )  # fmt: skip
    bed = care.Bed.objects.create(
        apartment=care.Apartment.objects.create(region=county, name="公寓"),
        room_number="101", label="1",
    )  # fmt: skip
    care.Stay.objects.create(
        bed=bed, teacher=teacher, purpose="training", check_in=day,
        check_out=day + datetime.timedelta(days=1),
    )  # fmt: skip
    klass = TrainingClass.objects.create(title="食宿", region=county, starts_on=day, ends_on=day)
    enrollment = Enrollment.objects.create(training_class=klass, teacher=teacher, name="学员")
    care.ClassNeeds.objects.create(enrollment=enrollment, needs_bed=True)
    care.Counsellor.objects.create(region=county, name="咨询师")
    talk = care.Talk.objects.create(region=county, title="讲座", starts_at=timezone.now())
    care.TalkSignup.objects.create(talk=talk, teacher=teacher)
    care.CareRecord.objects.create(
        teacher=teacher, year=2026, festival="spring", kind="gift", given_on=day
    )
    care.CardBatch.objects.create(
        region=county, year=2026, festival="spring", message="祝福", sender="办"
    )


def _workreport_rows(county, admin):
    from dangke.workreport.models import AnnualReport

    AnnualReport.objects.create(region=county, year=2026, created_by=admin)


def _members_rows(county, org, course, admin):
    import datetime

    from dangke.delivery import services as delivery
    from dangke.delivery.models import Lesson
    from dangke.members import services
    from dangke.members.models import ClassEnrolment, Member, StudyClass

    scope = scope_for_user(admin)
    member = Member.objects.create(organization=org, name="赵敏", phone="13800000001")
    services.save_rule(scope=scope, actor=admin, region_code=county.code, year=2026, values={})
    lesson = Lesson.objects.create(
        course=course,
        organization=org,
        starts_at=datetime.datetime(2026, 3, 2, 1, tzinfo=datetime.UTC),
    )
    delivery.sign_in(lesson.checkin_token, name="赵敏", phone="13800000001")  # a match, a line
    day = datetime.date(2026, 3, 2)
    klass = StudyClass.objects.create(title="春训", region=county, starts_on=day, ends_on=day)
    enrolment = ClassEnrolment.objects.create(study_class=klass, member=member)
    services.record_class_days(enrolment, 1, scope=scope, actor=admin)
    services.record_collective(
        scope=scope, actor=admin, organization=org, kind="theme_day", title="学习",
        held_on=day, minutes=60, note="", members=[member],
    )  # fmt: skip
    from dangke.members import rollup as study_rollup

    study_rollup.flush()  # the county's study figures (StudyTally), as on commit


def _insights_rows(county, org, course, teacher, admin):
    from dangke.insights.models import DeliveryAnalysis

    DeliveryAnalysis.objects.create(
        teacher=teacher, course=course, region=county, recording="insights/x.wav",
        original_name="x.wav", shared_region=county,
    )  # fmt: skip


def _delivery_rollup_rows(county, org, teacher):
    """The year's delivery rollup (issue #18): the tallies as the lesson writes keep them
    (recounted here, as on commit), and the marks a given lesson would leave."""
    from dangke.delivery import rollup
    from dangke.delivery.models import DeliveringTeacher, ReachedOrganization, ReachTally

    rollup.flush()
    ReachedOrganization.objects.create(organization=org, year=2026, lesson_county=county.code)
    ReachTally.objects.create(county=county.code, year=2026, organizations=1, members=1)
    DeliveringTeacher.objects.create(teacher=teacher, year=2026, lesson_county=county.code)


def _delivery_rows(county, org, course, teacher, admin):
    import datetime

    from dangke.delivery.models import Attendance, Campaign, CourseOrder, Lesson, PlanRun

    day = datetime.date(2026, 3, 2)
    campaign = Campaign.objects.create(
        name=f"{county.name}专项", region=county, starts_on=day, ends_on=day
    )
    order = CourseOrder.objects.create(
        organization=org, course=course, expected_attendees=20, dates=[day.isoformat()],
        campaign=campaign,
    )  # fmt: skip
    PlanRun.objects.create(region=county, horizon_start=day, horizon_end=day, created_by=admin)
    lesson = Lesson.objects.create(
        course=course, organization=org, order=order, campaign=campaign,
        starts_at=datetime.datetime(2026, 3, 2, 1, tzinfo=datetime.UTC),
    )  # fmt: skip
    lesson.teachers.add(teacher)
    Attendance.objects.create(lesson=lesson, name="张三", phone="13800000000")


def _evaluation_rows(county, org, course, teacher, admin):
    import datetime

    from dangke.delivery.models import Lesson
    from dangke.evaluation import services
    from dangke.evaluation.models import (
        ExcellentProposal,
        FeedbackRule,
        Rectification,
        SurveyComment,
    )

    lesson = Lesson.objects.create(course=course, organization=org, starts_at=timezone.now())
    survey = services.open_survey(lesson, actor=admin)  # also the indicator system
    services.invite(survey, role="expert", names=["专家"], actor=admin)
    services.submit_response(
        survey, role="trainee", raw_answers={"depth": "5"},
        nonce=services.new_form_nonce(survey),
        comment="讲得好",
    )  # fmt: skip
    assert SurveyComment.objects.filter(survey=survey).exists()
    rule = FeedbackRule.objects.create(region=county, year=2026)
    Rectification.objects.create(
        course=course, region=county, rule=rule, reason="低于整改分数线",
        deadline=datetime.date(2026, 12, 31),
    )  # fmt: skip
    ExcellentProposal.objects.create(course=course, region=county, year=2026, rule=rule)
    from dangke.evaluation import year_rollup

    year_rollup.flush()  # the county's year of surveys, as on commit
    from dangke.evaluation.models import ResponseExclusion

    exclusion = ResponseExclusion.objects.create(survey=survey, flag="identical", reason="重复")
    exclusion.responses.set(survey.responses.all())
    from dangke.quizzes.models import KnowledgePoint, Question, Quiz, QuizSheet

    point = KnowledgePoint.objects.create(course=course, name="政治建设")
    question = Question.objects.create(
        course=course, code="Q1", kind="true_false", text="题", options=["正确", "错误"],
        answer=["A"], knowledge_point=point,
    )  # fmt: skip
    quiz = Quiz.objects.create(survey=survey, stage="post")
    quiz.questions.add(question)
    QuizSheet.objects.create(quiz=quiz, answers={str(question.pk): ["A"]}, correct={})


def _faculty_rows(county, org, course, teacher, admin):
    import datetime

    from dangke.faculty.models import (
        AnnualReview,
        KeptWarningLevel,
        LifecycleRule,
        Quota,
        StatusProposal,
        TrialLecture,
    )

    rule = LifecycleRule.objects.create(region=county, year=2026)
    KeptWarningLevel.objects.update_or_create(
        teacher=teacher, defaults={"level": "warn", "judged_at": timezone.now()}
    )  # the quota below marks the row (update, not create, then)
    Quota.objects.create(region=county, year=2026, level="county")
    AnnualReview.objects.create(
        teacher=teacher, year=2026, region=county, level="county", computed_at=timezone.now()
    )
    TrialLecture.objects.create(
        teacher=teacher, region=county, held_on=datetime.date(2026, 3, 1), topic="试讲", score=80
    )
    StatusProposal.objects.create(
        teacher=teacher, region=county, kind="warning", year=2026, rule=rule, rule_text="预警",
        reason="落后",
    )  # fmt: skip
    from dangke.faculty.models import RewardAllocation, RewardFund

    fund = RewardFund.objects.create(region=county, year=2026, name="奖励基金", total=1000, cap=500)
    RewardAllocation.objects.create(
        fund=fund, teacher=teacher, factor=1, points=1, rule_amount=500, amount=500
    )
    from dangke.faculty.models import DevelopmentPlan, DevelopmentRecord

    DevelopmentPlan.objects.create(teacher=teacher, start_year=2026, end_year=2028, goals="进修")
    DevelopmentRecord.objects.create(teacher=teacher, kind="study", year=2026, title="进修班")


def _contests_rows(county, org, course, teacher, admin):
    from dangke.contests import services
    from dangke.contests.models import ContestAward, JudgeAssignment, JudgeScore, Objection

    contest = services.create_contest(county, 2026, actor=admin)
    entry = services.register_entry(contest, course, actor=admin)
    judge = services.add_judge(contest, actor=admin, name="专家")
    assignment = JudgeAssignment.objects.create(entry=entry, judge=judge)
    JudgeScore.objects.create(assignment=assignment, answers={}, score=80)
    Objection.objects.create(contest=contest, entry=entry, body="异议")
    ContestAward.objects.create(contest=contest, entry=entry, rank=1, score=80,
                                certificate_no=f"SJ-{county.code}")  # fmt: skip


def _training_rows(county, org, course, teacher, admin):
    import datetime

    from dangke.delivery.models import Lesson
    from dangke.training.models import (
        CascadeSession,
        Enrollment,
        ModuleChoice,
        TrainingClass,
        TrainingModule,
    )

    day = datetime.date(2026, 5, 1)
    klass = TrainingClass.objects.create(
        title=f"{county.name}师资培训班", region=county, starts_on=day, ends_on=day
    )
    module = TrainingModule.objects.create(training_class=klass, topic="专题", teacher=teacher)
    enrollment = Enrollment.objects.create(training_class=klass, teacher=teacher, name="学员")
    ModuleChoice.objects.create(enrollment=enrollment, module=module)
    lesson = Lesson.objects.create(course=course, organization=org, starts_at=timezone.now())
    CascadeSession.objects.create(enrollment=enrollment, lesson=lesson, region=lesson.region)
    from dangke.training.models import Essay, ForumTopic, Post

    topic = ForumTopic.objects.create(training_class=klass, title="讨论")
    Post.objects.create(topic=topic, author_name="学员", body="体会")
    Essay.objects.create(enrollment=enrollment, training_class=klass, title="心得", body="正文")


def _media_rows(county, teacher):
    from dangke.media.models import MediaColumn, MediaComment, MediaSeries, MediaWork

    column = MediaColumn.objects.create(name=f"{county.name}专栏", region=county)
    series = MediaSeries.objects.create(name=f"{county.name}系列", region=county)
    work = MediaWork.objects.create(
        title=f"{county.name}微课", kind="video", region=county, column=column, teacher=teacher,
        series=series, episode=1,
    )  # fmt: skip
    MediaComment.objects.create(work=work, region=county, body="好")


def _broadcast_rows(county, village):
    from dangke.broadcast import services as broadcast

    station = broadcast.create_station(village)
    programme = broadcast.create_programme(
        title=f"{county.name}广播", region=county, duration_seconds=600, text="学习党的二十大精神"
    )
    broadcast.schedule_slot(programme, timezone.now(), target_region=county)
    played = {"report_id": "r1", "played_at": "2026-03-02T07:00:00+08:00", "duration_seconds": 600}
    broadcast.record_plays(station, [played])
    from dangke.broadcast import rollup as play_rollup

    play_rollup.flush()  # the county's month of plays (PlayTally), as on commit


def scoped_models():
    """Models scoped by region; rows owned by one user are proven below."""
    return [
        model
        for model in apps.get_models()
        if getattr(model, "scope_rules", None) and model.scope_rules.region
    ]


def test_user_owned_rows_are_seen_by_their_owner_only(world):
    from dangke.core.models import Notification
    from dangke.core.services import notify
    from dangke.imports.export_jobs import ExportJob

    notify([world.county_a_admin], "甲的通知")
    notify([world.county_b_admin, world.teacher_user], "乙的通知")
    owned = [model for model in apps.get_models() if getattr(model, "scope_rules", None)]
    assert {m for m in owned if not m.scope_rules.region} == {Notification, ExportJob}
    for user in (world.county_a_admin, world.county_b_admin):
        ExportJob.objects.create(title=f"{user.username} 的导出", definition="x", created_by=user)
    for user in (world.county_a_admin, world.county_b_admin, world.city_admin):
        seen = ExportJob.objects.visible_to(scope_for_user(user)).values_list("title", flat=True)
        assert list(seen) == ([f"{user.username} 的导出"] if user != world.city_admin else [])
    for user, expected in (
        (world.county_a_admin, ["甲的通知"]),
        (world.county_b_admin, ["乙的通知"]),
        (world.city_admin, []),
    ):
        seen = Notification.objects.visible_to(scope_for_user(user))
        assert sorted(seen.values_list("message", flat=True)) == expected


@pytest.mark.parametrize("model", scoped_models(), ids=lambda model: model.__name__)
def test_county_admins_never_see_the_other_county(rows_in_both_counties, model):
    world = rows_in_both_counties
    for admin, own, other in (
        (world.county_a_admin, "511102", "511123"),
        (world.county_b_admin, "511123", "511102"),
    ):
        visible = list(model.objects.visible_to(scope_for_user(admin)))
        assert visible, f"{model.__name__}: no rows in {own}, so the test proves nothing"
        regions = {region_of(obj) for obj in visible}
        assert all(code.startswith(own) for code in regions), (model.__name__, regions)
        assert not any(code.startswith(other) for code in regions)
