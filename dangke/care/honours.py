"""评优评先: the year's candidates, ranked by a rule the office can read and check.

The rule: a candidate gave at least the lessons their quota asks (at least one without a
quota) and has a score from at least MIN_RESPONSES valid responses, so a score from a
handful of raters never ranks anyone. Candidates are ranked by the lower
end of their score's 95 % interval (a high score from many raters beats the same score from
few), then by top-ten contest places, then by lessons given."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dangke.faculty import lifecycle
from dangke.faculty.models import POOL_STATUSES, Teacher

MIN_RESPONSES = 10


def rule_text() -> str:
    return _(
        "入围条件：年度授课场次达到本人考核指标（无指标时至少 1 场），且年度得分来自不少于 "
        "%(n)s 份有效答卷。排序：先按年度得分 95%% 置信区间下限从高到低（答卷越多越可信），"
        "再按擂台赛十佳名次数，再按授课场次。"
    ) % {"n": MIN_RESPONSES}


def candidates(scope, year: int) -> dict:
    teachers = list(
        # Own teachers only: a lent teacher is honoured (and judged) by their home office.
        Teacher.objects.visible_to(scope, shared=False)
        .filter(status__in=POOL_STATUSES)
        .order_by("code")
    )
    ids = [t.pk for t in teachers]
    lessons = lifecycle.lesson_figures(ids, year)
    quotas = lifecycle.quotas_by_key(year)
    contests = lifecycle.contest_results_hook(ids, year)
    rows, eligible = [], []
    for teacher in teachers:
        quota = lifecycle.quota_for(teacher, year, quotas)
        figures = lessons.get(teacher.pk, {"lessons": 0, "hours": 0.0})
        min_lessons = quota.min_lessons if quota and quota.min_lessons else 1
        if figures["lessons"] >= min_lessons:
            eligible.append((teacher, figures, min_lessons))
    # scores only for those who pass the lesson condition: they cost queries per teacher
    scores = lifecycle.score_figures([teacher for teacher, _f, _m in eligible], year)
    for teacher, figures, min_lessons in eligible:
        score = scores[teacher.pk]
        if score["score"] is None or score["n_responses"] < MIN_RESPONSES or not score["ci95"]:
            continue
        low, high = score["ci95"]
        rows.append(
            {
                "teacher": teacher,
                "lessons": figures["lessons"],
                "min_lessons": min_lessons,
                "hours": figures["hours"],
                "score": round(score["score"], 1),
                "n_responses": score["n_responses"],
                "ci_low": round(low, 1),
                "ci_high": round(high, 1),
                "awards": len(contests.get(teacher.pk, [])),
            }
        )
    rows.sort(key=lambda r: (-r["ci_low"], -r["awards"], -r["lessons"], r["teacher"].code))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return {"year": year, "rule": rule_text(), "rows": rows, "left_out": len(teachers) - len(rows)}
