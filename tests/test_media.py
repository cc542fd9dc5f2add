"""New media: publishing workflow, the public portal and player, comments and 弹幕 with
moderation and rate limit, anonymous view counting, feedback mining, figures and scoping."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangke.core.calendar import report_year
from dangke.core.models import AuditEntry
from dangke.core.status import ProtectedStatusError, StatusTransitionError
from dangke.core.uploads import UploadRejected
from dangke.media import services
from dangke.media.demo import build_media_demo
from dangke.media.feedback import teacher_feedback, work_feedback
from dangke.media.figures import media_figures
from dangke.media.models import (
    CommentStatus,
    MediaColumn,
    MediaComment,
    MediaKind,
    MediaWork,
    WorkStatus,
)
from dangke.media.uploads import check_media_file
from dangke.media.views.files import parse_range
from engines.feedback import hot_moments, sentiment, themes

MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4  # 1,036 bytes


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


def make_work(world, region=None, teacher=None, status=None, **extra):
    region = region or world.county_a
    work = MediaWork.objects.create(
        title=extra.pop("title", "村级集体经济怎么壮大"),
        kind=extra.pop("kind", MediaKind.VIDEO),
        region=region,
        column=MediaColumn.objects.get_or_create(name="乡村振兴微课堂", region=world.city)[0],
        teacher=teacher if teacher is not None else world.teacher_a,
        duration_seconds=extra.pop("duration_seconds", 300),
        **extra,
    )
    if status in (WorkStatus.PUBLISHED, WorkStatus.WITHDRAWN):
        services.submit(work, actor=world.county_a_admin)
        services.publish(work, actor=world.county_a_admin)
        if status == WorkStatus.WITHDRAWN:
            services.withdraw(work, actor=world.county_a_admin, reason="内容更新")
    return work


def with_file(work):
    services.save_work(work, actor=None, upload=SimpleUploadedFile("lesson.mp4", MP4, "video/mp4"))
    return work


# ---- workflow ----------------------------------------------------------------------------


def test_publishing_workflow_is_audited_and_protected(world):
    work = make_work(world)
    assert work.status == WorkStatus.DRAFT
    with pytest.raises(StatusTransitionError):
        services.publish(work, actor=world.county_a_admin)  # a draft is reviewed first
    services.submit(work, actor=world.county_a_admin)
    services.publish(work, actor=world.county_a_admin, reason="内容审核通过")
    work.refresh_from_db()
    assert work.status == WorkStatus.PUBLISHED and work.published_at is not None
    entries = AuditEntry.objects.filter(object_id=str(work.pk), field="status").order_by("pk")
    assert [(e.from_value, e.to_value) for e in entries] == [
        ("草稿", "待审核"),
        ("待审核", "已发布"),
    ]
    assert entries[1].reason == "内容审核通过" and entries[1].region_code == world.county_a.code
    work.status = WorkStatus.DRAFT
    with pytest.raises(ProtectedStatusError):
        work.save()


def test_status_change_from_the_detail_page(client, world):
    work = make_work(world)
    client.force_login(world.county_a_admin)
    client.post(f"/media-works/{work.pk}/status/", {"status": "in_review", "reason": "送审"})
    client.post(f"/media-works/{work.pk}/status/", {"status": "published", "reason": "通过"})
    work.refresh_from_db()
    assert work.status == WorkStatus.PUBLISHED
    html = client.get(f"/media-works/{work.pk}/").content.decode()
    assert "已发布" in html and "通过" in html
    edit = client.get(f"/media-works/{work.pk}/edit/")
    assert edit.status_code == 200 and "村级集体经济怎么壮大" in edit.content.decode()
    client.force_login(world.teacher_user)  # sees their work, may not change it
    assert client.get(f"/media-works/{work.pk}/").status_code == 200
    response = client.post(
        f"/media-works/{work.pk}/status/", {"status": "withdrawn", "reason": "x"}
    )
    assert response.status_code == 403


# ---- uploads ----------------------------------------------------------------------------


def test_upload_checks_the_content_and_the_kind(world, settings):
    renamed = SimpleUploadedFile("lesson.mp4", b"MZ\x90\x00 not a video at all", "video/mp4")
    with pytest.raises(UploadRejected, match="不符"):
        check_media_file(renamed, MediaKind.VIDEO)
    with pytest.raises(UploadRejected, match="不支持"):
        check_media_file(SimpleUploadedFile("a.mp3", b"ID3\x03", "audio/mpeg"), MediaKind.VIDEO)
    assert check_media_file(SimpleUploadedFile("a.mp3", b"ID3\x03\x00", ""), "audio") == "mp3"
    assert (
        check_media_file(SimpleUploadedFile("a.m4a", b"\0\0\0\x20ftypM4A ", ""), "audio") == "m4a"
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
    assert check_media_file(SimpleUploadedFile("c.png", png, ""), "article") == "png"
    settings.MEDIA_WORK_MAX_BYTES = 100
    with pytest.raises(UploadRejected, match="太大"):
        check_media_file(SimpleUploadedFile("lesson.mp4", MP4, ""), MediaKind.VIDEO)


def test_create_form_refuses_a_renamed_file_and_stores_a_real_one(client, world):
    client.force_login(world.county_a_admin)
    data = {"title": "小茶叶大产业", "kind": "video", "region": world.county_a.pk,
            "duration_seconds": 120}  # fmt: skip
    bad = client.post(
        "/media-works/new/",
        {**data, "upload": SimpleUploadedFile("x.mp4", b"<html>hello</html>" * 3)},
    )
    assert bad.status_code == 200 and "不符" in bad.content.decode()
    assert not MediaWork.objects.exists()
    good = client.post("/media-works/new/", {**data, "upload": SimpleUploadedFile("x.mp4", MP4)})
    work = MediaWork.objects.get()
    assert good.status_code == 302 and work.file_kind == "mp4" and work.file.size == len(MP4)
    assert AuditEntry.objects.filter(object_id=str(work.pk), action="create").exists()
    client.force_login(world.teacher_user)
    assert client.get("/media-works/new/").status_code == 403


# ---- portal and player ------------------------------------------------------------------


def test_a_draft_is_not_on_the_portal_and_its_file_answers_404(client, world):
    draft = with_file(make_work(world, title="草稿作品"))
    published = with_file(make_work(world, title="已发布作品", status=WorkStatus.PUBLISHED))
    withdrawn = with_file(make_work(world, title="已下架作品", status=WorkStatus.WITHDRAWN))
    html = client.get(f"/media-works/portal/{world.city.code}/").content.decode()
    assert "已发布作品" in html and "草稿作品" not in html and "已下架作品" not in html
    other = client.get(f"/media-works/portal/{world.county_b.code}/").content.decode()
    assert "已发布作品" not in other
    for work in (draft, withdrawn):
        assert client.get(f"/media-works/w/{work.pk}/").status_code == 404
        assert client.get(f"/media-works/w/{work.pk}/file/").status_code == 404
    page = client.get(f"/media-works/w/{published.pk}/")
    assert page.status_code == 200 and b"<video" in page.content
    response = client.get(f"/media-works/w/{published.pk}/file/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == MP4
    assert response["Accept-Ranges"] == "bytes" and response["Content-Type"] == "video/mp4"


def test_the_file_answers_range_requests(client, world):
    work = with_file(make_work(world, status=WorkStatus.PUBLISHED))
    url = f"/media-works/w/{work.pk}/file/"
    part = client.get(url, headers={"range": "bytes=100-199"})
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(MP4)}"
    assert b"".join(part.streaming_content) == MP4[100:200] and part["Content-Length"] == "100"
    tail = client.get(url, headers={"range": "bytes=-16"})
    assert b"".join(tail.streaming_content) == MP4[-16:]
    assert client.get(url, headers={"range": "bytes=5000-"}).status_code == 416
    assert parse_range("bytes=0-", 10) == (0, 9) and parse_range("items=1-2", 10) is None


# ---- comments ---------------------------------------------------------------------------


def test_comments_are_hidden_until_moderated(client, world):
    work = make_work(world, status=WorkStatus.PUBLISHED)
    client.get(f"/media-works/w/{work.pk}/")  # the browser gets its cookie
    for body in ("公开的评论", "仅老师可见的评论", "要删除的评论", "待审核的评论"):
        response = client.post(f"/media-works/w/{work.pk}/", {"body": body})
        assert response.status_code == 302
    assert "公开的评论" not in client.get(f"/media-works/w/{work.pk}/").content.decode()
    comments = {c.body: c for c in MediaComment.objects.all()}
    assert {c.status for c in comments.values()} == {CommentStatus.PENDING}
    services.moderate(comments["公开的评论"], CommentStatus.PUBLIC, actor=world.county_a_admin)
    services.moderate(comments["仅老师可见的评论"], "private", actor=world.county_a_admin)
    staff = world.county_a_admin
    staff_client = client.__class__()
    staff_client.force_login(staff)
    staff_client.post(
        f"/media-works/comments/{comments['要删除的评论'].pk}/moderate/", {"status": "removed"}
    )
    assert MediaComment.objects.get(body="要删除的评论").status == CommentStatus.REMOVED

    public = client.get(f"/media-works/w/{work.pk}/").content.decode()
    assert "公开的评论" in public
    assert "仅老师可见的评论" not in public and "要删除的评论" not in public
    assert "待审核的评论" not in public

    queue = staff_client.get("/media-works/comments/").content.decode()
    assert "仅老师可见的评论" in queue and "要删除的评论" not in queue
    assert queue.index("待审核的评论") < queue.index("公开的评论")  # pending first
    teacher_client = client.__class__()
    teacher_client.force_login(world.teacher_user)
    seen = teacher_client.get("/media-works/comments/").content.decode()
    assert "仅老师可见的评论" in seen and "要删除的评论" not in seen
    entries = AuditEntry.objects.filter(field="status", to_value="已删除")
    assert entries.count() == 1 and entries.get().actor == staff


def test_comments_only_on_published_works_and_within_300_chars(world):
    draft = make_work(world)
    with pytest.raises(ValidationError, match="未发布"):
        services.post_comment(draft, "好", browser_key="k")
    work = make_work(world, status=WorkStatus.PUBLISHED, title="另一个")
    with pytest.raises(ValidationError, match="300"):
        services.post_comment(work, "长" * 301, browser_key="k")
    with pytest.raises(ValidationError, match="刷新"):
        services.post_comment(work, "好", browser_key="")


def test_comments_are_rate_limited_per_browser(client, world):
    work = make_work(world, status=WorkStatus.PUBLISHED)
    client.get(f"/media-works/w/{work.pk}/")
    for number in range(5):
        client.post(f"/media-works/w/{work.pk}/", {"body": f"第{number}条"})
    response = client.post(f"/media-works/w/{work.pk}/", {"body": "第六条"}, follow=True)
    assert "评论太频繁" in response.content.decode()
    assert MediaComment.objects.count() == 5
    other_browser = client.__class__()
    other_browser.get(f"/media-works/w/{work.pk}/")
    other_browser.post(f"/media-works/w/{work.pk}/", {"body": "另一台手机"})
    assert MediaComment.objects.count() == 6
    no_cookie = client.__class__()  # a script that never loaded the page
    no_cookie.post(f"/media-works/w/{work.pk}/", {"body": "机器人"})
    assert MediaComment.objects.count() == 6


def test_danmaku_carries_the_video_second_and_no_personal_data(client, world):
    work = with_file(make_work(world, status=WorkStatus.PUBLISHED))
    client.get(f"/media-works/w/{work.pk}/")
    client.post(
        f"/media-works/w/{work.pk}/",
        {"body": "说到心坎上了", "at_seconds": "95", "as_danmaku": "on", "nickname": "老党员"},
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
    )
    client.post(f"/media-works/w/{work.pk}/", {"body": "没勾弹幕", "at_seconds": "20"})
    danmaku, plain = MediaComment.objects.order_by("pk")
    assert danmaku.danmaku_at_seconds == 95 and plain.danmaku_at_seconds is None
    fields = {field.name for field in MediaComment._meta.get_fields()}
    assert fields == {
        "id", "work", "region", "body", "danmaku_at_seconds", "nickname", "status",
        "created_at",
    }  # fmt: skip
    for forbidden in ("user", "ip", "ip_address", "user_agent", "device", "session"):
        assert not any(forbidden in name for name in fields)
    row = MediaComment.objects.filter(pk=danmaku.pk).values().get()
    assert "10.1.2.3" not in str(row) and "iPhone" not in str(row)
    services.moderate(danmaku, "public", actor=world.county_a_admin)
    html = client.get(f"/media-works/w/{work.pk}/").content.decode()
    assert '"t": 95' in html and "danmaku.js" in html


# ---- views ------------------------------------------------------------------------------


def test_views_and_completions_are_counted_without_tracking(client, world):
    work = make_work(world, status=WorkStatus.PUBLISHED)
    client.get(f"/media-works/w/{work.pk}/")
    url = f"/media-works/w/{work.pk}/event/"
    assert client.post(url, {"event": "play"}).status_code == 204
    client.post(url, {"event": "play"})  # the same page load reporting again
    client.post(url, {"event": "ended"})
    other = client.__class__()
    other.get(f"/media-works/w/{work.pk}/")
    other.post(url, {"event": "play"})
    assert client.post(url, {"event": "pause"}).status_code == 400
    work.refresh_from_db()
    assert (work.view_count, work.completion_count) == (2, 1)
    draft = make_work(world, title="草稿")
    assert services.record_view(draft) is False
    assert client.post(f"/media-works/w/{draft.pk}/event/", {"event": "play"}).status_code == 404


def test_view_event_requires_csrf(world):
    from django.test import Client

    work = make_work(world, status=WorkStatus.PUBLISHED)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/media-works/w/{work.pk}/event/", {"event": "play"}).status_code == 403


# ---- feedback ---------------------------------------------------------------------------

SAMPLE = [
    "老师讲得很生动，接地气",
    "乡村振兴的案例很实用，受益匪浅",
    "内容太长了，有些听不懂",
    "讲得枯燥，照本宣科",
    "希望多讲讲乡村振兴",
    "不实用",
]


def test_themes_and_sentiment_on_chinese_comments():
    top = dict(themes(SAMPLE))
    assert top["乡村振兴"] == 2
    assert "的" not in top and "老师" not in top
    assert sentiment(SAMPLE) == {"positive": 2, "neutral": 1, "negative": 3}


def test_hot_moments_are_30_second_buckets():
    assert hot_moments([5, 10, 31, 40, 45, 200, None, 29]) == [
        {"start": 0, "end": 30, "count": 3},
        {"start": 30, "end": 60, "count": 3},
        {"start": 180, "end": 210, "count": 1},
    ]


def test_feedback_per_work_and_teacher_ignores_pending_and_removed(world):
    work = make_work(world, status=WorkStatus.PUBLISHED)
    states = ["public", "public", "private", "removed", "pending", "public"]
    rows = [("生动实用", 65), ("讲得好", 70), ("听不懂", 80), ("删掉的内容", 61),
            ("待审的内容", 62), ("乡村振兴讲得好", None)]  # fmt: skip
    for (body, at), state in zip(rows, states, strict=True):
        comment = services.post_comment(work, body, at_seconds=at, browser_key=f"b{at}")
        if state != "pending":
            services.moderate(comment, state, actor=world.county_a_admin)
    summary = work_feedback(work)
    assert (summary["comments"], summary["danmaku"]) == (1, 3)
    assert summary["hot_moments"] == [{"start": 60, "end": 90, "count": 3, "label": "01:00–01:30"}]
    words = dict(summary["themes"])
    assert "删掉" not in words and "待审" not in words
    assert summary["sentiment"] == {"positive": 3, "neutral": 0, "negative": 1}
    by_teacher = teacher_feedback(world.teacher_a)
    assert by_teacher["danmaku"] == 3 and work.pk in by_teacher["by_work"]
    assert teacher_feedback(world.teacher_b)["comments"] == 0


def test_feedback_pages(client, world):
    work = make_work(world, status=WorkStatus.PUBLISHED)
    comment = services.post_comment(work, "老师讲得很生动", at_seconds=12, browser_key="k")
    services.moderate(comment, "private", actor=world.county_a_admin)
    client.force_login(world.teacher_user)
    html = client.get(f"/media-works/{work.pk}/feedback/").content.decode()
    assert "生动" in html and "00:00–00:30" in html
    html = client.get(f"/media-works/teachers/{world.teacher_a.pk}/feedback/").content.decode()
    assert "生动" in html


# ---- scoping ----------------------------------------------------------------------------


def test_county_b_never_sees_county_a_works_or_comments(client, world):
    work_a = make_work(world, title="市中区作品", status=WorkStatus.PUBLISHED)
    work_b = make_work(
        world, region=world.county_b, teacher=world.teacher_b, title="犍为县作品",
        status=WorkStatus.PUBLISHED,
    )  # fmt: skip
    comment_a = services.post_comment(work_a, "市中区的评论", browser_key="a")
    services.post_comment(work_b, "犍为县的评论", browser_key="b")
    client.force_login(world.county_b_admin)
    listing = client.get("/media-works/").content.decode()
    assert "犍为县作品" in listing and "市中区作品" not in listing
    queue = client.get("/media-works/comments/").content.decode()
    assert "犍为县的评论" in queue and "市中区的评论" not in queue
    for url in (f"/media-works/{work_a.pk}/", f"/media-works/{work_a.pk}/feedback/",
                f"/media-works/{work_a.pk}/edit/"):  # fmt: skip
        assert client.get(url).status_code == 404
    moderate = client.post(f"/media-works/comments/{comment_a.pk}/moderate/", {"status": "public"})
    assert moderate.status_code == 404
    assert MediaComment.objects.get(pk=comment_a.pk).status == CommentStatus.PENDING
    client.force_login(world.teacher_user)  # teacher A sees the works they teach
    listing = client.get("/media-works/").content.decode()
    assert "市中区作品" in listing and "犍为县作品" not in listing
    client.force_login(world.city_admin)
    listing = client.get("/media-works/", {"kind": "video", "status": "published"})
    assert "市中区作品" in listing.content.decode() and "犍为县作品" in listing.content.decode()


def test_list_page_query_count(client, world, django_assert_max_num_queries):
    for number in range(8):
        make_work(world, title=f"作品{number}")
    client.force_login(world.city_admin)
    with django_assert_max_num_queries(12):
        assert client.get("/media-works/").status_code == 200


# ---- figures and demo -------------------------------------------------------------------


def test_figures_and_demo(world):

    result = build_media_demo(4, city_code=world.city.code)
    assert result["works"] == 40 and result["views"] >= 10_000
    again = build_media_demo(4, city_code=world.city.code)
    assert again == result and MediaWork.objects.count() == 40
    states = set(MediaComment.objects.values_list("status", flat=True))
    assert states == set(CommentStatus.values)
    assert MediaComment.objects.filter(danmaku_at_seconds__isnull=False).exists()
    figures = media_figures(world.city_admin, report_year())
    assert figures["works"]["total"] == 35  # 34 published and 1 withdrawn
    assert sum(figures["works"]["by_kind"].values()) == 35
    assert figures["views"] >= 10_000 and figures["completions"] > 0
    assert figures["comments"] > 0 and figures["danmaku"] > 0
    county_b = media_figures(world.county_b_admin, report_year())
    assert county_b["works"]["total"] < figures["works"]["total"]
    empty = media_figures(world.city_admin, 2001)
    assert empty == {
        "works": {"total": 0, "by_kind": {k: 0 for k in MediaKind.values}},
        "views": 0, "completions": 0, "comments": 0, "danmaku": 0,
    }  # fmt: skip
