from django.core.management.base import BaseCommand
from django.utils import timezone

from dangke.members.services import rebuild_study_years


class Command(BaseCommand):
    help = "从学时记录重建党员年度学时汇总（默认本年度）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--region", default="", help="只重建该区划代码下的党员")

    def handle(self, *args, year=None, region="", **options):
        year = year or timezone.localdate().year
        count = rebuild_study_years(year, region_code=region)
        self.stdout.write(f"{year} 年：已重建 {count} 名党员的年度学时")
