from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacultyConfig(AppConfig):
    name = "dangke.faculty"
    verbose_name = _("师资")

    def ready(self):
        from dangke.accounts.scoping import find_teacher_ids_with
        from dangke.faculty import warning_levels

        find_teacher_ids_with(_teacher_ids_of_user)
        warning_levels.connect()  # a saved teacher or quota forgets the kept warning levels


def _teacher_ids_of_user(user):
    from dangke.faculty.models import Teacher

    return (
        Teacher.objects.unscoped("building the user's own scope")
        .filter(user=user)
        .values_list("pk", flat=True)
    )
