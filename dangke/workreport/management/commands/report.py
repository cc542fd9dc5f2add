from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangke.accounts.scoping import Scope
from dangke.core.calendar import report_year
from dangke.regions.models import Organization, Region
from dangke.workreport.build import build
from dangke.workreport.data import default_region_code
from dangke.workreport.pdf import ConversionFailed


class Command(BaseCommand):
    help = "生成年度党员教育工作报告（Word 或 PDF），文字、图表和表格均由数据生成"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="年度（默认今年）")
        parser.add_argument(
            "--region",
            help="区划代码，如 5111（市）或 511102（县）；默认为所有基层党组织所在的区划",
        )
        parser.add_argument("--format", choices=("docx", "pdf"), default="docx")
        parser.add_argument("--output", required=True, help="输出文件路径")

    def handle(self, *args, year, region, format, output, **options):
        year = year or report_year()  # the year just ended until March
        if not region:
            region = default_region_code()
            if not region and Organization.objects.exists():
                raise CommandError("数据中有多个区划的基层党组织，请用 --region 指定报告的区划代码")
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(f"区划代码 {region} 不存在（请先运行 dangke load_regions）")
        scope = Scope(is_superuser=True, region_codes=(region,) if region else ())
        try:
            built = build(scope, year, region, with_pdf=format == "pdf")
        except ConversionFailed as error:
            raise CommandError(str(error)) from error
        path = Path(output)
        path.write_bytes(built.pdf if format == "pdf" else built.docx)
        engine = f"（PDF 由 {built.pdf_engine} 生成）" if format == "pdf" else ""
        self.stdout.write(f"已生成 {built.document.title}：{path}{engine}")
