from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "dangke.quizzes"
    label = "quizzes"
    verbose_name = _("课后测验")
