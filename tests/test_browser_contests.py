"""The contest in Chromium: the office opens the first round (judges assigned by the
solver), a judge scores blind on a phone, the final is scored live and the hall screen
follows by itself."""

from playwright.sync_api import expect

from dangke.contests import services
from dangke.contests.models import ContestEntry, JudgeAssignment, JudgeScore, Round, Stage
from tests.test_browser import browser, log_in, pytestmark  # noqa: F401
from tests.test_contests import quality, score_round, setup  # noqa: F401

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def score_on_a_phone(chromium, url: str, stars: int) -> str:
    """Open the judge's link, score every entry with `stars` on every leaf; the task list."""
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(url)
    home = page.locator("main").inner_text()
    for index in range(page.locator("ul.tasks a").count()):
        page.locator("ul.tasks a").nth(index).click()
        for group in page.locator("[role=radiogroup]").all():
            group.locator(f"label[title='{stars}']").click()
        page.click("button[type=submit]")
        page.wait_for_selector("ul.tasks")
    page.screenshot(path="/tmp/dangke-contest-judge-phone.png", full_page=True)
    text = page.locator("main").inner_text()
    context.close()
    return home + text


def test_first_round_on_phones_and_final_on_the_hall_screen(browser, live_server, setup):  # noqa: F811
    page = log_in(browser, live_server, "city-admin")
    page.goto(f"{live_server.url}/contests/{setup.contest.pk}/")
    for _ in range(2):  # 报名 → 备课 → 初赛 (the solver assigns the judges on the way)
        page.click("form[action$='/advance/'] button[type=submit]")
    assert "已进入「初赛」阶段" in page.locator("main").inner_text()
    page.screenshot(path="/tmp/dangke-contest-detail.png", full_page=True)
    assert JudgeAssignment.objects.filter(entry__contest=setup.contest).count() == 18

    entry_a = ContestEntry.objects.get(contest=setup.contest, course=setup.course_a)
    judge = setup.contest.judges.filter(assignments__entry=entry_a).first()
    text = score_on_a_phone(browser, f"{live_server.url}{judge.get_judge_url()}", 5)
    assert entry_a.code in text and "王红梅" not in text
    assert "已评 3/3" in text
    assert JudgeScore.objects.filter(assignment__judge=judge).count() == 3

    # The other judges' sheets arrive; the office opens the final and its hall screen.
    mine = set(JudgeScore.objects.values_list("assignment_id", flat=True))
    for assignment in JudgeAssignment.objects.filter(entry__contest=setup.contest).exclude(
        pk__in=mine
    ):
        services.submit_sheet(assignment, _all(assignment))
    setup.contest = services.advance_stage(setup.contest, actor=setup.city_admin)
    assert setup.contest.status == Stage.FINAL
    page.goto(f"{live_server.url}/contests/{setup.contest.pk}/ranking/?round=first")
    assert "ICC(1,k)" in page.locator("main").inner_text()
    page.screenshot(path="/tmp/dangke-contest-ranking.png", full_page=True)
    hall = log_in(browser, live_server, "city-admin")  # the hall's PC, its own session
    hall.set_viewport_size({"width": 1280, "height": 720})
    hall.goto(f"{live_server.url}/contests/{setup.contest.pk}/hall/")
    assert "已收到评分 0/16" in hall.inner_text("body")
    expert = setup.contest.judges.filter(in_final=True).first()
    score_on_a_phone(browser, f"{live_server.url}{expert.get_judge_url()}", 4)
    # htmx polls every 5 seconds: the screen shows the expert's four sheets without a reload.
    expect(hall.locator("body")).to_contain_text("已收到评分 4/16", timeout=15_000)
    hall.screenshot(path="/tmp/dangke-contest-hall.png")
    assert JudgeScore.objects.filter(assignment__round=Round.FINAL).count() == 4
    hall.close()
    page.close()


def _all(assignment) -> dict:
    from dangke.contests.results import rubric

    return {f"i_{leaf.key}": str(quality(assignment)) for leaf in rubric(assignment.entry.contest)}
