"""Every write of the loudspeaker app: station tokens, programmes, schedules, play reports,
and the month's figures. Views, the station API, imports, commands and the demo call these
functions; nothing else writes the rows."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from dangke.accounts.scoping import Scope, as_scope
from dangke.broadcast import rollup
from dangke.broadcast.models import (
    AudioProgramme,
    BroadcastSlot,
    BroadcastStation,
    PlayLog,
    StationStatus,
)
from dangke.broadcast.uploads import check_audio
from dangke.core.calendar import month_bounds
from dangke.core.uploads import UploadRejected
from dangke.regions.models import CODE_LENGTH, Organization, Region, RegionLevel

TOKEN_PREFIX = "st_"
MAX_REPORTS_PER_REQUEST = 5000
MAX_PLAY_SECONDS = 24 * 3600
FUTURE_TOLERANCE = timedelta(minutes=5)
# A play reported this long before its slot starts still belongs to the slot.
SLOT_EARLY_TOLERANCE = timedelta(minutes=10)
BATCH = 1000


class SlotConflict(ValidationError):
    """A station already has a slot at that time."""


class BusyMonths:
    """What to do with stations whose village organisations are in a busy farming month."""

    WARN = "warn"  # schedule them anyway, with a warning
    SKIP = "skip"  # leave them out, with a warning
    IGNORE = "ignore"


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _time_range(start: datetime, end: datetime) -> str:
    start, end = local(start), local(end)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


# Stations and tokens


def create_station(village: Region, *, name: str = "", estimated_listeners: int = 0):
    if village.level != RegionLevel.VILLAGE:
        raise ValidationError(f"「{village.name}」不是村（社区）级区划，不能设大喇叭站点")
    return BroadcastStation.objects.create(
        name=name or f"{village.name}大喇叭",
        code=village.code,
        village=village,
        region=village,
        estimated_listeners=estimated_listeners,
    )


def issue_station_token(station: BroadcastStation) -> str:
    """A new token for the station, returned once; only its sha256 is stored, and any
    earlier token of the station stops working."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    BroadcastStation.objects.filter(pk=station.pk).update(
        token_hash=BroadcastStation.hash_token(token), token_prefix=token[:8]
    )
    station.token_hash = BroadcastStation.hash_token(token)
    station.token_prefix = token[:8]
    return token


def station_for_token(token: str) -> BroadcastStation | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    return (
        BroadcastStation.objects.unscoped("a station authenticates by its token")
        .filter(token_hash=BroadcastStation.hash_token(token))
        .select_related("region")
        .first()
    )


def set_station_status(station: BroadcastStation, status: str) -> None:
    if status not in StationStatus.values:
        raise ValidationError(f"未知的站点状态「{status}」")
    BroadcastStation.objects.filter(pk=station.pk).update(status=status)
    station.status = status


# Programmes


def create_programme(
    *,
    title: str,
    region: Region,
    duration_seconds: int,
    audio=None,
    text: str = "",
    course=None,
    created_by=None,
) -> AudioProgramme:
    """A programme from an uploaded recording (checked by content) or from a text that a
    speech synthesiser will read later."""
    if audio is None and not text.strip():
        raise ValidationError("请上传音频文件，或填写供语音合成的播报文本")
    if duration_seconds <= 0:
        raise ValidationError("节目时长必须大于 0 秒")
    if audio is not None:
        try:
            check_audio(audio)
        except UploadRejected as error:  # the programmes page shows ValidationErrors
            raise ValidationError(str(error)) from error
    programme = AudioProgramme(
        title=title,
        region=region,
        duration_seconds=duration_seconds,
        text=text,
        course=course,
        created_by=created_by,
    )
    if audio is not None:
        programme.audio = audio
    programme.save()
    return programme


# Schedules


@dataclass
class ScheduleResult:
    slot: BroadcastSlot
    station_count: int
    warnings: list[str] = field(default_factory=list)


def schedule_slot(
    programme: AudioProgramme,
    start: datetime,
    *,
    stations=None,
    target_region: Region | None = None,
    created_by=None,
    scope: Scope | None = None,
    busy_months: str = BusyMonths.WARN,
) -> ScheduleResult:
    """Schedule `programme` at `start` on the given stations, or on every station inside
    `target_region` (a county: all its villages' stations). Refused with `SlotConflict`
    when any of those stations already has a slot that overlaps; nothing is written then.
    With a `scope`, every station must lie in a region the scope manages."""
    if timezone.is_naive(start):
        raise ValidationError("开始时间必须带时区")
    if (stations is None) == (target_region is None):
        raise ValidationError("请选择播出站点，或选择一个区划（播出到其全部站点）")
    end = start + timedelta(seconds=programme.duration_seconds)
    warnings: list[str] = []
    with transaction.atomic():
        if target_region is not None:
            chosen = BroadcastStation.objects.unscoped("checked against the scope below").filter(
                region__code__startswith=target_region.code
            )
        else:
            chosen = BroadcastStation.objects.unscoped("checked against the scope below").filter(
                pk__in=[getattr(station, "pk", station) for station in stations]
            )
        chosen = list(chosen.select_for_update().order_by("region_id"))
        if not chosen:
            where = f"「{target_region.name}」内" if target_region else "所选范围内"
            raise ValidationError(f"{where}没有大喇叭站点，无法安排播出")
        if scope is not None:
            outside = [s for s in chosen if not scope.manages_region(s.region_id)]
            if outside or (target_region and not scope.manages_region(target_region.code)):
                raise PermissionDenied("只能为您管理区域内的站点安排播出")
        if busy_months != BusyMonths.IGNORE:
            busy = _stations_in_busy_month(chosen, local(start).month)
            if busy:
                names = "、".join(s.name for s in busy[:3]) + (
                    f"等 {len(busy)} 个站点" if len(busy) > 3 else ""
                )
                month = local(start).month
                if busy_months == BusyMonths.SKIP:
                    busy_ids = {s.pk for s in busy}
                    chosen = [s for s in chosen if s.pk not in busy_ids]
                    warnings.append(f"{names}所在村 {month} 月为农忙月份，已跳过")
                    if not chosen:
                        raise ValidationError("所选站点在该月均为农忙月份，没有可安排的站点")
                else:
                    warnings.append(f"{names}所在村 {month} 月为农忙月份，收听人数可能较少")
        _refuse_conflicts(chosen, start, end)
        slot = BroadcastSlot.objects.create(
            programme=programme,
            start=start,
            end=end,
            target_region=target_region,
            region=target_region or _smallest_region_holding(chosen),
            created_by=created_by,
        )
        through = BroadcastSlot.stations.through
        through.objects.bulk_create(
            [through(broadcastslot_id=slot.pk, broadcaststation_id=s.pk) for s in chosen],
            batch_size=BATCH,
        )
    return ScheduleResult(slot=slot, station_count=len(chosen), warnings=warnings)


def _refuse_conflicts(stations, start: datetime, end: datetime) -> None:
    through = BroadcastSlot.stations.through
    ids = [s.pk for s in stations]
    clashes = []
    for offset in range(0, len(ids), BATCH):
        clashes += list(
            through.objects.filter(
                broadcaststation_id__in=ids[offset : offset + BATCH],
                broadcastslot__start__lt=end,
                broadcastslot__end__gt=start,
            )
            .select_related("broadcaststation", "broadcastslot__programme")
            .order_by("broadcastslot__start", "broadcaststation__region_id")[:50]
        )
    if not clashes:
        return
    clashes.sort(key=lambda row: (row.broadcastslot.start, row.broadcaststation.region_id))
    first = clashes[0]
    station_count = len({row.broadcaststation_id for row in clashes})
    more = f"（共 {station_count} 个站点冲突）" if station_count > 1 else ""
    raise SlotConflict(
        f"站点「{first.broadcaststation.name}」在 "
        f"{_time_range(first.broadcastslot.start, first.broadcastslot.end)} "
        f"已安排《{first.broadcastslot.programme.title}》，"
        f"与本次安排（{_time_range(start, end)}）重叠{more}"
    )


def _stations_in_busy_month(stations, month: int) -> list[BroadcastStation]:
    villages = {s.region_id for s in stations}
    busy_villages = set()
    rows = (
        Organization.objects.unscoped("busy months of the chosen villages")
        .filter(region_id__in=villages, is_active=True)
        .values_list("region_id", "busy_months")
    )
    for region_id, months in rows:
        if month in (months or []):
            busy_villages.add(region_id)
    return [s for s in stations if s.region_id in busy_villages]


def _smallest_region_holding(stations) -> Region:
    codes = [s.region_id for s in stations]
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    length = max((n for n in CODE_LENGTH.values() if n <= len(prefix)), default=2)
    return Region.objects.get(code=codes[0][:length])


def upcoming_slots(station: BroadcastStation, *, now: datetime | None = None, days: int = 7):
    now = now or timezone.now()
    return (
        BroadcastSlot.objects.unscoped("the station's own slots")
        .filter(stations=station, end__gt=now, start__lt=now + timedelta(days=days))
        .select_related("programme")
        .order_by("start")
    )


# Play reports


@dataclass
class PlayReportResult:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    errors: list[dict] = field(default_factory=list)

    def reject(self, index: int, report_id, reason: str) -> None:
        self.rejected += 1
        self.errors.append({"index": index, "report_id": report_id, "reason": reason})

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "errors": self.errors,
        }


@dataclass
class _CleanReport:
    report_id: str
    played_at: datetime
    duration_seconds: int
    programme_id: int | None
    listeners: int | None


def parse_timestamp(value) -> datetime:
    """An ISO 8601 time with its offset; a time without one is refused, not guessed."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as error:
            raise ValueError(f"播放时间「{value}」不是 ISO 8601 格式") from error
    else:
        raise ValueError("播放时间应为 ISO 8601 字符串，如 2026-05-01T07:00:00+08:00")
    if timezone.is_naive(moment):
        raise ValueError("播放时间必须带时区，如 2026-05-01T07:00:00+08:00")
    return moment


def _whole(value, name: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name}应为整数")
    try:
        number = float(value)
    except ValueError as error:
        raise ValueError(f"{name}应为整数，而不是「{value}」") from error
    if not number.is_integer():
        raise ValueError(f"{name}应为整数，而不是「{value}」")
    number = int(number)
    if number < minimum:
        raise ValueError(f"{name}不能小于 {minimum}")
    if number > maximum:
        raise ValueError(f"{name}不能大于 {maximum}")
    return number


def _clean_report(item, now: datetime) -> _CleanReport:
    if not isinstance(item, dict):
        raise ValueError("每条记录应为一个 JSON 对象")
    report_id = item.get("report_id")
    if isinstance(report_id, int) and not isinstance(report_id, bool):
        report_id = str(report_id)
    if not isinstance(report_id, str) or not report_id.strip():
        raise ValueError("缺少上报编号 report_id")
    report_id = report_id.strip()
    if len(report_id) > 64:
        raise ValueError("上报编号不能超过 64 个字符")
    if "played_at" not in item:
        raise ValueError("缺少播放时间 played_at")
    played_at = parse_timestamp(item["played_at"])
    if played_at > now + FUTURE_TOLERANCE:
        raise ValueError(f"播放时间 {local(played_at):%Y-%m-%d %H:%M} 晚于当前时间")
    if "duration_seconds" not in item:
        raise ValueError("缺少时长 duration_seconds")
    duration = _whole(item["duration_seconds"], "时长", minimum=0, maximum=MAX_PLAY_SECONDS)
    programme_id = item.get("programme_id")
    if programme_id is not None:
        programme_id = _whole(programme_id, "节目编号", minimum=1, maximum=2**62)
    listeners = item.get("listeners")
    if listeners is not None:
        listeners = _whole(listeners, "收听人数", minimum=0, maximum=1_000_000)
    return _CleanReport(report_id, played_at, duration, programme_id, listeners)


def record_plays(
    station: BroadcastStation, reports: list, *, now: datetime | None = None
) -> PlayReportResult:
    """Store a station's play reports. Each item is checked on its own: a bad one is
    rejected with its reason and the rest are kept. A report whose `report_id` the station
    already sent (earlier, or twice in this batch) counts as a duplicate, so a backlog sent
    again after a network outage is counted once."""
    now = now or timezone.now()
    result = PlayReportResult()
    if len(reports) > MAX_REPORTS_PER_REQUEST:
        raise ValidationError(f"一次最多上报 {MAX_REPORTS_PER_REQUEST} 条，请分批发送")
    clean: list[tuple[int, _CleanReport]] = []
    for index, item in enumerate(reports):
        try:
            clean.append((index, _clean_report(item, now)))
        except ValueError as error:
            report_id = item.get("report_id") if isinstance(item, dict) else None
            result.reject(index, report_id, str(error))

    programmes = _programmes_for(station, {r.programme_id for _, r in clean if r.programme_id})
    seen = _known_report_ids(station, [r.report_id for _, r in clean])
    slots = _slots_around(station, [r.played_at for _, r in clean])
    new: list[PlayLog] = []
    for index, report in clean:
        if report.programme_id is not None and report.programme_id not in programmes:
            result.reject(index, report.report_id, f"节目编号 {report.programme_id} 不存在")
            continue
        if report.report_id in seen:
            result.duplicate += 1
            continue
        seen.add(report.report_id)
        slot = _matching_slot(slots, report)
        programme_id = report.programme_id or (slot.programme_id if slot else None)
        new.append(
            PlayLog(
                station=station,
                region_id=station.region_id,
                programme_id=programme_id,
                slot=slot,
                report_id=report.report_id,
                played_at=report.played_at,
                duration_seconds=report.duration_seconds,
                listeners=(
                    report.listeners
                    if report.listeners is not None
                    else station.estimated_listeners
                ),
            )
        )
    with transaction.atomic():
        # ignore_conflicts: a copy of the same backlog arriving at the same moment on
        # another connection is dropped by the unique constraint instead of failing.
        PlayLog.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
        rollup.plays_changed(new)
        changes = {"last_seen_at": now}
        if station.status == StationStatus.OFFLINE:
            changes["status"] = StationStatus.ONLINE
        BroadcastStation.objects.unscoped("the reporting station itself").filter(
            pk=station.pk
        ).update(**changes)
    result.accepted = len(new)
    result.errors.sort(key=lambda error: error["index"])
    return result


def _programmes_for(station: BroadcastStation, ids: set[int]) -> set[int]:
    """Programmes the station may play: those of its village or of a region above it."""
    if not ids:
        return set()
    code = station.region_id
    prefixes = [code[:n] for n in CODE_LENGTH.values() if n <= len(code)]
    return set(
        AudioProgramme.objects.unscoped("programmes of the station's regions")
        .filter(pk__in=ids, region_id__in=prefixes)
        .values_list("pk", flat=True)
    )


def _known_report_ids(station: BroadcastStation, report_ids: list[str]) -> set[str]:
    known: set[str] = set()
    unique = list(dict.fromkeys(report_ids))
    for offset in range(0, len(unique), BATCH):
        known |= set(
            PlayLog.objects.unscoped("the station's own plays")
            .filter(station=station, report_id__in=unique[offset : offset + BATCH])
            .values_list("report_id", flat=True)
        )
    return known


def _slots_around(station: BroadcastStation, moments: list[datetime]) -> list[BroadcastSlot]:
    if not moments:
        return []
    return list(
        BroadcastSlot.objects.unscoped("the station's own slots")
        .filter(
            stations=station,
            start__lte=max(moments) + SLOT_EARLY_TOLERANCE,
            end__gte=min(moments),
        )
        .order_by("start")
    )


def _matching_slot(slots: list[BroadcastSlot], report: _CleanReport) -> BroadcastSlot | None:
    for slot in slots:
        if slot.start - SLOT_EARLY_TOLERANCE <= report.played_at <= slot.end and (
            report.programme_id is None or report.programme_id == slot.programme_id
        ):
            return slot
    return None


# Figures


def latest_month_with_plays(scope, *, today=None) -> tuple[int, int]:
    """The month the broadcast page opens on: the current month if it has plays in `scope`,
    else the latest earlier month that has (the report period's last month, in a demo built
    on a closed month); the current month when nothing was ever played."""
    today = today or timezone.localdate()
    start, end = month_bounds(today.year, today.month)
    plays = PlayLog.objects.visible_to(as_scope(scope))
    if plays.filter(played_at__gte=start, played_at__lt=end).exists():
        return today.year, today.month
    latest = plays.filter(played_at__lt=start).order_by("-played_at").first()
    if latest is None:
        return today.year, today.month
    moment = timezone.localtime(latest.played_at)
    return moment.year, moment.month


def monthly_figures(scope, year: int, month: int, region_code: str | None = None) -> dict:
    """The month's broadcasting in what `scope` sees: plays, hours, stations active,
    listeners reached (listener-times, 人次), villages never reached (a station that played
    nothing, or no station at all), and the same per county."""
    scope = as_scope(scope)
    start, end = month_bounds(year, month)
    stations = BroadcastStation.objects.visible_to(scope)
    plays = PlayLog.objects.visible_to(scope).filter(played_at__gte=start, played_at__lt=end)
    villages = Region.objects.visible_to(scope).filter(level=RegionLevel.VILLAGE)
    if region_code:
        stations = stations.filter(region__code__startswith=region_code)
        plays = plays.filter(region__code__startswith=region_code)
        villages = villages.filter(code__startswith=region_code)

    station_of_village = dict(stations.order_by().values_list("region_id", "pk"))
    per_station = {
        row["station_id"]: row
        for row in plays.order_by()
        .values("station_id")
        .annotate(n=Count("pk"), seconds=Sum("duration_seconds"), listeners=Sum("listeners"))
    }
    village_names = dict(villages.order_by("code").values_list("code", "name"))
    for code in station_of_village.keys() - village_names.keys():
        village_names[code] = code  # a station whose village is outside the region list

    def blank():
        return {
            "plays": 0,
            "seconds": 0,
            "stations": 0,
            "stations_active": 0,
            "listeners_reached": 0,
            "villages": 0,
            "villages_without_station": 0,
            "villages_with_station_not_reached": 0,
        }

    total, by_county = blank(), defaultdict(blank)
    unreached = []
    for code in sorted(village_names):
        county = by_county[code[:6]]
        station_id = station_of_village.get(code)
        row = per_station.get(station_id) if station_id else None
        for bucket in (total, county):
            bucket["villages"] += 1
            if station_id is None:
                bucket["villages_without_station"] += 1
                continue
            bucket["stations"] += 1
            if row is None:
                bucket["villages_with_station_not_reached"] += 1
                continue
            bucket["stations_active"] += 1
            bucket["plays"] += row["n"]
            bucket["seconds"] += row["seconds"] or 0
            bucket["listeners_reached"] += row["listeners"] or 0
        if row is None:
            unreached.append(
                {"code": code, "name": village_names[code], "has_station": station_id is not None}
            )

    county_names = dict(
        Region.objects.unscoped("names of counties already in scope")
        .filter(code__in=by_county)
        .values_list("code", "name")
    )

    def finish(bucket: dict) -> dict:
        seconds = bucket.pop("seconds")
        bucket["hours"] = round(seconds / 3600, 1)
        bucket["villages_never_reached"] = (
            bucket["villages_without_station"] + bucket["villages_with_station_not_reached"]
        )
        return bucket

    return {
        "year": year,
        "month": month,
        **finish(total),
        "unreached_villages": unreached,
        "by_county": [
            {"code": code, "name": county_names.get(code, code), **finish(bucket)}
            for code, bucket in sorted(by_county.items())
        ],
    }


# Speech synthesis


def synthesise_programme(programme_id: int) -> str:
    """Read a text programme aloud into its audio file and set its real duration. A
    programme that already has audio is left alone; a failure leaves it as it was."""
    from django.core.files.base import ContentFile

    from dangke.broadcast.speech import synthesise

    programme = AudioProgramme.objects.get(pk=programme_id)
    if programme.audio or not programme.text.strip():
        return "无需合成"
    audio, seconds = synthesise(programme.text)
    programme.audio.save(f"tts-{programme.pk}.wav", ContentFile(audio), save=False)
    programme.duration_seconds = seconds
    programme.save(update_fields=["audio", "duration_seconds"])
    return f"已合成 {seconds} 秒"
