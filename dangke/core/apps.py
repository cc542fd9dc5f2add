from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dangke.core"
    verbose_name = _("公共")

    def ready(self):
        from django.tasks.signals import task_started

        from dangke.core.jobs import sweep_when_a_task_starts

        # Every worker, on any machine, fails the jobs a dead worker left behind.
        task_started.connect(sweep_when_a_task_starts, dispatch_uid="dangke-stale-jobs")
