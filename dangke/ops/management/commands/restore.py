from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangke.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "从 dangke backup 的目录恢复数据库和文件（数据库非空时需要 --force）"

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="DIR", help="备份目录")
        parser.add_argument(
            "--force", action="store_true", help="数据库不是空的也恢复（覆盖现有数据）"
        )

    def handle(self, *args, source, force, **options):
        try:
            differences = restore(Path(source), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if differences:
            listed = "；".join(
                f"{label} 应为 {want} 行，实为 {got} 行"
                for label, (want, got) in differences.items()
            )
            raise CommandError(f"恢复后行数与清单不符：{listed}")
        self.stdout.write(f"恢复完成：{source}，各表行数与清单一致")
