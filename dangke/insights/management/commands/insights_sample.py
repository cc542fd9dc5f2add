"""`dangke insights-sample OUT.wav [--course CODE]`: a spoken sample lecture for the demo.

espeak-ng (Debian package, voice cmn-latn-pinyin) reads one sentence per knowledge point
of the course's outline (第一部分 …, its title and key terms), so an upload of the file
shows every part of the report. Without --course a three-part sample lecture is spoken.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

CN = "一二三四五六七八九十"


class Command(BaseCommand):
    help = "用 espeak-ng 合成一段示例授课录音（按课程提纲分部分），供演示上传与分析"

    def add_arguments(self, parser):
        parser.add_argument("out", help="输出的 WAV 文件")
        parser.add_argument("--course", help="课程编号：按其提纲（知识点、关键词）合成")
        parser.add_argument("--sentences", type=int, default=4, help="每部分的句数（默认 4）")

    def handle(self, *args, out, course=None, sentences=4, **options):
        from engines.speech.synth import SAMPLE_SECTIONS, Section, espeak_available, make_lecture

        if not espeak_available():
            raise CommandError("需要 espeak-ng：apt-get install espeak-ng")
        sections = SAMPLE_SECTIONS
        if course:
            from dangke.courses.models import Course

            found = Course.objects.filter(code=course).first()
            if found is None:
                raise CommandError(f"没有编号为 {course} 的课程")
            items = list(found.outline.all())
            if not items:
                raise CommandError(f"课程「{found.title}」没有提纲")
            sections = []
            for index, item in enumerate(items[: len(CN)]):
                terms = item.keyword_list or [item.title]
                body = [
                    f"这一部分讲{item.title}，重点是{'、'.join(terms)}。",
                    f"我们要把{terms[0]}落到实处，结合本村本单位的实际认真学习。",
                    f"关于{terms[-1]}，大家要多思考，多交流，多实践。",
                ]
                sections.append(
                    Section(
                        item.title,
                        [f"第{CN[index]}部分，{item.title}。"]
                        + [body[k % len(body)] for k in range(max(sentences - 1, 1))],
                        terms,
                        item.planned_minutes,
                    )
                )
        truth = make_lecture(sections, Path(out))
        self.stdout.write(
            f"已生成 {out}：{truth.duration_s:.0f} 秒，{len(sections)} 部分，"
            f"各部分开始于 {'、'.join(f'{s:.0f}' for s in truth.section_starts_s)} 秒"
        )
