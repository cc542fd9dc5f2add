from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "dangke.demo"
    verbose_name = "演示数据"
