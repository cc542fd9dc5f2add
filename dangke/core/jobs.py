"""Background jobs: one way to move a job's state, report its progress and show that a
worker still holds it.

A job row — an import, a plan run, a delivery analysis, a work report, a batch of greeting
cards — is a `BackgroundJob`. Its state changes only through `move()`, which follows the
model's `STATE_TRANSITIONS` and writes compare-and-set on the stored state, so two
processes never both move one job. While a worker holds a job (its state is one of
`WORKING_STATES`) it beats: `heartbeat_at` is written at every move and progress report and,
from a side thread started by `working()`, every `JOB_HEARTBEAT_SECONDS` while the task body
runs — a long solve or one big transaction reports nothing else.

A job in a working state whose heartbeat is older than `JOB_STALE_SECONDS` was left by a
worker that died (killed, its machine restarted). `fail_stale_jobs` fails such jobs with a
message saying so. It is safe wherever it runs, however many workers exist, because a live
worker keeps its jobs' heartbeats fresh: when a worker starts a task, when a user's page
polls a job, in `dangke jobs --fail-stale` and at the start of `dangke serve` (the embedded
tier's only worker, which knows that nothing can be running before it).
"""

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models
from django.db.models import Q
from django.tasks import TaskResultStatus, default_task_backend
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)


class JobTransitionError(RuntimeError):
    """A move along an edge the job's transitions do not have: a programming error."""


class BackgroundJob(models.Model):
    # Subclasses define the state field (named STATE_FIELD) with its choices, a message
    # field (MESSAGE_FIELD) and these:
    STATE_FIELD = "state"
    MESSAGE_FIELD = "message"
    MESSAGE_MAX_LENGTH: int | None = None
    STATE_TRANSITIONS: dict[str, set[str]] = {}
    WORKING_STATES: tuple[str, ...] = ()
    FAILED_STATE = "failed"
    TASK_ID_FIELD: str | None = "task_id"

    heartbeat_at = models.DateTimeField(
        gettext_lazy("心跳时间"), null=True, blank=True, editable=False
    )

    class Meta:
        abstract = True

    # --- state ---------------------------------------------------------------------------

    @property
    def job_state(self) -> str:
        return getattr(self, self.STATE_FIELD)

    @property
    def is_working(self) -> bool:
        return self.job_state in self.WORKING_STATES

    def can_move(self, to_state: str) -> bool:
        return to_state in self.STATE_TRANSITIONS.get(self.job_state, set())

    def move(self, to_state: str, **fields) -> bool:
        """Move the job from the state it has in the database to `to_state` and write
        `fields` with it; False when another process moved it first."""
        from_state = self.job_state
        if not self.can_move(to_state):
            raise JobTransitionError(
                f"{type(self).__name__} {self.pk}: no edge {from_state} → {to_state}"
            )
        now = timezone.now()
        fields.setdefault("heartbeat_at", now)
        if self._has_field("updated_at"):
            fields["updated_at"] = now
        if self.MESSAGE_FIELD in fields and self.MESSAGE_MAX_LENGTH:
            fields[self.MESSAGE_FIELD] = str(fields[self.MESSAGE_FIELD])[: self.MESSAGE_MAX_LENGTH]
        moved = (
            type(self)
            ._base_manager.filter(pk=self.pk, **{self.STATE_FIELD: from_state})
            .update(**{self.STATE_FIELD: to_state}, **fields)
        )
        if moved:
            setattr(self, self.STATE_FIELD, to_state)
            for name, value in fields.items():
                setattr(self, name, value)
        return bool(moved)

    def fail(self, message: str) -> bool:
        """Fail the job with `message` (why, in words its owner understands)."""
        fields = {self.MESSAGE_FIELD: message}
        if self._has_field("finished_at"):
            fields["finished_at"] = timezone.now()
        return self.move(self.FAILED_STATE, **fields)

    # --- heartbeat -----------------------------------------------------------------------

    def beat(self, **fields) -> bool:
        """Show that the worker still holds the job, writing `fields` (progress) with it.
        Only while the job is in the state this object last saw."""
        fields["heartbeat_at"] = timezone.now()
        written = (
            type(self)
            .objects.filter(pk=self.pk, **{self.STATE_FIELD: self.job_state})
            .update(**fields)
        )
        for name, value in fields.items():
            setattr(self, name, value)
        return bool(written)

    @classmethod
    @contextmanager
    def heartbeat(cls, pk):
        """Beat for job `pk` from a side thread while the body of the `with` runs (a task
        wraps its whole body in it), whenever the job is in a working state. The thread has
        its own database connection, so its beats commit while the body holds a transaction
        open; a beat the database refuses (SQLite locked by a long write) is skipped."""
        interval = settings.JOB_HEARTBEAT_SECONDS
        if not interval:
            yield
            return
        stop = threading.Event()
        working = cls.objects.filter(pk=pk, **{f"{cls.STATE_FIELD}__in": cls.WORKING_STATES})

        def beat_until_stopped():
            try:
                while not stop.wait(interval):
                    try:
                        working.update(heartbeat_at=timezone.now())
                    except DatabaseError:
                        logger.info("heartbeat of %s %s skipped", cls.__name__, pk)
            finally:
                connections.close_all()  # this thread's own connections only

        thread = threading.Thread(
            target=beat_until_stopped, name=f"heartbeat-{cls._meta.label}-{pk}", daemon=True
        )
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    @property
    def is_stale(self) -> bool:
        return (
            self.is_working
            and _is_stale(self.heartbeat_at, _stale_cutoff())
            and not self.task_waiting()
        )

    def task_waiting(self) -> bool:
        """Whether the job's task is still queued: a job moved to a working state by the
        request that queued it (an import confirmed) waits for a free worker and has no
        worker to beat for it yet."""
        task_id = getattr(self, self.TASK_ID_FIELD, "") if self.TASK_ID_FIELD else ""
        if not task_id:
            return False
        try:
            result = default_task_backend.get_result(task_id)
        except (TaskResultDoesNotExist, NotImplementedError, ValueError, ValidationError):
            return False
        return result.status == TaskResultStatus.READY

    def fail_if_stale(self) -> bool:
        """Fail the job when the worker that held it stopped beating: call before showing
        a job's state to someone waiting for it."""
        if not self.is_stale:
            return False
        return self.fail(stale_message(self.heartbeat_at))

    @classmethod
    def _has_field(cls, name: str) -> bool:
        return any(field.name == name for field in cls._meta.concrete_fields)


def _stale_cutoff():
    return timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)


def _is_stale(heartbeat_at, cutoff) -> bool:
    return heartbeat_at is None or heartbeat_at < cutoff


def stale_message(heartbeat_at) -> str:
    if heartbeat_at is None:
        return _("后台任务中断：处理它的进程已停止，已改动的数据均已撤回。请重新提交。")
    return _(
        "后台任务中断：处理它的进程于 %(time)s 后停止响应，已改动的数据均已撤回。请重新提交。"
    ) % {"time": formats.date_format(timezone.localtime(heartbeat_at), "Y-m-d H:i")}


def job_models() -> list[type[BackgroundJob]]:
    return [model for model in apps.get_models() if issubclass(model, BackgroundJob)]


def fail_stale_jobs(*, everything: bool = False) -> dict[str, int]:
    """Fail the jobs whose worker stopped beating; with `everything`, every job still in a
    working state (only for a start-up that knows no worker can be running). Returns how
    many of each model, by its verbose name."""
    cutoff = timezone.now() if everything else _stale_cutoff()
    failed = {}
    for model in job_models():
        stale = model._base_manager.filter(  # system upkeep, every worker's jobs
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True),
            **{f"{model.STATE_FIELD}__in": model.WORKING_STATES},
        )
        count = sum(
            job.fail(stale_message(job.heartbeat_at)) for job in stale if not job.task_waiting()
        )
        if count:
            logger.warning("failed %s stale %s", count, model._meta.label)
        failed[str(model._meta.verbose_name)] = count
    return failed


def working_jobs():
    """(model, job, seconds since its last beat) for every job a worker holds now."""
    now = timezone.now()
    for model in job_models():
        for job in model.objects.filter(**{f"{model.STATE_FIELD}__in": model.WORKING_STATES}):
            age = None if job.heartbeat_at is None else (now - job.heartbeat_at).total_seconds()
            yield model, job, age


def sweep_when_a_task_starts(sender, **kwargs):
    fail_stale_jobs()


def fail_jobs_of_task(task_id: str, reason: str) -> int:
    """Fail at once the jobs a task was driving when the task itself was found dead (the
    production tier's workers reap their lost peers' tasks: `dangke.ops.heartbeat`)."""
    failed = 0
    for model in job_models():
        if not model.TASK_ID_FIELD:
            continue
        for job in model.objects.filter(
            **{model.TASK_ID_FIELD: task_id, f"{model.STATE_FIELD}__in": model.WORKING_STATES}
        ):
            failed += job.fail(
                _("后台任务中断：%(reason)s。已改动的数据均已撤回，请重新提交。")
                % {"reason": reason}
            )
    return failed
