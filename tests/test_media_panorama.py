"""Seed 004 (VR): 360° panoramas and 360° videos play in the vendored viewer (Pannellum),
count their views like any work, attach to courses, and the demo draws one panorama."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dangke.core.uploads import UploadRejected
from dangke.media import services
from dangke.media.demo import PANORAMA_TITLE, build_media_demo
from dangke.media.models import MediaKind, MediaWork, WorkStatus
from dangke.media.panorama_sample import panorama_jpeg
from dangke.media.uploads import check_media_file
from tests import samplefiles
from tests.test_media import make_work

JPEG = panorama_jpeg(width=256)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


def panorama(world, **extra):
    work = make_work(world, kind=MediaKind.PANORAMA, title="遵义会议会址全景", **extra)
    services.save_work(work, actor=None, upload=SimpleUploadedFile("scene.jpg", JPEG, ""))
    return work


def test_the_drawn_panorama_is_an_equirectangular_jpeg():
    picture = Image.open(io.BytesIO(JPEG))
    assert (picture.format, picture.size) == ("JPEG", (256, 128))
    assert panorama_jpeg(width=256) == JPEG  # the same bytes every build


def test_panoramas_take_pictures_and_360_videos_take_mp4():
    assert check_media_file(SimpleUploadedFile("a.jpg", JPEG, ""), MediaKind.PANORAMA) == "jpg"
    video = SimpleUploadedFile("a.mp4", samplefiles.mp4(), "")
    assert check_media_file(video, MediaKind.PANORAMA_VIDEO) == "mp4"
    with pytest.raises(UploadRejected, match="360°全景图可上传：jpg、jpeg、png"):
        check_media_file(SimpleUploadedFile("a.mp3", samplefiles.mp3(), ""), MediaKind.PANORAMA)


def test_the_portal_plays_a_panorama_in_the_viewer_and_counts_the_view(client, world):
    work = panorama(world, status=WorkStatus.PUBLISHED)
    assert work.plays_in_browser_as == "panorama"
    html = client.get(f"/media-works/w/{work.pk}/").content.decode()
    assert "/static/vendor/pannellum/pannellum.js" in html
    assert 'data-kind="image"' in html
    assert f'data-src="/media-works/w/{work.pk}/file/"' in html
    assert f'data-event-url="/media-works/w/{work.pk}/event/"' in html
    assert (
        f'<img class="img-fluid" alt="遵义会议会址全景" src="/media-works/w/{work.pk}/file/">'
        in (html)
    )  # without JavaScript, the flat picture
    assert b"".join(client.get(f"/media-works/w/{work.pk}/file/").streaming_content) == JPEG
    client.post(f"/media-works/w/{work.pk}/event/", {"event": "play"})
    work.refresh_from_db()
    assert work.view_count == 1


def test_a_360_video_plays_in_the_viewer(client, world):
    work = make_work(world, kind=MediaKind.PANORAMA_VIDEO, status=WorkStatus.PUBLISHED)
    services.save_work(
        work, actor=None, upload=SimpleUploadedFile("walk.mp4", samplefiles.mp4(), "")
    )
    assert work.plays_in_browser_as == "panorama_video"
    html = client.get(f"/media-works/w/{work.pk}/").content.decode()
    assert 'data-kind="video"' in html and 'id="dk-panorama-play"' in html


def test_courses_show_their_media_as_the_user_may_see_it(client, world):
    mine = panorama(world, course=world.course_a)
    other = make_work(world, region=world.county_b, teacher=world.teacher_b, title="县乙作品",
                      course=world.course_a)  # fmt: skip
    client.force_login(world.county_a_admin)
    html = client.get(f"/courses/{world.course_a.pk}/").content.decode()
    assert "配套新媒体作品" in html and mine.title in html
    assert "360°全景图" in html and other.title not in html
    office = client.get(f"/media-works/{mine.pk}/").content.decode()
    assert f'data-src="/media-works/{mine.pk}/file/"' in office and "data-event-url" not in office


def test_the_demo_has_a_panorama(world):
    build_media_demo(4, city_code=world.city.code)
    work = MediaWork.objects.get(kind=MediaKind.PANORAMA)
    assert (work.title, work.status, work.file_kind) == (PANORAMA_TITLE, "published", "jpg")
    with work.file.open("rb") as handle:
        assert Image.open(handle).size == (2048, 1024)
    assert MediaWork.objects.count() == 40
