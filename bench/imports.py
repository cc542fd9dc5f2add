"""Excel import at the issue's scale: a 10,000-row organisations workbook and a 2,000-row
teachers workbook, checked and imported through the same services as the web pages, on a
fresh SQLite database in a temporary directory.

`python -m bench.imports` (or `make bench`)."""

import os
import resource
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path


def _setup_django(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "dangke.settings"
    os.environ["DANGKE_VAR_DIR"] = var_dir
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_regions", verbosity=0)


def _workbook(title: str, headers: list[str], rows) -> bytes:
    from openpyxl import Workbook

    # A normal workbook stores text as shared strings, as Excel and WPS do.
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _organisation_rows(count: int):
    from dangke.regions.models import Region, RegionLevel

    villages = list(
        Region.objects.filter(code__startswith="5111", level=RegionLevel.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    kinds = ["村", "社区", "机关", "学校", "企业"]
    for n in range(count):
        yield [
            f"B-{n:06}",
            f"测试第{n}党支部",
            kinds[n % len(kinds)],
            villages[n % len(villages)],
            f"B-{n - n % 10:06}" if n % 10 else None,
            10 + n % 40,
            29.0 + (n % 100) / 100,
            103.0 + (n % 90) / 100,
            "5、6、9",
            "张三",
            "李四",
            "13800000000",
        ]


def _teacher_rows(count: int):
    counties = ["511102", "511111", "511112", "511113", "511123", "511124"]
    for n in range(count):
        yield [
            f"BT-{n:05}",
            f"教师{n}",
            "男" if n % 2 else "女",
            1960 + n % 40,
            "县委党校",
            "讲师",
            "13800000000",
            "县级",
            counties[n % len(counties)],
            "理论教育、党性教育",
            None,
            29.5,
            103.7,
            "",
        ]


def _measure(kind: str, content: bytes, user) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangke.accounts.scoping import scope_for_user
    from dangke.imports import services
    from dangke.imports.models import ImportJob

    scope = scope_for_user(user)
    started = time.perf_counter()
    job = services.create_job(
        user=user, scope=scope, kind=kind, upload=SimpleUploadedFile("bench.xlsx", content)
    )
    checked = time.perf_counter()
    job.refresh_from_db()
    assert job.state == "valid", job.errors[:5]
    services.confirm(job, user=user)
    finished = time.perf_counter()
    job = ImportJob.objects.get(pk=job.pk)
    assert job.state == "done", job.message
    return {
        "kind": job.get_kind_display(),
        "rows": job.total_rows,
        "check_s": checked - started,
        "import_s": finished - checked,
        "rows_per_s": job.total_rows / (finished - started),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as var_dir:
        _setup_django(var_dir)
        from django.conf import settings

        settings.TASKS = {
            "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
        }
        from dangke.accounts.models import Role
        from dangke.accounts.services import create_user_with_role
        from dangke.faculty.spreadsheets import TeacherSheet
        from dangke.regions.models import Region
        from dangke.regions.spreadsheets import OrganizationSheet

        admin = create_user_with_role(
            "bench-admin",
            password="x",
            role=Role.REGION_ADMIN,
            region=Region.objects.get(code="5111"),
        )
        results = [
            _measure(
                "organizations",
                _workbook(
                    OrganizationSheet.title,
                    [column.header for column in OrganizationSheet.columns],
                    _organisation_rows(10_000),
                ),
                admin,
            ),
            _measure(
                "teachers",
                _workbook(
                    TeacherSheet.title,
                    [column.header for column in TeacherSheet.columns],
                    _teacher_rows(2_000),
                ),
                admin,
            ),
        ]
    print("| 内容 | 行数 | 检查 s | 导入 s | 行/秒 | 进程峰值内存 MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['kind']} | {r['rows']:,} | {r['check_s']:.2f} | {r['import_s']:.2f} | "
            f"{r['rows_per_s']:,.0f} | {r['peak_rss_mb']:.0f} |"
        )
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run()
