from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "dangke.insights"
    label = "insights"
    verbose_name = "授课分析"
