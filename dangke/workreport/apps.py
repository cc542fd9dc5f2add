from django.apps import AppConfig


class WorkReportConfig(AppConfig):
    name = "dangke.workreport"
    verbose_name = "年度工作报告"
    default_auto_field = "django.db.models.BigAutoField"
