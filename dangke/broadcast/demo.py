"""Demo loudspeaker data for a city: one station per village (1,371 for 乐山市 when the real
divisions are loaded), a dozen programmes, slots at 07:00 and 19:00 every day of one month
on every station (the demo year's last month that is over: last month, or December of a
closed year), and that month's plays: about 5,000 reaching about 120,000 listener-times
(seed 004's figures; scaled to the number of villages on a smaller region set).

Every programme is a spoken script read aloud by the speech synthesiser while the demo is
built (espeak-ng, offline), so the programmes page plays real audio and each programme's
duration is the length of its audio. Without espeak-ng the programmes stay text and the
page says synthesis is unavailable.

Deterministic: the same seed and month give the same rows. Rebuilding replaces the city's
broadcast rows."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from dangke.broadcast import rollup
from dangke.broadcast.models import (
    AudioProgramme,
    BroadcastSlot,
    BroadcastStation,
    PlayLog,
    StationStatus,
)
from dangke.core.calendar import YearSoFar, report_year
from dangke.courses.models import Course
from dangke.regions.models import Region, RegionLevel

BATCH = 2000
# Seed 004: 1,371 villages, 5,000+ plays a month, 120,000 listeners.
LESHAN_VILLAGES = 1371
LESHAN_PLAYS = 5136
LESHAN_LISTENERS = 120_000
SLOT_TIMES = ((7, 0), (19, 0))
PROGRAMMES = (
    (
        "学习贯彻党的二十届四中全会精神",
        "全会精神要讲到田间地头，让每一位党员听得懂、记得住、用得上。",
    ),
    (
        "习近平新时代中国特色社会主义思想三十讲",
        "本期讲一讲以人民为中心的发展思想，说说身边的变化。",
    ),
    (
        "乡村振兴政策早知道",
        "今年的产业扶持、人居环境整治和就业帮扶政策，都可以到村党群服务中心咨询。",
    ),
    (
        "农村基层党组织工作条例解读",
        "村党组织怎样开好三会一课，怎样带领群众发展集体经济，本期逐条说明。",
    ),
    ("党员教育管理工作条例十问", "党员每年要参加多少学时的集中学习？流动党员怎样参加组织生活？"),
    ("红色乐山：革命先辈的故事", "讲述革命先辈在乐山大地上播撒火种的故事，传承红色基因。"),
    ("移风易俗 文明乡风", "红白喜事简办，不比阔气比和气，让文明新风吹进每家每户。"),
    ("防汛减灾与安全生产提示", "汛期来临，请大家留意天气预报，远离河道和易发生滑坡的地方。"),
    ("耕地保护与国土空间规划", "耕地是粮食生产的命根子，严禁占用耕地建房和挖塘养鱼。"),
    ("医保社保政策问答", "城乡居民医保怎样缴费，异地就医怎样备案，本期一一解答。"),
    ("村务公开与村民自治", "村里的账目和重大事项要按时公开，村民有权了解、有权监督。"),
    ("科学种养实用技术", "本期介绍茶叶春季管护和生猪防疫的几个要点，欢迎大家收听。"),
)
GREETING = "各位党员群众，大家好，欢迎收听乡村大喇叭公开课堂。今天播出的是：{title}。"
CLOSING = "请大家结合本村实际，把学到的道理用到生产生活中去。本期节目到此结束，感谢收听。"
STATUS_WEIGHTS = ((StationStatus.ONLINE, 93), (StationStatus.OFFLINE, 3), (StationStatus.FAULT, 4))


def build_broadcast_demo(
    seed: int,
    city_code: str = "5111",
    month: tuple[int, int] | None = None,
    *,
    speak: bool = True,
) -> dict[str, int | float]:
    """`speak=False` leaves the programmes as text (tests of the figures need no audio)."""
    rng = random.Random(f"dangke-broadcast:{city_code}:{seed}")
    year, month_number = month or YearSoFar.of(report_year()).last_past_month
    city = Region.objects.get(code=city_code)
    villages = list(
        Region.objects.filter(level=RegionLevel.VILLAGE, code__startswith=city_code)
        .order_by("code")
        .values_list("code", "name")
    )
    with transaction.atomic():
        _clear(city_code)
        stations = _stations(rng, villages)
        programmes = _programmes(rng, city, city_code)
        spoken = _speak(programmes) if speak else 0
        slots = _slots(city, programmes, stations, year, month_number)
        plays = _plays(rng, stations, slots, len(villages))
        rollup.rebuild(region=city_code)  # the plays went in (and out) in bulk
    return {
        "stations": len(stations),
        "programmes": len(programmes),
        "programmes_spoken": spoken,
        "slots": len(slots),
        "plays": len(plays),
        "listeners": sum(play.listeners for play in plays),
        "hours": round(sum(play.duration_seconds for play in plays) / 3600, 1),
    }


def clear_broadcast_demo(city_code: str) -> None:
    """Delete the broadcast rows inside `city_code` (before a demo is rebuilt)."""
    _clear(city_code)
    rollup.rebuild(region=city_code)


def _clear(city_code: str) -> None:
    PlayLog.objects.filter(region__code__startswith=city_code).delete()
    BroadcastSlot.objects.filter(region__code__startswith=city_code).delete()
    AudioProgramme.objects.filter(region__code__startswith=city_code).delete()
    BroadcastStation.objects.filter(region__code__startswith=city_code).delete()


def _stations(rng, villages) -> list[BroadcastStation]:
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    stations = [
        BroadcastStation(
            name=f"{name}大喇叭",
            code=code,
            village_id=code,
            region_id=code,
            status=rng.choices(statuses, weights)[0],
            estimated_listeners=rng.randint(15, 32),
        )
        for code, name in villages
    ]
    BroadcastStation.objects.bulk_create(stations, batch_size=BATCH)
    # bulk_create gives primary keys on PostgreSQL and SQLite; read them back to be sure.
    pk_of = dict(
        BroadcastStation.objects.filter(code__in=[s.code for s in stations]).values_list(
            "code", "pk"
        )
    )
    for station in stations:
        station.pk = pk_of[station.code]
    return stations


def _programmes(rng, city, city_code) -> list[AudioProgramme]:
    courses = list(
        Course.objects.filter(region__code__startswith=city_code)
        .order_by("code")
        .values_list("pk", flat=True)[: len(PROGRAMMES)]
    )
    programmes = [
        AudioProgramme(
            title=title,
            region=city,
            course_id=courses[index] if index < len(courses) else None,
            text=f"{GREETING.format(title=title)}{body}{CLOSING}",
            # The length a text programme is planned at until the synthesiser reads it.
            duration_seconds=60 + rng.randint(0, 59),
        )
        for index, (title, body) in enumerate(PROGRAMMES)
    ]
    AudioProgramme.objects.bulk_create(programmes)
    return list(AudioProgramme.objects.filter(region=city).order_by("pk"))


def _speak(programmes: list[AudioProgramme]) -> int:
    """Read every programme aloud now, so the demo ends with audio (the worker is not
    needed); each programme then lasts as long as its audio. Returns how many were read."""
    from dangke.broadcast.services import synthesise_programme
    from dangke.broadcast.speech import SpeechUnavailable

    spoken = 0
    for programme in programmes:
        try:
            synthesise_programme(programme.pk)
        except SpeechUnavailable:
            return spoken  # no espeak-ng: the page says the programmes wait for it
        programme.refresh_from_db(fields=["audio", "duration_seconds"])
        spoken += 1
    return spoken


def _slots(city, programmes, stations, year, month) -> list[BroadcastSlot]:
    zone = timezone.get_default_timezone()
    day = date(year, month, 1)
    slots = []
    while day.month == month:
        for hour, minute in SLOT_TIMES:
            programme = programmes[len(slots) % len(programmes)]
            start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
            slots.append(
                BroadcastSlot(
                    programme=programme,
                    start=start,
                    end=start + timedelta(seconds=programme.duration_seconds),
                    target_region=city,
                    region=city,
                )
            )
        day += timedelta(days=1)
    BroadcastSlot.objects.bulk_create(slots)
    slots = list(
        BroadcastSlot.objects.filter(region=city, start__gte=slots[0].start)
        .select_related("programme")
        .order_by("start")
    )
    through = BroadcastSlot.stations.through
    links = (
        through(broadcastslot_id=slot.pk, broadcaststation_id=station.pk)
        for slot in slots
        for station in stations
    )
    chunk: list = []
    for link in links:
        chunk.append(link)
        if len(chunk) == BATCH:
            through.objects.bulk_create(chunk)
            chunk = []
    through.objects.bulk_create(chunk)
    return slots


def _plays(rng, stations, slots, village_count) -> list[PlayLog]:
    """Plays of online stations only: offline and broken ones are the villages the month
    never reached."""
    online = [s for s in stations if s.status == StationStatus.ONLINE]
    wanted = round(village_count * LESHAN_PLAYS / LESHAN_VILLAGES)
    target_listeners = round(village_count * LESHAN_LISTENERS / LESHAN_VILLAGES)
    pairs = len(online) * len(slots)
    chosen = sorted(rng.sample(range(pairs), min(wanted, pairs))) if pairs else []
    plays = []
    for number in chosen:
        station, slot = online[number // len(slots)], slots[number % len(slots)]
        played_at = slot.start + timedelta(seconds=rng.randint(0, 180))
        plays.append(
            PlayLog(
                station_id=station.pk,
                region_id=station.region_id,
                programme_id=slot.programme_id,
                slot_id=slot.pk,
                report_id=f"{station.code}-{timezone.localtime(slot.start):%Y%m%d%H%M}",
                played_at=played_at,
                # Most plays run to the end; some stations cut the last seconds.
                duration_seconds=max(
                    1, slot.programme.duration_seconds - rng.choice((0, 0, 0, 5, 10))
                ),
                listeners=max(1, station.estimated_listeners + rng.randint(-6, 6)),
            )
        )
    # Nudge the listener estimates so the month reaches the seed's figure.
    shortfall = target_listeners - sum(play.listeners for play in plays)
    for index in range(abs(shortfall) if plays else 0):
        play = plays[index % len(plays)]
        play.listeners = max(1, play.listeners + (1 if shortfall > 0 else -1))
    PlayLog.objects.bulk_create(plays, batch_size=BATCH)
    return plays
