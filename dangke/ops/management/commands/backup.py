from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangke.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库和全部上传文件到一个新目录（含行数与校验和清单）"

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="DIR", help="新的备份目录")

    def handle(self, *args, output, **options):
        try:
            manifest = backup(Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"备份完成：{output}（数据库 {manifest['database']['vendor']}，"
            f"{rows} 行，{len(manifest['files'])} 个文件）"
        )
