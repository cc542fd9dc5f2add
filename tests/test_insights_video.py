"""Video recordings in delivery analysis: sound and picture analysed in the same task, the
body-language section on the report page and in the PDF, audio-only reports as before."""

import subprocess
import wave
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangke.accounts.scoping import scope_for_user
from dangke.insights import presentation, services
from dangke.insights.models import AnalysisState, DeliveryAnalysis
from engines.pose import report_from_frames
from engines.pose.synth import Placement, write_video
from tests.test_engine_pose import frames, pose
from tests.test_insights import SHORT, fake_report, make_done, outline_for, wav_upload

pytestmark = pytest.mark.usefixtures("pinned_clock")
MODELS = Path(__file__).resolve().parents[1] / "var" / "speech-models"
HIDDEN_S = 4.0  # the lecturer steps in after this long


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INSIGHTS_MODEL_DIR = MODELS


@pytest.fixture(scope="module")
def short_video(tmp_path_factory):
    from engines.speech.synth import cached_lecture, espeak_available

    if not espeak_available():
        pytest.skip("espeak-ng (Debian package) makes the test lectures")
    directory = tmp_path_factory.mktemp("insights-video")
    wav, truth = cached_lecture(SHORT, directory, section_gap_s=2.5)
    with wave.open(str(wav)) as sound:
        seconds = sound.getnframes() / sound.getframerate()
    path = write_video(
        directory / "lecture.mp4",
        seconds,
        lambda t: Placement(hidden=t < HIDDEN_S, x=0.4),
        audio=wav,
    )
    return path, truth


def test_a_video_lesson_gets_speech_and_body_language_from_one_run(client, world, short_video):
    path, truth = short_video
    outline_for(world.course_a)
    client.force_login(world.teacher_user)
    upload = SimpleUploadedFile("授课录像.mp4", path.read_bytes(), content_type="video/mp4")
    client.post(
        "/insights/",
        {"teacher": world.teacher_a.pk, "course": world.course_a.pk, "recording": upload},
    )
    analysis = DeliveryAnalysis.objects.get()
    assert analysis.state == AnalysisState.DONE, analysis.message
    report = analysis.report
    assert report["duration_s"] == pytest.approx(truth.duration_s, abs=0.1)
    assert [p["title"] for p in report["points"]] == ["党的历史", "理论学习"]
    body = report["body_language"]
    assert body["analysed"] is True
    frames_total = body["shares"]["frames"]
    assert frames_total == pytest.approx(2 * truth.duration_s, abs=2)
    assert body["shares"]["nobody"] == pytest.approx(2 * HIDDEN_S / frames_total, abs=0.02)
    assert body["shares"]["facing"] == 1.0 and body["shares"]["walking"] == 0.0
    assert [p["name"] for p in body["parts"]] == ["「党的历史」", "「理论学习」"]
    assert "frame" not in str(sorted(body)) and not list(
        Path(analysis.recording.path).parent.glob("*.png")
    )  # no pictures kept: only the readings

    page = client.get(f"/insights/{analysis.pk}/").content.decode()
    assert 'id="body-language"' in page and "时间轴：肢体语言" in page
    assert "<svg" in page and "判定标准" in page
    assert "鼻尖偏离两肩中点不超过肩宽的 35%" in page

    pdf = client.get(f"/insights/{analysis.pk}/report.pdf")
    assert pdf.status_code == 200
    text = _pdf_text(pdf.content)
    assert "肢体语言" in text and "面向听众" in text and "判定标准" in text


def _pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def test_an_audio_recording_keeps_todays_report_and_says_why_no_body_language(
    client, world, short_video, tmp_path
):
    from engines.speech.synth import cached_lecture

    wav, _truth = cached_lecture(SHORT, tmp_path, section_gap_s=2.5)
    client.force_login(world.teacher_user)
    client.post(
        "/insights/",
        {"teacher": world.teacher_a.pk, "course": world.course_a.pk, "recording": wav_upload(wav)},
    )
    analysis = DeliveryAnalysis.objects.get()
    assert analysis.state == AnalysisState.DONE, analysis.message
    assert analysis.report["body_language"] == {
        "analysed": False,
        "reason": "这是一份只有声音的录音，未分析肢体语言；上传授课录像（mp4、mov）可同时分析。",
    }
    page = client.get(f"/insights/{analysis.pk}/").content.decode()
    assert "时间轴：肢体语言" not in page and "只有声音的录音" in page


def test_without_the_pose_model_the_sound_is_still_analysed(world, short_video, settings, tmp_path):
    path, _truth = short_video
    settings.INSIGHTS_POSE_MODEL_DIR = tmp_path / "nothing-here"
    from django.core.files import File

    with path.open("rb") as source:
        analysis = services.create_analysis(
            user=world.teacher_user, scope=scope_for_user(world.teacher_user),
            teacher=world.teacher_a, course=world.course_a,
            upload=File(source, name="录像.mp4"),
        )  # fmt: skip
    analysis.refresh_from_db()
    assert analysis.state == AnalysisState.DONE, analysis.message
    reason = analysis.report["body_language"]["reason"]
    assert reason.startswith("未分析肢体语言：缺少姿态识别模型文件")
    assert "make install" in reason


def test_corrected_boundaries_regroup_the_body_language_too(client, world):
    body = report_from_frames(
        frames(600, lambda t: pose(look_down=t < 240)),
        600,
        points=fake_report()["points"],
    )
    analysis = make_done(world, report={**fake_report(), "body_language": body})
    assert [p["looking_down"] for p in body["parts"]] == [0.8, 0.0]
    client.force_login(world.teacher_user)
    client.post(f"/insights/{analysis.pk}/boundaries/", {"start_1": "4:00"})
    shown = services.effective_report(DeliveryAnalysis.objects.get(pk=analysis.pk))
    assert [p["looking_down"] for p in shown["body_language"]["parts"]] == [1.0, 0.0]
    assert shown["body_language"]["advice"][0].startswith("「甲」约 100% 时间低头看稿")
    view = presentation.body_view(shown)
    assert [(p["name"], p["start"], p["end"]) for p in view["parts"]] == [
        ("「甲」", "0:00", "4:00"),
        ("「乙」", "4:00", "10:00"),
    ]
    page = client.get(f"/insights/{analysis.pk}/").content.decode()
    assert "「甲」约 100% 时间低头看稿" in page


def test_analyse_command_reads_the_picture_of_a_video_too(short_video, capsys):
    import json

    from django.core.management import call_command

    path, _truth = short_video
    call_command("analyse", str(path))
    report = json.loads(capsys.readouterr().out)
    body = report["body_language"]
    assert body["analysed"] is True and "readings" not in body
    assert body["shares"]["nobody"] > 0 and body["shares"]["facing"] == 1.0
