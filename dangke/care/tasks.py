"""Background work of the care app; the worker (`dangke db_worker`) runs it."""

from django.tasks import task

from dangke.care import festivals
from dangke.care.models import CardBatch


@task
def make_cards(batch_id: int) -> str:
    with CardBatch.heartbeat(batch_id):
        return festivals.render_cards(batch_id)
