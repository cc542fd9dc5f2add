from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroadcastConfig(AppConfig):
    name = "dangke.broadcast"
    verbose_name = _("农村大喇叭")
