"""Issue 9's "Done when", in Debian's Chromium driven by Playwright (no browser download):
an editor publishes a micro-lesson, a phone-sized browser watches it and leaves a 弹幕, the
office moderates it, the 弹幕 crosses the video, and the teacher sees themes from the
comments."""

import time

import pytest

from dangke.media.feedback import teacher_comment_summary
from dangke.media.models import CommentStatus, MediaComment, MediaWork, WorkStatus
from dangke.media.samples import lesson_video
from tests.conftest import PASSWORD
from tests.test_browser import launch_chromium, pytestmark  # noqa: F401


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll `expression` in the page. Playwright's wait_for_function evaluates its string
    with eval inside the page, which our Content-Security-Policy forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.1)


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Phone) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
}


@pytest.fixture(scope="module")
def browser():
    # The player's autoplay is part of what is tested.
    yield from launch_chromium("--autoplay-policy=no-user-gesture-required")


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def log_in(browser, live_server, username, **context):
    page = browser.new_context(locale="zh-CN", **context).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def click_and_load(page, locator):
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def change_status(page, label, reason):
    page.locator("main select[name=status]").select_option(label=label)
    page.fill("textarea[name=reason]", reason)
    click_and_load(page, page.get_by_role("button", name="变更"))


def test_publish_watch_on_a_phone_danmaku_moderation_and_themes(
    browser, live_server, transactional_db, world, _media
):
    # 1. The county office publishes a micro-lesson with its video.
    office = log_in(browser, live_server, "county-a")
    office.goto(f"{live_server.url}/media-works/new/")
    form = office.locator("main form")  # the page header has a region switcher too
    form.locator("input[name=title]").fill("村级集体经济怎么壮大")
    form.locator("select[name=kind]").select_option("video")
    form.locator("select[name=region]").select_option(world.county_a.code)
    form.locator("select[name=teacher]").select_option(str(world.teacher_a.pk))
    form.locator("input[name=duration_seconds]").fill("16")
    points = ["盘活资源", "发展产业", "做好服务", "谢谢收看"]
    video = lesson_video("村级集体经济怎么壮大", points, seconds_per_slide=4)
    form.locator("input[name=upload]").set_input_files(
        files=[{"name": "lesson.mp4", "mimeType": "video/mp4", "buffer": video}],
    )
    click_and_load(office, office.get_by_role("button", name="保存"))
    assert "已保存" in office.content(), office.locator(".invalid-feedback").all_inner_texts()
    change_status(office, "待审核", "送审")
    change_status(office, "已发布", "内容审核通过")
    work = MediaWork.objects.get()
    assert work.status == WorkStatus.PUBLISHED and work.file_kind == "mp4"

    # 2. A member opens the county's portal on a phone and watches it.
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server.url}/media-works/portal/{world.county_a.code}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    click_and_load(phone, phone.get_by_text("村级集体经济怎么壮大"))
    wait_until(phone, "document.getElementById('dk-player').readyState >= 2")
    assert phone.evaluate("document.getElementById('dk-player').duration") == 16
    phone.evaluate("(() => { const v = document.getElementById('dk-player'); v.muted = true; })()")
    phone.evaluate("document.getElementById('dk-player').play()")
    wait_until(phone, "document.getElementById('dk-player').currentTime > 0.3")
    # Seeking works on the phone: the file is served with byte ranges.
    phone.evaluate(
        """() => new Promise(resolve => { const v = document.getElementById('dk-player');
             v.pause(); v.addEventListener('seeked', resolve, {once: true});
             v.currentTime = 9; })"""
    )
    assert phone.evaluate("Math.floor(document.getElementById('dk-player').currentTime)") == 9
    phone.fill("textarea[name=body]", "这里讲到心坎上了")
    phone.check("input[name=as_danmaku]")
    click_and_load(phone, phone.get_by_role("button", name="发表"))
    assert "感谢留言" in phone.content()
    wait_until(phone, "document.getElementById('dk-player').readyState >= 1")
    phone.fill("textarea[name=body]", "案例很实用，老师讲得生动，接地气")
    click_and_load(phone, phone.get_by_role("button", name="发表"))
    danmaku = MediaComment.objects.get(danmaku_at_seconds__isnull=False)
    assert (danmaku.body, danmaku.danmaku_at_seconds, danmaku.status) == (
        "这里讲到心坎上了",
        9,
        CommentStatus.PENDING,
    )
    assert "这里讲到心坎上了" not in phone.content()  # not shown before moderation
    work.refresh_from_db()
    assert work.view_count == 1

    # 3. The office moderates: the 弹幕 goes public, the comment to the teacher only.
    office.goto(f"{live_server.url}/media-works/comments/")
    row = office.locator("tr", has_text="这里讲到心坎上了")
    click_and_load(office, row.get_by_role("button", name="公开"))
    row = office.locator("tr", has_text="案例很实用")
    click_and_load(office, row.get_by_role("button", name="仅老师可见"))
    statuses = dict(MediaComment.objects.values_list("body", "status"))
    assert statuses == {
        "这里讲到心坎上了": CommentStatus.PUBLIC,
        "案例很实用，老师讲得生动，接地气": CommentStatus.PRIVATE,
    }

    # 4. On the phone the 弹幕 now crosses the video at its second; the private comment
    #    stays out of sight.
    phone.reload()
    wait_until(phone, "document.getElementById('dk-player').readyState >= 2")
    phone.evaluate(
        """() => new Promise(resolve => { const v = document.getElementById('dk-player');
             v.muted = true; v.addEventListener('seeked', resolve, {once: true});
             v.currentTime = 7.5; })"""
    )
    phone.evaluate("document.getElementById('dk-player').play()")
    phone.wait_for_selector("#dk-danmaku span:has-text('这里讲到心坎上了')", timeout=15000)
    assert "案例很实用" not in phone.locator("main").inner_text()

    # 5. The teacher sees the themes drawn from the reviewed comments.
    teacher = log_in(browser, live_server, "teacher")
    teacher.goto(f"{live_server.url}/media-works/{work.pk}/")
    click_and_load(teacher, teacher.get_by_role("link", name="我的作品反馈"))
    text = teacher.locator("main").inner_text()
    summary = teacher_comment_summary(world.teacher_a)
    assert summary["total"] == 2 and summary["themes"]
    assert "主要话题" in text
    for word, _count in summary["themes"][:3]:
        assert word in text
    assert "00:00–00:30" in text  # the moment that drew the 弹幕
    for page in (office, phone, teacher):
        page.context.close()
