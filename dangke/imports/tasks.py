"""Background steps of an import; the worker (`dangke db_worker`) runs them."""

from django.tasks import task

from dangke.imports import export_jobs, services
from dangke.imports.models import ExportJob, ImportJob


@task
def validate_import(job_id: int) -> str:
    with ImportJob.heartbeat(job_id):
        return services.validate_job(job_id)


@task
def run_import(job_id: int) -> str:
    with ImportJob.heartbeat(job_id):
        return services.import_job(job_id)


@task
def run_export(job_id: int) -> str:
    with ExportJob.heartbeat(job_id):
        return export_jobs.run_export(job_id)
