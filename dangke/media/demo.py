"""Demo new-media data for a city: four columns and 40 works (seed 004's figure) of every
kind, 34 of them published with 10,000+ views in all, and members' comments and 弹幕 in
every review state, so the portal, the moderation queue and the feedback pages have
something to show.

Works are grouped in columns and in three series (numbered episodes). Some works play:
every published audio work has its topic read aloud by espeak-ng (WAV), one is a 360°
panorama drawn offline (`panorama_sample`), and the first few
published videos carry a 20-second silent slideshow (MP4); both are made offline in well
under a second (`dangke.media.samples`). The others have no file: upload one from the
office page.

Deterministic: the same seed on the same day gives the same rows and the same files
(publication dates fall on the past days of the demo's year, never after the build).
Rebuilding replaces the city's new-media rows and demo files."""

from __future__ import annotations

import random
from datetime import time, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from dangke.core.calendar import YearSoFar, local_midnight, report_year
from dangke.courses.models import Course
from dangke.faculty.models import Teacher
from dangke.media.models import (
    CommentStatus,
    MediaColumn,
    MediaComment,
    MediaKind,
    MediaSeries,
    MediaWork,
    WorkStatus,
)
from dangke.regions.models import Region, RegionLevel

WORKS = 40  # seed 004: 40 new-media works
MIN_VIEWS = 10_000  # seed 000: 10,000+ views
COLUMNS = ("乡村振兴微课堂", "红色乐山", "政策一点通", "党员e课堂")
# (name, description): works whose index % 8 is the series' number join it, in order.
SERIES = (
    ("三分钟微党课", "每集三分钟，讲透一个要点"),
    ("乡村振兴这样干", "身边的产业、治理和人才故事"),
    ("红色故事我来讲", "乐山大地上的革命故事"),
)
PLAYABLE_VIDEOS = 4  # published videos that get a demo slideshow
# Seed 004 (VR of Party history): one published video becomes a 360° panorama, drawn here.
PANORAMA_TITLE = "红色纪念馆 360° 全景（示意）"
FILES_DIR = "media_works/demo"
VIDEO_POINTS = ("一、学原文：把握核心要义", "二、讲案例：身边的好做法", "三、促落实：我们这样干")
TOPICS = (
    "三分钟读懂党的二十届四中全会精神", "村级集体经济怎么壮大", "红军长征过乐山",
    "农村基层党组织工作条例要点", "党员如何当好“领头雁”", "耕地保护红线不能碰",
    "移风易俗新风尚", "乡村治理“积分制”", "发展特色产业的致富经", "网格员的一天",
    "医保政策问答", "防汛减灾小常识", "村规民约怎么订", "退役军人党员先锋故事",
    "小茶叶大产业", "人居环境整治看变化", "“三会一课”这样开", "共同富裕路上的乐山实践",
    "讲好身边的红色故事", "党员志愿服务在行动",
)  # fmt: skip
KIND_PLAN = (
    [MediaKind.VIDEO] * 18 + [MediaKind.ANIMATION] * 8 + [MediaKind.AUDIO] * 10
    + [MediaKind.ARTICLE] * 4
)  # fmt: skip
STATUS_PLAN = (
    [WorkStatus.PUBLISHED] * 34
    + [WorkStatus.IN_REVIEW] * 3
    + [WorkStatus.DRAFT] * 2
    + [WorkStatus.WITHDRAWN] * 1
)
COMMENTS = (
    "老师讲得很生动，接地气", "案例很实用，回去就用得上", "受益匪浅，点赞", "讲得透彻，通俗易懂",
    "内容有点太长了", "有些地方听不懂，希望放慢一点", "声音小，听不清", "希望多讲讲乡村振兴的案例",
    "形式新颖，比念稿子强多了", "感谢老师，学到了", "画面清楚，字幕也好", "有点枯燥",
    "村里的党员都在看", "能不能出个方言版", "政策讲得明白", "这一段很感人",
)  # fmt: skip
DANMAKU = ("讲得好", "这里重要", "记笔记", "说到心坎上了", "没听清", "点赞", "原来如此", "太快了")
COMMENT_STATES = (
    (CommentStatus.PUBLIC, 55),
    (CommentStatus.PENDING, 20),
    (CommentStatus.PRIVATE, 15),
    (CommentStatus.REMOVED, 10),
)


def build_media_demo(
    seed: int, city_code: str = "5111", period: YearSoFar | None = None
) -> dict[str, int]:
    """`period` is the year the works are published in, as far as it has happened (by
    default the year the office reports on)."""
    period = period or YearSoFar.of(report_year())
    rng = random.Random(f"dangke-media:{city_code}:{seed}")
    city = Region.objects.get(code=city_code)
    counties = list(
        Region.objects.filter(code__startswith=city_code, level=RegionLevel.COUNTY).order_by("code")
    ) or [city]
    teachers = list(
        Teacher.objects.filter(region__code__startswith=city_code).order_by("code")[:200]
    )
    courses = list(Course.objects.filter(region__code__startswith=city_code).order_by("code")[:200])
    with transaction.atomic():
        clear_media_demo(city_code)
        columns = [
            MediaColumn.objects.create(name=name, region=city, position=position)
            for position, name in enumerate(COLUMNS, start=1)
        ]
        series = [
            MediaSeries.objects.create(
                name=name, description=description, region=city, position=position
            )
            for position, (name, description) in enumerate(SERIES, start=1)
        ]
        episodes = [0] * len(series)
        kinds, statuses = list(KIND_PLAN), list(STATUS_PLAN)
        rng.shuffle(kinds)
        rng.shuffle(statuses)
        works = []
        for index in range(WORKS):
            kind, status = kinds[index], statuses[index]
            topic = TOPICS[index % len(TOPICS)]
            episode = index // len(TOPICS) + 1
            published = period.has_past_days and status in (
                WorkStatus.PUBLISHED,
                WorkStatus.WITHDRAWN,
            )
            duration = 0 if kind == MediaKind.ARTICLE else rng.randint(3, 12) * 60
            views = rng.randint(150, 550) if published else 0
            works.append(
                MediaWork(
                    title=f"{topic}（{episode}）" if episode > 1 else topic,
                    kind=kind,
                    status=status,
                    summary=f"{MediaKind(kind).label}：{topic}。",
                    body=f"{topic}。\n\n（图文示例正文）" if kind == MediaKind.ARTICLE else "",
                    region=rng.choice(counties),
                    column=columns[index % len(columns)],
                    series=series[index % 8] if index % 8 < len(series) else None,
                    episode=_next_episode(episodes, index),
                    course=rng.choice(courses) if courses and rng.random() < 0.6 else None,
                    teacher=rng.choice(teachers) if teachers else None,
                    duration_seconds=duration,
                    view_count=views,
                    completion_count=int(views * rng.uniform(0.4, 0.75)),
                    published_at=_publication(rng, period) if published else None,
                )
            )
        _make_one_a_panorama(works)
        files = _attach_demo_files(works, city_code)
        shortfall = MIN_VIEWS - sum(work.view_count for work in works)
        if shortfall > 0:
            top = max(works, key=lambda work: work.view_count)
            top.view_count += shortfall + rng.randint(0, 500)
        MediaWork.objects.bulk_create(works)
        comments = _comments(rng, [w for w in works if w.status == WorkStatus.PUBLISHED], period)
    return {
        "columns": len(columns),
        "series": len(series),
        "files": files,
        "works": len(works),
        "published": sum(1 for w in works if w.status == WorkStatus.PUBLISHED),
        "views": sum(w.view_count for w in works),
        "comments": sum(1 for c in comments if c.danmaku_at_seconds is None),
        "danmaku": sum(1 for c in comments if c.danmaku_at_seconds is not None),
    }


def clear_media_demo(city_code: str) -> None:
    """Delete the new-media rows inside `city_code` and the demo's files of their works
    (before a demo is rebuilt)."""
    works = MediaWork.objects.filter(region__code__startswith=city_code)
    names = [name for name in works.values_list("file", flat=True) if name]
    MediaComment.objects.filter(region__code__startswith=city_code).delete()
    works.delete()
    MediaColumn.objects.filter(region__code__startswith=city_code).delete()
    MediaSeries.objects.filter(region__code__startswith=city_code).delete()
    for name in names:
        if name.startswith(f"{FILES_DIR}/") and default_storage.exists(name):
            default_storage.delete(name)


def _publication(rng: random.Random, period: YearSoFar):
    """A moment of a past day of the year, in office hours."""
    day = period.first_day + timedelta(days=rng.randrange(period.past_days))
    return period.at(day, time(rng.randint(8, 20), rng.choice((0, 30))))


def _next_episode(episodes: list[int], index: int) -> int | None:
    number = index % 8
    if number >= len(episodes):
        return None
    episodes[number] += 1
    return episodes[number]


def _store(name: str, data: bytes) -> str:
    """Save under exactly `name` (replacing an earlier build's file), so the same build
    gives the same paths."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def _attach_demo_files(works: list[MediaWork], city_code: str) -> int:
    """Real files for some published works: every audio work is read aloud, the first
    `PLAYABLE_VIDEOS` videos get a slideshow. Sets their file, format and true duration.
    Without espeak-ng the audio works simply stay without a file."""
    from dangke.broadcast.speech import SpeechUnavailable
    from dangke.media.samples import lesson_video, spoken_wav

    attached, videos = 0, 0
    for index, work in enumerate(works):
        if work.status != WorkStatus.PUBLISHED:
            continue
        stem = f"{FILES_DIR}/{city_code}-{index + 1:02d}"
        topic = work.title
        if work.kind == MediaKind.AUDIO:
            try:
                audio, seconds = spoken_wav(f"{topic}。新媒体党课，欢迎收听，欢迎留言。")
            except SpeechUnavailable:
                continue
            work.file, work.file_kind = _store(f"{stem}.wav", audio), "wav"
        elif work.kind == MediaKind.PANORAMA:
            from dangke.media.panorama_sample import panorama_jpeg

            work.file = _store(f"{stem}.jpg", panorama_jpeg(title="红色纪念馆（示意）"))
            work.file_kind, seconds = "jpg", 0
        elif work.kind == MediaKind.VIDEO and videos < PLAYABLE_VIDEOS:
            videos += 1
            points = [f"本期：{topic}", *VIDEO_POINTS, "欢迎在下方留言、发弹幕"]
            seconds_per_slide = 4
            data = lesson_video(topic, points, seconds_per_slide=seconds_per_slide)
            work.file, work.file_kind = _store(f"{stem}.mp4", data), "mp4"
            seconds = seconds_per_slide * len(points)
        else:
            continue
        work.duration_seconds = seconds
        attached += 1
    return attached


def _make_one_a_panorama(works: list[MediaWork]) -> None:
    """The last published video with a course becomes the demo's 360° panorama (the first
    ones carry slideshows), so a course shows it among its media too."""
    candidates = [
        w for w in works if w.status == WorkStatus.PUBLISHED and w.kind == MediaKind.VIDEO
    ]
    chosen = next((w for w in reversed(candidates) if w.course is not None), None)
    if chosen is None and candidates:
        chosen = candidates[-1]
    if chosen is None:
        return
    chosen.kind = MediaKind.PANORAMA
    chosen.title = PANORAMA_TITLE
    chosen.summary = "拖动或转动手机环顾四周：纪念馆、广场、旗杆与远山（演示用示意全景）。"
    chosen.duration_seconds = 0


def _state(rng) -> str:
    values, weights = zip(*COMMENT_STATES, strict=True)
    return rng.choices(values, weights)[0]


def _comments(rng, works, period: YearSoFar) -> list[MediaComment]:
    """Members' comments and 弹幕, each posted between its work's publication and the end of
    the demo's last past day (so they count in the demo's year)."""
    rows = []
    for work in works:
        for _ in range(rng.randint(2, 6)):
            rows.append(
                MediaComment(
                    work=work,
                    region_id=work.region_id,
                    body=rng.choice(COMMENTS),
                    nickname=rng.choice(("", "", "老党员", "村委小王", "青年党员")),
                    status=_state(rng),
                )
            )
        if work.kind in (MediaKind.VIDEO, MediaKind.ANIMATION) and work.duration_seconds:
            # 弹幕 cluster around two moments of each video, as they do in real ones.
            peaks = [rng.randint(0, work.duration_seconds - 1) for _ in range(2)]
            for _ in range(rng.randint(4, 12)):
                at = min(work.duration_seconds, max(0, rng.choice(peaks) + rng.randint(-10, 10)))
                rows.append(
                    MediaComment(
                        work=work,
                        region_id=work.region_id,
                        body=rng.choice(DANMAKU),
                        danmaku_at_seconds=at,
                        status=_state(rng),
                    )
                )
    # Make sure every review state appears, whatever the draw.
    for row, state in zip(rows, CommentStatus.values, strict=False):
        row.status = state
    created = MediaComment.objects.bulk_create(rows)
    # created_at is set on insert (auto_now_add); the posting moments are written after.
    until = local_midnight(period.last_past_day + timedelta(days=1))
    for row in created:
        span = (until - row.work.published_at).total_seconds()
        row.created_at = row.work.published_at + timedelta(seconds=rng.uniform(0, span))
    MediaComment.objects.bulk_update(created, ["created_at"], batch_size=500)
    return created
