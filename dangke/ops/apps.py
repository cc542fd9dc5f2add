from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "dangke.ops"
    verbose_name = _("运维")

    def ready(self):
        from dangke.ops.heartbeat import task_orphaned

        task_orphaned.connect(_fail_the_tasks_job, dispatch_uid="dangke-orphaned-job")


def _fail_the_tasks_job(sender, *, task_id, reason, **kwargs):
    from dangke.core.jobs import fail_jobs_of_task

    fail_jobs_of_task(task_id, str(reason).rstrip("。"))
