"""The life of an import job: upload → check every row → confirm → one atomic import.

Every change of a job's state goes through `ImportJob.move` (`dangke.core.jobs`), which
only follows `STATE_TRANSITIONS` and does it as a compare-and-set, so a task that runs twice (or a
double-clicked confirm) cannot import twice. Checking runs again inside the import
transaction, so rows that changed since the preview cannot slip through; whatever goes
wrong, nothing is half-written and the job says why.

Progress: while checking, `processed_rows` is written to the job row. While importing,
the rows being written are inside one open transaction that other connections cannot see,
so progress goes through the cache (file based, shared by the web and worker processes)."""

import logging

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.accounts.scoping import scope_for_user
from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.imports.models import ImportJob, ImportState
from dangke.imports.registry import sheet_for
from dangke.imports.sheets import ImportContext, WorkbookError, validate

logger = logging.getLogger(__name__)
PREVIEW_ROWS = 20
PREVIEW_UPDATED_ROWS = 200
STORED_ERRORS = 5000
RESULT_FIELDS = [
    "sheet_name",
    "total_rows",
    "processed_rows",
    "to_create",
    "to_update",
    "created_count",
    "updated_count",
    "errors",
    "preview",
]


class ImportNotAllowed(Exception):
    pass


def _progress_key(job: ImportJob) -> str:
    # The creation time keeps a reused id (a fresh database) from reading an old value.
    return f"imports:progress:{job.pk}:{job.created_at.timestamp():.6f}"


def report_progress(job: ImportJob, done: int, total: int) -> None:
    cache.set(_progress_key(job), (done, total), timeout=3600)
    if not connection.in_atomic_block:
        job.beat(processed_rows=done, total_rows=total)


def read_progress(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows in all) for the job's current step."""
    if job.state in (ImportState.DONE, ImportState.VALID, ImportState.INVALID):
        return job.total_rows, job.total_rows
    if job.is_running:
        return cache.get(_progress_key(job), (job.processed_rows, job.total_rows))
    return job.processed_rows, job.total_rows


def create_job(*, user, scope, kind: str, upload) -> ImportJob:
    """Store an upload and queue its check. Only region admins import, into their region."""
    if not scope.managed_region_codes:
        raise PermissionDenied(_("只有党员教育管理员可以导入数据"))
    job = ImportJob.objects.create(
        kind=kind,
        file=upload,
        original_name=upload.name[:200],
        region_id=scope.managed_region_codes[0],
        created_by=user,
    )
    from dangke.imports.tasks import validate_import

    result = validate_import.enqueue(job.pk)
    ImportJob.objects.unscoped("the job just created").filter(pk=job.pk).update(
        task_id=str(result.id)[:64]
    )
    return job


def validate_job(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.state != ImportState.UPLOADED or not job.move(ImportState.VALIDATING):
        return f"跳过：任务已是「{job.get_state_display()}」"
    sheet = sheet_for(job.kind)
    context = ImportContext.for_scope(scope_for_user(job.created_by), job.created_by)
    try:
        with job.file.open("rb") as handle:
            result = validate(handle, sheet, context, lambda d, t: report_progress(job, d, t))
    except WorkbookError as error:
        return _finish(job, ImportState.INVALID, message=str(error))
    except Exception:
        logger.exception("import job %s: checking failed", job.pk)
        return _finish(job, ImportState.FAILED, message=_("检查文件时出错，请联系系统管理员"))
    job.sheet_name = result.sheet
    job.total_rows = job.processed_rows = len(result.rows)
    job.to_create, job.to_update = result.to_create, result.to_update
    job.errors = result.errors.items[:STORED_ERRORS]
    job.preview = _preview(sheet, result.rows)
    skipped = (
        _("第 %(rows)s 行是模板的示例行，未作为数据导入。")
        % {"rows": "、".join(str(number) for number in result.example_rows)}
        if result.example_rows
        else ""
    )
    if result.errors:
        message = _("发现 %(count)d 处错误，请修改后重新上传；数据未做任何改动") % {
            "count": len(result.errors.items)
        }
        return _finish(job, ImportState.INVALID, message=message)
    if not result.rows:
        return _finish(job, ImportState.INVALID, message=_("文件中没有数据行") + skipped)
    return _finish(job, ImportState.VALID, message=_("检查通过，确认后导入") + skipped)


def can_confirm(job: ImportJob, user) -> bool:
    """The uploader decides after reading the preview; the import runs in their scope and
    under their name, so nobody else may start it for them."""
    return job.state == ImportState.VALID and (
        user.pk == job.created_by_id or getattr(user, "is_superuser", False)
    )


def confirm(job: ImportJob, *, user) -> None:
    if job.state == ImportState.VALID and not can_confirm(job, user):
        raise PermissionDenied(_("只有上传该文件的人可以确认导入"))
    if job.state != ImportState.VALID or not job.move(
        ImportState.IMPORTING, processed_rows=0, message=_("正在导入…")
    ):
        raise ImportNotAllowed(_("该文件当前不能导入（可能已导入，或检查未通过）"))
    report_progress(job, 0, job.total_rows)
    from dangke.imports.tasks import run_import

    result = run_import.enqueue(job.pk)
    ImportJob.objects.unscoped("the job held").filter(pk=job.pk).update(task_id=str(result.id)[:64])


class _ChangedSinceCheck(Exception):
    def __init__(self, result):
        self.result = result


def import_job(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.state != ImportState.IMPORTING:
        return f"跳过：任务已是「{job.get_state_display()}」"
    sheet = sheet_for(job.kind)
    context = ImportContext.for_scope(scope_for_user(job.created_by), job.created_by)
    try:
        with transaction.atomic():
            with job.file.open("rb") as handle:
                result = validate(handle, sheet, context, lambda d, t: None)
            if result.errors:
                raise _ChangedSinceCheck(result)
            counts = sheet.apply(result.rows, context, lambda d, t: report_progress(job, d, t))
            record_audit(
                job,
                actor=job.created_by,
                action=AuditEntry.Action.IMPORT,
                to_value=f"新增 {counts.created}，更新 {counts.updated}"
                + (f"；{counts.note}" if counts.note else ""),
                reason=f"从「{job.original_name}」导入{sheet.title}",
            )
    except _ChangedSinceCheck as changed:
        job.errors = changed.result.errors.items[:STORED_ERRORS]
        return _finish(
            job,
            ImportState.INVALID,
            message=_("检查之后数据已有变化，出现新的错误；数据未做任何改动"),
        )
    except Exception as error:
        logger.exception("import job %s failed", job.pk)
        return _finish(
            job,
            ImportState.FAILED,
            message=_("导入失败，数据未做任何改动。原因：%(error)s") % {"error": error},
        )
    job.created_count, job.updated_count = counts.created, counts.updated
    job.processed_rows = len(result.rows)
    return _finish(
        job,
        ImportState.DONE,
        message=_("已导入 %(rows)d 行：新增 %(created)d，更新 %(updated)d")
        % {"rows": len(result.rows), "created": counts.created, "updated": counts.updated}
        + (f"；{counts.note}" if counts.note else ""),
    )


def _finish(job: ImportJob, state: str, *, message: str) -> str:
    """The last step of a check or an import: the outcome and what the page shows."""
    # Named fields only: the task id is written by the request that queued this task.
    results = {name: getattr(job, name) for name in RESULT_FIELDS}
    if not job.move(state, message=message, finished_at=timezone.now(), **results):
        return f"跳过：任务已是「{job.get_state_display()}」"
    return message


def _preview(sheet, rows) -> list[list[str]]:
    """The first rows, and every row that updates an existing record (up to a limit) so the
    uploader sees which records change before confirming."""
    shown = []
    updates = [row for row in rows[PREVIEW_ROWS:] if row.existing is not None]
    for row in [*rows[:PREVIEW_ROWS], *updates[:PREVIEW_UPDATED_ROWS]]:
        cells = [str(row.number), "更新" if row.existing is not None else "新增"]
        for column in sheet.columns:
            value = row.raw.get(column.header)
            cells.append("" if value is None else str(value))
        shown.append(cells)
    return shown
