"""`dangke demo-recording`: queue the demo teacher's sample lecture for analysis."""

from django.core.management.base import BaseCommand

from dangke.insights.demo import DemoRecordingSkipped, queue_demo_recording


class Command(BaseCommand):
    help = "为演示教师按课程提纲合成一段授课录音并排队分析（需要 espeak-ng）"

    def add_arguments(self, parser):
        parser.add_argument("--sentences", type=int, default=3, help="每部分的句数（默认 3）")

    def handle(self, *args, sentences=3, **options):
        try:
            analysis = queue_demo_recording(sentences=sentences)
        except DemoRecordingSkipped as reason:
            self.stdout.write(str(reason))
            return
        self.stdout.write(
            f"已为 {analysis.teacher.name} 上传示范课录像（{analysis.course.title}），"
            f"后台分析完成后在「授课分析」中查看"
        )
