"""Delivery analysis in the app: upload checks, the real analysis task, the report page,
boundary corrections, the PDF, failures that say why, and who may see what."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from dangke.courses.models import OutlineItem
from dangke.insights import services
from dangke.insights.figures import insights_figures
from dangke.insights.models import AnalysisState, DeliveryAnalysis
from engines.speech.synth import Section, cached_lecture, espeak_available

MODELS = Path(__file__).resolve().parents[1] / "var" / "speech-models"
SHORT = [
    Section("党的历史", ["第一部分，党的历史。", "中国共产党成立于一九二一年。"], ["党的历史"], 1),
    Section("理论学习", ["第二部分，理论学习。", "党员要认真学习党的理论。"], ["理论学习"], 1),
]


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INSIGHTS_MODEL_DIR = MODELS


@pytest.fixture(scope="module")
def short_lecture(tmp_path_factory):
    if not espeak_available():
        pytest.skip("espeak-ng (Debian package) makes the test lectures")
    return cached_lecture(SHORT, tmp_path_factory.mktemp("insights"), section_gap_s=2.5)


def wav_upload(path, name="授课.wav"):
    return SimpleUploadedFile(name, Path(path).read_bytes(), content_type="audio/wav")


def outline_for(course):
    for position, section in enumerate(SHORT, start=1):
        OutlineItem.objects.create(
            course=course, position=position, title=section.title, planned_minutes=1,
            keywords=",".join(section.keywords),
        )  # fmt: skip


def fake_report(duration=600.0, titles=("甲", "乙")):
    """A small report of the engine's shape, for pages that need no real analysis."""
    return {
        "duration_s": duration, "speech_rate_cpm": 200.0, "syllable_rate_spm": 205.0,
        "comfortable_cpm": [160, 240], "bin_s": 60, "long_pause_s": 2.0,
        "timeline": [
            {"start_s": s, "end_s": s + 60, "cpm": 200.0, "spm": 205.0, "pitch_hz": 120.0,
             "pitch_range_st": 5.0, "pause_s": 0.0, "fillers": 0, "fast": False, "slow": False}
            for s in range(0, int(duration), 60)
        ],
        "transcript": [{"start_s": 0.0, "end_s": 5.0, "text": "第一部分，党的历史"},
                       {"start_s": 300.0, "end_s": 305.0, "text": "第二部分，理论学习"}],
        "pauses": [{"start_s": 100.0, "end_s": 106.0}],
        "fillers": {"counts": {"那个": 3}, "total": 3, "per_min": 0.3, "hits": []},
        "pitch": {"median_hz": 120.0, "range_semitones": 6.0, "std_semitones": 2.0,
                  "monotone_spans": []},
        "body_language": {"analysed": False, "reason": "未分析肢体语言：测试"},
        "outline": [{"title": t, "planned_min": 4, "keywords": []} for t in titles],
        "points": [
            {"title": t, "planned_min": 4, "start_s": i * 300.0, "end_s": (i + 1) * 300.0,
             "actual_min": 5.0, "over_min": 1.0, "chars": 10, "source": "auto"}
            for i, t in enumerate(titles)
        ],
        "advice": ["「甲」用时超出计划 1.0 分钟"],
        "elapsed_s": 60.0,
    }  # fmt: skip


def make_done(world, teacher=None, course=None, report=None):
    teacher = teacher or world.teacher_a
    return DeliveryAnalysis.objects.create(
        teacher=teacher, course=course or world.course_a, region=teacher.region,
        recording="insights/x.wav", original_name="x.wav", state=AnalysisState.DONE,
        report=report or fake_report(), progress=1.0,
    )  # fmt: skip


def test_teacher_uploads_and_reads_a_report_that_matches_what_was_spoken(
    client, world, short_lecture
):
    path, truth = short_lecture
    outline_for(world.course_a)
    client.force_login(world.teacher_user)
    page = client.get("/insights/")
    assert page.status_code == 200
    assert page.context["form"].initial["teacher"] == world.teacher_a.pk
    response = client.post(
        "/insights/",
        {"teacher": world.teacher_a.pk, "course": world.course_a.pk, "recording": wav_upload(path)},
    )
    analysis = DeliveryAnalysis.objects.get()
    assert response.status_code == 302 and response.url == f"/insights/{analysis.pk}/"
    # the immediate task backend ran the real analysis during the upload
    assert analysis.state == AnalysisState.DONE, analysis.message
    assert analysis.progress == 1.0
    report = analysis.report
    assert report["duration_s"] == pytest.approx(truth.duration_s, abs=0.05)
    assert report["syllable_rate_spm"] == pytest.approx(truth.rate_cpm, rel=0.08)
    assert [p["title"] for p in report["points"]] == ["党的历史", "理论学习"]
    assert report["points"][1]["start_s"] == pytest.approx(truth.section_starts_s[1], abs=3)

    page = client.get(f"/insights/{analysis.pk}/")
    html = page.content.decode()
    assert 'id="chart-timeline"' in html and "insights-chart-data" in html
    assert "未分析肢体语言" in html
    chart = page.context["chart_data"]
    assert chart["points"]["titles"] == ["党的历史", "理论学习"]
    assert len(chart["cpm"]) == len(report["timeline"])

    # the teacher moves the second boundary by hand; the report is recomputed from it
    client.post(f"/insights/{analysis.pk}/boundaries/", {"start_1": "0:05"})
    analysis.refresh_from_db()
    assert analysis.boundary_starts == [None, 5.0]
    shown = services.effective_report(analysis)
    assert shown["points"][0]["end_s"] == 5.0 and shown["points"][1]["source"] == "manual"
    assert analysis.report["points"][1]["start_s"] != 5.0  # the machine's figures are kept

    pdf = client.get(f"/insights/{analysis.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    progress = client.get(f"/insights/{analysis.pk}/progress/")
    assert progress["HX-Refresh"] == "true"


def test_analyse_command_prints_the_report_as_json(short_lecture, tmp_path, capsys):
    path, truth = short_lecture
    outline = tmp_path / "outline.json"
    outline.write_text(
        json.dumps([{"title": s.title, "planned_min": 1, "keywords": s.keywords} for s in SHORT]),
        encoding="utf-8",
    )
    call_command("analyse", str(path), "--outline", str(outline))
    report = json.loads(capsys.readouterr().out)
    assert report["duration_s"] == pytest.approx(truth.duration_s, abs=0.05)
    assert [p["title"] for p in report["points"]] == ["党的历史", "理论学习"]
    for key in ("speech_rate_cpm", "syllable_rate_spm", "transcript", "pauses", "pitch"):
        assert key in report
    assert isinstance(report["advice"], list) and report["advice"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("讲稿.txt", b"hello", "不支持的文件类型「txt」"),
        ("授课.mp3", "这不是录音".encode(), "文件内容与扩展名「.mp3」不符"),
        ("授课.wav", b"", "空文件"),
    ],
)
def test_upload_checks_type_and_content(client, world, name, content, message):
    client.force_login(world.teacher_user)
    response = client.post(
        "/insights/",
        {
            "teacher": world.teacher_a.pk,
            "course": world.course_a.pk,
            "recording": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["recording"])
    assert not DeliveryAnalysis.objects.exists()


def test_upload_size_limit(client, world, settings):
    settings.INSIGHTS_MAX_BYTES = 1024
    client.force_login(world.teacher_user)
    header = b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 2048
    response = client.post(
        "/insights/",
        {
            "teacher": world.teacher_a.pk,
            "course": world.course_a.pk,
            "recording": SimpleUploadedFile("大.wav", header),
        },
    )
    assert "上限为 0 MB" in " ".join(response.context["form"].errors["recording"]) or (
        "文件太大" in " ".join(response.context["form"].errors["recording"])
    )
    assert not DeliveryAnalysis.objects.exists()


def test_failed_run_says_why_and_keeps_the_earlier_report(client, world, settings):
    analysis = make_done(world)
    earlier = analysis.report
    # a WAV header followed by noise passes the upload check but cannot be decoded
    broken = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\xff" * 64
    media = Path(settings.MEDIA_ROOT) / "insights"
    media.mkdir(parents=True)
    (media / "x.wav").write_bytes(broken)
    client.force_login(world.teacher_user)
    client.post(f"/insights/{analysis.pk}/rerun/")
    analysis.refresh_from_db()
    assert analysis.state == AnalysisState.FAILED
    assert analysis.message.startswith("录音无法分析")
    assert analysis.report == earlier
    page = client.get(f"/insights/{analysis.pk}/").content.decode()
    assert "录音无法分析" in page and "改进建议" in page


def test_boundary_corrections_are_checked(client, world):
    analysis = make_done(world)
    client.force_login(world.teacher_user)
    response = client.post(f"/insights/{analysis.pk}/boundaries/", {"start_1": "12:99x"})
    assert response.status_code == 302
    analysis.refresh_from_db()
    assert analysis.boundary_starts == []
    client.post(f"/insights/{analysis.pk}/boundaries/", {"start_1": "11:00"})  # past the end
    analysis.refresh_from_db()
    assert analysis.boundary_starts == []
    client.post(f"/insights/{analysis.pk}/boundaries/", {"start_1": "6:00"})
    analysis.refresh_from_db()
    assert analysis.boundary_starts == [None, 360.0]
    report = services.effective_report(analysis)
    assert [p["actual_min"] for p in report["points"]] == [6.0, 4.0]
    assert "「甲」用时超出计划 2 分钟" in report["advice"]
    client.post(f"/insights/{analysis.pk}/boundaries/", {"reset": "1"})
    analysis.refresh_from_db()
    assert services.effective_report(analysis)["points"][1]["source"] == "auto"


@pytest.mark.parametrize(
    ("user", "sees_a", "sees_city"),
    [
        ("teacher_user", True, False),
        ("group_leader", False, True),  # the city teacher is in the leader's group
        ("county_a_admin", True, False),
        ("city_admin", True, True),
        ("county_b_admin", False, False),
        ("liaison", False, False),
    ],
)
def test_who_sees_a_report(client, world, user, sees_a, sees_city):
    own = make_done(world)
    city = make_done(world, teacher=world.city_teacher, course=world.course_b)
    client.force_login(getattr(world, user))
    assert (client.get(f"/insights/{own.pk}/").status_code == 200) is sees_a
    assert (client.get(f"/insights/{city.pk}/").status_code == 200) is sees_city
    listed = {a.pk for a, _ in client.get("/insights/").context["rows"]}
    assert (own.pk in listed) is sees_a and (city.pk in listed) is sees_city


def test_only_coaches_upload_or_correct(client, world, short_lecture):
    path, _truth = short_lecture
    client.force_login(world.county_b_admin)  # another county's office
    response = client.post(
        "/insights/",
        {"teacher": world.teacher_a.pk, "course": world.course_a.pk, "recording": wav_upload(path)},
    )
    assert "teacher" in response.context["form"].errors
    assert not DeliveryAnalysis.objects.exists()
    analysis = make_done(world, teacher=world.city_teacher, course=world.course_b)
    client.force_login(world.organiser)  # sees the city's reports, coaches nobody
    assert client.get(f"/insights/{analysis.pk}/").status_code == 200
    client.post(f"/insights/{analysis.pk}/boundaries/", {"start_1": "6:00"})
    analysis.refresh_from_db()
    assert analysis.boundary_starts == []


def test_report_page_compares_with_earlier_reports_and_searches_transcript(client, world):
    make_done(world)
    latest = make_done(world, report={**fake_report(), "speech_rate_cpm": 250.0})
    client.force_login(world.teacher_user)
    page = client.get(f"/insights/{latest.pk}/", {"q": "理论"})
    history = page.context["history"]
    assert [row["cpm"] for row in history] == [250.0, 200.0]
    assert [s["text"] for s in page.context["view"]["transcript"]] == ["第二部分，理论学习"]


def test_pdf_of_a_report(client, world):
    analysis = make_done(world)
    client.force_login(world.teacher_user)
    response = client.get(f"/insights/{analysis.pk}/report.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]


def test_figures_count_analyses_in_scope(world):
    from dangke.accounts.scoping import scope_for_user

    make_done(world)
    make_done(world, teacher=world.teacher_b, course=world.course_b)
    year = DeliveryAnalysis.objects.first().created_at.year
    figures = insights_figures(scope_for_user(world.county_a_admin), year)
    assert figures["analyses"] == 1 and figures["by_state"] == {"done": 1}
    assert figures["hours_analysed"] == pytest.approx(600 / 3600, abs=0.05)
    assert insights_figures(scope_for_user(world.city_admin), year)["teachers"] == 2


def test_progress_fragment_polls_while_running(client, world):
    analysis = DeliveryAnalysis.objects.create(
        teacher=world.teacher_a, course=world.course_a, region=world.county_a,
        recording="insights/x.wav", original_name="x.wav", state=AnalysisState.RUNNING,
        progress=0.42, progress_label="语音识别",
    )  # fmt: skip
    client.force_login(world.teacher_user)
    response = client.get(f"/insights/{analysis.pk}/progress/")
    html = response.content.decode()
    assert "HX-Refresh" not in response
    assert 'hx-trigger="every 2s"' in html and "语音识别" in html and "42%" in html
    page = client.get(f"/insights/{analysis.pk}/").content.decode()
    assert 'id="analysis-progress"' in page and "重新分析" not in page


def test_index_for_someone_who_coaches_nobody(client, world):
    client.force_login(world.judge)
    response = client.get("/insights/")
    assert response.status_code == 200
    assert list(response.context["form"].fields["teacher"].queryset) == []
    assert "还没有分析记录" in response.content.decode()
