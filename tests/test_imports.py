"""Excel imports: templates, row-by-row checking, atomic import, scoping."""

import zipfile
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dangke.accounts.scoping import scope_for_user
from dangke.courses.models import Course
from dangke.faculty.models import Teacher, TeacherStatus
from dangke.imports.models import ImportJob, ImportState
from dangke.imports.registry import sheet_for
from dangke.imports.sheets import ImportContext, validate
from dangke.regions.models import Organization

ORG_HEADERS = ["组织编码", "组织名称", "类型", "区划代码", "上级组织编码", "党员人数", "农忙月份"]


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def workbook(headers, rows, title="基层党组织") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, kind, content, name="表.xlsx"):
    return client.post(
        f"/imports/{kind}/upload/", {f"{kind}-file": SimpleUploadedFile(name, content)}
    )


def shown_messages(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def latest_job():
    return ImportJob.objects.latest("id")


@pytest.fixture
def county_a(client, world):
    client.force_login(world.county_a_admin)
    return client


def test_template_has_marked_headers_and_dropdowns(county_a):
    response = county_a.get("/imports/organizations/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    sheet = book["基层党组织"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["组织编码*", "组织名称*", "类型*", "区划代码*"]
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert any("C2" in str(v.sqref) for v in lists), "类型 offers a drop-down list"
    kinds = [row[0] for row in book["可选值"].iter_rows(min_row=2, max_col=1, values_only=True)]
    assert kinds == ["机关", "园区", "学校", "村", "社区", "企业", "其他"]
    assert book["可选值"].sheet_state == "hidden"
    assert "说明" in book.sheetnames


def test_a_filled_in_template_imports(county_a, world):
    template = load_workbook(BytesIO(county_a.get("/imports/teachers/template.xlsx").content))
    sheet = template["师资"]
    sheet["A2"], sheet["B2"], sheet["I2"] = "T-A-900", "赵文华", "511102"
    buffer = BytesIO()
    template.save(buffer)
    upload(county_a, "teachers", buffer.getvalue())
    job = latest_job()
    assert job.state == ImportState.VALID, job.errors
    county_a.post(f"/imports/jobs/{job.pk}/confirm/")
    teacher = Teacher.objects.get(code="T-A-900")
    assert (teacher.name, teacher.region_id, teacher.status) == ("赵文华", "511102", "active")
    assert sorted(teacher.specialties.values_list("category", flat=True)) == ["local", "theory"]


def test_every_mistake_is_reported_by_sheet_row_and_column_and_nothing_is_written(county_a):
    content = workbook(
        ORG_HEADERS,
        [
            ["O-A-100", "新村党支部", "村", "511102001001", None, 30, "5、6"],  # fine
            ["O-A-101", "错区划党支部", "村", "511102999999", None, 30, None],  # no such region
            ["O-A-102", "外县党支部", "村", "511123100201", None, 30, None],  # other county
            ["O-A-103", "类型错党支部", "合作社", "511102001001", None, 30, None],
            ["O-A-100", "重复党支部", "村", "511102001001", None, "三十", "13"],
            [None, "无编码党支部", "村", "511102001001", "O-X-404", 1, None],
        ],
    )
    upload(county_a, "organizations", content)
    job = latest_job()
    assert job.state == ImportState.INVALID
    found = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert "不存在" in found[(3, "区划代码")]
    assert "不在您管理的范围内" in found[(4, "区划代码")]
    assert "可选：机关、园区、学校、村、社区、企业、其他" in found[(5, "类型")]
    assert found[(6, "组织编码")] == "编号重复：与第 2 行相同"
    assert "应为整数" in found[(6, "党员人数")]
    assert "不在 1–12 之间" in found[(6, "农忙月份")]
    assert found[(7, "组织编码")] == "必填，不能为空"
    assert "O-X-404" in found[(7, "上级组织编码")]
    assert {e["sheet"] for e in job.errors} == {"基层党组织"}
    assert not Organization.objects.filter(code__startswith="O-A-1").exists()

    page = county_a.get(f"/imports/jobs/{job.pk}/").content.decode()
    assert "工作表「基层党组织」" in page and "511102999999" in page
    errors = load_workbook(BytesIO(county_a.get(f"/imports/jobs/{job.pk}/errors.xlsx").content))
    rows = list(errors.active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(job.errors) == 8
    assert rows[0][:3] == ("基层党组织", 3, "区划代码")


def test_unknown_and_missing_headers_are_reported(county_a):
    upload(county_a, "organizations", workbook(["组织编码", "名称", "类型"], [["X", "Y", "村"]]))
    messages = " ".join(e["message"] for e in latest_job().errors)
    assert "表头「名称」无法识别" in messages
    assert "缺少必填列「组织名称」" in messages and "缺少必填列「区划代码」" in messages


def test_a_clean_workbook_creates_and_updates_after_confirmation(county_a, world):
    content = workbook(
        ORG_HEADERS,
        [
            ["O-A-001", "张公桥社区党委（更名）", "社区", "511102001001", None, 88, None],
            ["O-A-200", "新建党支部", "村", "511102001001", "O-A-001", 12, "5,9"],
        ],
    )
    upload(county_a, "organizations", content)
    job = latest_job()
    assert (job.state, job.to_create, job.to_update) == (ImportState.VALID, 1, 1)
    assert not Organization.objects.filter(code="O-A-200").exists(), "nothing before confirming"

    county_a.post(f"/imports/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.state == ImportState.DONE and (job.created_count, job.updated_count) == (1, 1)
    world.org_a.refresh_from_db()
    assert (world.org_a.name, world.org_a.member_count) == ("张公桥社区党委（更名）", 88)
    new = Organization.objects.get(code="O-A-200")
    assert new.parent == world.org_a and new.busy_months == [5, 9] and new.kind == "village"


def test_a_code_used_in_another_county_is_refused_without_detail(county_a, world):
    content = workbook(ORG_HEADERS, [["O-B-001", "抢占", "村", "511102001001", None, 1, None]])
    upload(county_a, "organizations", content)
    (error,) = latest_job().errors
    assert error["message"] == "该编号已被其他地区使用，请换一个编号"
    world.org_b.refresh_from_db()
    assert world.org_b.name == "大榜村党支部"


def refuse_inserting_code(code: str, message: str) -> None:
    """Make the database itself refuse one organisation row, on SQLite or PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_row() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.code = '{code}' THEN RAISE EXCEPTION '{message}'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_row BEFORE INSERT ON regions_organization "
                "FOR EACH ROW EXECUTE FUNCTION refuse_row()"
            )
        else:
            cursor.execute(
                "CREATE TEMP TRIGGER refuse_row BEFORE INSERT ON regions_organization "
                f"WHEN NEW.code = '{code}' BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


@pytest.mark.logs_errors  # the import task logs why it failed
def test_import_is_atomic_when_the_database_refuses_a_row(county_a, world):
    """A row that passes every check but that the database refuses at write time (here a
    trigger, as a full disk or a lock timeout would) leaves no row written or updated."""
    content = workbook(
        ORG_HEADERS,
        [
            ["O-A-001", "张公桥社区党委（改）", "社区", "511102001001", None, 99, None],
            ["O-A-300", "甲党委", "村", "511102001001", None, 1, None],
            ["O-A-301", "乙党支部", "村", "511102001001", "O-A-300", 1, None],
        ],
    )
    upload(county_a, "organizations", content)
    job = latest_job()
    assert job.state == ImportState.VALID, job.errors
    refuse_inserting_code("O-A-301", "磁盘已满")
    county_a.post(f"/imports/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert "数据未做任何改动" in job.message and "磁盘已满" in job.message
    assert not Organization.objects.filter(code__in=["O-A-300", "O-A-301"]).exists()
    world.org_a.refresh_from_db()
    assert (world.org_a.name, world.org_a.member_count) == ("张公桥社区党委", 60)
    assert (job.created_count, job.updated_count) == (0, 0)
    page = county_a.get(f"/imports/jobs/{job.pk}/").content.decode()
    assert "磁盘已满" in page


def test_a_cycle_of_parents_is_refused(county_a):
    content = workbook(
        ORG_HEADERS,
        [
            ["O-A-400", "甲", "村", "511102001001", "O-A-401", 1, None],
            ["O-A-401", "乙", "村", "511102001001", "O-A-400", 1, None],
        ],
    )
    upload(county_a, "organizations", content)
    assert [(e["row"], e["message"]) for e in latest_job().errors] == [
        (2, "上级组织关系形成了循环"),
        (3, "上级组织关系形成了循环"),
    ]


def test_teachers_import_resolves_groups_and_keeps_status(county_a, world):
    headers = ["师资编号", "姓名", "师资级别", "区划代码", "专长类别", "教研组"]
    content = workbook(
        headers,
        [
            ["T-A-001", "王红梅", "县级", "511102", "党性教育", "第一教研组"],
            ["T-A-002", "刘芳", "县级", "511102001", "理论教育", "不存在的组"],
        ],
        title="师资",
    )
    upload(county_a, "teachers", content)
    found = {(e["row"], e["column"]): e["message"] for e in latest_job().errors}
    assert set(found) == {(3, "区划代码"), (3, "教研组")}
    assert "层级过低" in found[(3, "区划代码")]

    fixed = workbook(
        headers, [["T-A-001", "王红梅", "县级", "511102", "党性教育", "第一教研组"]], title="师资"
    )
    upload(county_a, "teachers", fixed)
    county_a.post(f"/imports/jobs/{latest_job().pk}/confirm/")
    teacher = Teacher.objects.get(code="T-A-001")
    assert teacher.status == TeacherStatus.ACTIVE
    assert list(teacher.groups.all()) == [world.group]
    assert list(teacher.specialties.values_list("category", flat=True)) == ["party_spirit"]


def test_courses_import_links_teachers_and_creates_series(county_a, world):
    headers = ["课程编号", "课程名称", "课程类别", "区划代码", "课程群组", "授课教师编号"]
    content = workbook(
        headers,
        [
            [
                "C-A-500",
                "乐山大佛与红色文化",
                "地方特色",
                "511102",
                "嘉州红色文化",
                "T-A-001、T-C-001",
            ],
            ["C-A-501", "党纪学习教育", "理论教育", "511102", None, "T-B-001"],
        ],
        title="课程",
    )
    upload(county_a, "courses", content)
    job = latest_job()
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "授课教师编号")]
    good_row = [
        "C-A-500",
        "乐山大佛与红色文化",
        "地方特色",
        "511102",
        "嘉州红色文化",
        "T-A-001、T-C-001",
    ]
    fixed = workbook(headers, [good_row], title="课程")
    upload(county_a, "courses", fixed)
    county_a.post(f"/imports/jobs/{latest_job().pk}/confirm/")
    course = Course.objects.get(code="C-A-500")
    assert course.status == "listed" and course.series.name == "嘉州红色文化"
    assert sorted(course.teachers.values_list("code", flat=True)) == ["T-A-001", "T-C-001"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("名单.txt", b"just text", "只能上传 .xlsx"),
        ("名单.xlsx", b"not really a workbook", "不是 Excel 工作簿"),
        ("名单.xls", b"\xd0\xcf\x11\xe0", "另存为"),
    ],
)
def test_uploads_that_are_not_workbooks_are_refused(county_a, name, content, message):
    response = upload(county_a, "organizations", content, name=name)
    assert response.status_code == 302
    assert not ImportJob.objects.exists()
    assert message in shown_messages(response)


def test_oversized_upload_is_refused(county_a, settings):
    settings.SPREADSHEET_MAX_BYTES = 1000
    response = upload(county_a, "organizations", workbook(ORG_HEADERS, [["x"] * 7] * 50))
    assert not ImportJob.objects.exists()
    assert "文件太大" in shown_messages(response)


def test_only_region_admins_import(client, world):
    for user in (world.teacher_user, world.liaison, world.organiser):
        client.force_login(user)
        assert client.get("/imports/").status_code == 403
        response = upload(client, "organizations", workbook(ORG_HEADERS, []))
        assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_county_admin_cannot_see_another_countys_job(client, county_a, world):
    upload(
        county_a, "organizations", workbook(ORG_HEADERS, [["O-A-9", "甲", "村", "511102001001"]])
    )
    job = latest_job()
    client.force_login(world.county_b_admin)
    assert client.get(f"/imports/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/imports/jobs/{job.pk}/errors.xlsx").status_code == 404
    assert client.post(f"/imports/jobs/{job.pk}/confirm/").status_code == 404
    assert job.original_name not in client.get("/imports/").content.decode()
    client.force_login(world.city_admin)
    assert client.get(f"/imports/jobs/{job.pk}/").status_code == 200


def test_template_checks_numbers_and_explains_every_column(county_a):
    book = load_workbook(BytesIO(county_a.get("/imports/organizations/template.xlsx").content))
    validations = {
        str(v.sqref).split(":")[0]: v for v in book["基层党组织"].data_validations.dataValidation
    }
    members = validations["F2"]  # 党员人数
    assert (members.type, members.formula1, members.formula2) == ("whole", "0", "100000")
    latitude = validations["G2"]
    assert (latitude.type, latitude.formula1, latitude.formula2) == ("decimal", "-90", "90")
    assert [c.value for c in book["基层党组织"][2]][:4] == [
        "O-511102-0001",
        "篦子街社区党支部",
        "社区",
        "511102001001",
    ]
    explained = {
        row[0]: row[1] for row in book["说明"].iter_rows(min_row=4, values_only=True) if row[0]
    }
    assert explained["组织编码"] == "必填" and explained["上级组织编码"] == "选填"
    assert "农忙月份" in explained


def test_progress_fragment_polls_while_running_and_stops_when_finished(county_a, world):
    job = ImportJob.objects.create(
        kind="organizations",
        file="imports/x.xlsx",
        original_name="x.xlsx",
        region=world.county_a,
        created_by=world.county_a_admin,
        state=ImportState.VALIDATING,
        total_rows=1000,
        processed_rows=250,
        heartbeat_at=timezone.now(),  # a live worker holds it
    )
    running = county_a.get(f"/imports/jobs/{job.pk}/progress/")
    html = running.content.decode()
    assert 'hx-trigger="every 1s"' in html and f"/imports/jobs/{job.pk}/progress/" in html
    assert "width: 25%" in html and "250 / 1000" in html
    assert "HX-Refresh" not in running.headers

    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.INVALID)
    finished = county_a.get(f"/imports/jobs/{job.pk}/progress/")
    assert "hx-get" not in finished.content.decode()
    assert finished.headers["HX-Refresh"] == "true"


def test_jobs_are_seen_by_their_creator_and_region_admins_only(client, county_a, world):
    upload(
        county_a, "organizations", workbook(ORG_HEADERS, [["O-A-9", "甲", "村", "511102001001"]])
    )
    job = latest_job()
    assert job.task_id, "the queued task is recorded"
    assert job.original_name in county_a.get("/imports/").content.decode()
    # The city's organiser sees the county's organisations, but not who uploaded what.
    client.force_login(world.organiser)
    assert client.get(f"/imports/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/imports/jobs/{job.pk}/progress/").status_code == 404
    client.force_login(world.city_admin)
    assert job.original_name in client.get("/imports/").content.decode()


def test_a_job_is_imported_once_however_often_it_is_confirmed(county_a):
    content = workbook(ORG_HEADERS, [["O-A-600", "丙党支部", "村", "511102001001", None, 5, None]])
    upload(county_a, "organizations", content)
    job = latest_job()
    county_a.post(f"/imports/jobs/{job.pk}/confirm/")
    again = county_a.post(f"/imports/jobs/{job.pk}/confirm/")
    assert "当前不能导入" in shown_messages(again)
    job.refresh_from_db()
    assert (job.state, job.created_count, job.processed_rows) == (ImportState.DONE, 1, 1)
    assert Organization.objects.filter(code="O-A-600").count() == 1


def test_a_damaged_workbook_is_refused(county_a):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml at all")
    response = upload(county_a, "organizations", buffer.getvalue())
    assert "无法打开该工作簿" in shown_messages(response)
    assert not ImportJob.objects.exists()


def test_the_database_refuses_an_unknown_job_state(world):
    job = ImportJob.objects.create(
        kind="teachers",
        file="imports/x.xlsx",
        original_name="x.xlsx",
        region=world.county_a,
        created_by=world.county_a_admin,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(state="half-done")


def test_checking_looks_up_regions_and_codes_in_bulk(world, django_assert_max_num_queries):
    rows = [
        [f"O-A-{n:04}", f"党支部{n}", "村", code, None, 1, None]
        for n, code in enumerate(["511102001001", "511123100201", "511102999999"] * 100)
    ]
    path = BytesIO(workbook(ORG_HEADERS, rows))
    context = ImportContext.for_scope(scope_for_user(world.county_a_admin))
    with django_assert_max_num_queries(6):
        result = validate(path, sheet_for("organizations"), context, lambda done, total: None)
    messages = {e["message"] for e in result.errors.items}
    assert len(result.errors.items) == 200
    assert messages == {
        "区划「511123100201」不在您管理的范围内",
        "区划代码「511102999999」不存在（请按 GB/T 2260 / 统计用区划代码填写）",
    }


def test_only_the_uploader_confirms_an_import(client, county_a, world):
    content = workbook(ORG_HEADERS, [["O-A-700", "丁党支部", "村", "511102001001", None, 5, None]])
    upload(county_a, "organizations", content)
    job = latest_job()
    client.force_login(world.city_admin)
    page = client.get(f"/imports/jobs/{job.pk}/").content.decode()
    assert "等待上传人" in page and "确认导入" not in page
    refused = client.post(f"/imports/jobs/{job.pk}/confirm/")
    assert refused.status_code == 403  # visible to the city, but not theirs to confirm
    job.refresh_from_db()
    assert job.state == ImportState.VALID
    assert not Organization.objects.filter(code="O-A-700").exists()
    client.force_login(world.county_a_admin)  # the uploader still may
    assert "确认导入" in client.get(f"/imports/jobs/{job.pk}/").content.decode()


def test_the_index_lists_recent_jobs_in_a_fixed_number_of_queries(
    county_a, world, django_assert_max_num_queries
):
    for n in range(15):
        ImportJob.objects.create(
            kind="organizations",
            file=f"imports/{n}.xlsx",
            original_name=f"第{n}批.xlsx",
            region=world.county_a,
            created_by=world.county_a_admin,
            state=ImportState.DONE,
        )
    with django_assert_max_num_queries(12):
        page = county_a.get("/imports/").content.decode()
    assert "第14批.xlsx" in page and "下载模板" in page
