"""Junk in request fields answers a page or "not found", never a 500 (issue #17)."""

import pytest
from django.urls import reverse

from dangke.core.ids import bounded_year, db_id

JUNK = ["", "abc", "²", "-1", "0", "1.5", "9" * 30, "9223372036854775808", " 7 "]


@pytest.mark.parametrize("value", JUNK)
def test_db_id_accepts_only_what_can_name_a_row(value):
    expected = 7 if value == " 7 " else None
    assert db_id(value) == expected


def test_bounded_year_falls_back_on_junk():
    assert bounded_year("2026", 2000) == 2026
    assert [bounded_year(v, 2025) for v in ("1999", "2101", "²", "9" * 30, None)] == [2025] * 5


@pytest.mark.parametrize("value", ["9" * 30, "²", "abc", "-3"])
def test_order_form_with_a_junk_course_shows_the_form(client, world, value):
    client.force_login(world.county_a_admin)
    response = client.get(reverse("delivery:order_create"), {"course": value})
    assert response.status_code == 200
