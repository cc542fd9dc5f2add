from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "dangke.regions"
    verbose_name = _("行政区划与基层组织")

    def ready(self):
        from dangke.regions import rollup

        rollup.connect()
