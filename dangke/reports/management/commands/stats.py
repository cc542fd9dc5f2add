import json

from django.core.management.base import BaseCommand, CommandError

from dangke.accounts.scoping import Scope
from dangke.courses.categories import CourseCategory
from dangke.courses.models import CourseStatus
from dangke.delivery.models import DeliveryMode, OrderStatus
from dangke.faculty.models import TeacherLevel, TeacherStatus
from dangke.regions.models import OrganizationKind, Region
from dangke.reports.queries import year_figures


def labelled(counts: dict[str, int], choices) -> str:
    return "，".join(f"{choices(key).label} {value:,}" for key, value in counts.items())


class Command(BaseCommand):
    help = (
        "输出年度数据（师资、教研组、基层党组织、党员、村、课程、精品课程、授课、参学、覆盖、"
        "点单、专项活动）"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="以 JSON 输出（键名稳定）"
        )
        parser.add_argument(
            "--year", type=int, help="年度（默认报告年度：三月前为上一年，此后为今年）"
        )
        parser.add_argument("--region", help="只统计该区划代码之内，如 5111 或 511102")

    def handle(self, *args, as_json: bool, year, region, **options):
        scope = Scope(is_superuser=True)
        if region:
            if not Region.objects.filter(code=region).exists():
                raise CommandError(f"区划代码 {region} 不存在（请先运行 dangke load_regions）")
            scope = Scope(is_superuser=True, region_codes=(region,))
        figures = year_figures(scope, year, region)
        if as_json:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
            return
        teachers, organizations, courses = (
            figures["teachers"],
            figures["organizations"],
            figures["courses"],
        )
        lines = [
            f"{figures['year']} 年度数据 · {figures['region']['name']}",
            f"师资 {teachers['total']:,} 名：{labelled(teachers['by_level'], TeacherLevel)}",
            f"  状态：{labelled(teachers['by_status'], TeacherStatus)}",
            f"教研组 {figures['teaching_groups']:,} 个，宣讲队 {figures['lecture_teams']:,} 支",
            f"基层党组织 {organizations['total']:,} 个，党员 {figures['members']:,} 名，"
            f"村（社区）{figures['villages']:,} 个",
            f"  类型：{labelled(organizations['by_kind'], OrganizationKind)}",
            f"课程 {courses['total']:,} 门，本年度精品课程 {courses['excellent']:,} 门",
            f"  类别：{labelled(courses['by_category'], CourseCategory)}",
            f"  状态：{labelled(courses['by_status'], CourseStatus)}",
        ]
        lessons, orders = figures["lessons"], figures["orders"]
        lines += [
            f"授课 {lessons['total']:,} 场（已授课 {lessons['by_state']['delivered']:,} 场），"
            f"参学 {figures['attendees']:,} 人次",
            f"  方式：{labelled(lessons['by_mode'], DeliveryMode)}",
            f"  类别：{labelled(lessons['by_category'], CourseCategory)}",
            f"覆盖基层党组织 {organizations['covered']:,} 个、"
            f"党员 {figures['members_reached']:,} 名",
            f"点单 {orders['total']:,} 单：{labelled(orders['by_state'], OrderStatus)}",
        ]
        for campaign in figures["campaigns"]:
            lines.append(
                f"{campaign['name']}：授课 {campaign['lessons']:,} 场"
                f"（目标 {campaign['target_lessons']:,}），"
                f"覆盖组织 {campaign['organizations_covered']:,} 个、"
                f"党员 {campaign['members_reached']:,} 名"
            )
        for line in lines:
            self.stdout.write(line)
