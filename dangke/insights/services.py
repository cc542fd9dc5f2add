"""The life of a delivery analysis: upload → queued → running → done (or failed, saying why).

Every change of state goes through `DeliveryAnalysis.move` (`dangke.core.jobs`), which
follows `STATE_TRANSITIONS` as a compare-and-set, so a task that runs twice analyses
once. A failed run leaves the report of an earlier run as it was. Progress is written to
the row as the engine reports it (the run holds no transaction open, so the page that
polls sees it at once).
"""

import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.insights import rules
from dangke.insights.models import AnalysisState, DeliveryAnalysis
from dangke.insights.uploads import check_recording

logger = logging.getLogger(__name__)
PROGRESS_EVERY_S = 1.0
AUDIO_ONLY_REASON = gettext_lazy(
    "这是一份只有声音的录音，未分析肢体语言；上传授课录像（mp4、mov）可同时分析。"
)


class AnalysisNotAllowed(Exception):
    pass


def model_cache_dir() -> Path:
    """Where the Whisper model's two packaged parts are joined at first use."""
    return Path(getattr(settings, "INSIGHTS_MODEL_DIR", settings.VAR_DIR / "speech-models"))


def pose_model_dir() -> Path:
    """Where `make install` unpacks the body-language model (npm `@mediapipe/pose`)."""
    return Path(
        getattr(
            settings, "INSIGHTS_POSE_MODEL_DIR", settings.BASE_DIR.parent / "var" / "pose-model"
        )
    )


def course_outline(course) -> list[dict]:
    """The course's knowledge points in the engine's outline form."""
    return [
        {"title": item.title, "planned_min": item.planned_minutes, "keywords": item.keyword_list}
        for item in course.outline.all()
    ]


def create_analysis(
    *, user, scope, teacher, course, upload, lesson=None, entry=None, title=""
) -> DeliveryAnalysis:
    """Store a recording of `teacher` giving `course` (at `lesson`, or as contest `entry`)
    and queue its analysis."""
    if not rules.may_coach(scope, teacher):
        raise PermissionDenied(_("只能为本人或本教研组的师资上传录音"))
    if lesson is not None and lesson.course_id != course.pk:
        raise AnalysisNotAllowed(_("所选授课活动不是这门课程的"))
    if entry is not None:
        check_entry(entry, teacher, course)
    check_recording(upload)
    with transaction.atomic():
        analysis = DeliveryAnalysis.objects.create(
            teacher=teacher,
            course=course,
            lesson=lesson,
            entry=entry,
            region_id=teacher.region_id,
            title=title[:200],
            recording=upload,
            original_name=(upload.name or "")[:200],
            size_bytes=upload.size,
            outline=course_outline(course),
            created_by=user,
            progress_label=_("排队等待分析"),
        )
        record_audit(
            analysis,
            actor=user,
            action=AuditEntry.Action.CREATE,
            reason=_("上传录音「%(name)s」") % {"name": analysis.original_name},
        )
    _enqueue(analysis)
    return analysis


def check_entry(entry, teacher, course) -> None:
    if entry.course_id != course.pk:
        raise AnalysisNotAllowed(_("所选参赛作品不是这门课程的"))
    if not entry.teachers.filter(pk=teacher.pk).exists():
        raise AnalysisNotAllowed(_("所选参赛作品的参赛教师中没有该师资"))


def analyse_entry_recording(entry, *, teacher, user, scope) -> DeliveryAnalysis:
    """Analyse the recording a contest entry was submitted with, as `teacher`'s."""
    if not entry.recording:
        raise AnalysisNotAllowed(_("该参赛作品没有上传授课录像"))
    name = Path(entry.recording.name).name
    with entry.recording.open("rb") as source:
        upload = File(source, name=name)
        return create_analysis(
            user=user, scope=scope, teacher=teacher, course=entry.course, upload=upload,
            entry=entry, title=_("%(contest)s 参赛录像") % {"contest": entry.contest.name},
        )  # fmt: skip


def coach_for_entry(entry, scope):
    """The entry's teacher whose recordings `scope` may analyse, or None."""
    return next((t for t in entry.teachers.all() if rules.may_coach(scope, t)), None)


def entry_analyses(entry, scope):
    return entry.delivery_analyses.visible_to(scope).select_related("teacher")


def share(analysis: DeliveryAnalysis, shared: bool, *, user, scope) -> None:
    """Show the report to the region's office (组织部门), or take it back."""
    if not rules.may_coach(scope, analysis.teacher):
        raise PermissionDenied(_("只有本人或所在教研组组长可以共享报告"))
    if shared == analysis.is_shared:
        return
    before = analysis.shared_region_id
    analysis.shared_region_id = analysis.region_id if shared else None
    analysis.save(update_fields=["shared_region", "updated_at"])
    record_audit(
        analysis,
        actor=user,
        action=AuditEntry.Action.UPDATE,
        field="shared_region",
        from_value=before or "",
        to_value=analysis.shared_region_id or "",
        reason=_("共享给组织部门") if shared else _("取消共享"),
    )


def reanalyse(analysis: DeliveryAnalysis, *, user, scope) -> None:
    """Run the analysis again (after a failure, or with the course's current outline).
    The earlier report stays until the new run succeeds."""
    if not rules.may_coach(scope, analysis.teacher):
        raise PermissionDenied(_("无权重新分析"))
    if not analysis.can_move(AnalysisState.QUEUED) or not analysis.move(
        AnalysisState.QUEUED,
        progress=0.0,
        progress_label=_("排队等待分析"),
        message="",
        outline=course_outline(analysis.course),
    ):
        raise AnalysisNotAllowed(_("该分析当前不能重新运行"))
    record_audit(analysis, actor=user, action=AuditEntry.Action.UPDATE, reason=_("重新分析"))
    _enqueue(analysis)


def _enqueue(analysis: DeliveryAnalysis) -> None:
    from dangke.insights.tasks import analyse_recording

    result = analyse_recording.enqueue(analysis.pk)
    DeliveryAnalysis.objects.unscoped("the analysis just created").filter(pk=analysis.pk).update(
        task_id=str(result.id)[:64]
    )


class _Progress:
    """Passes the progress of the analysis to `show(fraction, label)`, at most once a
    second. With a video, the sound's share and the picture's are weighed by their usual
    cost and shown apart."""

    AUDIO_SHARE_WITH_VIDEO = 0.8

    def __init__(self, show, video: bool = False):
        self.show = show
        self.last = 0.0
        self.video = video
        self.audio_done, self.video_done = 0.0, 0.0
        self.label = ""

    def __call__(self, fraction: float, label: str) -> None:
        self.audio_done, self.label = max(0.0, min(float(fraction), 1.0)), label
        self.write()

    def on_video(self, fraction: float, label: str) -> None:
        # Called from the video thread: remembered only, written by the task's own thread.
        self.video_done = max(0.0, min(float(fraction), 1.0))

    def write(self) -> None:
        if self.video:
            share = self.AUDIO_SHARE_WITH_VIDEO
            overall = share * self.audio_done + (1 - share) * self.video_done
            label = _("%(audio)s；画面 %(video).0f%%") % {
                "audio": self.label,
                "video": 100 * self.video_done,
            }
        else:
            overall, label = self.audio_done, self.label
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S and overall < 1:
            return
        self.last = now
        self.show(overall, label)


class _VideoReading(threading.Thread):
    """Reads the lecturer's body language from the video while the sound is analysed; the
    frames live only inside the engine. Any failure becomes the section's stated reason."""

    def __init__(self, path: Path, progress: _Progress):
        super().__init__(name="insights-video", daemon=True)
        self.path, self.progress = path, progress
        self.samples, self.duration, self.reason = [], 0.0, ""

    def run(self) -> None:
        from engines.pose import ModelMissing, VideoError, read_video

        try:
            self.samples, self.duration = read_video(
                str(self.path),
                model_dir=str(pose_model_dir()),
                per_second=getattr(settings, "INSIGHTS_VIDEO_SAMPLES_PER_SECOND", 2.0),
                progress=self.progress.on_video,
            )
        except (ModelMissing, VideoError) as error:
            self.reason = str(error)
        except Exception as error:
            logger.exception("body language of %s failed", self.path)
            self.reason = _("画面分析失败：%(error)s") % {"error": f"{type(error).__name__}"}

    def body_language(self, report: dict) -> dict:
        from engines.pose import report_from_frames

        if self.reason:
            return {
                "analysed": False,
                "reason": _("未分析肢体语言：%(reason)s") % {"reason": self.reason},
            }
        return report_from_frames(
            self.samples,
            max(self.duration, report.get("duration_s") or 0.0),
            bin_s=report.get("bin_s", 60),
            points=report.get("points") or [],
        )


def analyse_file(path: Path, outline, show, *, cpu_threads: int | None = None) -> dict:
    """The delivery report of the recording at `path`: its sound analysed, and a video's
    picture read for body language at the same time in a second thread. `show(fraction,
    label)` hears the progress. Raises the speech engine's AudioError for bad sound."""
    from engines.pose import has_video
    from engines.speech import analyse

    progress = _Progress(show, video=has_video(str(path)))
    video = _VideoReading(path, progress) if progress.video else None
    if video:
        video.start()
    try:
        report = analyse(
            str(path),
            outline,
            cache_root=str(model_cache_dir()),
            cpu_threads=cpu_threads or getattr(settings, "INSIGHTS_CPU_THREADS", 2),
            progress=progress,
        )
    finally:
        while video and video.is_alive():
            video.join(PROGRESS_EVERY_S)
            progress.write()
    if video:
        report["body_language"] = video.body_language(report)
    else:
        report["body_language"] = {"analysed": False, "reason": str(AUDIO_ONLY_REASON)}
    return report


def run_analysis(analysis_id: int) -> str:
    """The task's body: analyse the stored recording with the course outline."""
    from engines.speech import AudioError

    analysis = DeliveryAnalysis.objects.get(pk=analysis_id)
    if analysis.state != AnalysisState.QUEUED or not analysis.move(
        AnalysisState.RUNNING, progress=0.0, progress_label=_("开始分析")
    ):
        return f"跳过：分析已是「{analysis.get_state_display()}」"
    started = time.monotonic()

    def show(fraction: float, label: str) -> None:
        analysis.beat(progress=fraction, progress_label=label[:64])

    try:
        with _local_copy(analysis) as path:
            report = analyse_file(path, analysis.outline, show)
    except AudioError as error:
        return _fail(analysis, _("录音无法分析：%(error)s") % {"error": error})
    except Exception as error:
        logger.exception("delivery analysis %s failed", analysis.pk)
        return _fail(
            analysis,
            _("分析失败，原有数据未改动。原因：%(error)s")
            % {"error": f"{type(error).__name__}: {error}"},
        )
    report["elapsed_s"] = round(time.monotonic() - started, 2)
    report["real_time_factor"] = round(report["elapsed_s"] / max(report["duration_s"], 0.001), 3)
    analysis.move(
        AnalysisState.DONE,
        report=report,
        boundary_starts=[],
        progress=1.0,
        progress_label=_("完成"),
        message=_("分析完成，用时 %(s).0f 秒（录音 %(d).0f 秒）")
        % {"s": report["elapsed_s"], "d": report["duration_s"]},
        finished_at=timezone.now(),
    )
    return analysis.message


def _fail(analysis: DeliveryAnalysis, message: str) -> str:
    analysis.fail(message)
    return message


class _local_copy:
    """The recording as a local path (a storage without paths is copied to a temp file)."""

    def __init__(self, analysis):
        self.analysis = analysis
        self.tmp = None

    def __enter__(self) -> Path:
        try:
            return Path(self.analysis.recording.path)
        except NotImplementedError:
            suffix = Path(self.analysis.original_name).suffix
            self.tmp = tempfile.NamedTemporaryFile(suffix=suffix)
            with self.analysis.recording.open("rb") as source:
                shutil.copyfileobj(source, self.tmp)
            self.tmp.flush()
            return Path(self.tmp.name)

    def __exit__(self, *exc):
        if self.tmp is not None:
            self.tmp.close()
        return False


def effective_report(analysis: DeliveryAnalysis) -> dict:
    """The report with the teacher's boundary corrections applied (to the body language's
    parts too)."""
    from engines.pose import with_points
    from engines.speech import apply_boundaries

    report = analysis.report or {}
    if report and analysis.boundary_starts:
        try:
            report = apply_boundaries(report, analysis.boundary_starts)
        except ValueError:
            return report
        body = report.get("body_language") or {}
        if body.get("analysed"):
            report["body_language"] = with_points(body, report.get("points") or [])
    return report


def set_boundaries(analysis: DeliveryAnalysis, starts: list, *, user, scope) -> dict:
    """Keep the teacher's start time for each knowledge point (None: the computed one).
    Raises ValueError with the reason when the times do not rise or run past the end."""
    from engines.speech import apply_boundaries

    if not rules.may_coach(scope, analysis.teacher):
        raise PermissionDenied(_("无权校正分段"))
    if analysis.state != AnalysisState.DONE or not analysis.report:
        raise AnalysisNotAllowed(_("分析完成后才能校正分段"))
    report = apply_boundaries(analysis.report, starts)
    before = analysis.boundary_starts
    analysis.boundary_starts = [None if s is None else round(float(s), 2) for s in starts]
    analysis.save(update_fields=["boundary_starts", "updated_at"])
    record_audit(
        analysis,
        actor=user,
        action=AuditEntry.Action.UPDATE,
        field="boundary_starts",
        from_value=before,
        to_value=analysis.boundary_starts,
        reason=_("人工校正知识点分段"),
    )
    return report
