from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "dangke.training"
    label = "training"
    verbose_name = "培训"
