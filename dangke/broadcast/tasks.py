"""Background work for the loudspeakers; the worker (`dangke db_worker`) runs it."""

from django.tasks import task

from dangke.broadcast import services


@task
def synthesise_programme(programme_id: int) -> str:
    return services.synthesise_programme(programme_id)
