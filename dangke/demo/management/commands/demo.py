import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError

from dangke.demo.builder import SCALES, DemoError, build_demo, demo_exists, reset_demo
from dangke.regions.models import Region, RegionLevel

LABELS = {
    "teachers": "师资库（在库、预警、整改）",
    "teachers_beyond_pool": "库外师资（候选、已退出）",
    "annual_reviews": "本年度考核",
    "teaching_groups": "教研组",
    "lecture_teams": "宣讲队",
    "organizations": "基层党组织",
    "members": "党员",
    "villages": "村（社区）",
    "courses": "课程",
    "course_series": "课程群组",
    "excellent": "本年度精品课程",
    "campaigns": "专项活动",
    "lessons": "本年度已授课",
    "orders": "本年度点单",
    "submitted_orders": "下月待排课点单",
    "stations": "大喇叭站点",
    "plays": "上月大喇叭播放",
    "media_works": "微党课作品",
    "survey_responses": "测评答卷",
    "contest_entries": "擂台赛参赛作品",
    "training_classes": "培训班",
    "roster_members": "党员名册",
    "members_target_met": "本年度学时达标党员",
}


class Command(BaseCommand):
    help = (
        "生成演示数据：--scale city 为嘉州（乐山市）全市，--scale county 为祁连县；同一种子结果相同"
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="city", help="规模")
        parser.add_argument("--seed", type=int, default=2024, help="随机种子（默认 2024）")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="已有师资数据时什么也不做（供 make demo 反复运行）",
        )
        parser.add_argument(
            "--reset", action="store_true", help="先删除该规模所在区划内的师资、组织和课程，再重建"
        )

    def handle(self, *args, scale, seed, if_empty, reset, **options):
        spec = SCALES[scale]
        if if_empty and demo_exists():
            self.stdout.write("已有演示数据，跳过生成（重建请用 dangke demo --reset）")
            return
        if not Region.objects.filter(
            code__startswith=spec.root, level=RegionLevel.VILLAGE
        ).exists():
            call_command("load_regions", stdout=self.stdout)
        started = time.monotonic()
        try:
            with transaction.atomic():
                if reset:
                    deleted = reset_demo(scale)
                    self.stdout.write(f"已删除{spec.label}的旧数据 {deleted} 行")
                counts = build_demo(scale, seed=seed)
        except DemoError as error:
            raise CommandError(str(error)) from error
        except ProtectedError as error:
            raise CommandError(
                "旧数据已被授课、评价等记录引用，不能删除；请换一个空数据库生成演示数据"
            ) from error
        elapsed = time.monotonic() - started
        self.stdout.write(f"演示数据已生成：{spec.label}（种子 {seed}，用时 {elapsed:.1f} 秒）")
        for key, label in LABELS.items():
            if key in counts:
                self.stdout.write(f"  {label}：{counts[key]:,}")
