"""Quotas, the annual review computed from data, and the 能者进、庸者退 rules on hand-made
teachers: each rule proposes with its figures, only the office's decision changes a status
(through change_status, audited), and county admins never reach another county."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangke.accounts.scoping import scope_for_user
from dangke.core.models import AuditEntry
from dangke.core.status import ProtectedStatusError
from dangke.delivery.models import Campaign, Lesson, LessonStatus
from dangke.evaluation import scores, services
from dangke.evaluation.models import RaterKind
from dangke.faculty import lifecycle
from dangke.faculty.models import (
    AnnualReview,
    LifecycleRule,
    ProposalKind,
    ProposalStatus,
    Quota,
    Teacher,
    TeacherLevel,
    TeacherStatus,
)
from tests.conftest import PASSWORD, make_teacher

YEAR = 2026
# These tests read "this year" and make lessons "days ago": they run late in YEAR.
pytestmark = pytest.mark.usefixtures("pinned_clock")


def lessons_for(teacher, org, course, count, *, year=YEAR, minutes=120, campaign=None, status=None):
    made = []
    for i in range(count):
        lesson = Lesson.objects.create(
            course=course, organization=org, duration_minutes=minutes, campaign=campaign,
            starts_at=datetime.datetime(year, 1, 10 + i, 2, tzinfo=datetime.UTC),
            status=status or LessonStatus.DELIVERED,
        )  # fmt: skip
        lesson.teachers.add(teacher)
        made.append(lesson)
    return made


def quota(region, level=TeacherLevel.COUNTY, year=YEAR, **targets):
    values = {"min_lessons": 6, "min_hours": Decimal("12"), "min_score": Decimal("80"),
              "min_responses": 5, "min_trainings": 0} | targets  # fmt: skip
    return Quota.objects.create(region=region, year=year, level=level, **values)


def rule(region, year=YEAR, **settings):
    return LifecycleRule.objects.create(region=region, year=year, **settings)


def scope(user):
    return scope_for_user(user)


# --- quotas and the annual review -------------------------------------------------------------


def test_nearest_region_quota_applies(world):
    city = quota(world.city, min_lessons=6)
    county = quota(world.county_a, min_lessons=8)
    assert lifecycle.quota_for(world.teacher_a, YEAR) == county
    assert lifecycle.quota_for(world.teacher_b, YEAR) == city  # county B set none
    assert lifecycle.quota_for(world.city_teacher, YEAR) is None  # no city-level quota


def test_set_quota_only_in_own_region_and_audited(world):
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.set_quota(
            scope=scope(world.county_b_admin), actor=world.county_b_admin, region=world.county_a,
            year=YEAR, level=TeacherLevel.COUNTY, min_lessons=5,
        )  # fmt: skip
    q = lifecycle.set_quota(
        scope=scope(world.county_a_admin), actor=world.county_a_admin, region=world.county_a,
        year=YEAR, level=TeacherLevel.COUNTY, min_lessons=5,
    )  # fmt: skip
    assert AuditEntry.objects.filter(object_id=str(q.pk), to_value__contains="场次≥5").exists()


def test_review_is_computed_from_lessons_hours_campaigns_and_score(world):
    quota(world.city, min_lessons=3, min_hours=Decimal("5"), min_score=Decimal("80"))
    day = datetime.date(YEAR, 1, 1)
    campaign = Campaign.objects.create(
        name="万堂示范课", region=world.county_a, starts_on=day, ends_on=day
    )
    lessons_for(world.teacher_a, world.org_a, world.course_a, 2, campaign=campaign)
    lessons_for(world.teacher_a, world.org_a, world.course_a, 1, minutes=90)
    lessons_for(world.teacher_a, world.org_a, world.course_a, 1, status=LessonStatus.CANCELLED)
    lessons_for(world.teacher_a, world.org_a, world.course_a, 2, year=YEAR - 1)
    counts = lifecycle.compute_reviews(world.city.code, YEAR, today=datetime.date(YEAR, 12, 1))
    assert counts["reviews"] == 3  # teacher_a, teacher_b, city_teacher
    review = AnnualReview.objects.get(teacher=world.teacher_a, year=YEAR)
    assert (review.lessons, review.hours, review.campaigns) == (3, Decimal("5.5"), 1)
    assert review.passed is True and review.is_final is False
    other = AnnualReview.objects.get(teacher=world.teacher_b, year=YEAR)
    assert other.passed is False
    assert other.shortfalls == ["授课 0 场，少于 3 场", "授课 0.0 小时，少于 5.0 小时"]
    # recomputing updates the same row, never a second one
    lifecycle.compute_reviews(world.city.code, YEAR, today=datetime.date(YEAR, 12, 1))
    assert AnnualReview.objects.filter(teacher=world.teacher_a, year=YEAR).count() == 1


def test_review_score_is_evaluations_own_with_n_and_interval(world):
    quota(world.county_a, min_lessons=1, min_hours=Decimal("1"), min_score=Decimal("90"),
          min_responses=5)  # fmt: skip
    lesson = Lesson.objects.create(
        course=world.course_a, organization=world.org_a, attendees_count=20,
        starts_at=timezone.now() - datetime.timedelta(hours=2), status=LessonStatus.DELIVERED,
    )  # fmt: skip
    lesson.teachers.add(world.teacher_a)
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    keys = ("depth", "practice", "timeliness", "interaction", "interest", "multimedia", "mastery")
    for value in (3, 3, 4, 3, 3, 4):
        services.submit_response(
            survey, role=RaterKind.TRAINEE, raw_answers={k: str(value) for k in keys},
            nonce=services.new_form_nonce(survey),
            now=survey.opens_at + datetime.timedelta(minutes=30),
        )  # fmt: skip
    expected = scores.teacher_year_results(world.teacher_a, YEAR)
    assert expected["score"] is not None
    lifecycle.compute_reviews(world.county_a.code, YEAR)
    review = AnnualReview.objects.get(teacher=world.teacher_a, year=YEAR)
    assert review.score == expected["score"]
    assert review.n_responses == expected["n_responses"] == 6
    assert [review.ci_low, review.ci_high] == (expected["ci95"] or [None, None])
    assert review.passed is False
    assert review.shortfalls[0].startswith(f"年度得分 {expected['score']}（6 份答卷），低于 90")


def test_too_few_responses_do_not_judge_the_score(world):
    q = quota(world.county_a, min_lessons=1, min_hours=Decimal("1"), min_responses=30)
    figures = {"lessons": 2, "hours": 3.0, "score": 40.0, "n_responses": 6, "trainings": 0}
    assert lifecycle.judge(figures, q).passed is True


def test_teacher_sees_own_progress_and_office_sees_who_is_behind(clock, world, client):
    quota(world.city, min_lessons=6, min_hours=Decimal("12"))
    lessons_for(world.teacher_a, world.org_a, world.course_a, 5)
    lessons_for(world.teacher_b, world.org_b, world.course_b, 1)
    client.login(username="teacher", password=PASSWORD)
    page = client.get(reverse("faculty:mine"), {"year": YEAR}).content.decode()
    assert "王红梅" in page and "5 / 6" in page
    assert "李建国" not in page
    client.login(username="city-admin", password=PASSWORD)
    client.post(reverse("faculty:review_compute"), {"year": YEAR})
    page = client.get(reverse("faculty:review"), {"year": YEAR, "show": "behind"}).content.decode()
    assert "李建国" in page  # one lesson by late in the year is behind
    county_a = client.get(reverse("faculty:review"), {"year": YEAR, "show": "all"})
    assert county_a.status_code == 200


def test_review_sheet_lists_the_figures_and_only_the_offices_teachers(world, client):
    quota(world.city, min_lessons=6, min_hours=Decimal("12"))
    lessons_for(world.teacher_a, world.org_a, world.course_a, 5)
    lessons_for(world.teacher_b, world.org_b, world.course_b, 1)
    lifecycle.compute_reviews(world.city.code, YEAR, final=True)

    client.login(username="city-admin", password=PASSWORD)
    response = client.get(reverse("faculty:review_export"), {"year": YEAR, "show": "all"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)
    }
    assert set(rows) == {"T-A-001", "T-B-001", "T-C-001"}
    wang = rows["T-A-001"]
    assert (wang["姓名"], wang["授课场次"], wang["场次指标"]) == ("王红梅", 5, 6)
    assert wang["授课时长(小时)"] == 10.0 and wang["时长指标(小时)"] == 12.0
    assert wang["结果"] == "未达标" and "少于 6 场" in wang["未达标项"]
    assert wang["年度已结束"] == "是"

    client.login(username="county-a", password=PASSWORD)
    response = client.get(reverse("faculty:review_export"), {"year": YEAR, "show": "all"})
    codes = [
        row[0]
        for row in load_workbook(BytesIO(response.content)).active.iter_rows(2, values_only=True)
    ]
    assert codes == ["T-A-001"]


def test_dashboard_card_counts_the_visible_reviews(world, client):
    quota(world.city, min_lessons=6, min_hours=Decimal("12"))
    lessons_for(world.teacher_a, world.org_a, world.course_a, 6)
    lessons_for(world.teacher_b, world.org_b, world.course_b, 1)
    lifecycle.compute_reviews(world.city.code, YEAR, final=True)

    def card(username):
        client.login(username=username, password=PASSWORD)
        html = client.get("/").content.decode()
        card = html[html.index('id="faculty-card"') :]
        return card[: card.index("</div></div></div>")]

    city = card("city-admin")
    assert 'data-figure="reviews">3<' in city
    assert 'data-figure="passed">1 <' in city and 'data-figure="failed">1<' in city
    assert reverse("faculty:review") in city
    county_a = card("county-a")
    assert 'data-figure="reviews">1<' in county_a and 'data-figure="passed">1 <' in county_a
    client.login(username="teacher", password=PASSWORD)  # their own 工作台 instead
    assert 'id="faculty-card"' not in client.get("/").content.decode()


def test_review_page_needs_an_administrator(world, client):
    client.login(username="teacher", password=PASSWORD)
    assert client.get(reverse("faculty:review")).status_code == 403
    client.login(username="liaison", password=PASSWORD)
    assert client.get(reverse("faculty:proposals")).status_code == 403


# --- rules and proposals ----------------------------------------------------------------------


def test_mid_year_warning_carries_rule_and_figures_and_waits_for_the_office(clock, world):
    quota(world.county_a, min_lessons=6, min_hours=Decimal("12"))
    r = rule(world.county_a, warn_from_month=7, warn_below_share=Decimal("0.5"))
    lessons_for(world.teacher_a, world.org_a, world.course_a, 1)
    early = lifecycle.propose_changes(r, today=datetime.date(YEAR, 6, 30))
    assert early == []  # before the warning month nothing is proposed
    made = lifecycle.propose_changes(r, actor=world.county_a_admin, today=datetime.date(YEAR, 9, 1))
    assert [(p.teacher, p.kind) for p in made] == [(world.teacher_a, ProposalKind.WARNING)]
    proposal = made[0]
    assert "7 月起授课进度低于应完成进度 50%" in proposal.rule_text
    assert proposal.evidence["lessons"] == 1 and proposal.evidence["quota"]["lessons"] == 6
    assert proposal.evidence["expected_lessons"] == pytest.approx(6 * 243 / 365, abs=0.1)
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.ACTIVE  # a proposal changes nothing
    # a second run does not propose the same thing twice
    assert lifecycle.propose_changes(r, today=datetime.date(YEAR, 9, 2)) == []
    lifecycle.decide_proposal(
        proposal, confirm=True, actor=world.county_a_admin, scope=scope(world.county_a_admin)
    )
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.WARNING
    entry = AuditEntry.objects.filter(
        content_type__model="teacher", object_id=str(world.teacher_a.pk), field="status"
    ).get()
    assert entry.to_value == "预警"
    assert entry.actor == world.county_a_admin and "年中预警" in entry.reason
    assert world.teacher_user.notifications.filter(message__contains="预警").exists()


def test_on_track_teacher_gets_no_warning(clock, world):
    quota(world.county_a, min_lessons=6, min_hours=Decimal("12"))
    r = rule(world.county_a)
    lessons_for(world.teacher_a, world.org_a, world.course_a, 4)
    assert lifecycle.propose_changes(r, today=datetime.date(YEAR, 9, 1)) == []


def test_failed_final_review_proposes_rectification_then_exit(world):
    quota(world.county_a, year=YEAR - 1, min_lessons=2, min_hours=Decimal("2"))
    quota(world.county_a, min_lessons=2, min_hours=Decimal("2"))
    r_last = rule(world.county_a, year=YEAR - 1, rectify_days=60, exit_after_failures=2)
    r_now = rule(world.county_a, rectify_days=60, exit_after_failures=2)
    lessons_for(world.teacher_a, world.org_a, world.course_a, 1, year=YEAR - 1)
    day = datetime.date(YEAR, 1, 5)
    made = lifecycle.propose_changes(r_last, actor=world.county_a_admin, today=day)
    assert [p.kind for p in made] == [ProposalKind.RECTIFY]
    rectify = made[0]
    assert rectify.deadline == day + datetime.timedelta(days=60)
    assert "授课 1 场，少于 2 场" in rectify.plan
    lifecycle.decide_proposal(
        rectify, confirm=True, actor=world.county_a_admin, scope=scope(world.county_a_admin)
    )
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.RECTIFYING
    # the next year fails again: the second failure in a row proposes exit
    made = lifecycle.propose_changes(r_now, actor=world.county_a_admin,
                                     today=datetime.date(YEAR + 1, 1, 5))  # fmt: skip
    assert [p.kind for p in made] == [ProposalKind.EXIT]
    assert made[0].evidence["consecutive_failures"] == 2
    assert "连续 2 年年度考核未达标" in made[0].rule_text
    lifecycle.decide_proposal(
        made[0], confirm=True, actor=world.county_a_admin, scope=scope(world.county_a_admin),
        note="同意退出",
    )  # fmt: skip
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.EXITED
    history = list(
        AuditEntry.objects.filter(
            content_type__model="teacher", object_id=str(world.teacher_a.pk), field="status"
        )
        .order_by("at", "id")
        .values_list("to_value", flat=True)
    )
    assert history == ["整改", "退出"]


def test_candidate_is_admitted_after_trial_and_approval(world):
    candidate = make_teacher("T-A-009", "陈晓", world.county_a, status=TeacherStatus.CANDIDATE)
    r = rule(world.county_a, trial_min_score=Decimal("75"))
    admin = world.county_a_admin
    with pytest.raises(PermissionDenied):
        lifecycle.record_trial(
            candidate, scope=scope(world.county_b_admin), actor=admin,
            held_on=datetime.date(YEAR, 3, 1), topic="x", score=Decimal("90"),
        )  # fmt: skip
    lifecycle.record_trial(
        candidate, scope=scope(admin), actor=admin, held_on=datetime.date(YEAR, 3, 1),
        topic="乡村振兴", score=Decimal("70"),
    )  # fmt: skip
    assert lifecycle.propose_admissions(r) == []
    lifecycle.record_trial(
        candidate, scope=scope(admin), actor=admin, held_on=datetime.date(YEAR, 4, 1),
        topic="乡村振兴", score=Decimal("82"),
    )  # fmt: skip
    made = lifecycle.propose_admissions(r, actor=admin)
    assert [p.kind for p in made] == [ProposalKind.ADMIT]
    assert made[0].evidence["trial"]["score"] == 82.0
    lifecycle.decide_proposal(made[0], confirm=True, actor=admin, scope=scope(admin))
    candidate.refresh_from_db()
    assert candidate.status == TeacherStatus.ACTIVE and candidate.joined_on is not None


def test_rejection_needs_a_note_and_changes_nothing(world):
    quota(world.county_a)
    r = rule(world.county_a)
    (proposal,) = lifecycle.propose_changes(r, today=datetime.date(YEAR, 9, 1))
    admin = world.county_a_admin
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.decide_proposal(proposal, confirm=False, actor=admin, scope=scope(admin))
    lifecycle.decide_proposal(proposal, confirm=False, actor=admin, scope=scope(admin),
                              note="病假期间，不予预警")  # fmt: skip
    proposal.refresh_from_db()
    world.teacher_a.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert world.teacher_a.status == TeacherStatus.ACTIVE
    with pytest.raises(lifecycle.LifecycleError):  # decided once only
        lifecycle.decide_proposal(proposal, confirm=True, actor=admin, scope=scope(admin))


def test_no_status_changes_without_the_service(world):
    teacher = Teacher.objects.get(pk=world.teacher_a.pk)
    teacher.status = TeacherStatus.EXITED
    with pytest.raises(ProtectedStatusError):
        teacher.save()
    quota(world.county_a)
    (proposal,) = lifecycle.propose_changes(rule(world.county_a), today=datetime.date(YEAR, 9, 1))
    proposal.status = ProposalStatus.CONFIRMED
    with pytest.raises(ProtectedStatusError):
        proposal.save()


def test_other_county_admin_cannot_decide_or_see(world, client):
    quota(world.county_a)
    (proposal,) = lifecycle.propose_changes(rule(world.county_a), today=datetime.date(YEAR, 9, 1))
    with pytest.raises(PermissionDenied):
        lifecycle.decide_proposal(proposal, confirm=True, actor=world.county_b_admin,
                                  scope=scope(world.county_b_admin))  # fmt: skip
    client.login(username="county-b", password=PASSWORD)
    url = reverse("faculty:proposal_decide", args=[proposal.pk])
    assert client.post(url, {"decision": "confirm"}).status_code == 404
    assert "王红梅" not in client.get(reverse("faculty:proposals")).content.decode()
    client.login(username="county-a", password=PASSWORD)
    response = client.post(url, {"decision": "confirm", "note": "同意"})
    assert response.status_code == 302
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.WARNING


def test_pool_page_shows_gaps_and_candidates(world, client):
    from dangke.delivery.models import CourseOrder

    quota(world.city, min_lessons=2)
    for _ in range(5):  # five orders of the policy category in county B: needs 3 teachers
        CourseOrder.objects.create(organization=world.org_b, category="policy")
    candidate = make_teacher("T-B-009", "赵敏", world.county_b, status=TeacherStatus.CANDIDATE)
    candidate.specialties.create(category="policy")
    gaps = lifecycle.pool_gaps(world.city.code, YEAR)
    county_b = next(row for row in gaps["rows"] if row["county"] == world.county_b)
    cell = next(c for c in county_b["cells"] if c["category"] == "形势政策")
    assert (cell["orders"], cell["need"], cell["have"], cell["gap"]) == (5, 3, 0, 3)
    listed = gaps["candidates"][0]
    assert listed == candidate and listed.fills == ["形势政策"]
    client.login(username="city-admin", password=PASSWORD)
    page = client.get(reverse("faculty:pool")).content.decode()
    assert "赵敏" in page and "−3" in page


def test_profile_page_shows_career_and_status_history(world, client, django_assert_max_num_queries):
    quota(world.county_a)
    lessons_for(world.teacher_a, world.org_a, world.course_a, 2)
    client.login(username="county-a", password=PASSWORD)
    page = client.get(reverse("faculty:detail", args=[world.teacher_a.pk])).content.decode()
    career_url = reverse("faculty:career", args=[world.teacher_a.pk])
    assert f'hx-get="{career_url}"' in page and "变更记录" in page
    with django_assert_max_num_queries(14):
        part = client.get(career_url).content.decode()
    assert "履职概览" in part and "career-data" in part and "理论教育 2" in part
    assert f"{YEAR} 年度考核进度" in part and "2 / 6" in part
    client.login(username="county-b", password=PASSWORD)
    assert client.get(career_url).status_code == 404
