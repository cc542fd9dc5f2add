"""`dangke score --input survey.json`: a lesson's score from a survey document
(shared/specs/evaluation.md), printed as JSON, so anyone can recompute a published score."""

from django.core.management.base import BaseCommand, CommandError

from engines.scoring.cli import main


class Command(BaseCommand):
    help = "按 shared/specs/evaluation.md 的测评文件计算一场授课的得分，输出 JSON"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="测评 JSON 文件（- 表示标准输入）")
        parser.add_argument(
            "--exclude", help='排除决定 JSON 文件：[{"responses": [答卷序号], "reason": 理由}]'
        )

    def handle(self, *args, input, exclude=None, **options):
        status = main(["--input", input, *(["--exclude", exclude] if exclude else [])])
        if status:
            raise CommandError("测评文件有误，见上方说明", returncode=status)
