"""`dangke db_worker`: django-tasks-db's worker, plus a heartbeat row for /healthz and the
failing of tasks left running by workers that died (dangke/ops/heartbeat.py). Listed
before django_tasks_db in INSTALLED_APPS so this command is the one that runs."""

from django.tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Command as TasksDbWorkerCommand

from dangke.ops import heartbeat


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
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            thread.halt.set()
            heartbeat.stopped(worker_id)
