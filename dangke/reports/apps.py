from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dangke.reports"
    verbose_name = "统计与报表"
