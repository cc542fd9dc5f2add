import os

from django.tasks import task

from dangke.ops.models import ProbeRun


@task
def probe(label: str) -> int:
    """Record one run (the claiming test queues hundreds and counts the rows)."""
    ProbeRun.objects.create(label=label, worker_pid=os.getpid())
    return os.getpid()


@task
def hold(label: str, seconds: float) -> int:
    """Record a run inside a transaction held open for `seconds`: the fault test kills the
    worker meanwhile and checks that nothing of the run was kept (and the task is failed)."""
    import time

    from django.db import transaction

    with transaction.atomic():
        ProbeRun.objects.create(label=label, worker_pid=os.getpid())
        time.sleep(seconds)
    return os.getpid()
