from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangke.core"
    verbose_name = "公共"
