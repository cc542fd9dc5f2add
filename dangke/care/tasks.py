"""Background work of the care app; the worker (`dangke db_worker`) runs it."""

from django.tasks import task

from dangke.care import festivals


@task
def make_cards(batch_id: int) -> str:
    return festivals.render_cards(batch_id)
