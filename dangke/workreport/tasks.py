"""The report is written in the background; the worker (`dangke db_worker`) runs it."""

from django.tasks import task

from dangke.workreport import services
from dangke.workreport.models import AnnualReport


@task
def build_report(report_id: int) -> str:
    with AnnualReport.heartbeat(report_id):
        return services.run_report(report_id)
