from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "dangke.evaluation"
    label = "evaluation"
    verbose_name = "教学评估"
