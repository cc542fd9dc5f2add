from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "dangke.delivery"
    verbose_name = _("点单与送课")

    def ready(self):
        from dangke.delivery import rollup

        rollup.connect()
