"""Course suggestions against the popularity baseline on the demo's data, offline.

A fresh SQLite database in a temporary directory gets the demo (`county` by default, or
`city`: `python -m bench.suggestions city`). The last quarter of the demo's year so far is
held out: for every organisation that ordered a course in it, the suggestions are computed
as of the quarter's first day (orders, lessons and published ratings before it only) and
compared with the courses it then ordered.

- hit rate@5: the share of those organisations with an ordered course among the first five;
- categories per list: distinct course categories among the first five (of six);
- category hit rate@5: the share whose ordered course's category is among the five's.

Baselines: the five most-ordered courses before the quarter (the same for everyone), and the
same list without courses the organisation already had (a fairer baseline).
"""

import datetime
import sys
import tempfile
import time

from bench.imports import _setup_django


def evaluate(scale: str) -> dict:
    from django.utils import timezone

    from dangke.advice import services
    from dangke.courses.models import Course, CourseStatus
    from dangke.delivery.models import CourseOrder, OrderStatus
    from dangke.demo.builder import SCALES, build_demo, reference_year
    from dangke.regions.models import Organization
    from engines.suggestions import popularity_baseline, suggest

    started = time.perf_counter()
    build_demo(scale)
    built = time.perf_counter() - started
    root = SCALES[scale].root
    last_day = timezone.localdate()
    year = reference_year()
    if year != last_day.year:
        last_day = datetime.date(year, 12, 31)
    quarter_start = datetime.date(year, 3 * ((last_day.month - 1) // 3) + 1, 1)
    cutoff = timezone.make_aware(datetime.datetime.combine(quarter_start, datetime.time()))

    held: dict[int, set[int]] = {}
    for organization_id, course_id in (
        CourseOrder.objects.filter(
            region__code__startswith=root, created_at__gte=cutoff, course__isnull=False
        )
        .exclude(status=OrderStatus.WITHDRAWN)
        .values_list("organization_id", "course_id")
    ):
        held.setdefault(organization_id, set()).add(course_id)
    courses = list(
        Course.objects.filter(status=CourseStatus.LISTED, region__code__startswith=root[:2])
    )
    category = {c.pk: c.category for c in courses}
    facts = services.course_facts(courses, before=cutoff)
    demand = services.demand_before(cutoff, root[:4])
    popular = popularity_baseline(facts, demand, 5 + 20)
    gaps_by_county: dict[str, dict] = {}

    totals = {
        name: {"hits": 0, "categories": 0, "category_hits": 0}
        for name in ("engine", "popular", "popular_unseen")
    }
    organisations = Organization.objects.filter(pk__in=held).order_by("pk")
    compute = 0.0
    for organization in organisations:
        wanted = held[organization.pk]
        county = services.county_of(organization.region_id)
        if county not in gaps_by_county:
            gaps_by_county[county] = services.category_gaps(county, year, before=cutoff)
        t0 = time.perf_counter()
        own = services.organisation_facts(organization, cutoff)
        ranked = suggest(
            own, facts, demand, today=quarter_start, county_gaps=gaps_by_county[county], limit=5
        )
        compute += time.perf_counter() - t0
        lists = {
            "engine": [s.course_id for s in ranked],
            "popular": popular[:5],
            "popular_unseen": [c for c in popular if c not in own.had_courses][:5],
        }
        wanted_categories = {category.get(c) for c in wanted}
        for name, ids in lists.items():
            totals[name]["hits"] += bool(wanted & set(ids))
            cats = {category[c] for c in ids}
            totals[name]["categories"] += len(cats)
            totals[name]["category_hits"] += bool(wanted_categories & cats)
    n = len(organisations)
    return {
        "scale": scale,
        "organisations": n,
        "held_orders": sum(len(v) for v in held.values()),
        "courses": len(courses),
        "cutoff": quarter_start,
        "build_seconds": built,
        "ms_per_organisation": 1000 * compute / max(n, 1),
        "rows": {
            name: {
                "hit_rate": t["hits"] / n,
                "categories": t["categories"] / n,
                "category_hit_rate": t["category_hits"] / n,
            }
            for name, t in totals.items()
        },
    }


def run(scale: str = "county") -> dict:
    with tempfile.TemporaryDirectory() as var_dir:
        _setup_django(var_dir)
        result = evaluate(scale)
    labels = {
        "engine": "推荐引擎",
        "popular": "热门课程（基线）",
        "popular_unseen": "热门课程（去掉已学）",
    }
    print(
        f"演示数据 {result['scale']}：留出 {result['cutoff']} 起的点单 {result['held_orders']} 条，"
        f"{result['organisations']} 个组织，{result['courses']} 门上架课程；"
        f"建库 {result['build_seconds']:.1f} s，推荐每个组织 {result['ms_per_organisation']:.1f} ms"
    )
    print("| 方法 | 命中率@5 | 每份清单的类别数 | 类别命中率@5 |")
    print("|---|---|---|---|")
    for name, label in labels.items():
        row = result["rows"][name]
        print(
            f"| {label} | {row['hit_rate']:.3f} | {row['categories']:.2f} | "
            f"{row['category_hit_rate']:.3f} |"
        )
    return result


if __name__ == "__main__":
    run(*sys.argv[1:2])
