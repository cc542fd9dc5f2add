"""Excel import at the issue's scale: a 10,000-row organisations workbook and a 2,000-row
teachers workbook, checked and imported through the same services as the web pages, on a
fresh SQLite database in a temporary directory. Times come from one run; peak memory
(tracemalloc, Python allocations during check and import) from a second, untimed run.

`python -m bench.imports` (or `make bench`)."""

import logging
import os
import resource
import sys
import tempfile
import time
import tracemalloc
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


def _organisation_rows(count: int, prefix: str = "B"):
    from dangke.regions.models import Region, RegionLevel

    villages = list(
        Region.objects.filter(code__startswith="5111", level=RegionLevel.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    kinds = ["村", "社区", "机关", "学校", "企业"]
    for n in range(count):
        yield [
            f"{prefix}-{n:06}",
            f"测试第{n}党支部",
            kinds[n % len(kinds)],
            villages[n % len(villages)],
            f"{prefix}-{n - n % 10:06}" if n % 10 else None,
            10 + n % 40,
            29.0 + (n % 100) / 100,
            103.0 + (n % 90) / 100,
            "5、6、9",
            "张三",
            "李四",
            "13800000000",
        ]


def _teacher_rows(count: int, prefix: str = "BT"):
    counties = ["511102", "511111", "511112", "511113", "511123", "511124"]
    for n in range(count):
        yield [
            f"{prefix}-{n:05}",
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


def _check_and_import(kind: str, content: bytes, user) -> tuple[float, float, object]:
    """Seconds to upload and check, seconds to confirm and import, and the finished job."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangke.accounts.scoping import scope_for_user
    from dangke.imports import services
    from dangke.imports.models import ImportJob

    started = time.perf_counter()
    job = services.create_job(
        user=user,
        scope=scope_for_user(user),
        kind=kind,
        upload=SimpleUploadedFile("bench.xlsx", content),
    )
    checked = time.perf_counter()
    job.refresh_from_db()
    assert job.state == "valid", job.errors[:5]
    services.confirm(job, user=user)
    finished = time.perf_counter()
    job = ImportJob.objects.get(pk=job.pk)
    assert job.state == "done", job.message
    assert job.created_count == job.total_rows, (job.created_count, job.total_rows)
    return checked - started, finished - checked, job


def _measure(kind: str, sheet, make_rows, count: int, user) -> dict:
    headers = [column.header for column in sheet.columns]
    timed = _workbook(sheet.title, headers, make_rows(count, "B"))
    check_s, import_s, job = _check_and_import(kind, timed, user)
    # Memory on a second, identical workbook with fresh codes (so it creates rows again);
    # tracemalloc slows Python down, so this pass is not timed.
    traced = _workbook(sheet.title, headers, make_rows(count, "M"))
    tracemalloc.start()
    _check_and_import(kind, traced, user)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "kind": job.get_kind_display(),
        "rows": job.total_rows,
        "xlsx_kb": len(timed) / 1024,
        "check_s": check_s,
        "check_rows_per_s": job.total_rows / check_s,
        "import_s": import_s,
        "import_rows_per_s": job.total_rows / import_s,
        "total_rows_per_s": job.total_rows / (check_s + import_s),
        "peak_traced_mb": peak / 1024 / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as var_dir:
        _setup_django(var_dir)
        from django.conf import settings

        settings.TASKS = {
            "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
        }
        logging.getLogger("django.tasks").setLevel(logging.WARNING)  # one line per task step
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
            _measure("organizations", OrganizationSheet, _organisation_rows, 10_000, admin),
            _measure("teachers", TeacherSheet, _teacher_rows, 2_000, admin),
        ]
    print(
        "| 内容 | 行数 | 文件 KB | 检查 s | 检查 行/秒 | 导入 s | 导入 行/秒 | 合计 行/秒 "
        "| tracemalloc 峰值 MB | 进程 RSS 峰值 MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['kind']} | {r['rows']:,} | {r['xlsx_kb']:,.0f} | {r['check_s']:.2f} | "
            f"{r['check_rows_per_s']:,.0f} | {r['import_s']:.2f} | "
            f"{r['import_rows_per_s']:,.0f} | {r['total_rows_per_s']:,.0f} | "
            f"{r['peak_traced_mb']:.0f} | {r['peak_rss_mb']:.0f} |"
        )
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run()
