"""Issue #24: the annual review's 未达标 figure, its 进度落后或未达标 list, that list's Excel
export and the dashboard's count are one set of teachers."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangke.faculty import lifecycle
from tests.conftest import make_teacher
from tests.test_lifecycle import YEAR, lessons_for, quota

pytestmark = pytest.mark.usefixtures("pinned_clock")


def figure(html: str, name: str) -> int:
    return int(re.search(rf'data-figure="{name}">(\d+)<', html).group(1))


def test_failing_on_pace_is_listed_and_exported_like_the_figure(world, client):
    # Lessons and hours on pace, but no training: fails the year without lagging.
    quota(world.city, min_lessons=4, min_hours=Decimal("8"), min_trainings=1)
    lessons_for(world.teacher_a, world.org_a, world.course_a, 5)  # on pace, no training
    lessons_for(world.teacher_b, world.org_b, world.course_b, 1)  # lagging
    on_pace = make_teacher("T-A-002", "周敏", world.county_a)
    lessons_for(on_pace, world.org_a, world.course_a, 4)  # on pace, no training either
    lifecycle.compute_reviews(world.city.code, YEAR, final=False)

    client.force_login(world.city_admin)
    html = client.get(reverse("faculty:review"), {"year": YEAR}).content.decode()
    assert figure(html, "failed") == figure(html, "behind") == 3  # 张志强 is city level: no quota
    assert figure(html, "lagging") == 1  # 李建国
    for name in ("王红梅", "周敏", "李建国"):
        assert name in html
    export = client.get(reverse("faculty:review_export"), {"year": YEAR, "show": "behind"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(2, values_only=True))
    assert sorted(row[0] for row in rows) == ["T-A-001", "T-A-002", "T-B-001"]

    from dangke.accounts.scoping import scope_for_user
    from dangke.faculty.models import AnnualReview

    visible = AnnualReview.objects.visible_to(scope_for_user(world.county_a_admin))
    assert sorted(lifecycle.behind(visible.filter(year=YEAR)).values_list(
        "teacher__code", flat=True)) == ["T-A-001", "T-A-002"]  # fmt: skip


def test_the_lagging_filter_marks_the_reviews_the_row_badge_marks(world):
    """The page counts lagging reviews in the database (a province has thousands): the same
    reviews `lagging` marks one by one, on and off pace, final or not, with or without a
    quota, at the year's start, middle and end."""
    import datetime
    import itertools

    from django.utils import timezone

    from dangke.faculty.models import AnnualReview

    with_quota = quota(world.city, min_lessons=6, min_hours=Decimal("12"))
    reviews = []
    cases = itertools.product(
        (0, 3, 6, 9), (Decimal("0"), Decimal("5.9"), Decimal("12")), (False, True)
    )
    for n, (lessons, hours, final) in enumerate(cases):
        for has_quota in (True, False):
            teacher = make_teacher(f"T-L-{n:02d}{int(has_quota)}", f"师资{n}", world.county_a)
            reviews.append(
                AnnualReview.objects.create(
                    teacher=teacher,
                    year=YEAR,
                    region=world.county_a,
                    level=teacher.level,
                    quota=with_quota if has_quota else None,
                    lessons=lessons,
                    hours=hours,
                    is_final=final,
                    passed=False,
                    computed_at=timezone.now(),
                )
            )
    everything = AnnualReview.objects.unscoped("the test's reviews").filter(year=YEAR)
    for today in (
        datetime.date(YEAR, 1, 1),
        datetime.date(YEAR, 7, 2),
        datetime.date(YEAR, 12, 31),
    ):
        marked = {r.pk for r in everything.select_related("quota") if lifecycle.lagging(r, today)}
        assert (
            set(everything.filter(lifecycle.lagging_q(YEAR, today)).values_list("pk", flat=True))
            == marked
        )
    assert 0 < len(marked) < len(reviews)
