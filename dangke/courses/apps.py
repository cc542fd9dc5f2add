from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "dangke.courses"
    verbose_name = "课程"
