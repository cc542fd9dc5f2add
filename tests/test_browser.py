"""Browser tests: Debian's Chromium driven by Playwright for Python (no browser download)."""

import os
import shutil

import pytest

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM),
        reason="Debian's chromium is missing: `make browser-deps` installs it",
    ),
]


# Any Content-Security-Policy violation on any page a browser test opens fails that test
# (tests/conftest.py, `no_csp_violations`): the browser reports it as a console error, and
# the page's own securitypolicyviolation event says which directive refused what.
CSP_VIOLATIONS: list[str] = []
REPORT_CSP_VIOLATIONS = (
    "document.addEventListener('securitypolicyviolation', (e) => console.error("
    "'CSP violation: ' + e.violatedDirective + ' refused ' + (e.blockedURI || 'inline')));"
)


def watch_csp(page):
    def on_console(message):
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or text.startswith("CSP violation")
        ):
            CSP_VIOLATIONS.append(f"{page.url}: {text}")

    page.on("console", on_console)


class CspWatchedBrowser:
    """The Playwright browser, with every page it opens watched for CSP violations."""

    def __init__(self, browser):
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("page", watch_csp)
        return context

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        watch_csp(page)
        return page


def launch_chromium(*extra_args: str):
    """Debian's Chromium for one test module (a generator for a module-scoped fixture)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between page actions are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                *extra_args,
            ],
        )
        yield CspWatchedBrowser(browser)
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


def log_in(browser, live_server, username):
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def teacher_names_on_list(page, live_server):
    page.get_by_role("link", name="师资库").first.click()
    page.wait_for_load_state("networkidle")
    return page.locator("table tbody").inner_text()


def test_two_county_admins_never_see_each_others_teachers(
    browser, live_server, transactional_db, world
):
    page_a = log_in(browser, live_server, "county-a")
    page_b = log_in(browser, live_server, "county-b")

    listed_to_a = teacher_names_on_list(page_a, live_server)
    listed_to_b = teacher_names_on_list(page_b, live_server)
    assert world.teacher_a.name in listed_to_a and world.teacher_b.name not in listed_to_a
    assert world.teacher_b.name in listed_to_b and world.teacher_a.name not in listed_to_b

    # Typing the other county's teacher URL answers "not found", not the page.
    response = page_a.goto(f"{live_server.url}/faculty/{world.teacher_b.pk}/")
    assert response.status == 404
    assert world.teacher_b.name not in page_a.content()
    page_a.close()
    page_b.close()
