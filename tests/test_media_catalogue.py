"""Columns and series: the editors' page (create, rename, order, archive), scoping, the
work form, the portal's filters, demo files that really play, and the teacher's comment
summary for the evaluation page."""

import struct
import wave
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangke.accounts.scoping import scope_for_user
from dangke.core.models import AuditEntry
from dangke.media import catalogue, services
from dangke.media.demo import build_media_demo
from dangke.media.feedback import teacher_comment_summary
from dangke.media.models import MediaColumn, MediaKind, MediaSeries, MediaWork, WorkStatus
from dangke.media.samples import lesson_video
from dangke.media.uploads import check_media_file


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


def published(world, title, **extra):
    work = MediaWork.objects.create(
        title=title, kind=extra.pop("kind", MediaKind.VIDEO), region=extra.pop("region", None)
        or world.county_a, teacher=extra.pop("teacher", world.teacher_a), **extra,
    )  # fmt: skip
    services.submit(work, actor=world.county_a_admin)
    services.publish(work, actor=world.county_a_admin)
    return work


# ---- the editors' page ------------------------------------------------------------------


def test_an_editor_creates_renames_orders_and_archives_columns(client, world):
    client.force_login(world.county_a_admin)
    for name in ("乡村振兴微课堂", "红色故事", "政策一点通"):
        response = client.post(
            "/media-works/catalogue/columns/new/",
            {"columns-name": name, "columns-region": world.county_a.pk},
            follow=True,
        )
        assert f"已新建专栏「{name}」" in response.content.decode()
    first, second, third = MediaColumn.objects.order_by("position")
    assert [c.position for c in (first, second, third)] == [1, 2, 3]

    client.post(f"/media-works/catalogue/columns/{third.pk}/up/")
    names = list(MediaColumn.objects.order_by("position").values_list("name", flat=True))
    assert names == ["乡村振兴微课堂", "政策一点通", "红色故事"]

    client.post(
        f"/media-works/catalogue/columns/{second.pk}/rename/",
        {"name": "红色乐山", "description": "革命故事"},
    )
    second.refresh_from_db()
    assert (second.name, second.description) == ("红色乐山", "革命故事")
    clash = client.post(
        f"/media-works/catalogue/columns/{second.pk}/rename/", {"name": "政策一点通"}, follow=True
    )
    assert "本区划已有名为「政策一点通」的专栏" in clash.content.decode()
    blank = client.post(
        "/media-works/catalogue/columns/new/",
        {"columns-name": "  ", "columns-region": world.county_a.pk},
        follow=True,
    )
    assert "名称" in blank.content.decode() and MediaColumn.objects.count() == 3

    client.post(f"/media-works/catalogue/columns/{first.pk}/archive/")
    first.refresh_from_db()
    assert first.is_archived
    page = client.get("/media-works/catalogue/").content.decode()
    assert "已归档" in page and "红色乐山" in page
    form = client.get("/media-works/new/").content.decode()
    assert "乡村振兴微课堂" not in form and "红色乐山" in form  # archived: not offered
    client.post(f"/media-works/catalogue/columns/{first.pk}/restore/")
    first.refresh_from_db()
    assert not first.is_archived
    audited = AuditEntry.objects.filter(object_id=str(second.pk), field="name").get()
    assert (audited.from_value, audited.to_value) == ("红色故事", "红色乐山")


def test_series_are_managed_the_same_way_and_ordered_by_episode(client, world):
    client.force_login(world.county_a_admin)
    client.post(
        "/media-works/catalogue/series/new/",
        {"series-name": "红军长征过乐山", "series-region": world.county_a.pk},
    )
    series = MediaSeries.objects.get()
    data = {"title": "第一集", "kind": "video", "region": world.county_a.pk,
            "duration_seconds": 60, "series": series.pk, "episode": 1}  # fmt: skip
    assert client.post("/media-works/new/", data).status_code == 302
    again = client.post("/media-works/new/", {**data, "title": "重复的一集"})
    assert "已有第 1 集《第一集》" in again.content.decode()
    lonely = client.post("/media-works/new/", {**data, "series": "", "title": "无系列"})
    assert "请选择所属系列" in lonely.content.decode()
    assert MediaWork.objects.get().series == series


def test_county_admins_manage_only_their_own_columns(client, world):
    mine = MediaColumn.objects.create(name="市中区专栏", region=world.county_a)
    theirs = MediaColumn.objects.create(name="犍为县专栏", region=world.county_b)
    city = MediaColumn.objects.create(name="乐山市专栏", region=world.city)
    client.force_login(world.county_b_admin)
    page = client.get("/media-works/catalogue/").content.decode()
    assert "犍为县专栏" in page and "市中区专栏" not in page
    for action in ("rename", "up", "archive"):
        response = client.post(f"/media-works/catalogue/columns/{mine.pk}/{action}/", {"name": "x"})
        assert response.status_code == 404
    mine.refresh_from_db()
    assert (mine.name, mine.is_archived) == ("市中区专栏", False)
    with pytest.raises(PermissionDenied):
        catalogue.create_entry(
            MediaColumn, name="越权", region=world.county_a, actor=world.county_b_admin,
            scope=scope_for_user(world.county_b_admin),
        )  # fmt: skip
    # The city's column is offered in a county's work form, the other county's is not.
    offered = catalogue.assignable(MediaColumn, scope_for_user(world.county_b_admin))
    assert set(offered) == {theirs, city}
    client.force_login(world.organiser)  # sees the city's columns, manages none
    assert client.post(f"/media-works/catalogue/columns/{city.pk}/archive/").status_code == 403
    with pytest.raises(ValidationError):
        catalogue.move_entry(
            theirs, "sideways", actor=world.county_b_admin,
            scope=scope_for_user(world.county_b_admin),
        )  # fmt: skip


# ---- portal -----------------------------------------------------------------------------


def test_the_portal_filters_by_column_and_series(client, world):
    column = MediaColumn.objects.create(name="乡村振兴微课堂", region=world.city)
    archived = MediaColumn.objects.create(name="旧专栏", region=world.city, is_archived=True)
    series = MediaSeries.objects.create(name="红军长征过乐山", region=world.city)
    published(world, "第二集 渡口", series=series, episode=2)
    published(world, "第一集 出发", series=series, episode=1, column=column)
    published(world, "专栏里的作品", column=column)
    published(world, "旧专栏的作品", column=archived)
    base = f"/media-works/portal/{world.city.code}/"
    html = client.get(base).content.decode()
    assert "乡村振兴微课堂" in html and "红军长征过乐山" in html
    assert f"?column={archived.pk}" not in html  # archived: no filter, its work still listed
    assert "旧专栏的作品" in html
    by_column = client.get(base, {"column": column.pk}).content.decode()
    assert "专栏里的作品" in by_column and "第一集 出发" in by_column
    assert "第二集 渡口" not in by_column and "旧专栏的作品" not in by_column
    by_series = client.get(base, {"series": series.pk}).content.decode()
    assert by_series.index("第一集 出发") < by_series.index("第二集 渡口")
    assert "专栏里的作品" not in by_series and "第 1 集" in by_series
    watch = client.get(f"/media-works/w/{MediaWork.objects.get(episode=2).pk}/").content.decode()
    assert "本系列：红军长征过乐山" in watch and "第一集 出发" in watch
    # Nonsense in the query string is ignored, not an error.
    assert client.get(base, {"column": "abc", "series": "999"}).status_code == 200


# ---- files ------------------------------------------------------------------------------


def test_a_wav_audio_work_plays_in_the_browser(client, world):
    buffer = BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(11025)
        writer.writeframes(b"\x01\x00" * 11025)
    assert check_media_file(SimpleUploadedFile("a.wav", buffer.getvalue()), "audio") == "wav"
    work = published(world, "音频党课", kind=MediaKind.AUDIO)
    services.save_work(work, actor=None, upload=SimpleUploadedFile("a.wav", buffer.getvalue()))
    html = client.get(f"/media-works/w/{work.pk}/").content.decode()
    assert "<audio" in html
    response = client.get(f"/media-works/w/{work.pk}/file/")
    assert response["Content-Type"] == "audio/wav"


def test_the_slideshow_is_a_real_h264_mp4():
    video = lesson_video("村级集体经济怎么壮大", ["一", "二", "三"], seconds_per_slide=4)
    assert video[4:8] == b"ftyp" and b"avc1" in video and b"avcC" in video
    assert video == lesson_video("村级集体经济怎么壮大", ["一", "二", "三"], seconds_per_slide=4)
    moov = video.index(b"moov")
    assert moov < video.index(b"mdat")  # the index first: a phone starts playing at once
    mvhd = video.index(b"mvhd")
    timescale, duration = struct.unpack(">II", video[mvhd + 16 : mvhd + 24])
    assert duration / timescale == 12
    # Three pictures, each an IDR slice; the first sample also carries SPS and PPS.
    mdat = video.index(b"mdat") + 4
    kinds = []
    while mdat < len(video):
        (size,) = struct.unpack(">I", video[mdat : mdat + 4])
        kinds.append(video[mdat + 4] & 0x1F)
        mdat += 4 + size
    assert kinds == [7, 8, 5, 5, 5]


def test_the_demo_gives_some_works_real_files(world, settings):
    result = build_media_demo(4, city_code=world.city.code)
    assert result["series"] == 3 and result["files"] >= 4
    with_files = MediaWork.objects.exclude(file="")
    assert with_files.filter(kind=MediaKind.VIDEO, file_kind="mp4").count() == 4
    assert with_files.filter(status=WorkStatus.PUBLISHED).count() == with_files.count()
    for work in with_files:
        head = work.file.open("rb").read(12)
        # Videos are MP4, audio WAV, the 360° panorama a JPEG.
        offset, magic = {"mp4": (4, b"ftyp"), "wav": (8, b"WAVE"), "jpg": (0, b"\xff\xd8\xff")}[
            work.file_kind
        ]
        assert head[offset : offset + len(magic)] == magic
        if work.kind == MediaKind.PANORAMA:  # a picture: no duration
            assert work.plays_in_browser_as == "panorama"
            continue
        assert work.duration_seconds > 0
        assert work.plays_in_browser_as in ("video", "audio")
    names = sorted(with_files.values_list("file", flat=True))
    again = build_media_demo(4, city_code=world.city.code)
    assert again == result
    assert sorted(MediaWork.objects.exclude(file="").values_list("file", flat=True)) == names
    files = sorted(p.name for p in (settings.MEDIA_ROOT / "media_works" / "demo").iterdir())
    assert files == sorted(name.rsplit("/", 1)[-1] for name in names)  # no leftovers
    assert MediaSeries.objects.count() == 3
    assert MediaWork.objects.filter(series__isnull=False, episode=1).count() == 3


# ---- the teacher's comment summary (for the evaluation page) ----------------------------


def test_teacher_comment_summary_counts_reviewed_comments_only(world):
    work = published(world, "村级集体经济怎么壮大", duration_seconds=300)
    other = published(world, "犍为县的作品", region=world.county_b, teacher=world.teacher_b)
    for body, at, state in (
        ("案例很实用，讲得生动", None, "public"),
        ("乡村振兴讲得好", 65, "private"),
        ("听不懂", 70, "public"),
        ("待审核的不算", None, None),
        ("删掉的不算", 80, "removed"),
    ):
        comment = services.post_comment(work, body, at_seconds=at, browser_key=body)
        if state:
            services.moderate(comment, state, actor=world.county_a_admin)
    services.moderate(
        services.post_comment(other, "别人的评论", browser_key="x"), "public",
        actor=world.county_b_admin,
    )  # fmt: skip
    summary = teacher_comment_summary(world.teacher_a)
    assert summary["teacher_id"] == world.teacher_a.pk
    assert (summary["total"], summary["comments"], summary["danmaku"]) == (3, 1, 2)
    assert summary["sentiment"] == {"positive": 2, "neutral": 0, "negative": 1}
    words = dict(summary["themes"])
    assert "乡村振兴" in words and "待审核" not in words and "删掉" not in words
    (only,) = summary["works"]
    assert (only["id"], only["title"], only["url"]) == (
        work.pk, work.title, f"/media-works/{work.pk}/feedback/",
    )  # fmt: skip
    assert only["hot_moments"] == [{"start": 60, "end": 90, "count": 2, "label": "01:00–01:30"}]
    # Scoped: county B's admin sees nothing of teacher A.
    outside = teacher_comment_summary(world.teacher_a, scope_for_user(world.county_b_admin))
    assert outside["total"] == 0 and outside["works"] == [] and outside["themes"] == []


def test_teacher_score_page_shows_media_themes_beside_survey_comments(world, client):
    work = published(world, "村级集体经济怎么壮大", duration_seconds=300)
    comment = services.post_comment(work, "乡村振兴讲得好", at_seconds=65, browser_key="p")
    services.moderate(comment, "public", actor=world.county_a_admin)
    client.force_login(world.county_a_admin)
    page = client.get(reverse("evaluation:teacher_score", args=[world.teacher_a.pk]))
    text = page.content.decode()
    assert "评论 0 条、弹幕 1 条" in text and "乡村振兴" in text
    assert f"/media-works/{work.pk}/feedback/" in text and "01:00–01:30" in text
