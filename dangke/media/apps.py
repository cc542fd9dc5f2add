from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "dangke.media"
    label = "media"
    verbose_name = "新媒体党课"
