"""The annual review as a sheet for the work report: one row per teacher, the figures the
review was computed from, the quota they were held to and what fell short."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.faculty.models import AnnualReview

HEADERS = (
    gettext_lazy("师资编号"), gettext_lazy("姓名"), gettext_lazy("级别"), gettext_lazy("所属区划"),
    gettext_lazy("状态"), gettext_lazy("授课场次"), gettext_lazy("场次指标"),
    gettext_lazy("授课时长(小时)"), gettext_lazy("时长指标(小时)"), gettext_lazy("参加专项活动"),
    gettext_lazy("年度得分"), gettext_lazy("有效答卷"), gettext_lazy("95%区间下限"),
    gettext_lazy("95%区间上限"), gettext_lazy("得分指标"), gettext_lazy("参加培训"),
    gettext_lazy("擂台赛成绩"), gettext_lazy("结果"), gettext_lazy("未达标项"),
    gettext_lazy("年度已结束"), gettext_lazy("计算时间"),
)  # fmt: skip


def verdict(review: AnnualReview) -> str:
    if review.passed is None:
        return _("无考核指标")
    return _("达标") if review.passed else _("未达标")


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
            verdict(r), "；".join(r.shortfalls), _("是") if r.is_final else _("否"),
            timezone.localtime(r.computed_at).strftime("%Y-%m-%d %H:%M"),
        )  # fmt: skip


def _rounded(value):
    return None if value is None else round(value, 1)
