from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "dangke.evaluation"
    label = "evaluation"
    verbose_name = _("教学评估")

    def ready(self):
        # Course packages carry the course's published score; courses sit below evaluation
        # in the import order, so evaluation tells them how to read it.
        from dangke.courses.packages import read_course_scores_with

        read_course_scores_with(_course_score)

        from dangke.evaluation import year_rollup

        year_rollup.connect()  # a survey's writes recount its county's year on commit


def _course_score(course):
    # Imported on first use: scores brings the scoring engine and the evaluation services,
    # which no command needs to start.
    from dangke.evaluation.scores import course_score

    return course_score(course)
