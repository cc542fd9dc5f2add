from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "dangke.members"
    verbose_name = _("党员学时档案")

    def ready(self):
        from dangke.members import rollup

        rollup.connect()
