"""Background analysis of a recording; the worker (`dangke db_worker`) runs it."""

from django.tasks import task

from dangke.insights import services


@task
def analyse_recording(analysis_id: int) -> str:
    return services.run_analysis(analysis_id)
