"""Each role's landing page in Chromium at desktop and phone width (DESIGN §2a): the page
answers the role's first question, the menu holds what the role can use, nothing spills
sideways on a phone, and axe-core (vendored in tests/vendor, MPL-2.0) finds no critical or
serious accessibility violation. Screenshots go to var/screenshots/ for a person to look at."""

from pathlib import Path

import pytest

from dangke.contests.models import Stage
from tests.conftest import PASSWORD
from tests.test_browser import CHROMIUM, launch_chromium, pytestmark  # noqa: F401
from tests.test_contests import advance, setup  # noqa: F401  (the contest fixture)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}

# username → (what the landing page must show, a menu entry it must not offer)
LANDINGS = {
    "judge": ("我的评审任务", "师资库"),
    "group-leader": ("组内师资：授课、得分与考核", "大喇叭"),
    "organiser": ("本期培训班：进行中与即将开班", "大喇叭"),
    "teacher": ("我的授课安排", "数据导入"),
    "liaison": ("即将到来的授课", "数据导入"),
    "city-admin": ("本年度各月授课场次", None),
}


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture
def judged(setup):  # noqa: F811
    """The world's judge login is an expert of a contest whose first round is open."""
    judge = setup.contest.judges.filter(kind="expert").order_by("pk").first()
    judge.user = setup.judge
    judge.save(update_fields=["user"])
    advance(setup)
    advance(setup)
    assert setup.contest.status == Stage.FIRST_ROUND
    return setup


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in results["violations"]
        if v["impact"] in ("critical", "serious")
    ]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_role_lands_on_its_own_page_accessible_at_both_widths(
    browser, live_server, transactional_db, judged, width
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for username, (marker, absent) in LANDINGS.items():
        context = browser.new_context(
            locale="zh-CN", viewport={"width": WIDTHS[width], "height": 900}, bypass_csp=True
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.wait_for_load_state("networkidle")
        assert marker in page.inner_text("main"), username
        menu = page.inner_text("#main-nav", timeout=2000) if width == "desktop" else ""
        if absent and menu:
            assert absent not in menu, (username, absent)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (username, width, overflow)
        page.screenshot(path=str(SHOTS / f"home-{username}-{width}.png"), full_page=True)
        found[username] = serious_violations(page)
        context.close()
    assert found == {username: [] for username in LANDINGS}, width
