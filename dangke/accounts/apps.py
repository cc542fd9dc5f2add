from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dangke.accounts"
    verbose_name = _("用户与权限")

    def ready(self):
        from dangke.accounts.scoping import connect_task_signals

        connect_task_signals()
