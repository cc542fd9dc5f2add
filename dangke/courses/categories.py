from django.db import models


class CourseCategory(models.TextChoices):
    """The six course kinds of the "763" course system (seed 000)."""

    THEORY = "theory", "理论教育"
    PARTY_SPIRIT = "party_spirit", "党性教育"
    POLICY = "policy", "形势政策"
    CAPABILITY = "capability", "能力培训"
    KNOWLEDGE = "knowledge", "知识培训"
    LOCAL = "local", "地方特色"
