"""`dangke analyse FILE [--outline JSON]`: the delivery report of one recording, as JSON."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangke.insights.services import analyse_file


class Command(BaseCommand):
    help = "分析一段授课录音（或录像），把报告以 JSON 输出（离线运行）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="录音或录像文件：mp3、m4a、wav、mp4、mov")
        parser.add_argument(
            "--outline",
            help='提纲 JSON 文件：[{"title": …, "planned_min": …, "keywords": […]}, …]',
        )
        parser.add_argument("--threads", type=int, default=2, help="CPU 线程数（默认 2）")
        parser.add_argument("--full", action="store_true", help="包含时间轴与口头语明细")

    def handle(self, *args, file, outline=None, threads=2, full=False, **options):
        from engines.speech import AudioError

        if not Path(file).is_file():
            raise CommandError(f"找不到文件：{file}")
        items = None
        if outline:
            try:
                items = json.loads(Path(outline).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"提纲文件读不出：{error}") from error
            if not isinstance(items, list) or not all(
                isinstance(i, dict) and "title" in i for i in items
            ):
                raise CommandError("提纲应是列表，每项含 title、planned_min、keywords")

        def progress(fraction, label):
            sys.stderr.write(f"\r{fraction * 100:5.1f}% {label}    ")

        try:
            report = analyse_file(Path(file), items, progress, cpu_threads=threads)
        except AudioError as error:
            raise CommandError(str(error)) from error
        sys.stderr.write("\n")
        if not full:
            report = {k: v for k, v in report.items() if k not in ("timeline",)}
            report["fillers"] = {k: v for k, v in report["fillers"].items() if k != "hits"}
            body = report["body_language"]
            report["body_language"] = {
                k: v for k, v in body.items() if k not in ("timeline", "readings")
            }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
