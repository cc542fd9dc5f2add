"""The annual review as a sheet for the work report: one row per teacher, the figures the
review was computed from, the quota they were held to and what fell short."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils import timezone

from dangke.faculty.models import AnnualReview

HEADERS = (
    "师资编号", "姓名", "级别", "所属区划", "状态", "授课场次", "场次指标", "授课时长(小时)",
    "时长指标(小时)", "参加专项活动", "年度得分", "有效答卷", "95%区间下限", "95%区间上限",
    "得分指标", "参加培训", "擂台赛成绩", "结果", "未达标项", "年度已结束", "计算时间",
)  # fmt: skip


def verdict(review: AnnualReview) -> str:
    if review.passed is None:
        return "无考核指标"
    return "达标" if review.passed else "未达标"


def rows(reviews: Iterable[AnnualReview]) -> Iterator[tuple]:
    """Reviews should come with `teacher`, `region` and `quota` selected."""
    for r in reviews:
        quota = r.quota
        yield (
            r.teacher.code, r.teacher.name, r.get_level_display(), r.region.name,
            r.teacher.get_status_display(), r.lessons, quota.min_lessons if quota else None,
            float(r.hours), float(quota.min_hours) if quota else None, r.campaigns,
            r.score, r.n_responses, _rounded(r.ci_low), _rounded(r.ci_high),
            float(quota.min_score) if quota else None, r.trainings,
            "；".join(f"{c['contest']} {c['award']}" for c in r.contest_results),
            verdict(r), "；".join(r.shortfalls), "是" if r.is_final else "否",
            timezone.localtime(r.computed_at).strftime("%Y-%m-%d %H:%M"),
        )  # fmt: skip


def _rounded(value):
    return None if value is None else round(value, 1)
