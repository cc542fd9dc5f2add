from django.apps import AppConfig


class BroadcastConfig(AppConfig):
    name = "dangke.broadcast"
    verbose_name = "农村大喇叭"
