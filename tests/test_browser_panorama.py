"""Seed 004 (VR): the 360° demo panorama opens in Debian's Chromium, offline, in the
vendored viewer; a drag turns the view and the view is counted. Screenshot in /tmp."""

import pytest

from dangke.media import services
from dangke.media.models import MediaKind, WorkStatus
from dangke.media.panorama_sample import panorama_jpeg
from tests.test_browser import launch_chromium, pytestmark  # noqa: F401
from tests.test_browser_media import PHONE
from tests.test_media import make_work

SCREENSHOT = "/tmp/dangke-panorama.png"


@pytest.fixture(scope="module")
def browser():
    # WebGL in software: the viewer draws on a canvas even without a GPU.
    yield from launch_chromium("--use-angle=swiftshader", "--enable-unsafe-swiftshader")


def test_the_panorama_turns_in_the_browser_and_counts_a_view(
    browser, live_server, transactional_db, world, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    work = make_work(world, kind=MediaKind.PANORAMA, title="红色纪念馆 360° 全景",
                     status=WorkStatus.PUBLISHED)  # fmt: skip
    picture = panorama_jpeg(title="红色纪念馆（示意）")
    services.save_work(work, actor=None, upload=SimpleUploadedFile("scene.jpg", picture, ""))
    page = browser.new_context(**PHONE).new_page()
    outside = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if r.url.startswith("http") and not r.url.startswith(live_server.url)
            else None
        ),
    )
    page.goto(f"{live_server.url}/media-works/w/{work.pk}/")
    page.wait_for_selector("#dk-panorama[data-loaded='1'] canvas", timeout=30_000)
    yaw = page.evaluate("() => document.getElementById('dk-panorama').viewer.getYaw()")
    box = page.locator("#dk-panorama").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    page.screenshot(path=SCREENSHOT, full_page=False)
    assert outside == [], f"requests left the server: {outside}"
    turned = page.evaluate("() => document.getElementById('dk-panorama').viewer.getYaw()")
    assert abs(turned - yaw) > 5  # the drag turned the view
    work.refresh_from_db()
    assert work.view_count == 1
