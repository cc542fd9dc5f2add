"""List pages at a province's size (issue #18): every page of a list, read forwards or (in
its back half) backwards, shows exactly the rows of the ordered list, under every sort and
filter, and counts the rows once without the per-row columns."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangke.regions.models import Organization, OrganizationKind
from tests.conftest import make_teacher

PAGE_SIZE = 3


def _codes(html: str, prefix: str) -> list[str]:
    return re.findall(rf">({prefix}-\d+)<", html)


@pytest.fixture
def organizations(world):
    # member counts repeat, so the sort needs its tie-break on the key to be a total order
    return [
        Organization.objects.create(
            code=f"ORG-{n:02}",
            name=f"翻页党支部{n}",
            kind=OrganizationKind.VILLAGE,
            region=world.village_a,
            member_count=10 + n % 3,
        )
        for n in range(11)
    ]


@pytest.mark.parametrize("sort", ["", "-member_count", "member_count", "-name"])
def test_every_page_shows_the_rows_of_the_sorted_list(world, organizations, client, settings, sort):
    settings.DANGKE_PAGE_SIZE = PAGE_SIZE
    client.force_login(world.county_a_admin)
    field = sort.lstrip("-") or "code"
    expected = sorted((org for org in organizations), key=lambda org: (getattr(org, field), org.pk))
    if sort.startswith("-"):
        expected.reverse()
    expected = [org.code for org in expected]
    shown = []
    for number in range(1, 5):  # 11 rows, 3 a page: pages 3 and 4 are read backwards
        query = {"q": "翻页", "sort": sort, "page": number}
        html = client.get(reverse("regions:list"), query).content.decode()
        assert f"第 {number} / 4 页" in html
        shown += _codes(html, "ORG")
    assert shown == expected


def test_the_last_page_is_the_end_of_the_list(world, organizations, client, settings):
    settings.DANGKE_PAGE_SIZE = PAGE_SIZE
    client.force_login(world.county_a_admin)
    html = client.get(reverse("regions:list"), {"q": "翻页", "page": 999999}).content.decode()
    assert "第 4 / 4 页" in html
    assert _codes(html, "ORG") == ["ORG-09", "ORG-10"]  # by code; 11 = 3 + 3 + 3 + 2
    assert "共 11 条" in html


def test_teachers_are_counted_without_their_course_counts(world, client):
    for n in range(3):
        make_teacher(f"T-P-{n}", f"翻页教师{n}", world.county_a)
    client.force_login(world.county_a_admin)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("faculty:list")).content.decode()
    counts = [
        q["sql"]
        for q in captured
        if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "faculty_teacher"')
    ]
    assert len(counts) == 1  # one count per page, and it does not read the course links
    assert "courses_course_teachers" not in counts[0]
    assert "翻页教师2" in html
