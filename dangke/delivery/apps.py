from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "dangke.delivery"
    verbose_name = _("点单与送课")
