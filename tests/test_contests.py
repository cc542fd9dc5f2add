"""The top-ten contest on a real database: stages and their audit, the assignment rules
with the sentences that say why, manual edits, blind judge pages, scores and ranking with
agreement, the Excel export, objections, promotion into the excellent library with
certificates, scoping and figures."""

import datetime
import random
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from dangke.accounts.scoping import scope_for_user
from dangke.contests import services
from dangke.contests.models import (
    Contest,
    ContestAward,
    ContestEntry,
    Judge,
    JudgeAssignment,
    JudgeKind,
    JudgeScore,
    Round,
    Stage,
)
from dangke.contests.results import round_result, rubric
from dangke.core.models import AuditEntry, Notification
from dangke.core.status import ProtectedStatusError
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseStatus, ExcellentDesignation
from dangke.faculty.models import TeachingGroup
from tests import samplefiles
from tests.conftest import PASSWORD, make_teacher

YEAR = 2026


@pytest.fixture
def setup(world):
    """Six listed courses: three of group 1 in county A, three of group 2 in county B (the
    world's two courses among them); four experts and two peer teachers judge, k = 3."""
    world.group2 = TeachingGroup.objects.create(name="第二教研组", region=world.city)
    world.course_a.teaching_group = world.group
    world.course_a.save(update_fields=["teaching_group"])
    world.course_b.teaching_group = world.group2
    world.course_b.save(update_fields=["teaching_group"])
    world.teacher_a.groups.add(world.group)
    world.teacher_b.groups.add(world.group2)
    courses = [world.course_a, world.course_b]
    for i in range(4):
        county = world.county_a if i % 2 == 0 else world.county_b
        group = world.group if i % 2 == 0 else world.group2
        teacher = make_teacher(f"T-X-{i}", f"参赛教师{i}", county, employer=f"单位{i}")
        teacher.groups.add(group)
        course = Course.objects.create(
            code=f"C-X-{i}", title=f"课程{i}", category=CourseCategory.THEORY, region=county,
            status=CourseStatus.LISTED, teaching_group=group,
        )  # fmt: skip
        course.teachers.add(teacher)
        courses.append(course)
    contest = services.create_contest(
        world.city, YEAR, actor=world.city_admin, judges_per_entry=3, finalists=4, winners=2
    )
    rng = random.Random(1)  # blind codes (and so the solver's tie-breaking) fixed
    for course in courses:
        services.register_entry(contest, course, actor=world.city_admin, rng=rng)
    for name in ("专家甲", "专家乙", "专家丙", "专家丁"):
        services.add_judge(contest, actor=world.city_admin, name=name)
    services.add_judge(
        contest, actor=world.city_admin, kind=JudgeKind.PEER, teacher=world.teacher_a
    )
    services.add_judge(
        contest, actor=world.city_admin, kind=JudgeKind.PEER, teacher=world.teacher_b
    )
    world.contest = contest
    world.courses = courses
    return world


def advance(world, **kwargs):
    world.contest = services.advance_stage(world.contest, actor=world.city_admin, **kwargs)
    return world.contest


def score_round(contest, round_, value_of):
    keys = [leaf.key for leaf in rubric(contest)]
    for assignment in JudgeAssignment.objects.filter(entry__contest=contest, round=round_):
        value = value_of(assignment)
        services.submit_sheet(assignment, {f"i_{key}": str(value) for key in keys})


QUALITY = {"C-A-001": 5, "C-B-001": 4, "C-X-0": 4, "C-X-1": 3, "C-X-2": 3, "C-X-3": 2}


def quality(assignment):
    """Every judge gives every leaf the course's mark: 王红梅's course_a is best."""
    return QUALITY[assignment.entry.course.code]


def run_to_notice(world, today=None):
    advance(world)
    advance(world)
    score_round(world.contest, Round.FIRST, quality)
    advance(world)
    score_round(world.contest, Round.FINAL, quality)
    return advance(world, today=today)


def test_stages_move_one_step_through_services_and_are_audited(setup):
    contest = setup.contest
    contest.status = Stage.FINAL
    with pytest.raises(ProtectedStatusError):
        contest.save()
    contest = Contest.objects.get(pk=contest.pk)
    assert contest.library_year == YEAR + 1 and contest.exclude_same_county
    advance(setup, reason="报名截止")
    with pytest.raises(services.ContestError, match="报名只能在「报名」阶段进行"):
        services.register_entry(setup.contest, setup.course_a, actor=setup.city_admin)
    advance(setup)
    entries = AuditEntry.objects.filter(object_id=str(contest.pk), action=AuditEntry.Action.STATUS)
    assert [(e.from_value, e.to_value) for e in entries.order_by("id")] == [
        ("报名", "备课"),
        ("备课", "初赛"),
    ]
    assert entries.order_by("id").first().reason == "报名截止"
    with pytest.raises(services.ContestError, match="初赛评分尚未完成（0/18 份）"):
        advance(setup)
    with pytest.raises(services.ContestError, match="增加评委只能在「报名、备课」阶段进行"):
        services.add_judge(setup.contest, actor=setup.city_admin, name="迟到的专家")
    assert setup.contest.system.__class__.objects.get(pk=setup.contest.system_id).is_locked


def test_first_round_assignment_keeps_every_rule(setup):
    advance(setup)
    result = services.assign_first_round(setup.contest, actor=setup.city_admin)
    assert (result.lo, result.hi) == (3, 3)
    assert services.assignment_problems(setup.contest) == []
    for row in JudgeAssignment.objects.filter(entry__contest=setup.contest).select_related(
        "judge", "entry"
    ):
        if row.judge.teacher_id:
            entry_teachers = set(row.entry.teachers.values_list("pk", flat=True))
            assert row.judge.teacher_id not in entry_teachers
            assert row.entry.teaching_group not in row.judge.groups.all()
            assert all(t.region_id != row.judge.home_region_id for t in row.entry.teachers.all())


def test_impossible_assignment_names_the_group(setup):
    # Every judge now sits in 第一教研组: its three entries have nobody to review them.
    for judge in setup.contest.judges.all():
        judge.groups.set([setup.group])
    with pytest.raises(services.ContestError) as caught:
        services.assign_first_round(setup.contest, actor=setup.city_admin)
    assert caught.value.messages[0].startswith("第一教研组之外的评委不足：3 件作品需要 9 人次评审")


def test_same_county_sentence_names_the_county(setup):
    for judge in setup.contest.judges.filter(kind=JudgeKind.EXPERT):
        judge.home_region = setup.county_b
        judge.save(update_fields=["home_region"])
    with pytest.raises(services.ContestError) as caught:
        services.assign_first_round(setup.contest, actor=setup.city_admin)
    assert any(m.startswith("犍为县之外的评委不足") for m in caught.value.messages)


def test_declared_conflict_and_manual_edits_are_rechecked(setup):
    advance(setup)
    services.assign_first_round(setup.contest, actor=setup.city_admin)
    entry_a = ContestEntry.objects.get(contest=setup.contest, course=setup.course_a)
    peer_a = setup.contest.judges.get(teacher=setup.teacher_a)
    row = JudgeAssignment.objects.filter(entry=entry_a).exclude(judge=peer_a).first()
    with pytest.raises(services.ContestError) as caught:
        services.replace_judge(row, peer_a, actor=setup.city_admin)
    assert any("本人参赛作品" in m for m in caught.value.messages)
    row.refresh_from_db()
    assert not row.manual  # nothing saved
    # Handing entry A to an expert who lacks it: one of that expert's entries goes back the
    # other way, so the loads stay balanced, and a new automatic run keeps the hand edit.
    free = setup.contest.judges.filter(kind=JudgeKind.EXPERT).exclude(
        pk__in=JudgeAssignment.objects.filter(entry=entry_a).values("judge_id")
    )
    new_judge = free.first()
    old_judge = row.judge
    swapped = services.replace_judge(row, new_judge, actor=setup.city_admin)
    assert swapped is not None and swapped.judge == old_judge
    assert services.assignment_problems(setup.contest) == []
    services.assign_first_round(setup.contest, actor=setup.city_admin)
    assert JudgeAssignment.objects.filter(entry=entry_a, judge=new_judge, manual=True).exists()
    assert services.assignment_problems(setup.contest) == []
    # A declared conflict hands the entry to another judge the rules allow.
    moved_to = services.declare_conflict(
        new_judge, entry_a, actor=setup.city_admin, reason="师生关系"
    )
    assert not JudgeAssignment.objects.filter(entry=entry_a, judge=new_judge).exists()
    assert JudgeAssignment.objects.filter(entry=entry_a, judge=moved_to).exists()
    assert services.assignment_problems(setup.contest) == []
    assert AuditEntry.objects.filter(field="conflicts", reason="师生关系").exists()


def test_judge_pages_never_show_the_entrant(setup, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    setup.teacher_a.employer = "市中区委党校"
    setup.teacher_a.save(update_fields=["employer"])
    advance(setup)
    entry_a = ContestEntry.objects.get(contest=setup.contest, course=setup.course_a)
    upload = SimpleUploadedFile("王红梅-参赛课件.pdf", samplefiles.PDF, "application/pdf")
    services.update_materials(entry_a, actor=setup.teacher_user, courseware=upload)
    assert entry_a.courseware.name == f"contests/{setup.contest.pk}/{entry_a.code}-courseware.pdf"
    advance(setup)
    judges = setup.contest.judges.filter(assignments__entry=entry_a).distinct()
    assert judges
    forbidden = ["王红梅", "市中区委党校", "市中区", "张公桥"]
    for judge in judges:
        home = client.get(reverse("contests:judge_home", args=[judge.key]))
        row = JudgeAssignment.objects.get(judge=judge, entry=entry_a)
        sheet = client.get(reverse("contests:judge_sheet", args=[judge.key, row.pk]))
        for response in (home, sheet):
            assert response.status_code == 200
            text = response.content.decode()
            assert entry_a.code in text
            for word in forbidden:
                assert word not in text, word
        row = JudgeAssignment.objects.get(judge=judge, entry=entry_a)
        download = client.get(
            reverse("contests:judge_material", args=[judge.key, row.pk, "courseware"])
        )
        disposition = download.headers["Content-Disposition"]
        assert entry_a.code in disposition and "%E7%8E%8B" not in disposition  # 王
        assert b"".join(download.streaming_content) == samplefiles.PDF
    # A judge cannot open another judge's task.
    stranger = setup.contest.judges.exclude(pk__in=judges).first()
    row = JudgeAssignment.objects.filter(entry=entry_a).first()
    response = client.get(reverse("contests:judge_sheet", args=[stranger.key, row.pk]))
    assert response.status_code == 404


def test_a_renamed_or_oversized_material_is_refused_and_the_entry_kept(
    setup, client, settings, tmp_path
):
    from django.contrib.messages import get_messages
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    settings.COURSEWARE_MAX_BYTES = 1048576
    entry = ContestEntry.objects.get(contest=setup.contest, course=setup.course_a)
    pdf = SimpleUploadedFile("课件.pdf", samplefiles.PDF, "application/pdf")
    services.update_materials(entry, actor=setup.teacher_user, courseware=pdf, outline="提纲")
    audits = AuditEntry.objects.count()

    renamed = SimpleUploadedFile("录像.mp4", b"MZ\x90\x00 not a video at all", "video/mp4")
    with pytest.raises(services.ContestError) as refused:
        services.update_materials(entry, actor=setup.teacher_user, recording=renamed)
    assert refused.value.messages == [
        "授课录像：文件内容与扩展名「.mp4」不符（可能改过扩展名或已损坏），请上传原始文件"
    ]
    big = SimpleUploadedFile("新课件.pdf", samplefiles.PDF + b"x" * 1572864, "application/pdf")
    wav = SimpleUploadedFile("录像.wav", samplefiles.wav())
    with pytest.raises(services.ContestError) as refused:
        services.update_materials(
            entry, actor=setup.teacher_user, courseware=big, recording=wav, outline="新提纲"
        )
    assert refused.value.messages == ["参赛课件：文件太大（1.5 MB），上限为 1 MB"]

    client.force_login(setup.city_admin)  # the page shows why and stores nothing either
    response = client.post(
        reverse("contests:entry", args=[setup.contest.pk, entry.pk]),
        {"recording": SimpleUploadedFile("录像.mov", b"just text"), "outline": "新提纲"},
    )
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert shown == [
        "授课录像：文件内容与扩展名「.mov」不符（可能改过扩展名或已损坏），请上传原始文件"
    ]
    entry.refresh_from_db()
    assert entry.courseware.name.endswith("-courseware.pdf") and entry.outline == "提纲"
    assert not entry.recording
    assert AuditEntry.objects.count() == audits
    assert [p.name for p in (tmp_path / "contests" / str(setup.contest.pk)).iterdir()] == [
        f"{entry.code}-courseware.pdf"
    ]


def test_phone_sheet_submits_and_corrects(setup, client):
    advance(setup)
    advance(setup)
    row = JudgeAssignment.objects.filter(entry__contest=setup.contest).first()
    url = reverse("contests:judge_sheet", args=[row.judge.key, row.pk])
    keys = [leaf.key for leaf in rubric(setup.contest)]
    response = client.post(url, {f"i_{keys[0]}": "5"})
    assert "请为" in response.content.decode()
    assert not JudgeScore.objects.exists()
    response = client.post(url, {f"i_{key}": "5" for key in keys})
    assert response.status_code == 302
    assert JudgeScore.objects.get().score == 100.0
    client.post(url, {f"i_{key}": "3" for key in keys})
    assert JudgeScore.objects.get().score == 50.0


def test_a_judges_sheets_are_voided_with_a_reason_while_the_round_is_open(setup, client):
    advance(setup)
    advance(setup)
    score_round(setup.contest, Round.FIRST, quality)
    judge = setup.contest.judges.get(name="专家甲")
    mine = JudgeScore.objects.filter(assignment__judge=judge, assignment__round=Round.FIRST)
    scored, total = mine.count(), JudgeScore.objects.count()
    assert scored > 0
    void_url = reverse("contests:void_sheets", args=[setup.contest.pk, judge.pk])

    client.login(username="county-a", password=PASSWORD)  # not the contest's office
    assert client.post(void_url, {"round": "first", "reason": "回避"}).status_code in (403, 404)
    client.login(username="city-admin", password=PASSWORD)
    ranking = client.get(reverse("contests:ranking", args=[setup.contest.pk])).content.decode()
    assert f'data-void-judge="{judge.pk}"' in ranking
    client.post(void_url, {"round": "first", "reason": " "})  # a reason is required
    assert mine.count() == scored
    client.post(void_url, {"round": "first", "reason": "与参赛教师同一单位，应回避"})
    assert mine.count() == 0 and JudgeScore.objects.count() == total - scored
    audit = AuditEntry.objects.get(field="judge_sheets")
    assert audit.reason == "与参赛教师同一单位，应回避" and audit.from_value.startswith("专家甲：")
    assert not round_result(setup.contest, Round.FIRST).complete
    # the judge may score again while the round is open; afterwards nothing can be voided
    score_round(setup.contest, Round.FIRST, quality)
    assert mine.count() == scored
    advance(setup)
    with pytest.raises(services.ContestError, match="只能在"):
        services.void_judge_sheets(
            setup.contest, judge, Round.FIRST, actor=setup.city_admin, reason="迟了"
        )
    assert mine.count() == scored


def test_ranking_agreement_export_and_chair_choice(setup, client):
    advance(setup)
    advance(setup)
    score_round(setup.contest, Round.FIRST, quality)
    result = round_result(setup.contest, Round.FIRST)
    assert result.complete and result.agreement["overall"]["design"] == "incomplete"
    assert result.rows[0]["entry_obj"].course == setup.course_a
    client.login(username="city-admin", password=PASSWORD)
    page = client.get(reverse("contests:ranking", args=[setup.contest.pk]))
    text = page.content.decode()
    assert "ICC(1,k)" in text and "王红梅" in text
    response = client.get(
        reverse("contests:ranking_export", args=[setup.contest.pk]) + "?round=first&basis=raw"
    )
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("名次", "匿名编号", "课程")
    assert rows[1][0] == 1 and rows[1][2] == setup.course_a.title and len(rows) == 7
    client.post(reverse("contests:ranking", args=[setup.contest.pk]), {"basis": "raw"})
    setup.contest.refresh_from_db()
    assert setup.contest.score_basis == "raw"
    assert AuditEntry.objects.filter(field="score_basis", to_value="原始分").exists()
    # Teachers and other counties do not see scores.
    client.login(username="teacher", password=PASSWORD)
    assert client.get(reverse("contests:ranking", args=[setup.contest.pk])).status_code == 403


def test_final_notice_objection_and_promotion(setup, client):
    today = datetime.date(YEAR, 11, 1)
    contest = run_to_notice(setup, today=today)
    assert contest.status == Stage.NOTICE
    assert contest.notice_ends == today + datetime.timedelta(days=7)
    finalists = ContestEntry.objects.filter(contest=contest, finalist=True)
    assert finalists.count() == 4
    final = round_result(contest, Round.FINAL)
    assert final.agreement["overall"]["design"] == "complete"
    top = contest.ranking[0]
    assert top["course"] == setup.course_a.title and top["round"] == "final"
    # An objection upheld against the first place takes it out of the awards.
    entry = ContestEntry.objects.get(pk=top["entry"])
    objection = services.raise_objection(
        contest, body="课件与往年作品雷同", entry=entry, user=setup.teacher_user, today=today
    )
    with pytest.raises(services.ContestError, match="公示期至"):
        services.promote(contest, actor=setup.city_admin, today=today)
    later = today + datetime.timedelta(days=8)
    with pytest.raises(services.ContestError, match="还有未处理的异议"):
        services.promote(contest, actor=setup.city_admin, today=later)
    services.decide_objection(objection, upheld=True, answer="经核实属实", actor=setup.city_admin)
    with pytest.raises(services.ContestError, match="不在公示异议期内"):
        services.raise_objection(contest, body="晚了", today=later)
    assert services.promote_due_contests(today=today) == []
    done = services.promote_due_contests(today=later, actor=setup.city_admin)
    contest.refresh_from_db()
    assert done == [contest] and contest.status == Stage.RESULT
    awards = list(ContestAward.objects.filter(contest=contest).order_by("rank"))
    assert [a.rank for a in awards] == [1, 2]
    assert entry.pk not in {a.entry_id for a in awards}
    assert awards[0].entry_id == contest.ranking[1]["entry"]
    designations = ExcellentDesignation.objects.filter(year=YEAR + 1)
    assert set(designations.values_list("course_id", flat=True)) == {
        a.entry.course_id for a in awards
    }
    # Certificates: a PDF, seen by the office and by the course's teacher only.
    client.login(username="city-admin", password=PASSWORD)
    pdf = client.get(reverse("contests:certificate", args=[awards[0].pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.login(username="county-a", password=PASSWORD)
    county_b_award = next(a for a in awards if a.entry.course.region_id == "511123")
    assert client.get(reverse("contests:certificate", args=[county_b_award.pk])).status_code == 404


def test_contest_tick_command_promotes_when_due(setup):
    run_to_notice(setup, today=datetime.date(2020, 1, 1))
    out = StringIO()
    call_command("contest_tick", stdout=out)
    assert "2 门课程纳入精品课程库" in out.getvalue()
    setup.contest.refresh_from_db()
    assert setup.contest.status == Stage.RESULT
    teacher_users = {
        n.user_id for n in Notification.objects.filter(message__contains="纳入2027年度精品课程库")
    }
    award_teachers = {
        t.user_id for a in ContestAward.objects.all() for t in a.entry.teachers.all() if t.user_id
    }
    assert teacher_users == award_teachers


def test_teacher_page_line_names_the_award(setup):
    from django.template import Context, Template

    run_to_notice(setup, today=datetime.date(2020, 1, 1))
    services.promote_due_contests()
    award = ContestAward.objects.order_by("rank").first()
    teacher = award.entry.teachers.first()
    html = Template("{% load contests %}{% contest_awards teacher %}").render(
        Context({"teacher": teacher})
    )
    assert award.entry.course.title in html and f"第{award.rank}名" in html
    # The teacher's page shows it, and the annual review counts it among the year's results.
    from dangke.faculty.lifecycle import contest_results_hook

    year = award.contest.year
    results = contest_results_hook([teacher.pk], year)
    assert results[teacher.pk] == [
        {"contest": award.contest.name, "entry": award.entry.course.title,
         "rank": award.rank, "award": f"十佳课程（第{award.rank}名）"}
    ]  # fmt: skip
    assert contest_results_hook([teacher.pk], year + 5) == {}


def test_scoping_of_contests_and_judges(setup, client):
    advance(setup)
    advance(setup)
    county = services.create_contest(setup.county_a, YEAR, actor=setup.county_a_admin)
    assert not county.exclude_same_county  # a county's own contest: everyone is from it
    for user, expected in (
        (setup.city_admin, {setup.contest.pk, county.pk}),
        (setup.county_a_admin, {county.pk}),
        (setup.county_b_admin, set()),
        (setup.teacher_user, {setup.contest.pk}),  # an entrant sees the contest
    ):
        seen = set(Contest.objects.visible_to(scope_for_user(user)).values_list("pk", flat=True))
        assert seen == expected, user
    client.login(username="county-b", password=PASSWORD)
    assert client.get(reverse("contests:detail", args=[setup.contest.pk])).status_code == 404
    # The teacher sees their own entry only, without the judges or the scores.
    client.login(username="teacher", password=PASSWORD)
    page = client.get(reverse("contests:detail", args=[setup.contest.pk])).content.decode()
    assert setup.course_a.title in page and setup.course_b.title not in page
    assert "专家甲" not in page
    # A judge's account sees its own assignments and nothing else.
    judge = setup.contest.judges.filter(kind=JudgeKind.EXPERT).first()
    judge.user = setup.judge
    judge.save(update_fields=["user"])
    scope = scope_for_user(setup.judge)
    mine = JudgeAssignment.objects.visible_to(scope)
    assert mine.count() == judge.assignments.count() > 0
    client.login(username="judge", password=PASSWORD)
    index = client.get(reverse("contests:index")).content.decode()
    assert judge.get_judge_url() in index


def test_office_pages_render(setup, client, django_assert_max_num_queries):
    advance(setup)
    advance(setup)
    score_round(setup.contest, Round.FIRST, quality)
    client.login(username="city-admin", password=PASSWORD)
    for name in ("detail", "assignment", "ranking", "hall"):
        with django_assert_max_num_queries(60):
            response = client.get(reverse(f"contests:{name}", args=[setup.contest.pk]))
        assert response.status_code == 200, name
    assert client.get(reverse("contests:index")).status_code == 200
    live = client.get(reverse("contests:hall_live", args=[setup.contest.pk]))
    assert b'hx-trigger="every 5s"' in live.content


def test_stats_gain_contest_figures(setup, django_assert_num_queries):
    from dangke.contests.figures import contest_figures
    from dangke.reports.queries import year_figures

    run_to_notice(setup, today=datetime.date(2020, 1, 1))
    services.promote_due_contests()
    figures = year_figures(scope_for_user(setup.city_admin), YEAR)["contests"]
    assert figures["entries"] == 6 and figures["judges"] == 6
    assert (
        figures["reviews"] == 18 + JudgeScore.objects.filter(assignment__round=Round.FINAL).count()
    )
    assert figures["promoted_courses"] == 2
    experts = Judge.objects.filter(kind=JudgeKind.EXPERT).count()
    assert (figures["expert_judges"], figures["peer_judges"]) == (experts, 6 - experts)
    assert 0 < experts < 6
    assert year_figures(scope_for_user(setup.county_b_admin), YEAR)["contests"]["entries"] == 0
    scope = scope_for_user(setup.city_admin)
    with django_assert_num_queries(1):  # each count per contest, added up in one query
        assert contest_figures(scope, YEAR)["by_stage"] == {"result": 1}


def test_group_leader_enters_a_course_of_their_group(world, client):
    contest = services.create_contest(world.city, YEAR, actor=world.city_admin)
    county = services.create_contest(world.county_b, YEAR, actor=world.county_b_admin)
    client.login(username="group-leader", password=PASSWORD)
    index = client.get(reverse("contests:index")).content.decode()
    assert contest.name in index and reverse("contests:detail", args=[county.pk]) not in index
    page = client.get(reverse("contests:detail", args=[contest.pk])).content.decode()
    assert world.course_b.title in page  # 第一教研组's course
    assert world.course_a.title not in page  # another group's course: not offered
    client.post(reverse("contests:add_entry", args=[contest.pk]), {"course": world.course_b.pk})
    entry = ContestEntry.objects.get(contest=contest)
    assert entry.course == world.course_b and entry.teaching_group == world.group
    response = client.post(
        reverse("contests:add_entry", args=[contest.pk]), {"course": world.course_a.pk}
    )
    assert response.status_code == 404  # course_a is outside the leader's scope
    assert client.get(reverse("contests:detail", args=[county.pk])).status_code == 404


def test_settings_change_while_registration_is_open(setup, client):
    client.login(username="city-admin", password=PASSWORD)
    url = reverse("contests:settings", args=[setup.contest.pk])
    assert client.get(url).status_code == 200
    data = {
        "name": "擂台赛", "judges_per_entry": 3, "finalists": 1, "winners": 2,
        "library_year": YEAR + 1, "notice_days": 5,
    }  # fmt: skip
    assert "决赛名额不能少于获奖名额" in client.post(url, data).content.decode()
    client.post(url, data | {"finalists": 3, "exclude_same_county": "on"})
    setup.contest.refresh_from_db()
    assert (setup.contest.finalists, setup.contest.notice_days) == (3, 5)
    assert AuditEntry.objects.filter(field="notice_days", from_value="7", to_value="5").exists()
    advance(setup)
    client.login(username="county-a", password=PASSWORD)
    assert client.get(url).status_code == 404
