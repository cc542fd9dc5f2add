"""Requesting a year's report and the task body that writes it. A report moves queued →
running → done | failed along `STATE_TRANSITIONS` by compare-and-set, so a task that runs
twice writes once; a failure keeps the reason on the row for the page to show."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.accounts.models import Role
from dangke.accounts.scoping import Scope, scope_for_user
from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.regions.models import Region
from dangke.workreport.models import (
    AnnualReport,
    ReportState,
)

logger = logging.getLogger(__name__)


def may_build(scope: Scope) -> bool:
    """Region admins and training organisers write the year's report of their region."""
    return scope.is_superuser or bool(
        scope.region_codes and {Role.REGION_ADMIN, Role.ORGANISER} & set(scope.roles)
    )


def request_report(*, user, scope: Scope, region: Region, year: int) -> AnnualReport:
    if not may_build(scope) or not scope.covers_region(region.code):
        raise PermissionDenied(_("只有本区划的党员教育管理员和培训主办方可以生成年度报告"))
    with transaction.atomic():
        report = AnnualReport.objects.create(
            region=region, year=year, created_by=user, progress_label=_("排队等待生成")
        )
        record_audit(
            report,
            actor=user,
            action=AuditEntry.Action.CREATE,
            reason=_("生成%(year)s年度工作报告") % {"year": year},
        )
    from dangke.workreport.tasks import build_report

    result = build_report.enqueue(report.pk)
    AnnualReport.objects.unscoped("the report just created").filter(pk=report.pk).update(
        task_id=str(result.id)[:64]
    )
    return report


def run_report(report_id: int) -> str:
    """The task's body: build the report with its requester's scope, save both files."""
    from dangke.workreport.build import build

    report = AnnualReport.objects.select_related("region", "created_by").get(pk=report_id)
    if report.state != ReportState.QUEUED or not report.move(
        ReportState.RUNNING, progress=0.0, progress_label=_("开始生成")
    ):
        return f"跳过：报告已是「{report.get_state_display()}」"

    def progress(fraction: float, label: str) -> None:
        report.beat(progress=max(0.0, min(float(fraction), 0.99)), progress_label=label[:64])

    try:
        if report.created_by is None:
            raise PermissionDenied(_("生成人已不存在"))
        scope = scope_for_user(report.created_by, active_region=report.region.code)
        built = build(scope, report.year, report.region.code, progress=progress)
    except Exception as error:
        logger.exception("annual report %s failed", report.pk)
        return _fail(
            report,
            _("生成失败。原因：%(error)s") % {"error": f"{type(error).__name__}: {error}"},
        )
    name = f"{report.region.code}-{report.year}"
    report.docx.save(f"{name}.docx", ContentFile(built.docx), save=False)
    report.pdf.save(f"{name}.pdf", ContentFile(built.pdf or b""), save=False)
    report.move(
        ReportState.DONE,
        title=built.document.title[:200],
        docx=report.docx.name,
        pdf=report.pdf.name,
        pdf_engine=built.pdf_engine,
        progress=1.0,
        progress_label=_("完成"),
        message=_("报告已生成（PDF 由 %(engine)s 转换）") % {"engine": built.pdf_engine},
        finished_at=timezone.now(),
    )
    return report.message


def _fail(report: AnnualReport, message: str) -> str:
    report.fail(message)
    return message
