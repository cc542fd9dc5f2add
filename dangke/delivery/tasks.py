"""Background steps of planning; the worker (`dangke db_worker`) runs them."""

from django.tasks import task

from dangke.delivery import services


@task
def run_plan(plan_run_id: int) -> str:
    return services.execute_plan(plan_run_id)
