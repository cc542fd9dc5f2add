from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdviceConfig(AppConfig):
    name = "dangke.advice"
    verbose_name = _("建议与预警")
