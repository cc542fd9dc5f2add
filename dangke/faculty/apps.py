from django.apps import AppConfig


class FacultyConfig(AppConfig):
    name = "dangke.faculty"
    verbose_name = "师资"
