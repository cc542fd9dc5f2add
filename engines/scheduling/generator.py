"""Realistic city instances for tests and benchmarks, modelled on Leshan (乐山).

Teachers live near the county seats (city-level teachers in the central district and
travelling farthest, township teachers nearest to home); villages are scattered around
the seats; a few popular courses draw most of the orders, so some teachers are scarce
while others wait. Everything comes from one seeded generator: same seed, same instance.
"""

import calendar
import math
import random
from datetime import date, timedelta

# county-level divisions of Leshan: seat (lat, lon) and a share of the villages
COUNTIES = [
    ("市中区", 29.56, 103.76, 0.14), ("沙湾区", 29.41, 103.55, 0.07),
    ("五通桥区", 29.41, 103.82, 0.08), ("金口河区", 29.25, 103.08, 0.03),
    ("犍为县", 29.21, 103.95, 0.14), ("井研县", 29.65, 104.07, 0.10),
    ("夹江县", 29.74, 103.57, 0.09), ("沐川县", 28.96, 103.90, 0.07),
    ("峨边彝族自治县", 29.23, 103.26, 0.05), ("马边彝族自治县", 28.84, 103.55, 0.06),
    ("峨眉山市", 29.60, 103.48, 0.12),
]  # fmt: skip
BOUNDS = ((28.4, 30.0), (102.9, 104.3))
CATEGORIES = ["理论教育", "党性教育", "形势政策", "能力培训", "知识培训", "地方特色"]
# level: (share of teachers, spread of homes around the seat in km, max_km range)
LEVELS = {"city": (0.15, 3, (100, 160)), "county": (0.5, 5, (50, 90)),
          "township": (0.35, 12, (25, 45))}  # fmt: skip
KM_PER_DEGREE = 111.2


def _near(rng: random.Random, lat: float, lon: float, km: float) -> list[float]:
    """A point about `km` from (lat, lon), inside the city's bounding box."""
    lat2 = lat + rng.gauss(0, km) / KM_PER_DEGREE
    lon2 = lon + rng.gauss(0, km) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    (lat_lo, lat_hi), (lon_lo, lon_hi) = BOUNDS
    return [round(min(max(lat2, lat_lo), lat_hi), 5), round(min(max(lon2, lon_lo), lon_hi), 5)]


def _horizon(months: int) -> tuple[date, date]:
    first = date(2026, 3, 1) if months <= 10 else date(2026, 1, 1)
    last_month = first.month + months - 1
    year, month = 2026 + (last_month - 1) // 12, (last_month - 1) % 12 + 1
    return first, date(year, month, calendar.monthrange(year, month)[1])


def generate(
    seed: int,
    teachers: int = 500,
    orders: int = 1000,
    months: int = 1,
    *,
    organizations: int | None = None,
    courses: int | None = None,
    category_share: float = 0.3,
) -> dict:
    """A problem document (the spec's format, with a `courses` list)."""
    rng = random.Random(seed)
    start, end = _horizon(months)
    days = (end - start).days + 1
    month_keys = sorted({f"{d.year:04d}-{d.month:02d}"
                         for d in (start + timedelta(k) for k in range(days))})  # fmt: skip
    n_courses = courses or max(12, teachers // 8)
    n_orgs = organizations or min(2500, max(5, int(orders * 0.8)))
    seats = [(lat, lon) for _, lat, lon, _ in COUNTIES]
    shares = [share for *_, share in COUNTIES]

    course_list = [{"id": f"C{c + 1:03d}", "category": CATEGORIES[c % len(CATEGORIES)]}
                   for c in range(n_courses)]  # fmt: skip
    # a few courses are popular: Zipf-like demand
    popularity = [1 / (rank + 1) ** 0.8 for rank in range(n_courses)]

    teacher_docs = []
    levels = list(LEVELS)
    for t in range(teachers):
        level = rng.choices(levels, [LEVELS[x][0] for x in levels])[0]
        _, spread, (km_lo, km_hi) = LEVELS[level]
        seat = seats[0] if level == "city" else rng.choices(seats, shares)[0]
        offered = rng.sample(course_list, rng.randint(2, 5))
        categories = sorted({c["category"] for c in offered} | {rng.choice(CATEGORIES)})
        unavailable = sorted(start + timedelta(k) for k in range(days) if rng.random() < 0.1)
        teacher_docs.append({
            "id": f"T{t + 1:04d}", "level": level, "home": _near(rng, *seat, spread),
            "courses": sorted(c["id"] for c in offered), "categories": categories,
            "rating": round(min(5.0, max(2.5, rng.gauss(4.0, 0.4))), 1),
            "max_km": rng.randint(km_lo, km_hi),
            "max_per_month": rng.randint(4, 8),
            "booked_per_month": {m: rng.randint(0, 2) for m in month_keys if rng.random() < 0.5},
            "max_per_year": rng.randint(30, 60),
            "booked_year": rng.randint(0, 15) if months < 12 else rng.randint(0, 3),
            "unavailable": [d.isoformat() for d in unavailable],
        })  # fmt: skip

    covered_share = 0.4 if months < 12 else 0.1
    org_docs = []
    for o in range(n_orgs):
        seat = rng.choices(seats, shares)[0]
        org_docs.append({"id": f"O{o + 1:04d}", "location": _near(rng, *seat, 15),
                         "members": rng.randint(15, 120),
                         "covered": rng.random() < covered_share})  # fmt: skip

    order_docs = []
    for r in range(orders):
        org = rng.choice(org_docs)
        first = start + timedelta(rng.randrange(days))
        dates = {first}
        for _ in range(rng.randint(0, 2)):
            other = first + timedelta(rng.randint(1, 14))
            if other <= end:
                dates.add(other)
        if rng.random() < 0.05:
            attendees = rng.randint(150, 300)  # a joint session of several branches
        else:
            attendees = max(5, int(org["members"] * rng.uniform(0.5, 1.0)))
        if rng.random() < category_share:
            course, category = None, rng.choice(CATEGORIES)
        else:
            chosen = rng.choices(course_list, popularity)[0]
            course, category = chosen["id"], chosen["category"]
        order_docs.append({
            "id": f"R{r + 1:05d}", "organization": org["id"], "course": course,
            "category": category, "dates": sorted(d.isoformat() for d in dates),
            "attendees": attendees,
        })  # fmt: skip

    return {
        "horizon": {"start": start.isoformat(), "end": end.isoformat()},
        "courses": course_list,
        "teachers": teacher_docs,
        "organizations": org_docs,
        "orders": order_docs,
        "weights": {"served": 1000, "attendees": 300, "coverage": 500, "km": 2,
                    "rating": 50, "load": 1},
    }  # fmt: skip
