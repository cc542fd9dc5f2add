from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "dangke.alliances"
    verbose_name = _("协作联盟")

    def ready(self):
        # Scoping sits below this app: tell it what an alliance shares into a region.
        from dangke.alliances import sharing

        sharing.register()
