"""Import sheet for play logs (播放记录) that staff collect from stations without a network.

A row whose station already has a play with the same 上报编号 updates that play, so the
same workbook imported twice is counted once. Without a 上报编号 one is made from the
station and the time ("xls-站点编号-YYYYMMDDHHMM")."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from dangke.broadcast import rollup
from dangke.broadcast.models import AudioProgramme, BroadcastStation, PlayLog
from dangke.broadcast.services import FUTURE_TOLERANCE
from dangke.imports import columns as c
from dangke.imports.sheets import ApplyCounts, SheetSpec
from dangke.regions.models import CODE_LENGTH

BATCH = 1000
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
UPDATED_FIELDS = ["played_at", "duration_seconds", "programme", "listeners"]


def play_time(value) -> datetime:
    """An Excel date-time cell or text such as 2026-03-02 07:00, read as Beijing time
    unless it carries its own offset; stored in UTC."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        for pattern in TIME_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError as error:
                raise c.CellError(f"「{text}」不是时间，请写成 2026-03-02 07:00") from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def minutes(value) -> int:
    """Minutes (decimals allowed) as whole seconds."""
    return round(c.decimal(0, 24 * 60)(value) * 60)


class PlayLogSheet(SheetSpec):
    kind = "broadcast_plays"
    title = "大喇叭播放记录"
    model = PlayLog
    key_field = "report_id"
    columns = (
        c.Column(
            "站点编号",
            "station",
            c.text(120),
            required=True,
            example="511102001001",
            help="站点编号（一般为村的 12 位区划代码），也可填站点名称",
            width=18,
        ),
        c.Column(
            "播放时间",
            "played_at",
            play_time,
            required=True,
            example="2026-03-02 07:00",
            help="北京时间，如 2026-03-02 07:00",
            width=18,
        ),
        c.Column(
            "时长(分钟)",
            "duration",
            minutes,
            required=True,
            example=15,
            number_range=(0, 1440),
        ),
        c.Column(
            "节目",
            "programme",
            c.text(200),
            example="乡村振兴政策早知道",
            help="节目名称或节目编号；可不填",
            width=28,
        ),
        c.Column(
            "收听人数",
            "listeners",
            c.whole_number(0, 1_000_000),
            example=30,
            number_range=(0, 1_000_000),
            whole_number=True,
            help="不填时按站点的估计收听人数计",
        ),
        c.Column(
            "上报编号",
            "report_id",
            c.text(64),
            example="",
            help="站点设备的记录编号；同一站点的同一编号只计一次。可不填",
        ),
    )
    notes = (
        "站点必须在您管理的区域内。同一站点的同一上报编号只计一次：重复导入同一文件不会重复计数，"
        "而是更新已有记录。",
    )

    def check(self, rows, context, errors):
        stations = self._stations(rows, context, errors)
        self._programmes(rows, stations, errors)
        now = timezone.now()
        time_header = self.column_for("played_at").header
        generated: dict[tuple[int, str], int] = {}
        for row in rows:
            played_at = row.values.get("played_at")
            if played_at and played_at > now + FUTURE_TOLERANCE:
                errors.add(
                    row.number, time_header, row.raw.get(time_header), "播放时间晚于当前时间"
                )
            station = row.values.get("station")
            if station and played_at and not row.values.get("report_id"):
                stamp = f"{timezone.localtime(played_at):%Y%m%d%H%M}"
                row.values["report_id"] = f"xls-{station.code}-{stamp}"
                key = (station.pk, row.values["report_id"])
                if key in generated:
                    errors.add(
                        row.number,
                        time_header,
                        row.raw.get(time_header),
                        f"与第 {generated[key]} 行是同一站点同一时间的播放，"
                        "请删去一行或填写上报编号",
                    )
                generated.setdefault(key, row.number)
        self._attach_existing_plays(rows)

    def _stations(self, rows, context, errors) -> dict:
        wanted = {row.values["station"] for row in rows if row.values.get("station")}
        visible = BroadcastStation.objects.visible_to(context.scope)
        by_code = {s.code: s for s in visible.filter(code__in=wanted)}
        by_name: dict[str, list] = {}
        for station in visible.filter(name__in=wanted - by_code.keys()):
            by_name.setdefault(station.name, []).append(station)
        header = self.column_for("station").header
        for row in rows:
            key = row.values.get("station")
            if not key:
                continue
            found = by_code.get(key) or (by_name.get(key) or [None])[0]
            if key in by_name and len(by_name[key]) > 1:
                errors.add(row.number, header, key, f"有多个站点名为「{key}」，请填站点编号")
                found = None
            elif found is None:
                errors.add(row.number, header, key, f"找不到站点「{key}」（或不在您的管辖范围内）")
            elif not context.scope.manages_region(found.region_id):
                errors.add(row.number, header, key, f"站点「{key}」不在您管理的范围内")
                found = None
            row.values["station"] = found
        return by_code

    def _programmes(self, rows, stations, errors) -> None:
        header = self.column_for("programme").header
        wanted = {row.values["programme"] for row in rows if row.values.get("programme")}
        if not wanted:
            return
        ids = {int(value) for value in wanted if value.isdigit()}
        candidates = list(
            AudioProgramme.objects.filter(pk__in=ids)
            | AudioProgramme.objects.filter(title__in=wanted)
        )
        for row in rows:
            key, station = row.values.get("programme"), row.values.get("station")
            if not key or station is None:
                continue
            code = station.region_id
            above = {code[:n] for n in CODE_LENGTH.values() if n <= len(code)}
            matches = [
                p
                for p in candidates
                if p.region_id in above and (p.title == key or str(p.pk) == key)
            ]
            if not matches:
                errors.add(row.number, header, key, f"找不到该站点可播放的节目「{key}」")
            row.values["programme"] = matches[0] if matches else None

    def _attach_existing_plays(self, rows) -> None:
        keyed = [r for r in rows if r.values.get("station") and r.values.get("report_id")]
        by_station: dict[int, list] = {}
        for row in keyed:
            by_station.setdefault(row.values["station"].pk, []).append(row)
        for station_id, station_rows in by_station.items():
            existing = {
                play.report_id: play
                for play in PlayLog.objects.filter(
                    station_id=station_id,
                    report_id__in=[r.values["report_id"] for r in station_rows],
                )
            }
            for row in station_rows:
                row.existing = existing.get(row.values["report_id"])

    def apply(self, rows, context, progress):
        new, changed = [], []
        for row in rows:
            station = row.values["station"]
            listeners = row.values.get("listeners")
            values = {
                "played_at": row.values["played_at"],
                "duration_seconds": row.values["duration"],
                "programme": row.values.get("programme"),
                "listeners": station.estimated_listeners if listeners is None else listeners,
            }
            if row.existing is None:
                new.append(
                    PlayLog(
                        station=station,
                        region_id=station.region_id,
                        report_id=row.values["report_id"],
                        **values,
                    )
                )
            else:
                rollup.plays_changed([row.existing])  # the month it leaves, if it moves
                for name, value in values.items():
                    setattr(row.existing, name, value)
                changed.append(row.existing)
        for start in range(0, len(new), BATCH):
            PlayLog.objects.bulk_create(new[start : start + BATCH])
            progress(start + len(new[start : start + BATCH]), len(rows))
        for start in range(0, len(changed), BATCH):
            PlayLog.objects.bulk_update(changed[start : start + BATCH], UPDATED_FIELDS)
        rollup.plays_changed(new + changed)
        progress(len(rows), len(rows))
        return ApplyCounts(created=len(new), updated=len(changed))


IMPORT_SHEETS = [PlayLogSheet()]
