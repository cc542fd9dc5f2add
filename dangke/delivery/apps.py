from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "dangke.delivery"
    verbose_name = "点单与送课"
