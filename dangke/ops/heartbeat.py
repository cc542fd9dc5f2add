"""Worker heartbeats and the tasks of workers that died.

django-tasks-db claims a task with `SELECT … FOR UPDATE SKIP LOCKED` and marks it running
in the same transaction (`DBTaskResultQuerySet.get_locked`, `DBTaskResult.claim`), so two
workers never take the same task. What it does not do is notice a worker that died: a task
it was running stays "running" for ever. Each `dangke db_worker` therefore beats a row here
every `DANGKE_WORKER_HEARTBEAT_SECONDS` from a thread of its own, and every live worker
fails the running tasks of workers silent for `DANGKE_WORKER_STALE_SECONDS`, with the
reason, and sends `task_orphaned` so the job row that task was driving can say so too."""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.dispatch import Signal
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from dangke.ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Sent once per failed task of a dead worker: task_id, task_path, worker_id, reason.
task_orphaned = Signal()

ORPHAN_EXCEPTION = "dangke.ops.heartbeat.WorkerLost"


class WorkerLost(Exception):
    """The exception class recorded on a task whose worker stopped beating."""


def beat(worker_id: str, *, started_at=None, current_task_id: str | None = None) -> None:
    now = timezone.now()
    defaults = {"hostname": socket.gethostname(), "pid": os.getpid(), "last_seen": now}
    if current_task_id is not None:
        defaults["current_task_id"] = current_task_id
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults=defaults,
        create_defaults={**defaults, "started_at": started_at or now},
    )


def stopped(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        stopped_at=timezone.now(), current_task_id=""
    )


def live_workers(now=None):
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DANGKE_WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(last_seen__gte=cutoff, stopped_at__isnull=True)


def reap_orphaned_tasks(now=None, *, restarted: str | None = None) -> list[str]:
    """Fail every running task whose worker is dead (stale heartbeat, or none at all for
    longer than the stale interval); returns their ids. `restarted` is a worker starting
    now: anything still running under its id was left by its previous life (a service
    manager restarts a killed worker with the same id within seconds, before it is stale)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DANGKE_WORKER_STALE_SECONDS)
    alive = set(live_workers(now).values_list("worker_id", flat=True)) - {restarted}
    reaped = []
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        for result in running:
            worker_id = result.worker_ids[-1] if result.worker_ids else ""
            recent = result.started_at and result.started_at >= cutoff
            if worker_id in alive or (recent and worker_id != restarted):
                continue
            seen = (
                WorkerHeartbeat.objects.filter(worker_id=worker_id)
                .values_list("last_seen", flat=True)
                .first()
            )
            reason = _(
                "后台工作进程 %(worker)s 在任务运行中停止（最近心跳 %(seen)s），任务已标记为失败。"
            ) % {
                "worker": worker_id or "?",
                "seen": timezone.localtime(seen).strftime("%Y-%m-%d %H:%M:%S") if seen else "—",
            }
            result.status = TaskResultStatus.FAILED
            result.finished_at = now
            result.exception_class_path = ORPHAN_EXCEPTION
            result.traceback = reason
            result.return_value = None
            result.save(
                update_fields=[
                    "status",
                    "finished_at",
                    "exception_class_path",
                    "traceback",
                    "return_value",
                ]
            )
            reaped.append(str(result.id))
            transaction.on_commit(
                lambda r=result, w=worker_id, m=reason: task_orphaned.send(
                    sender=WorkerLost,
                    task_id=str(r.id),
                    task_path=r.task_path,
                    worker_id=w,
                    reason=m,
                )
            )
    for task_id in reaped:
        logger.warning("已将失联工作进程的任务 %s 标记为失败", task_id)
    return reaped


class HeartbeatThread(threading.Thread):
    """Beats for one worker process and reaps the tasks of dead ones, until stopped."""

    def __init__(self, worker_id: str):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.halt = threading.Event()

    def run(self):
        try:
            reap_orphaned_tasks(restarted=self.worker_id)
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                started_at=self.started_at, stopped_at=None, current_task_id=""
            )
        except Exception:
            logger.warning("启动时清理失败，稍后由心跳重试", exc_info=True)
        while not self.halt.is_set():
            try:
                close_old_connections()
                beat(self.worker_id, started_at=self.started_at)
                reap_orphaned_tasks()
            except Exception:  # a database restart must not end the heartbeat for good
                logger.warning("心跳写入失败，稍后重试", exc_info=True)
                connection.close()
            self.halt.wait(settings.DANGKE_WORKER_HEARTBEAT_SECONDS)
        connection.close()
