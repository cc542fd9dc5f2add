from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "dangke.imports"
    verbose_name = "表格导入"
