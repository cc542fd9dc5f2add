"""The demo's analysed recording: the demo teacher's sample lecture of one of their courses,
spoken by espeak-ng along the course's outline, with a short video of a lecturer who stands,
walks across and comes back (made from a bundled photograph, engines/pose/synth.py), queued
for analysis like an upload (the worker that `dangke serve` starts analyses it within a
minute or two). Its report shows the speech and the body-language sections."""

import tempfile
from pathlib import Path

from django.core.files import File

from dangke.accounts.models import User
from dangke.accounts.scoping import scope_for_user
from dangke.delivery.models import LessonStatus
from dangke.insights import services
from dangke.insights.models import DeliveryAnalysis
from dangke.insights.samples import course_sections, speak_lecture
from engines.pose.synth import write_video

DEMO_TEACHER = "teacher"


def demo_lecturer(duration_s: float):
    """Where the demo's lecturer stands at time t: still at the lectern, pacing across the
    stage and back (a leg of three seconds, about a shoulder width a second) in the middle
    fifth, still again."""
    from engines.pose.synth import Placement

    walk_from, walk_to, leg_s = 0.4 * duration_s, 0.6 * duration_s, 3.0

    def placement(t: float) -> Placement:
        if walk_from <= t < walk_to:
            phase = ((t - walk_from) / leg_s) % 2  # 0→1 across, 1→2 back
            return Placement(x=0.3 + 0.4 * (1 - abs(phase - 1)), scale=0.7)
        return Placement(x=0.3, scale=0.7)

    return placement


class DemoRecordingSkipped(Exception):
    """Why no recording was queued (in Chinese, for the console)."""


def queue_demo_recording(*, sentences: int = 3) -> DeliveryAnalysis:
    from engines.speech.synth import espeak_available

    user = User.objects.filter(username=DEMO_TEACHER).first()
    teacher = getattr(user, "teacher_profile", None) if user else None
    if teacher is None:
        raise DemoRecordingSkipped("没有演示教师账号：请先运行 dangke demo-accounts")
    if DeliveryAnalysis.objects.filter(teacher=teacher).exists():
        raise DemoRecordingSkipped(f"{teacher.name} 已有授课分析，未重复生成")
    if not espeak_available():
        raise DemoRecordingSkipped("未安装 espeak-ng，跳过示例录音（apt-get install espeak-ng）")
    course = teacher.courses.filter(outline__isnull=False).distinct().order_by("code").first()
    if course is None:
        raise DemoRecordingSkipped(f"{teacher.name} 讲授的课程都没有提纲")
    lesson = (
        teacher.lessons.filter(course=course, status=LessonStatus.DELIVERED)
        .order_by("-starts_at")
        .first()
    )
    with tempfile.TemporaryDirectory() as directory:
        sound = Path(directory) / "sound.wav"
        truth = speak_lecture(course_sections(course, sentences), sound)
        path = Path(directory) / f"{course.code}-示范课录像.mp4"
        write_video(path, truth.duration_s, demo_lecturer(truth.duration_s), audio=sound)
        with path.open("rb") as recording:
            return services.create_analysis(
                user=user, scope=scope_for_user(user), teacher=teacher, course=course,
                lesson=lesson, upload=File(recording, name=path.name),
                title="演示：按课程提纲合成的示范课录像",
            )  # fmt: skip
