"""Background analysis of a recording; the worker (`dangke db_worker`) runs it."""

from django.tasks import task

from dangke.insights import services
from dangke.insights.models import DeliveryAnalysis


@task
def analyse_recording(analysis_id: int) -> str:
    with DeliveryAnalysis.heartbeat(analysis_id):
        return services.run_analysis(analysis_id)
