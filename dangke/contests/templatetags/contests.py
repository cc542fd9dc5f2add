"""`{% load contests %}{% contest_awards teacher %}`: a line on the teacher's page naming
their top-ten courses, each linking to its certificate."""

from django import template

from dangke.contests.models import ContestAward

register = template.Library()


@register.inclusion_tag("contests/_teacher_awards.html")
def contest_awards(teacher):
    awards = (
        ContestAward.objects.unscoped("awards of a teacher fetched in scope")
        .filter(entry__teachers=teacher)
        .select_related("contest", "entry__course")
        .order_by("-contest__year", "rank")
    )
    return {"awards": list(awards)}
