"""The schedule's month grid (slots per day, conflicts flagged, scoped) and the monthly page
after a station reports the same plays twice."""

import re
from datetime import datetime

import pytest
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.broadcast import services
from dangke.broadcast.models import BroadcastSlot, PlayLog
from dangke.broadcast.schedule_calendar import month_calendar

SHANGHAI = timezone.get_default_timezone()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def stations(world):
    return {
        "a": services.create_station(world.village_a, estimated_listeners=30),
        "b": services.create_station(world.village_b, estimated_listeners=40),
    }


@pytest.fixture
def programme(world):
    return services.create_programme(
        title="村规民约讲解", region=world.city, duration_seconds=1800, text="……"
    )


def cell(html: str, day: str) -> str:
    match = re.search(rf'data-day="{day}">(.*?)</td>', html, re.S)
    assert match, f"no cell for {day}"
    return match.group(1)


def test_the_month_grid_shows_each_days_slots_monday_first(client, world, stations, programme):
    services.schedule_slot(programme, at(2026, 3, 2, 7), target_region=world.county_a)
    services.schedule_slot(programme, at(2026, 3, 2, 19), target_region=world.county_a)
    services.schedule_slot(programme, at(2026, 3, 18, 7), target_region=world.county_b)
    client.force_login(world.city_admin)
    html = client.get("/broadcast/schedule/", {"month": "2026-03"}).content.decode()
    assert "2026年3月" in html and "共 3 次播出安排" in html
    first_row = re.search(r"<tbody><tr>(.*?)</tr>", html, re.S).group(1)
    assert 'data-day="2026-02-23"' in first_row  # March 2026 starts on a Sunday
    monday = cell(html, "2026-03-02")
    assert (
        monday.count("dk-slot") == 2 and "07:00 村规民约讲解" in monday and "19:00 村规" in monday
    )
    assert "村规民约讲解" not in cell(html, "2026-03-03")
    assert "村规民约讲解" in cell(html, "2026-03-18")
    assert "dk-slot dk-conflict" not in html and "有冲突" not in html

    client.force_login(world.county_a_admin)  # county A sees its own slots only
    html = client.get("/broadcast/schedule/", {"month": "2026-03"}).content.decode()
    assert "共 2 次播出安排" in html and "村规民约讲解" not in cell(html, "2026-03-18")
    april = client.get("/broadcast/schedule/", {"month": "2026-04"}).content.decode()
    assert "本月没有播出安排" in april
    assert client.get("/broadcast/schedule/", {"month": "2026-13"}).status_code == 200


def test_conflicts_written_around_the_scheduler_are_flagged(client, world, stations, programme):
    kept = services.schedule_slot(programme, at(2026, 3, 5, 7), target_region=world.county_a)
    # A row written by hand (the admin site, an import): it overlaps on station A.
    clash = BroadcastSlot.objects.create(
        programme=programme, start=at(2026, 3, 5, 7, 20), end=at(2026, 3, 5, 7, 50),
        region=world.county_a,
    )  # fmt: skip
    clash.stations.add(stations["a"])
    apart = BroadcastSlot.objects.create(  # overlaps in time, on another station: fine
        programme=programme, start=at(2026, 3, 5, 7, 10), end=at(2026, 3, 5, 7, 40),
        region=world.county_b,
    )  # fmt: skip
    apart.stations.add(stations["b"])
    grid = month_calendar(scope_for_user(world.city_admin), 2026, 3)
    assert grid["slot_count"] == 3 and grid["conflict_count"] == 2
    day = next(d for week in grid["weeks"] for d in week if d.day.isoformat() == "2026-03-05")
    flagged = {item.slot.pk: [o.pk for o in item.conflicts_with] for item in day.slots}
    assert flagged == {kept.slot.pk: [clash.pk], clash.pk: [kept.slot.pk], apart.pk: []}
    client.force_login(world.city_admin)
    html = client.get("/broadcast/schedule/", {"month": "2026-03"}).content.decode()
    assert "2 次安排有冲突" in html
    assert "冲突" in cell(html, "2026-03-05") and "dk-slot dk-conflict" in cell(html, "2026-03-05")
    county_b = month_calendar(scope_for_user(world.county_b_admin), 2026, 3)
    assert (county_b["slot_count"], county_b["conflict_count"]) == (1, 0)


def test_a_station_reporting_twice_counts_once_on_the_monthly_page(client, world, stations):
    token = services.issue_station_token(stations["a"])
    plays = [
        {"report_id": f"0{day}-am", "played_at": f"2026-03-0{day}T07:00:00+08:00",
         "duration_seconds": 1800, "listeners": 25}
        for day in (2, 3, 4)
    ]  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2):  # the answer was lost: the whole backlog is sent again
        client.post(
            "/api/v1/stations/plays", plays, content_type="application/json", headers=headers
        )
    assert PlayLog.objects.count() == 3
    client.force_login(world.city_admin)
    html = client.get("/broadcast/", {"month": "2026-03"}).content.decode()

    def figure(label):
        match = re.search(
            rf'dk-figure-label">{label}</div>\s*<div class="dk-figure">([^<]+)<', html
        )
        return match.group(1).strip()

    assert figure("播放次数") == "3"
    assert figure("播放时长\\(小时\\)") == "1.5"
    assert figure("收听人次") == "75"
    assert figure("本月未覆盖的村") == "1"
    assert world.village_b.name in html.split("本月未覆盖的村")[-1]
