"""The demo's analysed recording: the demo teacher's sample lecture of one of their courses,
spoken by espeak-ng along the course's outline and queued for analysis like an upload (the
worker that `dangke serve` starts analyses it within a minute or two)."""

import tempfile
from pathlib import Path

from django.core.files import File

from dangke.accounts.models import User
from dangke.accounts.scoping import scope_for_user
from dangke.delivery.models import LessonStatus
from dangke.insights import services
from dangke.insights.models import DeliveryAnalysis
from dangke.insights.samples import course_sections, speak_lecture

DEMO_TEACHER = "teacher"


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
        path = Path(directory) / f"{course.code}-示范课录音.wav"
        speak_lecture(course_sections(course, sentences), path)
        with path.open("rb") as recording:
            return services.create_analysis(
                user=user, scope=scope_for_user(user), teacher=teacher, course=course,
                lesson=lesson, upload=File(recording, name=path.name),
                title="演示：按课程提纲合成的示范课录音",
            )  # fmt: skip
