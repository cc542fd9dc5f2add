from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "dangke.evaluation"
    label = "evaluation"
    verbose_name = _("教学评估")
