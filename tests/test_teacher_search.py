"""Issue #24: the 添加模块 form's teacher field searches the pool (htmx) instead of listing
every name, and the search answers only with teachers the user may see."""

import re

import pytest
from django.urls import reverse

from dangke.training.models import TrainingModule
from tests.conftest import make_teacher
from tests.test_training import klass  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("pinned_clock")


@pytest.fixture
def pool(world):
    for number in range(60):
        make_teacher(f"T-A-{100 + number}", f"县甲教师{number}", world.county_a)
    make_teacher("T-B-100", "县乙教师", world.county_b)
    return world


def teacher_select(html: str) -> str:
    return re.search(r'<select name="teacher"[^>]*>(.*?)</select>', html, re.S).group(1)


def test_the_module_form_lists_no_pool_but_searches_it(pool, klass, client):  # noqa: F811
    client.force_login(pool.organiser)
    page = client.get(reverse("training:detail", args=[klass.pk])).content.decode()
    assert "添加模块" in page
    assert teacher_select(page).count("<option") == 1  # only the empty choice
    assert f'hx-get="{reverse("faculty:teacher_options")}"' in page

    found = client.get(reverse("faculty:teacher_options"), {"q": "县甲教师1"}).content.decode()
    # 县甲教师1 and 县甲教师10 … 19
    assert found.count('<option value="') == 1 + 11
    assert "— 选择师资（11 位匹配）—" in found
    by_code = client.get(reverse("faculty:teacher_options"), {"q": "T-A-105"}).content.decode()
    assert "县甲教师5 · T-A-105" in by_code
    first = client.get(reverse("faculty:teacher_options")).content.decode()
    assert first.count('<option value="') == 1 + 30  # a first page, never the whole pool

    teacher = pool.teacher_a
    client.post(
        reverse("training:module_add", args=[klass.pk]),
        {"topic": "基层治理", "teacher": teacher.pk, "capacity": 5, "duration_minutes": 90},
    )
    assert TrainingModule.objects.get(topic="基层治理").teacher == teacher


def test_the_search_is_scoped(pool, client):
    client.force_login(pool.county_a_admin)
    found = client.get(reverse("faculty:teacher_options"), {"q": "县"}).content.decode()
    assert "县甲教师0" in found and "县乙教师" not in found
    client.force_login(pool.county_b_admin)
    found = client.get(reverse("faculty:teacher_options"), {"q": "县"}).content.decode()
    assert "县乙教师" in found and "县甲教师" not in found
    client.logout()
    assert client.get(reverse("faculty:teacher_options")).status_code == 302
