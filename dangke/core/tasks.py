"""Background work of the core app; the worker (`dangke db_worker`) runs it."""

from django.tasks import task

from dangke.core import export_jobs
from dangke.core.export_jobs import ExportJob


@task
def run_export(job_id: int) -> str:
    with ExportJob.heartbeat(job_id):
        return export_jobs.run_export(job_id)
