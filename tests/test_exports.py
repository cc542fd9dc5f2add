"""Issue #29 (4): one Excel writer for every export; text is written as text (never a live
formula), numbers and dates as typed values. Exports are read back with openpyxl."""

import datetime
import pathlib
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangke.accounts.scoping import scope_for_user
from dangke.core.export import build_workbook
from dangke.delivery.models import CourseOrder
from dangke.faculty import lifecycle, rewards
from dangke.imports.models import ImportJob
from dangke.media.models import WorkStatus
from tests.conftest import PASSWORD
from tests.test_lifecycle import quota
from tests.test_media import make_work
from tests.test_rewards import give

pytestmark = pytest.mark.usefixtures("pinned_clock")

FORMULAS = ["=1+1", "+1", "-1", "@SUM(1)", '=HYPERLINK("http://x","y")']


def _read(content: bytes):
    return load_workbook(BytesIO(content)).active


def _cells(sheet):
    return [cell for row in sheet.iter_rows() for cell in row]


def test_text_that_looks_like_a_formula_is_written_as_text():
    when = datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC)
    rows = [[text, 3, Decimal("2.50"), datetime.date(2027, 1, 1), when] for text in FORMULAS]
    buffer = BytesIO()
    build_workbook("=sheet", ["=表头", "数量", "金额", "日期", "时间"], rows).save(buffer)
    sheet = _read(buffer.getvalue())
    assert [cell.value for cell in sheet["A"]] == ["=表头", *FORMULAS]
    assert {cell.data_type for cell in sheet["A"]} == {"s"}
    assert all(cell.quotePrefix for cell in sheet["A"])
    assert [c.value for c in sheet[2][1:]] == [
        3, 2.5, datetime.datetime(2027, 1, 1), datetime.datetime(2027, 1, 1, 0, 30)
    ]  # fmt: skip
    assert [c.data_type for c in sheet[2][1:]] == ["n", "n", "d", "d"]
    # A day reads as a day and an instant to the minute, not with seconds nobody recorded.
    assert [c.number_format for c in sheet[2][3:]] == ["yyyy-mm-dd", "yyyy-mm-dd hh:mm"]


def test_ordinary_text_keeps_no_quote_prefix():
    buffer = BytesIO()
    build_workbook("s", ["姓名"], [["王红梅"], ["a\x07b"]]).save(buffer)
    sheet = _read(buffer.getvalue())
    assert [c.value for c in sheet["A"]] == ["姓名", "王红梅", "ab"]
    assert not sheet["A2"].quotePrefix


def _writes_a_workbook(source: str) -> bool:
    """A new workbook, or an openpyxl one saved (Word documents are saved too: not these)."""
    return bool(
        re.search(r"\bWorkbook\(", source)
        or ("openpyxl" in source and re.search(r"\.save\(\s*buffer", source))
    )


def test_no_export_writes_a_workbook_of_its_own():
    """Every download goes through core/export.py (templates are built in blank.py)."""
    root = pathlib.Path(__file__).resolve().parents[1] / "dangke"
    own = {root / "core" / "export.py", root / "imports" / "blank.py"}
    writers = [
        path.relative_to(root)
        for path in root.rglob("*.py")
        if path not in own and _writes_a_workbook(path.read_text())
    ]
    assert writers == []


@pytest.fixture
def hostile(world):
    """Formula-like text in every kind of name an export carries."""
    world.teacher_a.name = "=1+1"
    world.teacher_a.save()
    world.teacher_b.name = "@SUM(1)"
    world.teacher_b.save()
    world.course_a.title = "+1"
    world.course_a.save()
    world.org_a.name = "-1"
    world.org_a.save()
    CourseOrder.objects.create(organization=world.org_a, category="theory")
    make_work(world, title='=HYPERLINK("http://x","y")', status=WorkStatus.PUBLISHED)
    return world


def _assert_text_only(content, *expected):
    sheet = _read(content)
    cells = _cells(sheet)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    shown = {c.value for c in cells}
    for text in expected:
        assert text in shown
    return sheet


@pytest.fixture(autouse=True)
def _local(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/faculty/?export=xlsx", ["=1+1", "@SUM(1)"]),
        ("/courses/?export=xlsx", ["+1"]),
        ("/organizations/?export=xlsx", ["-1"]),
        ("/delivery/orders/?export=xlsx", ["-1"]),
        ("/media-works/?export=xlsx", ['=HYPERLINK("http://x","y")']),
    ],
)
def test_list_exports_carry_formula_like_names_as_text(client, hostile, url, expected):
    client.login(username="city-admin", password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200
    _assert_text_only(response.content, *expected)


def test_review_and_reward_exports_carry_names_as_text(client, hostile):
    world = hostile
    year = timezone.localdate().year
    quota(world.city)
    lifecycle.compute_reviews(world.city.code, year, actor=world.city_admin)
    client.login(username="city-admin", password=PASSWORD)
    response = client.get(reverse("faculty:review_export") + f"?year={year}&show=all")
    _assert_text_only(response.content, "=1+1")
    give(world.teacher_a, world.org_a, world.course_a, 2)
    fund = rewards.create_fund(
        scope=scope_for_user(world.city_admin), actor=world.city_admin, region=world.city,
        year=year, name="=基金", total=Decimal("1000"), cap=Decimal("1000"),
    )  # fmt: skip
    rewards.allocate(fund, scope=scope_for_user(world.city_admin), actor=world.city_admin)
    response = client.get(reverse("faculty:fund_export", args=[fund.pk]))
    sheet = _assert_text_only(response.content, "=1+1")
    amounts = [c.value for c in _cells(sheet) if isinstance(c.value, int | float)]
    assert 1000 in amounts  # money stays a number


def test_import_error_sheet_repeats_what_was_typed_as_text(client, world):
    job = ImportJob.objects.create(
        kind="teachers", original_name="=x.xlsx", region=world.county_a,
        created_by=world.county_a_admin,
        errors=[{"sheet": "师资", "row": 2, "column": "姓名", "value": "@SUM(1)", "message": "-1"}],
    )  # fmt: skip
    client.login(username="county-a", password=PASSWORD)
    response = client.get(reverse("imports:job_errors", args=[job.pk]))
    _assert_text_only(response.content, "@SUM(1)", "-1")
