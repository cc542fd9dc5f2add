"""`dangke course-import FILE.zip [--region CODE]`: import a course package (课程包) as a
course of a region of this installation. A bad package is refused whole: every reason is
printed, the command exits 2 and nothing is written."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangke.courses import packages
from dangke.regions.models import Region, RegionLevel


class Command(BaseCommand):
    help = "导入课程包（.zip）为本平台某一区划的课程；有任何问题则整包不导入"

    def add_arguments(self, parser):
        parser.add_argument("file", help="课程包（.zip）")
        parser.add_argument(
            "--region",
            help="导入到的区划代码（市或县）；不填则为本平台唯一的市级区划",
        )

    def handle(self, *args, file, region, **options):
        if not Path(file).is_file():
            raise CommandError(f"找不到文件「{file}」")
        target = self._region(region)
        try:
            result = packages.import_package(file, region=target, actor=None)
        except packages.PackageRejected as error:
            for problem in error.problems:
                self.stderr.write(f"- {problem}")
            raise CommandError("课程包未导入，本平台没有写入任何内容", returncode=2) from error
        self.stdout.write(f"{result.message}（课程编号 {result.course.code}）")

    def _region(self, code):
        if code:
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise CommandError(f"找不到区划代码「{code}」")
            if region.level > RegionLevel.COUNTY:
                raise CommandError("课程只能导入到省、市或县级区划")
            return region
        cities = list(Region.objects.filter(level=RegionLevel.CITY)[:2])
        if len(cities) != 1:
            raise CommandError("本平台有不止一个（或没有）市级区划，请用 --region 指定导入到哪里")
        return cities[0]
