"""青云梯 (seed 004): a teacher's development plan is kept by the teacher and their group
leader, read by the offices above, shown on the career panel, and counted by the annual
review where the quota asks for further study."""

from decimal import Decimal

import pytest
from django.urls import reverse

from dangke.core.models import AuditEntry
from dangke.faculty import lifecycle
from dangke.faculty.models import AnnualReview, DevelopmentPlan, DevelopmentRecord
from tests.test_lifecycle import YEAR, lessons_for, quota

pytestmark = pytest.mark.usefixtures("pinned_clock")

PLAN = {"action": "plan", "start_year": YEAR, "end_year": YEAR + 2, "goals": "三年内成为市级师资",
        "target_title": "副教授", "target_role": "教研团队负责人"}  # fmt: skip
STUDY = {"action": "record", "kind": "study", "year": YEAR, "title": "省委党校中青班",
         "institution": "中共四川省委党校", "note": ""}  # fmt: skip


def url(teacher):
    return reverse("faculty:development", args=[teacher.pk])


def test_the_teacher_keeps_their_plan_and_it_shows_on_the_career_panel(client, world):
    client.force_login(world.teacher_user)
    assert client.post(url(world.teacher_a), PLAN).status_code == 302
    assert client.post(url(world.teacher_a), STUDY).status_code == 302
    plan = DevelopmentPlan.objects.get(teacher=world.teacher_a)
    assert (plan.goals, plan.target_role, plan.updated_by) == (
        "三年内成为市级师资", "教研团队负责人", world.teacher_user)  # fmt: skip
    assert AuditEntry.objects.filter(object_id=str(plan.pk), action="create").exists()
    panel = client.get(reverse("faculty:career", args=[world.teacher_a.pk])).content.decode()
    assert "发展规划（青云梯）" in panel and "三年内成为市级师资" in panel
    assert "进修深造" in panel and "省委党校中青班" in panel
    # Another teacher's plan is not theirs to keep.
    assert client.post(url(world.city_teacher), PLAN).status_code in (403, 404)
    assert not DevelopmentPlan.objects.filter(teacher=world.city_teacher).exists()


def test_the_group_leader_keeps_the_plans_of_their_group_only(client, world):
    client.force_login(world.group_leader)
    assert client.post(url(world.city_teacher), PLAN).status_code == 302  # in the group
    assert DevelopmentPlan.objects.filter(teacher=world.city_teacher).exists()
    assert client.post(url(world.teacher_b), PLAN).status_code == 404  # outside the group
    record = DevelopmentRecord.objects.create(
        teacher=world.city_teacher, kind="role", year=YEAR, title="教研组副组长"
    )
    client.post(url(world.city_teacher), {"action": "delete", "record": record.pk})
    assert not DevelopmentRecord.objects.filter(pk=record.pk).exists()


def test_offices_read_and_other_counties_see_nothing(client, world):
    DevelopmentPlan.objects.create(teacher=world.teacher_a, start_year=YEAR, end_year=YEAR + 1,
                                   goals="成为市级师资")  # fmt: skip
    client.force_login(world.county_a_admin)
    page = client.get(url(world.teacher_a)).content.decode()
    assert "成为市级师资" in page and 'name="action" value="plan"' not in page
    assert client.post(url(world.teacher_a), PLAN).status_code == 403
    client.force_login(world.county_b_admin)
    assert client.get(url(world.teacher_a)).status_code == 404
    assert client.post(url(world.teacher_a), PLAN).status_code == 404


def test_the_review_counts_further_study_where_the_quota_asks(world):
    quota(world.county_a, min_lessons=1, min_hours=Decimal("1"), min_further_study=1)
    lessons_for(world.teacher_a, world.org_a, world.course_a, 2)
    lifecycle.compute_reviews(world.county_a.code, YEAR, final=True)
    review = AnnualReview.objects.get(teacher=world.teacher_a, year=YEAR)
    assert (review.passed, review.further_study) == (False, 0)
    assert review.shortfalls == ["进修或高层次培训 0 次，少于 1 次"]
    DevelopmentRecord.objects.create(
        teacher=world.teacher_a, kind="title", year=YEAR, title="副教授"
    )  # fmt: skip  a title is not study
    DevelopmentRecord.objects.create(teacher=world.teacher_a, kind="advanced_training",
                                     year=YEAR - 1, title="去年的研修班")  # fmt: skip
    lifecycle.compute_reviews(world.county_a.code, YEAR, final=True)
    review.refresh_from_db()
    assert (review.passed, review.further_study) == (False, 0)
    DevelopmentRecord.objects.create(teacher=world.teacher_a, kind="advanced_training",
                                     year=YEAR, title="全国党员教育师资高级研修班")  # fmt: skip
    lifecycle.compute_reviews(world.county_a.code, YEAR, final=True)
    review.refresh_from_db()
    assert (review.passed, review.further_study, review.shortfalls) == (True, 1, [])
    progress = lifecycle.progress(world.teacher_a, YEAR)
    assert {"label": "进修或高层次培训", "value": 1, "target": 1}.items() <= next(
        row for row in progress["rows"] if row["label"] == "进修或高层次培训"
    ).items()


@pytest.mark.bulk_build
def test_the_demo_teacher_has_a_plan_on_their_career_panel(db, client, settings, tmp_path):
    from tests.test_demo import run

    settings.MEDIA_ROOT = tmp_path
    run("demo", "--scale", "county", "--seed", "7")
    run("demo_accounts", "--allow")
    from dangke.accounts.models import User

    teacher = User.objects.get(username="teacher").teacher_profile
    plan = DevelopmentPlan.objects.get(teacher=teacher)
    assert plan.target_role == "教研团队负责人"
    assert set(teacher.development_records.values_list("kind", flat=True)) == {
        "study", "advanced_training", "title", "role"}  # fmt: skip
    client.force_login(teacher.user)
    panel = client.get(reverse("faculty:career", args=[teacher.pk])).content.decode()
    assert "发展规划（青云梯）" in panel and plan.goals in panel
