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
PROVINCE_LABELS = {
    "teachers": "师资库（在库、预警、整改）",
    "teachers_beyond_pool": "库外师资（生成的城市）",
    "teaching_groups": "教研组（生成的城市和省级）",
    "organizations": "基层党组织",
    "members": "党员",
    "villages": "村（社区）",
    "courses": "课程（生成的城市）",
    "lessons": "本年度已授课",
    "orders": "本年度点单（生成的城市）",
    "survey_responses": "测评答卷",
    "attendances": "签到记录（生成的城市）",
    "stations": "大喇叭站点（生成的城市）",
    "province_programmes": "大喇叭节目（生成的城市）",
    "province_plays": "上月大喇叭播放（生成的城市）",
    "province_listeners": "上月大喇叭收听人次（生成的城市）",
    "province_contests": "十佳课程擂台赛（生成的城市）",
    "contest_entries": "擂台赛参赛作品（生成的城市）",
    "contest_sheets": "擂台赛评分表（生成的城市）",
    "province_reviews": "本年度考核（生成的城市和省级）",
    "province_status_proposals": "能进能退待审核建议（生成的城市）",
    "province_trial_lectures": "候选师资试讲（生成的城市）",
    "media_works": "微党课作品（生成的城市）",
    "media_views": "微党课播放次数（生成的城市）",
    "media_comments": "微党课评论（生成的城市）",
    "media_danmaku": "微党课弹幕（生成的城市）",
    "generated_regions": "生成的乡镇、村（区划代码第七位为 8）",
}


class Command(BaseCommand):
    help = (
        "生成演示数据：--scale city 为嘉州（乐山市）全市，--scale county 为祁连县，"
        "--scale province 为四川全省（PostgreSQL）；同一种子结果相同"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=[*sorted(SCALES), "province"], default="city", help="规模"
        )
        parser.add_argument("--seed", type=int, default=2024, help="随机种子（默认 2024）")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="已有师资数据时什么也不做（供 make demo 反复运行）",
        )
        parser.add_argument(
            "--reset", action="store_true", help="先删除该规模所在区划内的师资、组织和课程，再重建"
        )
        parser.add_argument(
            "--fraction",
            type=float,
            default=1.0,
            help="省级规模：生成城市按此比例缩小（如 0.02，供开发和测试；嘉州始终完整）",
        )

    def handle(self, *args, scale, seed, if_empty, reset, fraction, **options):
        if scale == "province":
            return self.province(seed, fraction, if_empty=if_empty, reset=reset)
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

    def province(self, seed: int, fraction: float, *, if_empty: bool, reset: bool) -> None:
        from dangke.demo.province import build_province, province_present

        if reset:
            raise CommandError("省级规模不能 --reset：请在空数据库上生成")
        if not 0 < fraction <= 1:
            raise CommandError("--fraction 须大于 0、不超过 1（如 0.02）")
        if if_empty and province_present():
            self.stdout.write("已有四川省演示数据，跳过生成")
            return
        if not Region.objects.filter(code__startswith="5111", level=RegionLevel.VILLAGE).exists():
            call_command("load_regions", stdout=self.stdout)
        self.stdout.write(
            f"生成四川省演示数据（种子 {seed}，生成城市比例 {fraction:g}），各阶段用时："
        )
        started = time.monotonic()
        try:
            counts, phases = build_province(seed=seed, fraction=fraction, say=self.say)
        except DemoError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        self.stdout.write(f"演示数据已生成：四川省（种子 {seed}，用时 {elapsed:.1f} 秒）")
        for key, label in PROVINCE_LABELS.items():
            if key in counts:
                self.stdout.write(f"  {label}：{counts[key]:,}")
        self.stdout.write("各阶段用时：")
        for label, seconds in phases:
            self.stdout.write(f"  {label}：{seconds:.1f} 秒（{seconds / max(elapsed, 0.001):.0%}）")
        if "copy_seconds" in counts:
            self.stdout.write(f"  其中 COPY 写入：{counts['copy_seconds']:,} 秒")

    def say(self, line: str) -> None:
        """A phase's line as it ends, not when the build does (stdout may be a file)."""
        self.stdout.write(line)
        self.stdout.flush()
