"""What the twenty generated cities do besides their lessons (issue #18: "every city at the
seeds' proportions … contests, reviews, media"), in the province's year and each city's
scope, with the city demo's states and shares:

- contests: each city's 十佳课程擂台赛, run by `contests.demo` exactly as 嘉州's (entries,
  expert and peer judges, the solver's assignments, scored sheets, the final, the notice
  and the promotion), as far as the calendar has reached;
- annual reviews: each city's quotas and 能进能退 rules as 嘉州's office sets them, the
  year's review of its pool (as `faculty.lifecycle.compute_reviews` makes it, but
  without the scores: `UnscoredReviews`), the proposals its
  rule makes (`propose_changes`) and four candidates' trial lectures; the province's
  office reviews its 省级 teachers;
- media: per city seed 004's four columns, three series and 40 works in 嘉州's kinds and
  states, views and completions, members' comments and 弹幕 in every review state (no
  files: the city demo's recordings and slideshows stay 嘉州's);
- loudspeakers: per city the dozen programmes (as text: the synthesiser reads them when
  asked), the 07:00 and 19:00 slots of the last month that is over on every station, and
  that month's plays at seed 004's figures per village (5,136 plays and 120,000
  listener-times for 乐山's 1,371 villages).

Contests, columns, works and programmes are per city (one contest a year, 40 works, 12
programmes: seed figures of a city, not scaled by `--fraction`); reviews follow the
teachers, plays and slot links the stations, so those scale with the fraction.

Contests and proposals go through their apps' services (a few hundred rows a city,
already written in batches there); reviews, media and loudspeaker rows go through
`bulkload.rows_for` (COPY on PostgreSQL, `executemany` on SQLite, the same rows)."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from dangke.broadcast import demo as broadcast_demo
from dangke.broadcast import rollup as play_rollup
from dangke.broadcast.models import AudioProgramme, BroadcastSlot, PlayLog, StationStatus
from dangke.core.bulkload import IndexesAside
from dangke.core.calendar import local_midnight
from dangke.media import demo as media_demo
from dangke.media.models import (
    MediaColumn,
    MediaComment,
    MediaKind,
    MediaSeries,
    MediaWork,
    WorkStatus,
)

HOME_NAME = "乐山"


def local(text: str, city) -> str:
    """The city demo's wording with 乐山 replaced by the generated city's own name."""
    return text.replace(HOME_NAME, city.short)


# --- contests -------------------------------------------------------------------------------


def build_contests(builder) -> dict[str, int]:
    from dangke.contests.demo import ENTRIES, build_contests_demo

    # A contest in proportion to the city (40 entries at full size), never too small to fill
    # a final of 15 with one entry left out of it: a trial at a small fraction stays quick.
    entries = max(16, round(ENTRIES * builder.fraction))
    counts: dict[str, int] = defaultdict(int)
    for city in builder.cities:
        # Each city's own draw: the same seed would give every city the same judges' moods.
        seed = builder.seed * 10_000 + int(city.code)
        made = build_contests_demo(seed, city.code, period=builder.period, entries_wanted=entries)
        for key, value in made.items():
            counts[key] += value
    return {
        "province_contests": counts["contests"],
        "contest_entries": counts["entries"],
        "contest_judges": counts["judges"],
        "contest_sheets": counts["reviews"],
        "contest_promoted": counts["promoted"],
    }


# --- annual reviews -------------------------------------------------------------------------


def build_reviews(builder) -> dict[str, int]:
    """Quotas for three years and this year's and last year's rules per city, as 嘉州's
    office has them (`faculty.demo`); a quota for the office's 省级 teachers; then the
    year's reviews and what the rule proposes from them."""
    from dangke.faculty import lifecycle
    from dangke.faculty.demo import FAILING, PASSING, QUOTAS, TOPICS
    from dangke.faculty.models import (
        LifecycleRule,
        Quota,
        Teacher,
        TeacherLevel,
        TeacherStatus,
        TrialLecture,
    )

    year, today = builder.year, builder.period.today
    quotas, rules = [], []
    for city in builder.cities:
        for y in (year - 2, year - 1, year):
            for level, (lessons, hours) in QUOTAS.items():
                if level == TeacherLevel.PROVINCE:
                    continue  # the generated cities' 省级 teachers are the office's
                quotas.append(
                    Quota(region=city.region, year=y, level=level, min_lessons=lessons,
                          min_hours=hours, min_score=Decimal("80"), min_responses=30)
                )  # fmt: skip
        rules += [LifecycleRule(region=city.region, year=y) for y in (year - 1, year)]
    lessons, hours = QUOTAS[TeacherLevel.PROVINCE]
    for y in (year - 2, year - 1, year):
        quotas.append(
            Quota(region=builder.province, year=y, level=TeacherLevel.PROVINCE,
                  min_lessons=lessons, min_hours=hours, min_score=Decimal("80"), min_responses=30)
        )  # fmt: skip
    Quota.objects.bulk_create(quotas)
    LifecycleRule.objects.bulk_create(rules)
    counts: dict[str, int] = defaultdict(int)
    reviews = UnscoredReviews(builder, year, today)
    for city in builder.cities:
        pool = Teacher.objects.unscoped("the city's pool, just generated").filter(
            region__code__startswith=city.code, status__in=lifecycle.IN_POOL
        )
        for key, value in reviews.write(pool).items():
            counts[key] += value
        reviews.flush()  # the rule reads them back
        rule = LifecycleRule.objects.get(region=city.region, year=year)
        counts["proposals"] += len(lifecycle.propose_changes(rule, today=today, recompute=False))
        # Candidates' trial lectures, as 嘉州's: some pass the rule's line, some do not yet.
        rng = builder.rng(f"trials:{city.code}")
        candidates = Teacher.objects.unscoped("the city's candidates, just generated").filter(
            region__code__startswith=city.code, status=TeacherStatus.CANDIDATE
        )
        lectures = [
            TrialLecture(
                teacher=teacher, region_id=teacher.region_id,
                held_on=today - datetime.timedelta(days=20 + index * 7), topic=rng.choice(TOPICS),
                score=Decimal(str(round(rng.uniform(*PASSING if index % 2 == 0 else FAILING), 1))),
                remarks="试讲评议组意见：内容扎实，表达清楚" if index % 2 == 0 else "需加强案例",
            )
            for index, teacher in enumerate(candidates.order_by("code")[:4])
        ]  # fmt: skip
        counts["trials"] += len(TrialLecture.objects.bulk_create(lectures))
    office = Teacher.objects.unscoped("the province office's own pool").filter(
        region_id=builder.province.code, status__in=lifecycle.IN_POOL
    )
    for key, value in reviews.write(office).items():
        counts[key] += value
    reviews.finish()
    return {
        "province_reviews": counts["reviews"],
        "province_reviews_passed": counts["passed"],
        "province_reviews_failed": counts["failed"],
        "province_status_proposals": counts["proposals"],
        "province_trial_lectures": counts["trials"],
    }


class UnscoredReviews:
    """`faculty.lifecycle.compute_reviews` without the scores: the province's surveys are
    loaded unscored (`dangke rescore` scores them), and the review would score every one of
    a teacher's surveys first (about twelve queries each: hours for 28,000 surveys at
    fraction 0.05). Everything else is the app's own: lessons and hours, campaigns,
    trainings, further study and contest results read by `lifecycle`, the quota along the
    region chain and `lifecycle.judge`, whose verdict leaves a score without responses
    unjudged (样本不足). After a rescore the office's 重新计算 on the review page adds the
    scores."""

    def __init__(self, builder, year: int, today: datetime.date):
        from dangke.faculty import lifecycle
        from dangke.faculty.models import AnnualReview

        self.lifecycle = lifecycle
        self.year, self.final = year, today.year > year
        self.quotas = lifecycle.quotas_by_key(year)
        self.now = timezone.now()
        self.rows = builder.rows(
            AnnualReview,
            ["teacher", "year", "region", "level", "quota", "lessons", "hours", "campaigns",
             "score", "ci_low", "ci_high", "n_responses", "lessons_scored", "trainings",
             "further_study", "contest_results", "passed", "shortfalls", "is_final",
             "computed_at"],
        )  # fmt: skip

    def write(self, teachers) -> dict[str, int]:
        lifecycle, year = self.lifecycle, self.year
        teachers = list(teachers.only("pk", "region_id", "level").order_by("pk"))
        ids = [t.pk for t in teachers]
        lessons = lifecycle.lesson_figures(ids, year)
        trainings = lifecycle.training_figures(ids, year)
        further_study = lifecycle.further_study_figures(ids, year)
        contests = lifecycle.contest_results_hook(ids, year)
        counts = {"reviews": 0, "passed": 0, "failed": 0}
        for teacher in teachers:
            figures = {
                **lessons.get(teacher.pk, {"lessons": 0, "hours": 0.0, "campaigns": 0}),
                **lifecycle.EMPTY_SCORE,
                "trainings": trainings.get(teacher.pk, 0),
                "further_study": further_study.get(teacher.pk, 0),
            }
            quota = lifecycle.quota_for(teacher, year, self.quotas)
            verdict = lifecycle.judge(figures, quota)
            self.rows.add(
                teacher.pk, year, teacher.region_id, teacher.level, quota.pk if quota else None,
                figures["lessons"], Decimal(str(figures["hours"])), figures["campaigns"],
                None, None, None, 0, 0, figures["trainings"], figures["further_study"],
                json.dumps(contests.get(teacher.pk, []), ensure_ascii=False), verdict.passed,
                json.dumps(verdict.shortfalls, ensure_ascii=False), self.final, self.now,
            )  # fmt: skip
            counts["reviews"] += 1
            if verdict.passed is not None:
                counts["passed" if verdict.passed else "failed"] += 1
        return counts

    def flush(self) -> None:
        self.rows.flush()

    def finish(self) -> None:
        self.rows.finish()


# --- media ----------------------------------------------------------------------------------


def build_media(builder) -> dict[str, int]:
    period = builder.period
    now = period.now
    works = builder.rows(
        MediaWork,
        ["title", "kind", "status", "summary", "region", "column", "series", "episode",
         "course", "teacher", "file", "file_kind", "body", "duration_seconds", "view_count",
         "completion_count", "published_at", "created_at"],
    )  # fmt: skip
    comments = builder.rows(
        MediaComment,
        ["work", "region", "body", "danmaku_at_seconds", "nickname", "status", "created_at"],
    )
    until = local_midnight(period.last_past_day + datetime.timedelta(days=1))
    counts: dict[str, int] = defaultdict(int)
    for city in builder.cities:
        rng = builder.rng(f"media:{city.code}")
        MediaColumn.objects.bulk_create(
            MediaColumn(name=local(name, city), region=city.region, position=position)
            for position, name in enumerate(media_demo.COLUMNS, start=1)
        )
        MediaSeries.objects.bulk_create(
            MediaSeries(name=name, description=local(text, city), region=city.region,
                        position=position)
            for position, (name, text) in enumerate(media_demo.SERIES, start=1)
        )  # fmt: skip
        columns = list(MediaColumn.objects.filter(region=city.region).order_by("position"))
        series = list(MediaSeries.objects.filter(region=city.region).order_by("position"))
        teachers = [t.pk for key in sorted(city.teachers) for t in city.teachers[key]][:200]
        courses = sorted({pair[0] for pairs in city.pairs.values() for pair in pairs})[:200]
        kinds, statuses = list(media_demo.KIND_PLAN), list(media_demo.STATUS_PLAN)
        rng.shuffle(kinds)
        rng.shuffle(statuses)
        episodes = [0] * len(series)
        city_views = 0
        made = []  # (pk, kind, status, duration, published_at, region)
        for index in range(media_demo.WORKS):
            kind, status = kinds[index], statuses[index]
            topic = local(media_demo.TOPICS[index % len(media_demo.TOPICS)], city)
            episode = index // len(media_demo.TOPICS) + 1
            published = period.has_past_days and status in (
                WorkStatus.PUBLISHED,
                WorkStatus.WITHDRAWN,
            )
            duration = 0 if kind == MediaKind.ARTICLE else rng.randint(3, 12) * 60
            views = rng.randint(150, 550) if published else 0
            if index == media_demo.WORKS - 1:
                # seed 000: 10,000+ views a city; the last work makes up any shortfall.
                views += max(0, media_demo.MIN_VIEWS - city_views - views)
            city_views += views
            at = media_demo._publication(rng, period) if published else None
            in_series = index % 8 < len(series)
            region = rng.choice(city.counties).code
            pk = works.add(
                f"{topic}（{episode}）" if episode > 1 else topic,
                str(kind),
                str(status),
                f"{MediaKind(kind).label}：{topic}。",
                region,
                columns[index % len(columns)].pk,
                series[index % 8].pk if in_series else None,
                media_demo._next_episode(episodes, index),
                rng.choice(courses) if courses and rng.random() < 0.6 else None,
                rng.choice(teachers) if teachers else None,
                "",
                "",
                f"{topic}。（图文示例正文）" if kind == MediaKind.ARTICLE else "",
                duration,
                views,
                int(views * rng.uniform(0.4, 0.75)),
                at,
                at or now,
            )
            made.append((pk, kind, status, duration, at, region))
            counts["works"] += 1
            counts["views"] += views
        states = iter(media_demo.COMMENT_STATES)  # every review state appears in every city
        for pk, kind, status, duration, at, region in made:
            if status != WorkStatus.PUBLISHED:
                continue
            span = (until - at).total_seconds()
            lines = [
                (rng.choice(media_demo.COMMENTS), None,
                 rng.choice(("", "", "老党员", "村委小王", "青年党员")))
                for _ in range(rng.randint(2, 6))
            ]  # fmt: skip
            if kind in (MediaKind.VIDEO, MediaKind.ANIMATION) and duration:
                peaks = [rng.randint(0, duration - 1) for _ in range(2)]
                for _ in range(rng.randint(4, 12)):
                    moment = min(duration, max(0, rng.choice(peaks) + rng.randint(-10, 10)))
                    lines.append((rng.choice(media_demo.DANMAKU), moment, ""))
            for body, moment, nickname in lines:
                forced = next(states, None)
                state = forced[0] if forced else media_demo._state(rng)
                posted = at + datetime.timedelta(seconds=rng.uniform(0, span))
                comments.add(pk, region, body, moment, nickname, str(state), posted)
                counts["danmaku" if moment is not None else "comments"] += 1
        counts["columns"] += len(columns) + len(series)
    works.finish()
    comments.finish()
    return {
        "media_works": counts["works"],
        "media_views": counts["views"],
        "media_comments": counts["comments"],
        "media_danmaku": counts["danmaku"],
    }


# --- loudspeaker programmes, slots and plays ------------------------------------------------


def build_broadcast(builder) -> dict[str, int]:
    """The city demo's month (`broadcast.demo`) on every generated city's stations."""
    year, month = builder.period.last_past_month
    zone = timezone.get_default_timezone()
    now = builder.period.now
    links_model = BroadcastSlot.stations.through
    aside = IndexesAside([links_model, PlayLog])
    aside.drop()
    programme_rows = builder.rows(
        AudioProgramme, ["title", "region", "course", "audio", "text", "duration_seconds",
                         "created_by", "created_at"]
    )  # fmt: skip
    slot_rows = builder.rows(
        BroadcastSlot,
        ["programme", "start", "end", "target_region", "region", "created_by", "created_at"],
    )
    link_rows = builder.rows(links_model, ["broadcastslot", "broadcaststation"])
    play_rows = builder.rows(
        PlayLog,
        ["station", "region", "programme", "slot", "report_id", "played_at", "duration_seconds",
         "listeners", "received_at"],
    )  # fmt: skip
    counts: dict[str, int] = defaultdict(int)
    first = datetime.date(year, month, 1)
    days = [
        first + datetime.timedelta(days=n)
        for n in range(31)
        if (first + datetime.timedelta(days=n)).month == month
    ]
    for city in builder.cities:
        rng = builder.rng(f"broadcast:{city.code}")
        courses = sorted({pair[0] for pairs in city.pairs.values() for pair in pairs})
        programmes = []
        for index, (title, body) in enumerate(broadcast_demo.PROGRAMMES):
            title, body = local(title, city), local(body, city)
            text = f"{broadcast_demo.GREETING.format(title=title)}{body}{broadcast_demo.CLOSING}"
            duration = 60 + rng.randint(0, 59)
            course = courses[index] if index < len(courses) else None
            pk = programme_rows.add(title, city.code, course, "", text, duration, None, now)
            programmes.append((pk, duration))
        slots = []  # (pk, start, programme pk, programme duration)
        for day in days:
            for hour, minute in broadcast_demo.SLOT_TIMES:
                programme, duration = programmes[len(slots) % len(programmes)]
                start = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                end = start + datetime.timedelta(seconds=duration)
                pk = slot_rows.add(programme, start, end, city.code, city.code, None, now)
                slots.append((pk, start, programme, duration))
        # A slot aimed at the city is expanded to all its stations, as scheduling does.
        for slot in slots:
            for station in city.stations:
                link_rows.add(slot[0], station[0])
        online = [s for s in city.stations if s[2] == StationStatus.ONLINE]
        villages = len(city.stations)
        wanted = round(villages * broadcast_demo.LESHAN_PLAYS / broadcast_demo.LESHAN_VILLAGES)
        listeners_wanted = round(
            villages * broadcast_demo.LESHAN_LISTENERS / broadcast_demo.LESHAN_VILLAGES
        )
        pairs = len(online) * len(slots)
        chosen = sorted(rng.sample(range(pairs), min(wanted, pairs))) if pairs else []
        plays = []
        for number in chosen:
            station, slot = online[number // len(slots)], slots[number % len(slots)]
            slot_pk, start, programme, duration = slot
            plays.append(
                [station[0], station[1], programme, slot_pk,
                 f"{station[1]}-{timezone.localtime(start):%Y%m%d%H%M}",
                 start + datetime.timedelta(seconds=rng.randint(0, 180)),
                 max(1, duration - rng.choice((0, 0, 0, 5, 10))),
                 max(1, station[3] + rng.randint(-6, 6))]
            )  # fmt: skip
        # Nudge the listener estimates so the month reaches the seed's figure per village.
        shortfall = listeners_wanted - sum(play[7] for play in plays)
        for index in range(abs(shortfall) if plays else 0):
            play = plays[index % len(plays)]
            play[7] = max(1, play[7] + (1 if shortfall > 0 else -1))
        for play in plays:
            play_rows.add(*play, play[5])
            counts["listeners"] += play[7]
            counts["seconds"] += play[6]
        counts["programmes"] += len(programmes)
        counts["slots"] += len(slots)
        counts["plays"] += len(plays)
        counts["links"] += len(slots) * len(city.stations)
    for rows in (programme_rows, slot_rows, link_rows, play_rows):
        rows.finish()
    aside.restore()
    play_rollup.rebuild()  # the plays went in by COPY, past the rollup's upkeep
    return {
        "province_programmes": counts["programmes"],
        "province_slots": counts["slots"],
        "province_slot_stations": counts["links"],
        "province_plays": counts["plays"],
        "province_listeners": counts["listeners"],
    }
