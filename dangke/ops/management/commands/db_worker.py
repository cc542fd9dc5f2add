"""`dangke db_worker`: django-tasks-db's worker, plus a heartbeat row for /healthz, the
failing of tasks left running by workers that died (dangke/ops/heartbeat.py), and patience
with the database: django-tasks-db's loop exits on the first refused connection, so a
PostgreSQL restart would take every worker down with it; here the worker waits and goes on.
Listed before django_tasks_db in INSTALLED_APPS so this command is the one that runs."""

import contextlib
import logging
import time

from django.db import OperationalError, connections
from django.tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Command as TasksDbWorkerCommand

from dangke.ops import heartbeat

logger = logging.getLogger(__name__)
RECONNECT_SECONDS = 2


class Command(TasksDbWorkerCommand):
    def handle(self, *args, worker_id: str, **options):
        thread = heartbeat.HeartbeatThread(worker_id)

        def on_started(sender, task_result, **kwargs):
            heartbeat.beat(worker_id, current_task_id=str(task_result.id))

        def on_finished(sender, task_result, **kwargs):
            heartbeat.beat(worker_id, current_task_id="")

        task_started.connect(on_started, weak=False)
        task_finished.connect(on_finished, weak=False)
        thread.start()
        try:
            while True:
                try:
                    super().handle(*args, worker_id=worker_id, **options)
                    return
                except OperationalError as error:
                    logger.warning(
                        "数据库不可用，%s 秒后重试：%s", RECONNECT_SECONDS, str(error).strip()
                    )
                    connections.close_all()
                    time.sleep(RECONNECT_SECONDS)
        finally:
            thread.halt.set()
            with contextlib.suppress(OperationalError):  # else the row goes stale by itself
                heartbeat.stopped(worker_id)
