"""Delivery analysis in the app: upload checks, the real analysis task, the report page,
boundary corrections, the PDF, failures that say why, and who may see what."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.core.models import AuditEntry
from dangke.courses.models import OutlineItem
from dangke.insights import services
from dangke.insights.figures import insights_figures
from dangke.insights.models import AnalysisState, DeliveryAnalysis
from engines.speech.synth import Section, cached_lecture, espeak_available

YEAR = 2026
# These tests read "this year" and make lessons "days ago": they run late in YEAR.
pytestmark = pytest.mark.usefixtures("pinned_clock")
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
    ("user", "sees_private", "sees_shared_a", "sees_city"),
    [
        ("teacher_user", True, True, False),
        ("group_leader", False, False, True),  # the city teacher is in the leader's group
        ("county_a_admin", False, True, False),
        ("city_admin", False, True, False),
        ("organiser", False, True, False),
        ("county_b_admin", False, False, False),
        ("liaison", False, False, False),
    ],
)
def test_a_report_is_private_to_teacher_and_group_leader_until_shared(
    client, world, user, sees_private, sees_shared_a, sees_city
):
    private = make_done(world)
    shared = make_done(world)
    services.share(shared, True, user=world.teacher_user, scope=scope_for_user(world.teacher_user))
    city = make_done(world, teacher=world.city_teacher, course=world.course_b)
    client.force_login(getattr(world, user))
    for analysis, expected in ((private, sees_private), (shared, sees_shared_a), (city, sees_city)):
        assert (client.get(f"/insights/{analysis.pk}/").status_code == 200) is expected
    listed = {a.pk for a, _ in client.get("/insights/").context["rows"]}
    assert listed == {
        a.pk
        for a, seen in ((private, sees_private), (shared, sees_shared_a), (city, sees_city))
        if seen
    }


def test_sharing_is_the_coachs_choice_and_audited(client, world):
    analysis = make_done(world)
    client.force_login(world.county_a_admin)  # the office cannot see it, let alone share it
    assert client.post(f"/insights/{analysis.pk}/share/", {"shared": "1"}).status_code == 404
    client.force_login(world.teacher_user)
    page = client.get(f"/insights/{analysis.pk}/").content.decode()
    assert "仅本人和所在教研组组长可见" in page
    client.post(f"/insights/{analysis.pk}/share/", {"shared": "1"})
    analysis.refresh_from_db()
    assert analysis.shared_region_id == world.county_a.code
    assert "已共享" in client.get(f"/insights/{analysis.pk}/").content.decode()
    client.force_login(world.county_a_admin)
    page = client.get(f"/insights/{analysis.pk}/").content.decode()
    assert f"/insights/{analysis.pk}/share/" not in page  # sees, but does not decide
    with pytest.raises(PermissionDenied):
        services.share(
            analysis, False, user=world.county_a_admin, scope=scope_for_user(world.county_a_admin)
        )
    client.force_login(world.teacher_user)
    client.post(f"/insights/{analysis.pk}/share/", {"shared": "0"})
    analysis.refresh_from_db()
    assert analysis.shared_region_id is None
    audit = AuditEntry.objects.filter(object_id=str(analysis.pk), field="shared_region")
    assert [(a.to_value, a.actor_id) for a in audit.order_by("pk")] == [
        (world.county_a.code, world.teacher_user.pk),
        ("", world.teacher_user.pk),
    ]


def test_only_coaches_upload_or_correct(client, world, short_lecture):
    path, _truth = short_lecture
    for office in (world.county_b_admin, world.county_a_admin):  # offices coach nobody
        client.force_login(office)
        response = client.post(
            "/insights/",
            {"teacher": world.teacher_a.pk, "course": world.course_a.pk,
             "recording": wav_upload(path)},
        )  # fmt: skip
        assert "teacher" in response.context["form"].errors
    assert not DeliveryAnalysis.objects.exists()
    analysis = make_done(world, teacher=world.city_teacher, course=world.course_b)
    leader = scope_for_user(world.group_leader)
    services.share(analysis, True, user=world.group_leader, scope=leader)
    client.force_login(world.organiser)  # sees the shared report, coaches nobody
    assert client.get(f"/insights/{analysis.pk}/").status_code == 200
    client.post(f"/insights/{analysis.pk}/boundaries/", {"start_1": "6:00"})
    analysis.refresh_from_db()
    assert analysis.boundary_starts == []


def test_a_contest_entrys_recording_is_analysed_for_its_teacher(client, world, short_lecture):
    from dangke.contests import services as contests

    path, truth = short_lecture
    outline_for(world.course_a)
    contest = contests.create_contest(world.city, YEAR, actor=world.city_admin)
    entry = contests.register_entry(contest, world.course_a, actor=world.city_admin)
    other = contests.register_entry(contest, world.course_b, actor=world.city_admin)
    contests.update_materials(
        entry, actor=world.teacher_user, recording=wav_upload(path, "参赛录像.wav")
    )
    entry_page = f"/contests/{contest.pk}/entries/{entry.pk}/"

    client.force_login(world.county_b_admin)  # cannot see the entry
    assert client.post(f"/insights/entry/{entry.pk}/").status_code == 404
    client.force_login(world.city_admin)  # sees the entry, coaches nobody
    assert client.post(f"/insights/entry/{entry.pk}/").status_code == 403
    client.force_login(world.teacher_user)
    assert "分析已上传的授课录像" in client.get(entry_page).content.decode()
    response = client.post(f"/insights/entry/{entry.pk}/")
    analysis = DeliveryAnalysis.objects.get()
    assert response.url == f"/insights/{analysis.pk}/"
    assert (analysis.entry, analysis.teacher, analysis.course) == (
        entry,
        world.teacher_a,
        world.course_a,
    )
    assert analysis.state == AnalysisState.DONE, analysis.message
    assert analysis.report["duration_s"] == pytest.approx(truth.duration_s, abs=0.05)
    assert [p["title"] for p in analysis.report["points"]] == ["党的历史", "理论学习"]
    assert f"/insights/{analysis.pk}/" in client.get(entry_page).content.decode()
    assert contest.name in client.get(f"/insights/{analysis.pk}/").content.decode()

    # an upload names the entry only when it is the same course and the teacher entered it
    response = client.post(
        "/insights/",
        {"teacher": world.teacher_a.pk, "course": world.course_a.pk, "entry": other.pk,
         "recording": wav_upload(path)},
    )  # fmt: skip
    assert "entry" in response.context["form"].errors  # not among the teacher's entries
    assert DeliveryAnalysis.objects.count() == 1
    with pytest.raises(services.AnalysisNotAllowed, match="不是这门课程的"):
        services.check_entry(entry, world.teacher_a, world.course_b)
    with pytest.raises(services.AnalysisNotAllowed, match="参赛教师中没有"):
        services.check_entry(entry, world.teacher_b, world.course_a)


def test_demo_recording_follows_the_teachers_course_outline(world, short_lecture):
    outline_for(world.course_a)
    out = StringIO()
    call_command("demo_recording", "--sentences", "2", stdout=out)
    analysis = DeliveryAnalysis.objects.get()
    assert (analysis.teacher, analysis.course) == (world.teacher_a, world.course_a)
    assert not analysis.is_shared and "已为 王红梅 上传示范课录像" in out.getvalue()
    assert analysis.state == AnalysisState.DONE, analysis.message
    points = analysis.report["points"]
    assert [p["title"] for p in points] == ["党的历史", "理论学习"]
    assert 0 < points[1]["start_s"] < analysis.report["duration_s"]
    body = analysis.report["body_language"]  # the demo lecturer walks in the middle fifth
    assert body["analysed"] and 0.1 < body["shares"]["walking"] < 0.4
    call_command("demo_recording", stdout=(again := StringIO()))
    assert "已有授课分析" in again.getvalue() and DeliveryAnalysis.objects.count() == 1


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
    make_done(world)
    make_done(world, teacher=world.teacher_b, course=world.course_b)
    year = DeliveryAnalysis.objects.first().created_at.year
    assert insights_figures(scope_for_user(world.county_a_admin), year)["analyses"] == 0
    DeliveryAnalysis.objects.update(shared_region_id=F("region_id"))
    figures = insights_figures(scope_for_user(world.county_a_admin), year)
    assert figures["analyses"] == 1 and figures["by_state"] == {"done": 1}
    assert figures["hours_analysed"] == pytest.approx(600 / 3600, abs=0.05)
    assert insights_figures(scope_for_user(world.city_admin), year)["teachers"] == 2


def test_progress_fragment_polls_while_running(client, world):
    analysis = DeliveryAnalysis.objects.create(
        teacher=world.teacher_a, course=world.course_a, region=world.county_a,
        recording="insights/x.wav", original_name="x.wav", state=AnalysisState.RUNNING,
        progress=0.42, progress_label="语音识别", heartbeat_at=timezone.now(),
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
