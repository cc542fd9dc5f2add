"""Issue #24: the teacher template's example row is never imported, a phone number must be
a Chinese mobile or landline, and the preview names the rows that update existing teachers."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from dangke.faculty.models import Teacher
from dangke.imports import columns
from dangke.imports.models import ImportState
from tests.test_imports import latest_job, upload, workbook


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def county_a(client, world):
    client.force_login(world.county_a_admin)
    return client


def template_with(county_a, rows) -> bytes:
    book = load_workbook(BytesIO(county_a.get("/imports/teachers/template.xlsx").content))
    sheet = book["师资"]
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_example_row_left_in_the_template_is_not_imported(county_a, world):
    content = template_with(county_a, [["T-A-901", "孙立", "男", None, None, None, None, "县级",
                                        "511102"]])  # fmt: skip
    upload(county_a, "teachers", content)
    job = latest_job()
    assert job.state == ImportState.VALID, job.errors
    assert (job.total_rows, job.to_create, job.to_update) == (1, 1, 0)
    assert "第 2 行是模板的示例行，未作为数据导入。" in job.message
    page = county_a.get(f"/imports/jobs/{job.pk}/").content.decode()
    assert "T-511102-001" not in page
    county_a.post(f"/imports/jobs/{job.pk}/confirm/")
    assert not Teacher.objects.filter(code="T-511102-001").exists()
    assert Teacher.objects.filter(code="T-A-901", name="孙立").exists()


def test_only_the_example_row_is_an_empty_file(county_a):
    upload(county_a, "teachers", template_with(county_a, []))
    job = latest_job()
    assert job.state == ImportState.INVALID
    assert job.message == "文件中没有数据行第 2 行是模板的示例行，未作为数据导入。"


def test_a_changed_example_row_is_data(county_a):
    book = load_workbook(BytesIO(county_a.get("/imports/teachers/template.xlsx").content))
    book["师资"]["B2"] = "王红"
    buffer = BytesIO()
    book.save(buffer)
    upload(county_a, "teachers", buffer.getvalue())
    assert latest_job().to_create == 1


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("13800000000", "13800000000"),
        (13912345678, "13912345678"),
        (13912345678.0, "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0833-2123456", "0833-2123456"),
        ("083312345678", "0833-12345678"),
        ("（0833）2123456", "0833-2123456"),
        ("010-12345678-801", "010-12345678-801"),
    ],
)
def test_phone_numbers_in_chinese_formats(written, stored):
    assert columns.phone_number(written) == stored


@pytest.mark.parametrize("written", ["138", "1380000000", "23800000000", "2123456", "电话"])
def test_bad_phone_numbers_are_refused(written):
    with pytest.raises(columns.CellError, match="不是有效的电话号码"):
        columns.phone_number(written)


def test_a_short_phone_is_reported_by_row_and_column(county_a):
    headers = ["师资编号", "姓名", "师资级别", "区划代码", "联系电话"]
    content = workbook(
        headers,
        [["T-A-910", "周敏", "县级", "511102", "13800000000"],
         ["T-A-911", "吴刚", "县级", "511102", "138"]],
        title="师资",
    )  # fmt: skip
    upload(county_a, "teachers", content)
    job = latest_job()
    assert job.state == ImportState.INVALID
    assert [(e["sheet"], e["row"], e["column"], e["value"]) for e in job.errors] == [
        ("师资", 3, "联系电话", "138")
    ]
    assert not Teacher.objects.filter(code__in=["T-A-910", "T-A-911"]).exists()


def test_the_preview_says_which_rows_update_existing_teachers(county_a, world):
    headers = ["师资编号", "姓名", "师资级别", "区划代码"]
    rows = [[f"T-A-{900 + n}", f"新师资{n}", "县级", "511102"] for n in range(25)]
    rows.insert(1, [world.teacher_a.code, "王红梅", "县级", "511102"])  # Excel row 3
    other = Teacher.objects.create(
        code="T-A-050", name="李强", region=world.county_a, level="county"
    )
    rows.append([other.code, "李强", "县级", "511102"])  # Excel row 28, after the first 20
    upload(county_a, "teachers", workbook(headers, rows, title="师资"))
    job = latest_job()
    assert (job.to_create, job.to_update) == (25, 2)
    page = county_a.get(f"/imports/jobs/{job.pk}/").content.decode()
    assert "将更新 2 条已有记录" in page
    assert f"第 3 行 {world.teacher_a.code}" in page and "第 28 行 T-A-050" in page


def test_the_teacher_form_refuses_a_short_phone(client, world):
    client.force_login(world.county_a_admin)
    data = {
        "code": "T-A-001", "name": "王红梅", "level": "county", "region": world.county_a.pk,
        "max_travel_km": 50, "specialties": ["theory"], "phone": "138",
    }  # fmt: skip
    response = client.post(f"/faculty/{world.teacher_a.pk}/edit/", data)
    assert response.status_code == 200
    assert "「138」不是有效的电话号码" in response.content.decode()
    client.post(f"/faculty/{world.teacher_a.pk}/edit/", data | {"phone": "0833 2123456"})
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.phone == "0833-2123456"
