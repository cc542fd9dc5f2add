"""`dangke insights-sample OUT.wav [--course CODE]`: a spoken sample lecture for the demo,
one part per knowledge point of the course's outline (see `dangke.insights.samples`).
Without --course a three-part sample lecture is spoken."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangke.insights.samples import course_sections, speak_lecture


class Command(BaseCommand):
    help = "用 espeak-ng 合成一段示例授课录音（按课程提纲分部分），供演示上传与分析"

    def add_arguments(self, parser):
        parser.add_argument("out", help="输出的 WAV 文件")
        parser.add_argument("--course", help="课程编号：按其提纲（知识点、关键词）合成")
        parser.add_argument("--sentences", type=int, default=4, help="每部分的句数（默认 4）")

    def handle(self, *args, out, course=None, sentences=4, **options):
        from engines.speech.synth import SAMPLE_SECTIONS, espeak_available

        if not espeak_available():
            raise CommandError("需要 espeak-ng：apt-get install espeak-ng")
        sections = SAMPLE_SECTIONS
        if course:
            from dangke.courses.models import Course

            found = Course.objects.filter(code=course).first()
            if found is None:
                raise CommandError(f"没有编号为 {course} 的课程")
            sections = course_sections(found, sentences)
            if not sections:
                raise CommandError(f"课程「{found.title}」没有提纲")
        truth = speak_lecture(sections, Path(out))
        self.stdout.write(
            f"已生成 {out}：{truth.duration_s:.0f} 秒，{len(sections)} 部分，"
            f"各部分开始于 {'、'.join(f'{s:.0f}' for s in truth.section_starts_s)} 秒"
        )
