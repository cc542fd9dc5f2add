"""Issue #18: a calendar day shows its first lessons and counts the rest, so a city's
busiest month renders a bounded page; the month's total still counts every lesson."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dangke.delivery.models import Lesson
from dangke.delivery.views.lessons import DAY_LESSONS

pytestmark = pytest.mark.usefixtures("pinned_clock")


def test_a_crowded_day_shows_its_first_lessons_and_counts_the_rest(world, client):
    day = timezone.localdate() - datetime.timedelta(days=3)
    start = datetime.datetime.combine(day, datetime.time(8), timezone.get_current_timezone())
    for n in range(DAY_LESSONS + 2):
        Lesson.objects.create(
            course=world.course_a, organization=world.org_a,
            starts_at=start + datetime.timedelta(minutes=10 * n),
        )  # fmt: skip
    client.force_login(world.county_a_admin)
    html = client.get(reverse("delivery:lessons"), {"month": f"{day:%Y-%m}"}).content.decode()
    assert len(re.findall(r'href="/delivery/lessons/\d+/"', html)) == DAY_LESSONS
    assert "09:20" not in html and "09:30" not in html  # the two latest are counted, not shown
    assert "另有 2 次授课" in html
    assert f"本月 {DAY_LESSONS + 2} 次授课" in html
