"""Village loudspeakers (大喇叭): the station API (auth, idempotency, bad payloads),
scheduling conflicts, county targets, monthly figures, scoping and the demo builder."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangke.accounts.models import ApiToken
from dangke.accounts.scoping import scope_for_user
from dangke.broadcast import services
from dangke.broadcast.models import (
    AudioProgramme,
    BroadcastSlot,
    BroadcastStation,
    PlayLog,
    StationStatus,
)
from dangke.broadcast.services import SlotConflict
from dangke.regions.models import Region, RegionLevel

SHANGHAI = timezone.get_default_timezone()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def stations(world):
    """Two stations in county A (a second village is added), one in county B."""
    village_a2 = Region.objects.create(
        code="511102001002",
        name="新华社区",
        level=RegionLevel.VILLAGE,
        parent=world.village_a.parent,
    )
    return {
        "a": services.create_station(world.village_a, estimated_listeners=30),
        "a2": services.create_station(village_a2, estimated_listeners=20),
        "b": services.create_station(world.village_b, estimated_listeners=40),
    }


@pytest.fixture
def programme(world):
    return services.create_programme(
        title="学习二十届四中全会精神", region=world.city, duration_seconds=900, text="同志们……"
    )


def post_plays(client, token, payload):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        "/api/v1/stations/plays", payload, content_type="application/json", headers=headers
    )


def report(report_id, played_at="2026-03-02T07:00:00+08:00", duration=900, **extra):
    return {"report_id": report_id, "played_at": played_at, "duration_seconds": duration, **extra}


# Station API: authentication


def test_station_api_needs_a_station_token(client, world, stations):
    user_token = ApiToken.issue(world.city_admin)
    assert post_plays(client, None, [report("r1")]).status_code == 401
    assert post_plays(client, "st_not-a-token", [report("r1")]).status_code == 401
    # A user's API token is not a station token.
    assert post_plays(client, user_token, [report("r1")]).status_code == 401
    assert client.get("/api/v1/stations/schedule").status_code == 401
    assert PlayLog.objects.count() == 0


def test_a_token_reports_for_its_own_station_only(client, stations):
    token_a = services.issue_station_token(stations["a"])
    token_b = services.issue_station_token(stations["b"])
    assert post_plays(client, token_b, [report("r1")]).json()["accepted"] == 1
    assert post_plays(client, token_a, [report("r1")]).json()["accepted"] == 1
    assert sorted(PlayLog.objects.values_list("station__code", "region_id")) == [
        ("511102001001", "511102001001"),
        ("511123100201", "511123100201"),
    ]


def test_a_reissued_token_replaces_the_old_one(client, stations):
    old = services.issue_station_token(stations["a"])
    new = services.issue_station_token(stations["a"])
    assert post_plays(client, old, [report("r1")]).status_code == 401
    assert post_plays(client, new, [report("r1")]).status_code == 200
    stored = BroadcastStation.objects.get(pk=stations["a"].pk)
    assert stored.token_hash == BroadcastStation.hash_token(new)
    assert new not in (stored.token_hash, stored.token_prefix)


# Station API: idempotency and bad payloads


def test_a_backlog_sent_twice_counts_once(client, stations):
    token = services.issue_station_token(stations["a"])
    backlog = [
        report(f"2026-03-0{day}-am", f"2026-03-0{day}T07:00:00+08:00") for day in range(1, 6)
    ]
    first = post_plays(client, token, backlog).json()
    assert first == {"accepted": 5, "duplicate": 0, "rejected": 0, "errors": []}
    # The network dropped before the answer arrived: the station sends all of it again,
    # plus one new play and one repeated inside the same request.
    again = post_plays(client, token, [*backlog, report("new"), report("new")]).json()
    assert again == {"accepted": 1, "duplicate": 6, "rejected": 0, "errors": []}
    assert PlayLog.objects.filter(station=stations["a"]).count() == 6
    station = BroadcastStation.objects.get(pk=stations["a"].pk)
    assert station.status == StationStatus.ONLINE
    assert station.last_seen_at is not None


def test_the_same_report_id_at_two_stations_is_two_plays(stations):
    services.record_plays(stations["a"], [report("r1")])
    services.record_plays(stations["b"], [report("r1")])
    assert PlayLog.objects.count() == 2


def test_bad_items_are_reported_one_by_one_and_the_rest_accepted(
    client, world, stations, programme
):
    other_county_programme = services.create_programme(
        title="犍为县专题", region=world.county_b, duration_seconds=600, text="……"
    )
    token = services.issue_station_token(stations["a"])
    soon = (timezone.now() + timedelta(minutes=3)).isoformat()
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    payload = [
        report("ok-1", programme_id=programme.pk, listeners=25),
        report("bad-time", "yesterday morning"),
        report("naive", "2026-03-02T07:00:00"),
        report("negative", duration=-5),
        report("future", later),
        report("unknown-programme", programme_id=999999),
        report("not-my-programme", programme_id=other_county_programme.pk),
        {"played_at": "2026-03-02T07:00:00+08:00", "duration_seconds": 60},
        "not an object",
        report("ok-2", soon, duration="600"),
        report("ok-utc", "2026-03-01T23:00:00Z"),
    ]
    response = post_plays(client, token, payload)
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (3, 0, 8)
    reasons = {error["index"]: error["reason"] for error in body["errors"]}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert "ISO 8601" in reasons[1]
    assert "时区" in reasons[2]
    assert reasons[3] == "时长不能小于 0"
    assert "晚于当前时间" in reasons[4]
    assert reasons[5] == "节目编号 999999 不存在"
    assert reasons[6] == f"节目编号 {other_county_programme.pk} 不存在"
    assert reasons[7] == "缺少上报编号 report_id"
    assert reasons[8] == "每条记录应为一个 JSON 对象"
    assert body["errors"][0]["report_id"] == "bad-time"
    logs = {log.report_id: log for log in PlayLog.objects.all()}
    assert sorted(logs) == ["ok-1", "ok-2", "ok-utc"]
    assert logs["ok-1"].listeners == 25 and logs["ok-1"].programme == programme
    assert logs["ok-2"].listeners == 30  # the station's estimate when none is reported
    assert logs["ok-utc"].played_at == at(2026, 3, 2, 7, 0)


def test_a_body_that_is_not_a_list_is_refused(client, stations):
    token = services.issue_station_token(stations["a"])
    response = post_plays(client, token, {"report_id": "r1"})
    assert response.status_code == 422


def test_the_schedule_lists_the_stations_upcoming_slots(client, world, stations, programme):
    start = timezone.now() + timedelta(days=1)
    services.schedule_slot(programme, start, target_region=world.county_a)
    services.schedule_slot(programme, start, target_region=world.county_b)
    services.schedule_slot(programme, timezone.now() - timedelta(days=2), target_region=world.city)
    token = services.issue_station_token(stations["a"])
    response = client.get("/api/v1/stations/schedule", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    slots = response.json()
    assert len(slots) == 1
    assert slots[0]["programme_title"] == "学习二十届四中全会精神"
    assert slots[0]["text"] == "同志们……"


def test_plays_are_linked_to_the_slot_they_belong_to(world, stations, programme):
    result = services.schedule_slot(programme, at(2026, 3, 2, 7, 0), target_region=world.county_a)
    services.record_plays(stations["a"], [report("r1", "2026-03-02T07:01:00+08:00")])
    log = PlayLog.objects.get()
    assert log.slot == result.slot
    assert log.programme == programme


# Scheduling


def test_a_county_target_expands_to_all_its_stations(world, stations, programme):
    result = services.schedule_slot(
        programme, at(2026, 3, 2, 7, 0), target_region=world.county_a, created_by=world.city_admin
    )
    slot = result.slot
    assert result.station_count == 2
    assert sorted(slot.stations.values_list("code", flat=True)) == [
        "511102001001",
        "511102001002",
    ]
    assert slot.region == world.county_a
    assert slot.end - slot.start == timedelta(seconds=900)


def test_explicit_stations_are_owned_by_the_smallest_region_holding_them(
    world, stations, programme
):
    one = services.schedule_slot(programme, at(2026, 3, 2, 7, 0), stations=[stations["a"]])
    two = services.schedule_slot(
        programme, at(2026, 3, 3, 7, 0), stations=[stations["a"], stations["a2"]]
    )
    both = services.schedule_slot(
        programme, at(2026, 3, 4, 7, 0), stations=[stations["a"], stations["b"]]
    )
    assert one.slot.region_id == "511102001001"
    assert two.slot.region_id == "511102001"
    assert both.slot.region_id == "5111"


def test_overlapping_slots_on_a_station_are_refused(world, stations, programme):
    services.schedule_slot(programme, at(2026, 3, 2, 7, 0), target_region=world.county_a)
    with pytest.raises(SlotConflict) as refused:
        services.schedule_slot(programme, at(2026, 3, 2, 7, 10), stations=[stations["a2"]])
    assert refused.value.messages == [
        "站点「新华社区大喇叭」在 2026-03-02 07:00–07:15 已安排《学习二十届四中全会精神》，"
        "与本次安排（2026-03-02 07:10–07:25）重叠"
    ]
    with pytest.raises(SlotConflict) as refused:
        services.schedule_slot(programme, at(2026, 3, 2, 6, 50), target_region=world.city)
    assert "（共 2 个站点冲突）" in refused.value.messages[0]
    # Nothing was written by the refused attempts.
    assert BroadcastSlot.objects.count() == 1


def test_back_to_back_and_other_county_slots_are_accepted(world, stations, programme):
    services.schedule_slot(programme, at(2026, 3, 2, 7, 0), target_region=world.county_a)
    services.schedule_slot(programme, at(2026, 3, 2, 7, 15), target_region=world.county_a)
    services.schedule_slot(programme, at(2026, 3, 2, 7, 5), target_region=world.county_b)
    services.schedule_slot(programme, at(2026, 3, 2, 19, 0), target_region=world.city)
    assert BroadcastSlot.objects.count() == 4
    assert BroadcastSlot.objects.filter(stations=stations["a"]).count() == 3


def test_busy_months_warn_or_skip(world, stations, programme):
    world.org_a.busy_months = [5, 6]
    world.org_a.save()
    warned = services.schedule_slot(programme, at(2026, 5, 2, 7, 0), target_region=world.county_a)
    assert warned.station_count == 2
    assert warned.warnings == ["张公桥社区大喇叭所在村 5 月为农忙月份，收听人数可能较少"]
    skipped = services.schedule_slot(
        programme,
        at(2026, 5, 3, 7, 0),
        target_region=world.county_a,
        busy_months=services.BusyMonths.SKIP,
    )
    assert skipped.station_count == 1
    assert list(skipped.slot.stations.values_list("code", flat=True)) == ["511102001002"]
    quiet = services.schedule_slot(programme, at(2026, 4, 2, 7, 0), target_region=world.county_a)
    assert quiet.warnings == []


def test_a_county_admin_cannot_schedule_the_other_county(world, stations, programme):
    from django.core.exceptions import PermissionDenied

    scope = scope_for_user(world.county_a_admin)
    with pytest.raises(PermissionDenied):
        services.schedule_slot(
            programme, at(2026, 3, 2, 7, 0), target_region=world.county_b, scope=scope
        )
    services.schedule_slot(
        programme, at(2026, 3, 2, 7, 0), target_region=world.county_a, scope=scope
    )


def test_an_audio_file_must_be_what_its_name_says(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests import samplefiles

    good = SimpleUploadedFile("lesson.mp3", samplefiles.mp3())
    wav = SimpleUploadedFile("lesson.wav", samplefiles.wav())
    renamed = SimpleUploadedFile("lesson.mp3", b"MZ\x90\x00 not audio at all")
    services.create_programme(title="mp3", region=world.city, duration_seconds=60, audio=good)
    services.create_programme(title="wav", region=world.city, duration_seconds=60, audio=wav)
    with pytest.raises(ValidationError, match="不符"):
        services.create_programme(title="x", region=world.city, duration_seconds=60, audio=renamed)
    with pytest.raises(ValidationError):
        services.create_programme(title="empty", region=world.city, duration_seconds=60)
    assert AudioProgramme.objects.count() == 2


# Figures and scoping


@pytest.fixture
def march_plays(world, stations, programme):
    """County A: station a plays three times in March (one on 1 March 00:30 Beijing time,
    which is still February in UTC), a2 never; county B: one play in March, one in April."""
    services.record_plays(
        stations["a"],
        [
            report("a1", "2026-03-01T00:30:00+08:00", 1800, listeners=30),
            report("a2", "2026-03-15T07:00:00+08:00", 1800, listeners=20),
            report("a3", "2026-03-31T19:00:00+08:00", 3600, listeners=10),
            report("a-feb", "2026-02-28T23:59:00+08:00", 600, listeners=99),
        ],
    )
    services.record_plays(
        stations["b"],
        [
            report("b1", "2026-03-10T07:00:00+08:00", 1800, listeners=40),
            report("b-apr", "2026-04-01T00:00:00+08:00", 1800, listeners=40),
        ],
    )
    Region.objects.create(
        code="511123100202", name="无站村", level=RegionLevel.VILLAGE, parent=world.village_b.parent
    )
    return world


def test_monthly_figures_count_plays_hours_and_unreached_villages(march_plays):
    world = march_plays
    figures = services.monthly_figures(scope_for_user(world.city_admin), 2026, 3)
    assert figures["plays"] == 4
    assert figures["hours"] == 2.5
    assert figures["stations"] == 3
    assert figures["stations_active"] == 2
    assert figures["listeners_reached"] == 100
    assert figures["villages"] == 4
    assert figures["villages_never_reached"] == 2
    assert figures["villages_without_station"] == 1
    assert figures["unreached_villages"] == [
        {"code": "511102001002", "name": "新华社区", "has_station": True},
        {"code": "511123100202", "name": "无站村", "has_station": False},
    ]
    county_a, county_b = figures["by_county"]
    assert (county_a["code"], county_a["name"], county_a["plays"]) == ("511102", "市中区", 3)
    assert (county_a["hours"], county_a["villages_never_reached"]) == (2.0, 1)
    assert (county_b["name"], county_b["plays"], county_b["listeners_reached"]) == (
        "犍为县",
        1,
        40,
    )
    assert county_b["villages_without_station"] == 1


def test_county_b_never_sees_county_a(march_plays):
    world = march_plays
    for county in (world.county_a, world.county_b):
        own = services.create_programme(
            title=f"{county.name}专题", region=county, duration_seconds=600, text="……"
        )
        services.schedule_slot(own, at(2026, 3, 20, 7, 0), target_region=county)
    for admin, own, other in (
        (world.county_a_admin, "511102", "511123"),
        (world.county_b_admin, "511123", "511102"),
    ):
        scope = scope_for_user(admin)
        for model in (BroadcastStation, AudioProgramme, BroadcastSlot, PlayLog):
            regions = set(model.objects.visible_to(scope).values_list("region_id", flat=True))
            assert regions and all(code.startswith(own) for code in regions), model
            assert not any(code.startswith(other) for code in regions)
    scope = scope_for_user(world.county_b_admin)
    figures = services.monthly_figures(scope, 2026, 3)
    assert (figures["plays"], figures["stations"], figures["villages"]) == (1, 1, 2)
    assert [county["code"] for county in figures["by_county"]] == ["511123"]
    a_slot = services.schedule_slot(
        AudioProgramme.objects.get(region=world.city),
        at(2026, 3, 5, 7, 0),
        target_region=world.county_a,
    ).slot
    assert not BroadcastSlot.objects.visible_to(scope).filter(pk=a_slot.pk).exists()
    assert BroadcastSlot.objects.visible_to(scope_for_user(world.county_a_admin)).count() == 2


def test_broadcast_figures_for_the_year(clock, march_plays):
    from dangke.broadcast.figures import broadcast_figures

    world = march_plays
    services.set_station_status(BroadcastStation.objects.get(code="511102001002"), "fault")
    figures = broadcast_figures(scope_for_user(world.city_admin), 2026)
    assert figures["stations"] == {
        "total": 3,
        "by_status": {"online": 2, "offline": 0, "fault": 1},
    }
    assert figures["plays"]["total"] == 6
    assert figures["plays"]["by_month"]["2026-02"] == 1
    assert figures["plays"]["by_month"]["2026-03"] == 4
    assert figures["plays"]["by_month"]["2026-04"] == 1
    assert len(figures["plays"]["by_month"]) == 12
    assert figures["listeners"] == 30 + 20 + 10 + 99 + 40 + 40
    county_a = broadcast_figures(scope_for_user(world.county_a_admin), 2026)
    assert (county_a["plays"]["total"], county_a["hours"]) == (4, 2.2)  # 1800 + 1800 + 3600 + 600 s
    assert broadcast_figures(world.city_admin, 2026, region_code="511123")["plays"]["total"] == 2


# Demo


def test_the_demo_builder_scales_to_the_villages_and_is_deterministic(world):
    from dangke.broadcast.demo import build_broadcast_demo

    town = world.village_b.parent
    for number in range(2, 40):
        Region.objects.create(
            code=f"511123100{200 + number}",
            name=f"第{number}村",
            level=RegionLevel.VILLAGE,
            parent=town,
        )
    first = build_broadcast_demo(7, city_code="5111", month=(2026, 3), speak=False)
    assert first["stations"] == 40 == BroadcastStation.objects.count()
    assert first["programmes"] == 12
    assert first["slots"] == 62  # 31 days at 07:00 and 19:00
    assert BroadcastSlot.stations.through.objects.count() == 62 * 40
    assert first["plays"] == round(40 * 5136 / 1371) == PlayLog.objects.count()
    assert first["listeners"] == round(40 * 120_000 / 1371)
    month = services.monthly_figures(scope_for_user(world.city_admin), 2026, 3)
    assert month["plays"] == first["plays"]
    assert month["listeners_reached"] == first["listeners"]
    assert month["hours"] == first["hours"]
    assert set(PlayLog.objects.values_list("slot__start__hour", flat=True)) == {7, 19}
    # Built again with the same seed: the same rows, not twice as many.
    rows = sorted(PlayLog.objects.values_list("report_id", "listeners", "duration_seconds"))
    again = build_broadcast_demo(7, city_code="5111", month=(2026, 3), speak=False)
    assert again == first
    assert sorted(PlayLog.objects.values_list("report_id", "listeners", "duration_seconds")) == rows
    assert BroadcastStation.objects.count() == 40


# Excel import of play logs


def play_workbook(rows):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "大喇叭播放记录"
    sheet.append(["站点编号", "播放时间", "时长(分钟)", "节目", "收听人数", "上报编号"])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def import_plays(user, rows):
    from dangke.broadcast.spreadsheets import PlayLogSheet
    from dangke.imports.sheets import ImportContext, validate

    spec = PlayLogSheet()
    context = ImportContext.for_scope(scope_for_user(user), user)
    result = validate(play_workbook(rows), spec, context, lambda done, total: None)
    if result.errors:
        return result, None
    return result, spec.apply(result.rows, context, lambda done, total: None)


def test_staff_import_play_logs_from_excel_once(world, stations, programme):
    rows = [
        ["511102001001", datetime(2026, 3, 2, 7, 0), 15, "学习二十届四中全会精神", 28, None],
        ["新华社区大喇叭", "2026-03-02 19:00", 12.5, None, None, "dev-77"],
    ]
    result, counts = import_plays(world.county_a_admin, rows)
    assert not result.errors
    assert (counts.created, counts.updated) == (2, 0)
    first = PlayLog.objects.get(station=stations["a"])
    assert first.report_id == "xls-511102001001-202603020700"
    assert first.played_at == at(2026, 3, 2, 7, 0)
    assert (first.duration_seconds, first.listeners, first.programme) == (900, 28, programme)
    second = PlayLog.objects.get(station=stations["a2"])
    assert (second.report_id, second.duration_seconds, second.listeners) == ("dev-77", 750, 20)
    # The same workbook again (with one figure corrected) updates instead of counting twice.
    rows[0][4] = 31
    result, counts = import_plays(world.county_a_admin, rows)
    assert (counts.created, counts.updated) == (0, 2)
    assert PlayLog.objects.count() == 2
    assert PlayLog.objects.get(station=stations["a"]).listeners == 31


def test_the_import_refuses_other_counties_and_bad_rows(world, stations, programme):
    result, counts = import_plays(
        world.county_a_admin,
        [
            ["511123100201", "2026-03-02 07:00", 15, None, 10, None],
            ["511102001001", "昨天早上", 15, None, 10, None],
            ["511102001001", "2026-03-02 07:00", 15, "不存在的节目", 10, None],
            ["511102001001", "2026-03-03 07:00", 15, None, 10, None],
            ["511102001001", "2026-03-03 07:00", 15, None, 10, None],
        ],
    )
    assert counts is None
    messages = [(item["row"], item["column"], item["message"]) for item in result.errors.items]
    assert messages == [
        (2, "站点编号", "找不到站点「511123100201」（或不在您的管辖范围内）"),
        (3, "播放时间", "「昨天早上」不是时间，请写成 2026-03-02 07:00"),
        (4, "节目", "找不到该站点可播放的节目「不存在的节目」"),
        (6, "播放时间", "与第 5 行是同一站点同一时间的播放，请删去一行或填写上报编号"),
    ]
    assert PlayLog.objects.count() == 0


def test_figures_read_in_a_fixed_number_of_queries(march_plays, django_assert_max_num_queries):
    from dangke.accounts.scoping import Scope
    from dangke.broadcast import rollup
    from dangke.broadcast.figures import broadcast_figures

    scope = Scope(is_superuser=True)
    with django_assert_max_num_queries(5):
        services.monthly_figures(scope, 2026, 3)
    rollup.flush()  # the fixture's plays counted, as when their transaction commits
    with django_assert_max_num_queries(2):  # stations by status; the months' plays
        broadcast_figures(scope, 2026)
