"""Training classes end to end: the module menu picked before the class (点餐式), demand
per module and the organiser's adjustments, admission by capacity, attendance,
completion feeding the annual review, 先学后讲 sessions recorded as lessons, and scoping."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.core.status import ProtectedStatusError
from dangke.delivery.models import Lesson, LessonSource
from dangke.delivery.services import coverage
from dangke.faculty import lifecycle
from dangke.faculty.models import AnnualReview, Quota, TeacherLevel
from dangke.training import services
from dangke.training.models import (
    ClassStatus,
    EnrollmentStatus,
    ModuleChoice,
    TrainingClass,
)
from tests.conftest import PASSWORD, make_teacher

YEAR = 2026
# These tests read "this year" and make lessons "days ago": they run late in YEAR.
pytestmark = pytest.mark.usefixtures("pinned_clock")


@pytest.fixture
def klass(world):
    today = timezone.localdate()
    training_class = services.create_class(
        scope=scope_for_user(world.organiser), actor=world.organiser, region=world.city,
        title="全市师资能力提升班", starts_on=today, ends_on=today, modules_to_complete=2,
        max_choices=3,
    )  # fmt: skip
    for topic, capacity in (("党的创新理论", 2), ("宣讲技巧", 10), ("新媒体运用", 10)):
        services.add_module(
            training_class, scope=scope_for_user(world.organiser), actor=world.organiser,
            topic=topic, capacity=capacity, teacher=world.city_teacher,
        )  # fmt: skip
    return training_class


def modules(klass):
    return {m.topic: m for m in klass.modules.all()}


def test_menu_demand_adjustment_admission_attendance_and_completion(world, klass):
    org = scope_for_user(world.organiser)
    extra = make_teacher("T-A-002", "孙丽", world.county_a)
    people = [
        services.enroll(klass, scope=org, actor=world.organiser, teacher=t)
        for t in (world.teacher_a, world.teacher_b, extra)
    ]
    with pytest.raises(services.TrainingError, match="选课尚未开始"):
        services.choose_modules(people[0], [modules(klass)["宣讲技巧"].pk], scope=org)
    services.open_menu(klass, scope=org, actor=world.organiser)
    m = modules(klass)
    # the teacher picks for herself; the organiser may pick for the others
    services.choose_modules(
        people[0],
        [m["党的创新理论"].pk, m["宣讲技巧"].pk],
        scope=scope_for_user(world.teacher_user),
    )
    with pytest.raises(services.TrainingError, match="只能为自己选课"):
        services.choose_modules(
            people[1], [m["宣讲技巧"].pk], scope=scope_for_user(world.teacher_user)
        )
    services.choose_modules(people[1], [m["党的创新理论"].pk, m["宣讲技巧"].pk], scope=org)
    services.choose_modules(people[2], [m["党的创新理论"].pk, m["新媒体运用"].pk], scope=org)
    demand = {row["module"].topic: (row["chosen"], row["over"]) for row in services.demand(klass)}
    assert demand == {"党的创新理论": (3, 1), "宣讲技巧": (2, 0), "新媒体运用": (1, 0)}
    # the organiser adjusts to demand: one module not offered
    services.adjust_module(m["新媒体运用"], scope=org, actor=world.organiser, is_offered=False,
                           note="需求不足，并入下期")  # fmt: skip
    outcome = services.start_class(klass, scope=org, actor=world.organiser)
    assert outcome == {"admitted": 4, "waitlisted": 1, "dropped": 1}
    waitlisted = ModuleChoice.objects.get(admitted=False)
    assert waitlisted.enrollment == people[2]  # the last to pick the full module
    services.record_attendance(m["党的创新理论"], [p.pk for p in people], scope=org,
                               actor=world.organiser)  # fmt: skip
    services.record_attendance(m["宣讲技巧"], [people[0].pk], scope=org, actor=world.organiser)
    assert services.complete_class(klass, scope=org, actor=world.organiser) == {
        "completed": 1, "incomplete": 2,
    }  # fmt: skip
    statuses = {e.teacher: e.status for e in klass.enrollments.all()}
    assert statuses[world.teacher_a] == EnrollmentStatus.COMPLETED
    assert statuses[extra] == EnrollmentStatus.INCOMPLETE
    klass.refresh_from_db()
    assert klass.status == ClassStatus.COMPLETED
    # completion counts in the annual review
    Quota.objects.create(region=world.city, year=YEAR, level=TeacherLevel.COUNTY,
                         min_lessons=0, min_hours=0, min_trainings=1)  # fmt: skip
    lifecycle.compute_reviews(world.city.code, YEAR)
    reviews = {r.teacher: r for r in AnnualReview.objects.filter(year=YEAR)}
    assert reviews[world.teacher_a].trainings == 1 and reviews[world.teacher_a].passed
    assert reviews[world.teacher_b].shortfalls == ["参加培训 0 次，少于 1 次"]


def test_class_status_only_through_services(world, klass):
    stored = TrainingClass.objects.get(pk=klass.pk)
    stored.status = ClassStatus.RUNNING
    with pytest.raises(ProtectedStatusError):
        stored.save()


def test_only_organisers_of_the_region_run_classes(world, klass):
    with pytest.raises(PermissionDenied):
        services.add_module(klass, scope=scope_for_user(world.county_a_admin),
                            actor=world.county_a_admin, topic="x")  # fmt: skip
    with pytest.raises(services.TrainingError):
        services.create_class(
            scope=scope_for_user(world.teacher_user), actor=world.teacher_user,
            region=world.county_a, title="x", starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
        )  # fmt: skip


def test_cascade_session_is_a_lesson_that_counts_toward_coverage(world, klass):
    admin = scope_for_user(world.county_b_admin)
    org = scope_for_user(world.organiser)
    enrollment = services.enroll(klass, scope=org, actor=world.organiser, teacher=world.teacher_b)
    trainee = services.enroll(klass, scope=org, actor=world.organiser, name="村支书甲")
    when = timezone.now() - datetime.timedelta(days=1)
    with pytest.raises(services.TrainingError, match="未关联师资档案"):
        services.record_cascade_session(
            trainee, scope=admin, actor=world.county_b_admin, course=world.course_b,
            organization=world.org_b, starts_at=when,
        )  # fmt: skip
    session = services.record_cascade_session(
        enrollment, scope=admin, actor=world.county_b_admin, course=world.course_b,
        organization=world.org_b, starts_at=when, attendees_count=60,
    )  # fmt: skip
    lesson = Lesson.objects.get(pk=session.lesson_id)
    assert lesson.source == LessonSource.MANUAL and lesson.status == "delivered"
    assert list(lesson.teachers.all()) == [world.teacher_b]
    figures = lifecycle.lesson_figures([world.teacher_b.pk], YEAR)
    assert figures[world.teacher_b.pk]["lessons"] == 1
    assert coverage(admin, YEAR)["reached"] == 1
    from dangke.training.figures import training_figures

    stats = training_figures(scope_for_user(world.city_admin), YEAR)
    assert (stats["cascade_sessions"], stats["cascade_attendees"]) == (1, 60)
    assert (stats["classes"], stats["modules"], stats["enrolments"]) == (1, 3, 2)


def test_pages_menu_choice_and_scoping(world, klass, client):
    org = scope_for_user(world.organiser)
    enrollment = services.enroll(klass, scope=org, actor=world.organiser, teacher=world.teacher_a)
    services.open_menu(klass, scope=org, actor=world.organiser)
    m = modules(klass)
    client.login(username="teacher", password=PASSWORD)
    page = client.get(reverse("training:detail", args=[klass.pk])).content.decode()
    assert "我的选课（点餐）" in page and "宣讲技巧" in page
    client.post(reverse("training:choose", args=[enrollment.pk]), {"modules": [m["宣讲技巧"].pk]})
    assert list(enrollment.choices.values_list("module__topic", flat=True)) == ["宣讲技巧"]
    # teacher B (another county, not enrolled) has no account; county B's admin does not run
    # city classes and sees none of county A's enrolments
    client.login(username="county-b", password=PASSWORD)
    assert client.get(reverse("training:detail", args=[klass.pk])).status_code == 404
    client.login(username="organiser", password=PASSWORD)
    page = client.get(reverse("training:detail", args=[klass.pk])).content.decode()
    assert "1 / 10" in page and "王红梅" in page
    response = client.post(reverse("training:advance", args=[klass.pk]))
    assert response.status_code == 302
    klass.refresh_from_db()
    assert klass.status == ClassStatus.RUNNING
    index = client.get(reverse("training:index")).content.decode()
    assert "全市师资能力提升班" in index


def test_review_quota_counts_training(world):
    q = Quota(min_lessons=0, min_hours=Decimal("0"), min_trainings=2, min_score=80,
              min_responses=5)  # fmt: skip
    verdict = lifecycle.judge({"lessons": 0, "hours": 0, "trainings": 1, "score": None,
                               "n_responses": 0}, q)  # fmt: skip
    assert verdict.passed is False


def test_forum_topics_posts_replies_study_list_and_moderation(world, klass, client):
    org = scope_for_user(world.organiser)
    services.enroll(klass, scope=org, actor=world.organiser, teacher=world.teacher_a)
    topic = services.add_topic(
        klass, scope=org, actor=world.organiser, title="如何把理论讲得接地气",
        study_list=[{"title": "习近平谈治国理政", "author": ""}, {"title": " "}],
    )  # fmt: skip
    assert topic.study_list == [{"title": "习近平谈治国理政", "author": "", "note": ""}]
    with pytest.raises(PermissionDenied, match="只有本班学员"):
        services.post(topic, scope=scope_for_user(world.liaison), user=world.liaison, body="x")
    client.login(username="teacher", password=PASSWORD)
    client.post(reverse("training:topic", args=[topic.pk]), {"body": "多用身边的案例"})
    first = topic.posts.get()
    client.post(reverse("training:topic", args=[topic.pk]), {"body": "同意", "parent": first.pk})
    assert first.replies.count() == 1
    page = client.get(reverse("training:topic", args=[topic.pk])).content.decode()
    assert "习近平谈治国理政" in page and "多用身边的案例" in page and "屏蔽理由" not in page
    with pytest.raises(PermissionDenied):
        services.hide_post(
            first, scope=scope_for_user(world.teacher_user), actor=world.teacher_user, reason="x"
        )
    services.hide_post(first, scope=org, actor=world.organiser, reason="与话题无关")
    page = client.get(reverse("training:topic", args=[topic.pk])).content.decode()
    assert "多用身边的案例" not in page and "该帖已被主办方屏蔽" in page
    # county B's admin sees neither the class's forum nor its posts
    client.login(username="county-b", password=PASSWORD)
    assert client.get(reverse("training:topic", args=[topic.pk])).status_code == 404


def test_essay_submitted_reviewed_and_best_published(world, klass):
    from dangke.training.models import Essay, EssayStatus

    org = scope_for_user(world.organiser)
    mine = services.enroll(klass, scope=org, actor=world.organiser, teacher=world.teacher_a)
    other = services.enroll(klass, scope=org, actor=world.organiser, teacher=world.teacher_b)
    teacher = scope_for_user(world.teacher_user)
    with pytest.raises(services.TrainingError, match="只能提交自己的"):
        services.submit_essay(other, scope=teacher, title="x", body="y")
    essay = services.submit_essay(mine, scope=teacher, title="先学后讲的体会", body="……")
    with pytest.raises(services.TrainingError, match="退回须填写意见"):
        services.review_essay(essay, scope=org, actor=world.organiser, accept=False)
    services.review_essay(essay, scope=org, actor=world.organiser, accept=False, note="补充案例")
    services.submit_essay(
        mine, scope=teacher, title="先学后讲的体会", body="补充了案例", essay=essay
    )
    services.review_essay(essay, scope=org, actor=world.organiser, accept=True)
    services.publish_essay(essay, scope=org, actor=world.organiser)
    stored = Essay.objects.get(pk=essay.pk)
    assert (stored.status, stored.body) == (EssayStatus.PUBLISHED, "补充了案例")
    stored.status = EssayStatus.SUBMITTED
    with pytest.raises(ProtectedStatusError):
        stored.save()
    from dangke.training.figures import training_figures

    stats = training_figures(scope_for_user(world.city_admin), YEAR)
    assert (stats["essays"], stats["essays_published"]) == (1, 1)


def test_a_class_with_many_enrolments_is_listed_once(world, klass, client):
    org = scope_for_user(world.organiser)
    for number in range(3):
        teacher = make_teacher(f"T-A-1{number}", f"学员{number}", world.county_a)
        services.enroll(klass, scope=org, actor=world.organiser, teacher=teacher)
    services.enroll(klass, scope=org, actor=world.organiser, name="村支书", user=world.liaison)
    services.enroll(klass, scope=org, actor=world.organiser, name="社区书记", user=world.judge)
    for user in (world.organiser, world.city_admin):
        assert list(TrainingClass.objects.visible_to(scope_for_user(user))) == [klass]
    client.login(username="organiser", password=PASSWORD)
    assert client.get(reverse("training:detail", args=[klass.pk])).status_code == 200


def test_a_trainee_with_a_login_but_no_teacher_record_sees_their_class_once(world, klass):
    from django.contrib.auth import get_user_model

    from dangke.training.models import ForumTopic

    make = get_user_model().objects.create_user
    trainee, stranger = make("cadre-1", password=PASSWORD), make("cadre-2", password=PASSWORD)
    org = scope_for_user(world.organiser)
    services.enroll(klass, scope=org, actor=world.organiser, name="村支书", user=trainee)
    services.enroll(klass, scope=org, actor=world.organiser, name="副书记", user=world.judge)
    topic = ForumTopic.objects.create(training_class=klass, title="如何把党课讲到群众心坎上")
    assert list(TrainingClass.objects.visible_to(scope_for_user(trainee))) == [klass]
    assert list(ForumTopic.objects.visible_to(scope_for_user(trainee))) == [topic]
    assert not TrainingClass.objects.visible_to(scope_for_user(stranger)).exists()
    assert not ForumTopic.objects.visible_to(scope_for_user(stranger)).exists()


def test_cascade_form_on_the_class_page_records_a_lesson(world, klass, client):
    org = scope_for_user(world.organiser)
    enrollment = services.enroll(klass, scope=org, actor=world.organiser, teacher=world.teacher_a)
    services.open_menu(klass, scope=org, actor=world.organiser)
    client.login(username="city-admin", password=PASSWORD)
    page = client.get(reverse("training:detail", args=[klass.pk])).content.decode()
    assert 'id="cascade-form"' in page and "大榜村党支部" in page  # villages and communities
    when = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("training:cascade", args=[klass.pk]),
        {"enrollment": enrollment.pk, "course": world.course_a.pk, "organization": world.org_a.pk,
         "starts_at": when, "attendees_count": 40},
    )  # fmt: skip
    session = enrollment.cascades.get()
    assert session.lesson.organization == world.org_a and session.lesson.attendees_count == 40
