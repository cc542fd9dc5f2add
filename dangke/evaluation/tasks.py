"""Background scoring; the worker (`dangke db_worker`) runs it."""

from django.tasks import task

from dangke.evaluation import scores


@task
def rescore_surveys(survey_ids: list[int]) -> str:
    """Score the lessons a course's or teacher's score page left to the background."""
    return f"{scores.rescore_surveys(survey_ids)} surveys scored"
