"""Issue #24: the demo's loudspeaker programmes end up as real audio, the broadcast page
opens on a month that has plays, and the not-reached villages are filtered and paged."""

import datetime
import shutil
import wave
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dangke.broadcast import services
from dangke.broadcast.demo import build_broadcast_demo
from dangke.broadcast.models import AudioProgramme, BroadcastSlot
from dangke.regions.models import Region, RegionLevel

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is a runtime dependency"
)


@needs_espeak
def test_the_demo_reads_every_programme_aloud(world, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    built = build_broadcast_demo(3, city_code="5111", month=(2026, 3))
    assert built["programmes"] == built["programmes_spoken"] == 12
    for programme in AudioProgramme.objects.all():
        with programme.audio.open("rb") as handle, wave.open(BytesIO(handle.read())) as audio:
            seconds = audio.getnframes() / audio.getframerate()
        assert programme.duration_seconds == max(1, round(seconds))
        assert 20 < seconds < 120
    # Each slot lasts as long as the programme it plays.
    slot = BroadcastSlot.objects.select_related("programme").first()
    assert slot.end - slot.start == datetime.timedelta(seconds=slot.programme.duration_seconds)
    client.force_login(world.city_admin)
    html = client.get("/broadcast/programmes/").content.decode()
    assert html.count("<audio controls") == 12
    assert "合成中" not in html


def test_without_espeak_the_page_says_why_instead_of_waiting(world, client, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    services.create_programme(title="村规民约", region=world.city, duration_seconds=60, text="读")
    client.force_login(world.city_admin)
    html = client.get("/broadcast/programmes/").content.decode()
    assert "服务器未安装语音合成程序 espeak-ng" in html
    assert "合成中" not in html


@pytest.fixture
def many_villages(world):
    """County B gains 130 villages without a station; one station in county A played in
    March 2026 only."""
    town = world.village_b.parent
    Region.objects.bulk_create(
        Region(
            code=f"511123100{number + 300:03}",  # 12 digits, like every village code
            name=f"新{number}村",
            level=RegionLevel.VILLAGE,
            parent=town,
        )
        for number in range(130)
    )
    station = services.create_station(world.village_a, estimated_listeners=30)
    services.record_plays(
        station,
        [{"report_id": "m1", "played_at": "2026-03-02T07:00:00+08:00", "duration_seconds": 60}],
    )
    return world


def test_the_page_opens_on_the_latest_month_with_plays(many_villages, client):
    opened = services.latest_month_with_plays(
        _scope(many_villages.city_admin), today=datetime.date(2026, 5, 20)
    )
    assert opened == (2026, 3)
    client.force_login(many_villages.city_admin)
    html = client.get("/broadcast/").content.decode()
    assert '<span class="btn btn-secondary disabled">2026-03</span>' in html
    # County B's admin sees no plays at all: the current month.
    client.force_login(many_villages.county_b_admin)
    html = client.get("/broadcast/").content.decode()
    this_month = timezone.localdate().strftime("%Y-%m")
    assert f'<span class="btn btn-secondary disabled">{this_month}</span>' in html


def _scope(user):
    from dangke.accounts.scoping import scope_for_user

    return scope_for_user(user)


def test_unreached_villages_are_paged_and_filtered(many_villages, client):
    client.force_login(many_villages.city_admin)
    page = client.get("/broadcast/", {"month": "2026-03"}).content.decode()
    # 131 villages of county B (no station); county A's only village was reached.
    assert "共 131 个村" in page
    assert "1 / 3" in page and "新0村" in page and "新99村" not in page
    second = client.get("/broadcast/", {"month": "2026-03", "page": 2}).content.decode()
    assert "新99村" in second and "新0村" not in second
    last = client.get("/broadcast/", {"month": "2026-03", "page": 3}).content.decode()
    assert "新129村" in last and "新99村" not in last
    named = client.get("/broadcast/", {"month": "2026-03", "q": "新12"}).content.decode()
    assert "共 11 个村" in named  # 新12村, 新120村 … 新129村
    silent = client.get("/broadcast/", {"month": "2026-03", "reason": "silent"}).content.decode()
    assert "没有符合条件的村。" in silent
    export = client.get(
        "/broadcast/", {"month": "2026-03", "county": "511123", "q": "新12", "export": "unreached"}
    )
    sheet = load_workbook(BytesIO(export.content)).active
    assert sheet.max_row == 1 + 11
    assert sheet.cell(2, 2).value == "新12村"
