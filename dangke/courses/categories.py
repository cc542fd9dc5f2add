from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseCategory(models.TextChoices):
    """The six course kinds of the "763" course system (seed 000)."""

    THEORY = "theory", _("理论教育")
    PARTY_SPIRIT = "party_spirit", _("党性教育")
    POLICY = "policy", _("形势政策")
    CAPABILITY = "capability", _("能力培训")
    KNOWLEDGE = "knowledge", _("知识培训")
    LOCAL = "local", _("地方特色")
