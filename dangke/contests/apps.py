from django.apps import AppConfig


class ContestsConfig(AppConfig):
    name = "dangke.contests"
    label = "contests"
    verbose_name = "十佳课程擂台赛"
