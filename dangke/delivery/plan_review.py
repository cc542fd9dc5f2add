"""A finished plan in the office's terms: orders served and not, organisations reached for
the first time this year, kilometres travelled, the share of lessons given by highly rated
teachers, how evenly the lessons are spread over the teachers, and the solver's proof as
one sentence; and the assignment table filtered (county, teacher, category, first-time
coverage, distance) the way the page and its Excel export read it."""

from __future__ import annotations

import statistics
from collections import Counter

from django.utils.translation import gettext as _

from dangke.courses.categories import CourseCategory

HIGH_SCORE = 85  # a teacher whose latest annual score reaches this is "highly rated"


def teacher_scores(scope, teachers, year: int) -> dict[int, float]:
    """Each teacher's latest annual score up to `year` (this year's, else last year's)."""
    from dangke.faculty.models import AnnualReview

    latest: dict[int, float] = {}
    for teacher_id, score in (
        AnnualReview.objects.visible_to(scope)
        .filter(teacher__in=teachers, year__in=(year - 1, year), score__isnull=False)
        .order_by("year")
        .values_list("teacher_id", "score")
    ):
        latest[teacher_id] = score
    return latest


def summary(rows: list[dict], unserved: int, gained: int, scores: dict[int, float]) -> dict:
    """The figures at the top of the plan page, each a sentence's worth."""
    served = len(rows)
    load = Counter(row["teacher_code"] for row in rows)
    rated = [row for row in rows if row["teacher"] and row["teacher"].pk in scores]
    high = sum(1 for row in rated if scores[row["teacher"].pk] >= HIGH_SCORE)
    km = [row["km"] for row in rows]
    loads = sorted(load.values())
    load_mean = statistics.mean(loads) if loads else 0
    return {
        "served": served,
        "orders": served + unserved,
        "unserved": unserved,
        "gained": gained,
        "km_total": round(sum(km), 1),
        "km_mean": round(sum(km) / served, 1) if served else 0,
        "km_max": round(max(km), 1) if km else 0,
        "high_share": round(100 * high / served) if served else None,
        "high": high,
        "high_score": HIGH_SCORE,
        "teachers": len(loads),
        "load_mean": round(load_mean, 1),
        "load_max": loads[-1] if loads else 0,
        "load_min": loads[0] if loads else 0,
        # the share of teachers within one lesson of the mean: 100 % is perfectly even
        "load_even": round(100 * sum(1 for n in loads if abs(n - load_mean) <= 1) / len(loads))
        if loads
        else None,
        "load_spread": [
            {"name": _("%(n)s 场") % {"n": n}, "value": count}
            for n, count in sorted(Counter(loads).items())
        ],
    }


def county_of(row) -> str:
    order = row["order"]
    return order.organization.region_id[:6] if order and order.organization_id else ""


def category_of(row) -> str:
    order = row["order"]
    if order is None:
        return ""
    return order.course.category if order.course_id else (order.category or "")


def filter_rows(rows: list[dict], params) -> tuple[list[dict], dict]:
    """The rows the filter keeps, and the filter's values as given (for the form)."""
    county = params.get("county", "")
    teacher = params.get("teacher", "").strip()
    category = params.get("category", "")
    first = params.get("first", "")
    try:
        km_from = float(params.get("km_from", "") or 0)
    except ValueError:
        km_from = 0
    kept = []
    for row in rows:
        if county and county_of(row) != county:
            continue
        if teacher:
            name = row["teacher"].name if row["teacher"] else ""
            if teacher not in name and teacher != row["teacher_code"]:
                continue
        if category and category_of(row) != category:
            continue
        if first and (first == "1") != row["first"]:
            continue
        if km_from and row["km"] < km_from:
            continue
        kept.append(row)
    values = {
        "county": county,
        "teacher": teacher,
        "category": category,
        "first": first,
        "km_from": params.get("km_from", ""),
    }
    return kept, values


def counties(rows: list[dict]) -> list[tuple[str, str]]:
    from dangke.regions.models import Region

    codes = sorted({county_of(row) for row in rows} - {""})
    names = dict(
        Region.objects.unscoped("county names").filter(code__in=codes).values_list("code", "name")
    )
    return [(code, names.get(code, code)) for code in codes]


def categories() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in CourseCategory.choices]


def export_headers() -> list[str]:
    return [
        _("日期"),
        _("点单"),
        _("组织"),
        _("课程 / 类别"),
        _("师资"),
        _("师资编号"),
        _("距离(公里)"),
        _("今年首次覆盖"),
    ]


def export_rows(rows: list[dict]):
    for row in rows:
        order = row["order"]
        if order is None:
            subject = ""
        elif order.course_id:
            subject = order.course.title
        else:
            subject = f"〔{order.get_category_display()}〕"
        yield [
            row["date"],
            row["key"],
            order.organization.name if order else "",
            subject,
            row["teacher"].name if row["teacher"] else "",
            row["teacher_code"],
            row["km"],
            _("是") if row["first"] else "",
        ]
