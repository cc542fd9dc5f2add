"""The loudspeaker pages: monthly figures, schedule with conflicts, programmes, stations."""

import datetime

import pytest
from django.utils import timezone

from dangke.broadcast import services
from dangke.broadcast.models import BroadcastSlot


@pytest.fixture
def stations(world):
    return (
        services.create_station(world.village_a, estimated_listeners=80),
        services.create_station(world.village_b, estimated_listeners=60),
    )


def test_monthly_page_counts_plays_and_unreached_villages(client, world, stations):
    services.record_plays(
        stations[0],
        [{"report_id": "a1", "played_at": "2026-03-02T07:00:00+08:00", "duration_seconds": 1800}],
    )
    client.force_login(world.city_admin)
    html = client.get("/broadcast/", {"month": "2026-03"}).content.decode()
    assert "2026-03" in html and world.village_b.name in html
    client.force_login(world.county_a_admin)
    html = client.get("/broadcast/", {"month": "2026-03"}).content.decode()
    assert world.village_b.name not in html
    export = client.get("/broadcast/", {"month": "2026-03", "export": "unreached"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_scheduling_from_the_page_refuses_overlaps(client, world, stations):
    programme = services.create_programme(
        title="村规民约讲解", region=world.county_a, duration_seconds=900, text="……"
    )
    client.force_login(world.county_a_admin)
    day = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    form = {"programme": programme.pk, "day": day, "time": "07:00", "target_region": "511102"}
    first = client.post("/broadcast/schedule/", form, follow=True)
    assert "已安排到 1 个站点" in first.content.decode()
    clash = client.post("/broadcast/schedule/", {**form, "time": "07:10"}, follow=True)
    assert "重叠" in clash.content.decode()
    assert BroadcastSlot.objects.count() == 1


def test_only_admins_schedule_and_only_their_counties(client, world, stations):
    programme = services.create_programme(
        title="节目", region=world.county_a, duration_seconds=600, text="……"
    )
    client.force_login(world.county_a_admin)
    day = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    client.post(
        "/broadcast/schedule/",
        {"programme": programme.pk, "day": day, "time": "19:00", "target_region": "511123"},
    )
    assert not BroadcastSlot.objects.exists()
    client.force_login(world.organiser)
    response = client.post(
        "/broadcast/schedule/",
        {"programme": programme.pk, "day": day, "time": "19:00", "target_region": "511102"},
    )
    assert response.status_code == 403


def test_programme_page_creates_a_text_programme(client, world):
    client.force_login(world.county_a_admin)
    client.post(
        "/broadcast/programmes/",
        {"title": "乡村振兴政策解读", "region": "511102", "duration_minutes": "12.5",
         "text": "各位村民……"},
    )  # fmt: skip
    html = client.get("/broadcast/programmes/").content.decode()
    assert "乡村振兴政策解读" in html and "12" in html


def test_station_list_is_scoped(client, world, stations):
    client.force_login(world.county_b_admin)
    html = client.get("/broadcast/stations/").content.decode()
    assert stations[1].name in html and stations[0].name not in html


def test_station_token_command_issues_a_working_token(client, world, stations, capsys):
    from django.core.management import call_command

    call_command("station_token", stations[0].code)
    token = capsys.readouterr().out.strip()
    response = client.get("/api/v1/stations/schedule", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_play_logs_import_through_the_import_pages(client, world, stations, settings, tmp_path):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    from dangke.broadcast.models import PlayLog

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.county_a_admin)
    book = load_workbook(BytesIO(client.get("/imports/broadcast_plays/template.xlsx").content))
    sheet = book.worksheets[0]
    headers = [str(cell.value).rstrip("*") for cell in sheet[1]]
    for column in range(1, len(headers) + 1):
        sheet.cell(row=2, column=column).value = None  # clear the example row
    row = {"站点编号": stations[0].code, "播放时间": "2026-03-02 07:00", "时长(分钟)": 30}
    for name, value in row.items():
        sheet.cell(row=2, column=headers.index(name) + 1, value=value)
    buffer = BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("播放记录.xlsx", buffer.getvalue())
    job_page = client.post("/imports/broadcast_plays/upload/", {"broadcast_plays-file": upload})
    job_url = job_page["Location"]
    from dangke.imports.models import ImportJob

    job = ImportJob.objects.get()
    assert job.state == "valid", (job.errors, job.message)
    client.post(f"{job_url}confirm/")
    assert PlayLog.objects.filter(station=stations[0]).count() == 1


def test_a_text_programme_is_read_aloud_and_served_only_to_its_stations(
    client, world, stations, settings, tmp_path
):
    import wave
    from io import BytesIO

    from dangke.broadcast.models import AudioProgramme

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.county_a_admin)
    client.post(
        "/broadcast/programmes/",
        {"title": "通知", "region": "511102", "duration_minutes": "1",
         "text": "各位村民，大家好。今天学习乡村振兴政策。"},
    )  # fmt: skip
    programme = AudioProgramme.objects.get(title="通知")
    assert programme.audio.name.endswith(".wav")
    staff_copy = b"".join(client.get(f"/broadcast/programmes/{programme.pk}/audio/"))
    with wave.open(BytesIO(staff_copy)) as reader:
        seconds = reader.getnframes() / reader.getframerate()
    assert 3 < seconds < 30 and programme.duration_seconds == round(seconds)

    start = timezone.now() + datetime.timedelta(hours=1)
    services.schedule_slot(programme, start, target_region=world.county_a)
    mine, other = (services.issue_station_token(station) for station in stations)
    url = f"/api/v1/stations/programmes/{programme.pk}/audio"
    assert client.get(url, headers={"Authorization": f"Bearer {mine}"}).status_code == 200
    assert client.get(url, headers={"Authorization": f"Bearer {other}"}).status_code == 404
    schedule = client.get(
        "/api/v1/stations/schedule", headers={"Authorization": f"Bearer {mine}"}
    ).json()
    assert schedule and all(item["audio_url"] == url for item in schedule if item["audio_url"])
