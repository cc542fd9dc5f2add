"""Background steps of planning; the worker (`dangke db_worker`) runs them."""

from django.tasks import task

from dangke.delivery import services
from dangke.delivery.models import PlanRun


@task
def run_plan(plan_run_id: int) -> str:
    with PlanRun.heartbeat(plan_run_id):
        return services.execute_plan(plan_run_id)
