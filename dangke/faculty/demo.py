"""Demo data for the pool's lifecycle: the training classes (training.demo), quotas for
three years set by the demo's root region, its 能进能退 rules, this year's annual review
of every teacher computed from the demo's lessons and scores, the mid-year warnings the
rule proposes, two teachers whose last two closed years failed (one exit confirmed by the
office, one waiting), trial lectures of candidates (admissions waiting) and this year's
reward fund allocated by its rule, waiting for approval. Deterministic for a given seed."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db.models import Count, Q

from dangke.core.calendar import YearSoFar, report_year
from dangke.faculty import lifecycle
from dangke.faculty.models import (
    LifecycleRule,
    ProposalKind,
    Quota,
    RewardFund,
    StatusProposal,
    Teacher,
    TeacherLevel,
    TeacherStatus,
    TrialLecture,
)
from dangke.regions.models import Region

# Lessons and hours a year; the demo's lessons last 45–120 minutes (about 75 on average).
QUOTAS = {
    TeacherLevel.PROVINCE: (4, Decimal("5")),
    TeacherLevel.CITY: (6, Decimal("8")),
    TeacherLevel.COUNTY: (6, Decimal("8")),
}
PASSING, FAILING = (82, 92), (60, 72)
TOPICS = ("学习贯彻党的二十大精神", "乡村振兴中的党建引领", "基层治理创新实践", "红色文化传承")


def clear_faculty_demo(root_code: str) -> None:
    """Rules and quotas hang on regions, which the demo reset keeps; the rest cascades
    from the teachers."""
    from dangke.training.demo import clear_training_demo

    clear_training_demo(root_code)
    StatusProposal.objects.filter(region__code__startswith=root_code).delete()
    RewardFund.objects.filter(region__code__startswith=root_code).delete()
    LifecycleRule.objects.filter(region__code__startswith=root_code).delete()
    Quota.objects.filter(region__code__startswith=root_code).delete()


def build_faculty_demo(
    seed: int, root_code: str, period: YearSoFar | None = None, admin=None
) -> dict[str, int]:
    from dangke.training.demo import build_training_demo

    period = period or YearSoFar.of(report_year())
    # first: training counts in reviews
    training = build_training_demo(seed, root_code, admin, period=period)
    rng = random.Random(f"dangke-demo:faculty:{seed}")
    root = Region.objects.get(code=root_code)
    today = period.today
    year = period.year
    for y in (year - 2, year - 1, year):
        for level, (lessons, hours) in QUOTAS.items():
            Quota.objects.create(
                region=root, year=y, level=level, min_lessons=lessons, min_hours=hours,
                min_score=Decimal("80"), min_responses=30,
            )  # fmt: skip
    rule_last = LifecycleRule.objects.create(region=root, year=year - 1)
    rule = LifecycleRule.objects.create(region=root, year=year)
    plans = _development_plans(rng, root_code, year)
    # This year's review of the whole pool, from the demo's lessons and scores.
    counts = lifecycle.compute_reviews(root_code, year, actor=admin, today=today)
    in_pool = Teacher.objects.filter(region__code__startswith=root_code)
    # Two active teachers with the fewest lessons this year had closed their last two
    # years below quota: the rule proposes their exit.
    quiet = list(
        in_pool.filter(status=TeacherStatus.ACTIVE, level=TeacherLevel.COUNTY)
        .annotate(n=Count("lessons", filter=Q(lessons__starts_at__year=year)))
        .order_by("n", "code")[:2]
    )
    chosen = Teacher.objects.filter(pk__in=[t.pk for t in quiet])
    for y in (year - 2, year - 1):
        lifecycle.compute_reviews(root_code, y, final=True, teachers=chosen, today=today)
    exits = lifecycle.propose_changes(
        rule_last, actor=admin, today=datetime.date(year, 1, 15), recompute=False
    )
    exits = [p for p in exits if p.kind == ProposalKind.EXIT]
    if exits:
        lifecycle.decide_proposal(
            exits[0], confirm=True, actor=admin, scope=_office_scope(root_code),
            note="经师资管理领导小组研究，同意退出",
        )  # fmt: skip
    # Candidates' trial lectures: some pass the rule's line, some do not yet.
    candidates = list(in_pool.filter(status=TeacherStatus.CANDIDATE).order_by("code")[:4])
    for index, teacher in enumerate(candidates):
        TrialLecture.objects.create(
            teacher=teacher, region_id=teacher.region_id,
            held_on=today - datetime.timedelta(days=20 + index * 7), topic=rng.choice(TOPICS),
            score=Decimal(str(round(rng.uniform(*PASSING if index % 2 == 0 else FAILING), 1))),
            remarks="试讲评议组意见：内容扎实，表达清楚" if index % 2 == 0 else "需加强案例",
        )  # fmt: skip
    proposals = lifecycle.propose_changes(rule, actor=admin, today=today, recompute=False)
    # This year's reward fund, allocated by its rule and waiting for the office's approval.
    from dangke.faculty import rewards

    fund = rewards.create_fund(
        scope=_office_scope(root_code), actor=admin, region=root, year=year,
        name=f"{year} 年度优秀师资奖励基金", total=Decimal("200000") if len(root_code) == 4
        else Decimal("20000"), cap=Decimal("5000"),
    )  # fmt: skip
    allocated = rewards.allocate(
        fund, scope=_office_scope(root_code), actor=admin, recompute_reviews=False
    )
    return {
        **training,
        "annual_reviews": counts["reviews"],
        "status_proposals": len(proposals) + len(exits),
        "trial_lectures": len(candidates),
        "development_plans": plans,
        "rewarded_teachers": allocated["teachers"],
    }


DEVELOPMENT_GOALS = (
    "三年内成为市级师资，主讲一门精品课程；每年进修一次，提升理论功底和宣讲能力。",
    "围绕乡村振兴打磨一门地方特色课程，力争进入十佳课程擂台赛决赛。",
    "提升课件制作和新媒体宣讲水平，带动教研组青年师资共同成长。",
)
DEVELOPMENT_STEPS = (
    ("study", "省委党校中青年干部培训班（进修）", "中共四川省委党校"),
    ("advanced_training", "全国党员教育师资高级研修班", "中央党校（国家行政学院）"),
    ("title", "副教授", "市委党校职称评审委员会"),
    ("role", "教研团队负责人", "市中区委党校教研组"),
    ("study", "马克思主义理论专题进修", "西南交通大学"),
    ("advanced_training", "新时代宣讲能力提升研修班", "四川省委组织部"),
)


def _development_plans(rng: random.Random, root_code: str, year: int) -> int:
    """青云梯: plans and steps for the demo teacher (the first Party-school teacher of the
    first county, whom `demo-accounts` signs in as `teacher`) and a few dozen others."""
    from dangke.faculty.models import DevelopmentPlan, DevelopmentRecord

    pool = Teacher.objects.filter(
        region__code__startswith=root_code,
        level=TeacherLevel.COUNTY,
        status=TeacherStatus.ACTIVE,
        courses__isnull=False,
    ).distinct()
    first_county = pool.order_by("region_id").values_list("region_id", flat=True).first()
    county_pool = pool.filter(region_id=first_county).order_by("code")
    demo_teacher = county_pool.filter(employer__endswith="党校").first() or county_pool.first()
    others = list(pool.exclude(pk=getattr(demo_teacher, "pk", None)).order_by("code")[:200])
    chosen = ([demo_teacher] if demo_teacher else []) + rng.sample(others, min(30, len(others)))
    plans, records = [], []
    for index, teacher in enumerate(chosen):
        plans.append(
            DevelopmentPlan(
                teacher=teacher,
                start_year=year - 1,
                end_year=year + 1,
                goals=DEVELOPMENT_GOALS[index % len(DEVELOPMENT_GOALS)],
                target_title="教授" if index == 0 else rng.choice(("副教授", "讲师", "")),
                target_role="教研团队负责人" if index == 0 else rng.choice(("市级师资", "")),
            )
        )
        steps = DEVELOPMENT_STEPS[:4] if index == 0 else rng.sample(DEVELOPMENT_STEPS, 2)
        for number, (kind, title, institution) in enumerate(steps):
            records.append(
                DevelopmentRecord(
                    teacher=teacher,
                    kind=kind,
                    year=year if number % 2 == 0 else year - 1,
                    title=title,
                    institution=institution,
                )
            )
    DevelopmentPlan.objects.bulk_create(plans)
    DevelopmentRecord.objects.bulk_create(records)
    return len(plans)


def _office_scope(root_code: str):
    from dangke.accounts.scoping import Scope

    return Scope(managed_region_codes=(root_code,), region_codes=(root_code,))
