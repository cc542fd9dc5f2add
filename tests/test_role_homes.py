"""Each role's 工作台 (DESIGN §2a), its navigation, and the error pages: the judge's blind
sheets with deadlines, the group's teachers with scores and review, the organiser's classes
and today's surveys; entries a role cannot use are not in its menu; 404/403/500 pages in
the app's style with a way back, DEBUG on or off."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.contests.models import JudgeAssignment
from dangke.core.numbers import grouped
from dangke.evaluation.services import open_class_survey
from dangke.faculty.models import AnnualReview, Quota, TeacherLevel
from dangke.training import services as training
from dangke.training.models import ClassStatus
from tests.test_contests import advance, setup  # noqa: F401  (the contest fixture)


def html(client, url="/"):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def nav_labels(page: str) -> list[str]:
    import re

    menu = page.split('<ul class="navbar-nav me-auto">')[1].split("</ul>")[0]
    return [label.strip() for label in re.findall(r"</i> ([^<]+)</a>", menu)]


def test_the_judge_lands_on_their_sheets_blind_with_the_rounds_deadline(setup, client):  # noqa: F811
    judge = setup.contest.judges.filter(kind="expert").order_by("pk").first()
    judge.user = setup.judge
    judge.save(update_fields=["user"])
    setup.contest.first_round_ends = datetime.date(2026, 9, 15)
    setup.contest.save(update_fields=["first_round_ends"])
    advance(setup)
    advance(setup)  # the first round is open and assigned
    rows = list(JudgeAssignment.objects.filter(judge=judge).select_related("entry__course"))
    assert rows
    client.force_login(setup.judge)
    page = html(client)
    assert "我的评审任务" in page and setup.contest.name in page
    assert f"已评 0/{len(rows)}" in page and "截止 2026年9月15日" in page
    for row in rows:
        assert row.entry.code in page
        assert reverse("contests:judge_sheet", args=[judge.key, row.pk]) in page
    for word in ("王红梅", "李建国", "市中区委党校"):  # never the entrant
        assert word not in page
    assert nav_labels(page) == ["工作台", "擂台赛"]


def test_a_judge_without_a_contest_is_told_what_will_come(world, client):
    client.force_login(world.judge)
    page = html(client)
    assert "您目前不是任何擂台赛的评委" in page


def test_the_group_leader_sees_the_groups_teachers_with_score_n_interval_and_review(world, client):
    year = timezone.localdate().year
    quota = Quota.objects.create(
        region=world.city, year=year, level=TeacherLevel.CITY, min_lessons=8
    )
    common = {"region": world.city, "level": TeacherLevel.CITY, "computed_at": timezone.now()}
    AnnualReview.objects.create(
        teacher=world.city_teacher, year=year, quota=quota, lessons=6, score=86.4, ci_low=83.1,
        ci_high=89.7, n_responses=1234, passed=False, shortfalls=["授课场次差 2 场"], **common,
    )  # fmt: skip
    AnnualReview.objects.create(teacher=world.city_teacher, year=year - 1, score=82.0, **common)
    # a teacher outside the group, with a review the leader must not see
    AnnualReview.objects.create(teacher=world.teacher_b, year=year, score=55.5, **common)
    client.force_login(world.group_leader)
    page = html(client)
    assert world.group.name in page and world.city_teacher.name in page
    assert "86.4" in page and "（83.1–89.7）" in page and "1,234" in page
    assert "↑ 4.4" in page and "6/8" in page and "未达标" in page
    assert world.teacher_b.name not in page and "55.5" not in page
    labels = nav_labels(page)
    assert "师资库" in labels and "擂台赛" in labels
    assert "大喇叭" not in labels and "点单与排课" not in labels and "党员学时" not in labels


def test_the_organiser_sees_this_terms_classes_demand_and_todays_surveys(world, client):
    scope = scope_for_user(world.organiser)
    today = timezone.localdate()
    klass = training.create_class(
        scope=scope, actor=world.organiser, region=world.city, title="基层书记示范培训班",
        starts_on=today, ends_on=today + datetime.timedelta(days=2),
    )  # fmt: skip
    module = training.add_module(
        klass, scope=scope, actor=world.organiser, topic="乡村振兴政策解读", capacity=40
    )
    training.enroll(klass, scope=scope, actor=world.organiser, teacher=world.teacher_a)
    survey = open_class_survey(klass, actor=world.organiser)
    long_ago = today - datetime.timedelta(days=800)
    finished = training.create_class(
        scope=scope, actor=world.organiser, region=world.city, title="两年前的班",
        starts_on=long_ago, ends_on=long_ago + datetime.timedelta(days=2),
    )  # fmt: skip
    type(finished).objects.filter(pk=finished.pk).update(status=ClassStatus.COMPLETED)
    client.force_login(world.organiser)
    page = html(client)
    assert klass.title in page and module.topic in page and "报名 1 人" in page
    assert finished.title not in page
    assert reverse("evaluation:survey_poster", args=[survey.pk]) in page
    assert reverse("evaluation:survey_slide", args=[survey.pk]) in page
    labels = nav_labels(page)
    assert {"培训", "教学评估"} <= set(labels)
    assert "大喇叭" not in labels and "数据导入" not in labels


def test_the_office_and_the_teacher_keep_their_pages_and_menus(world, client):
    client.force_login(world.city_admin)
    office = html(client)
    assert 'id="year-figures"' in office and "大喇叭" in nav_labels(office)
    client.force_login(world.teacher_user)
    assert 'id="my-progress"' in html(client)


@pytest.mark.parametrize("debug", [True, False])
def test_a_missing_page_is_the_apps_404_with_a_way_back(world, client, settings, debug):
    settings.DEBUG = debug
    client.force_login(world.county_a_admin)
    for url in ("/no-such-page/", f"/faculty/{world.teacher_b.pk}/"):
        response = client.get(url, headers={"referer": "http://testserver/courses/"})
        assert response.status_code == 404
        text = response.content.decode()
        assert "没有找到这个页面" in text and 'href="/"' in text and "回到工作台" in text
        assert 'href="http://testserver/courses/"' in text  # 返回上一页
        assert "Django" not in text and world.teacher_b.name not in text
    assert client.get("/faculty").status_code == 301  # APPEND_SLASH still redirects


def test_a_refusal_is_the_apps_403_and_says_why(world, client):
    client.force_login(world.liaison)
    response = client.post("/training/", {"title": "x"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "您没有进行这项操作的权限" in text and "只有区划管理员或培训主办方可以举办培训班" in text


def test_the_500_page_renders_without_a_request():
    from django.test import RequestFactory

    from dangke.core.errors import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "系统出了点问题" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "shown"),
    [(47000, "47,000"), (1234.56, "1,234.6"), ("4583", "4,583"), (-1200, "-1,200"), (7, "7")],
)
def test_figures_are_grouped_by_thousands(value, shown):
    assert grouped(value) == shown


def test_the_thousands_filter_passes_what_is_not_a_figure():
    from dangke.core.templatetags.dangke_numbers import thousands

    assert thousands(None) is None and thousands("—") == "—" and thousands(12345, 1) == "12,345.0"


def test_the_group_home_costs_the_same_for_thirty_more_teachers(
    world, client, django_assert_max_num_queries
):
    from tests.conftest import make_teacher

    year = timezone.localdate().year
    common = {"region": world.city, "level": TeacherLevel.CITY, "computed_at": timezone.now()}
    for number in range(30):
        teacher = make_teacher(f"T-G-{number:03}", f"组员{number}", world.city)
        teacher.groups.add(world.group)
        AnnualReview.objects.create(teacher=teacher, year=year, score=80 + number / 10, **common)
    client.force_login(world.group_leader)
    with django_assert_max_num_queries(20):
        page = html(client)
    assert "组员29" in page and "82.9" in page
