from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "dangke.regions"
    verbose_name = "行政区划与基层组织"
