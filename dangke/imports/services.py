"""The life of an import job: upload → check every row → confirm → one atomic import.

Checking runs again inside the import transaction, so rows that changed since the preview
cannot slip through; whatever goes wrong, nothing is half-written and the job says why."""

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.imports.models import ImportJob, ImportState
from dangke.imports.registry import sheet_for
from dangke.imports.sheets import ImportContext, WorkbookError, validate

logger = logging.getLogger(__name__)
PREVIEW_ROWS = 20
STORED_ERRORS = 5000


class ImportNotAllowed(Exception):
    pass


def _progress_key(job_id: int) -> str:
    return f"imports:progress:{job_id}"


def report_progress(job_id: int, done: int, total: int) -> None:
    cache.set(_progress_key(job_id), (done, total), timeout=3600)


def read_progress(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows in all) for the job's current step."""
    if job.state in (ImportState.DONE, ImportState.VALID, ImportState.INVALID):
        return job.total_rows, job.total_rows
    return cache.get(_progress_key(job.pk), (0, job.total_rows))


def create_job(*, user, scope, kind: str, upload) -> ImportJob:
    """Store an upload and queue its check. Only region admins import, into their region."""
    if not scope.managed_region_codes:
        raise ImportNotAllowed("只有党员教育管理员可以导入数据")
    job = ImportJob.objects.create(
        kind=kind,
        file=upload,
        original_name=upload.name[:200],
        region_id=scope.managed_region_codes[0],
        created_by=user,
    )
    from dangke.imports.tasks import validate_import

    validate_import.enqueue(job.pk)
    return job


def validate_job(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.VALIDATING)
    sheet = sheet_for(job.kind)
    context = ImportContext.for_scope(scope_for_user(job.created_by), job.created_by)
    try:
        with job.file.open("rb") as handle:
            result = validate(handle, sheet, context, lambda d, t: report_progress(job.pk, d, t))
    except WorkbookError as error:
        return _finish(job, ImportState.INVALID, message=str(error))
    except Exception:
        logger.exception("import job %s: checking failed", job.pk)
        return _finish(job, ImportState.FAILED, message="检查文件时出错，请联系系统管理员")
    job.sheet_name = result.sheet
    job.total_rows = len(result.rows)
    job.to_create, job.to_update = result.to_create, result.to_update
    job.errors = result.errors.items[:STORED_ERRORS]
    job.preview = _preview(sheet, result.rows)
    if result.errors:
        message = f"发现 {len(result.errors.items)} 处错误，请修改后重新上传；数据未做任何改动"
        return _finish(job, ImportState.INVALID, message=message)
    if not result.rows:
        return _finish(job, ImportState.INVALID, message="文件中没有数据行")
    return _finish(job, ImportState.VALID, message="检查通过，确认后导入")


def confirm(job: ImportJob, *, user) -> None:
    updated = ImportJob.objects.filter(pk=job.pk, state=ImportState.VALID).update(
        state=ImportState.IMPORTING
    )
    if not updated:
        raise ImportNotAllowed("该文件当前不能导入（可能已导入，或检查未通过）")
    report_progress(job.pk, 0, job.total_rows)
    from dangke.imports.tasks import run_import

    run_import.enqueue(job.pk)


class _ChangedSinceCheck(Exception):
    def __init__(self, result):
        self.result = result


def import_job(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    sheet = sheet_for(job.kind)
    context = ImportContext.for_scope(scope_for_user(job.created_by), job.created_by)
    try:
        with transaction.atomic():
            with job.file.open("rb") as handle:
                result = validate(handle, sheet, context, lambda d, t: None)
            if result.errors:
                raise _ChangedSinceCheck(result)
            counts = sheet.apply(result.rows, context, lambda d, t: report_progress(job.pk, d, t))
            record_audit(
                job,
                actor=job.created_by,
                action=AuditEntry.Action.IMPORT,
                to_value=f"新增 {counts.created}，更新 {counts.updated}",
                reason=f"从「{job.original_name}」导入{sheet.title}",
            )
    except _ChangedSinceCheck as changed:
        job.errors = changed.result.errors.items[:STORED_ERRORS]
        return _finish(
            job, ImportState.INVALID, message="检查之后数据已有变化，出现新的错误；数据未做任何改动"
        )
    except Exception as error:
        logger.exception("import job %s failed", job.pk)
        return _finish(
            job, ImportState.FAILED, message=f"导入失败，数据未做任何改动。原因：{error}"
        )
    job.created_count, job.updated_count = counts.created, counts.updated
    return _finish(
        job,
        ImportState.DONE,
        message=f"已导入 {len(result.rows)} 行：新增 {counts.created}，更新 {counts.updated}",
    )


def _finish(job: ImportJob, state: str, *, message: str) -> str:
    job.state = state
    job.message = message
    job.finished_at = timezone.now()
    job.save()
    return message


def _preview(sheet, rows) -> list[list[str]]:
    shown = []
    for row in rows[:PREVIEW_ROWS]:
        cells = [str(row.number), "更新" if row.existing is not None else "新增"]
        for column in sheet.columns:
            value = row.raw.get(column.header)
            cells.append("" if value is None else str(value))
        shown.append(cells)
    return shown
