"""The report is written in the background; the worker (`dangke db_worker`) runs it."""

from django.tasks import task

from dangke.workreport import services


@task
def build_report(report_id: int) -> str:
    return services.run_report(report_id)
