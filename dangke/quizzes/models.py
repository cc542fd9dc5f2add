"""Knowledge quizzes (课后测验, issue #21): a course's question bank tied to its knowledge
points, a 3–5 question quiz after a lesson (and optionally before it) on the rater's
phone page, and the answers, anonymous by construction like the survey's: a quiz sheet
names no person, keeps no address, no time and no link to the survey sheet sent with it."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules

OPTION_LETTERS = "ABCDEF"


class KnowledgePoint(models.Model):
    """A point a course means to teach (知识点)."""

    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("课程"),
        on_delete=models.CASCADE,
        related_name="knowledge_points",
    )
    name = models.CharField(_("知识点"), max_length=60)

    scope_rules = ScopeRules(region="course__region__code", teacher="course__teachers")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("知识点")
        verbose_name_plural = _("知识点")
        ordering = ["course_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "name"], name="knowledge_point_unique")
        ]

    def __str__(self):
        return self.name


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")


class Question(models.Model):
    """One question of a course's bank. A bank is versioned with the course: each import
    is a new version, the earlier questions stay (quizzes already run refer to them) but
    are no longer current."""

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("课程"), on_delete=models.CASCADE, related_name="questions"
    )
    version = models.PositiveSmallIntegerField(_("题库版本"), default=1)
    is_current = models.BooleanField(_("现行题库"), default=True)
    code = models.CharField(_("题号"), max_length=20)
    kind = models.CharField(_("题型"), max_length=12, choices=QuestionKind.choices)
    text = models.TextField(_("题干"), max_length=500)
    options = models.JSONField(_("选项"), default=list)
    answer = models.JSONField(_("正确答案"), default=list, help_text=_('选项字母，如 ["A", "C"]'))
    knowledge_point = models.ForeignKey(
        KnowledgePoint, verbose_name=_("知识点"), on_delete=models.CASCADE, related_name="questions"
    )

    scope_rules = ScopeRules(region="course__region__code", teacher="course__teachers")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("测验题")
        verbose_name_plural = _("测验题")
        ordering = ["course_id", "-version", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "version", "code"], name="question_code_per_version"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=QuestionKind.values), name="question_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.text[:20]}"

    def lettered_options(self) -> list[tuple[str, str]]:
        return list(zip(OPTION_LETTERS, self.options, strict=False))


class QuizStage(models.TextChoices):
    PRE = "pre", _("课前测")
    POST = "post", _("课后测")


class Quiz(models.Model):
    """The questions asked with one survey, before or after the lesson."""

    survey = models.ForeignKey(
        "evaluation.Survey",
        verbose_name=_("测评"),
        on_delete=models.CASCADE,
        related_name="quizzes",
    )
    stage = models.CharField(_("阶段"), max_length=4, choices=QuizStage.choices)
    questions = models.ManyToManyField(Question, verbose_name=_("题目"), related_name="quizzes")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(
        region="survey__region__code",
        organization="survey__lesson__organization_id",
        teacher="survey__lesson__teachers",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("测验")
        verbose_name_plural = _("测验")
        ordering = ["survey_id", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "stage"], name="quiz_once_per_stage"),
            models.CheckConstraint(condition=Q(stage__in=QuizStage.values), name="quiz_stage"),
        ]

    def __str__(self):
        return f"{self.survey} · {self.get_stage_display()}"


class QuizSheet(models.Model):
    """One trainee's answers to a quiz: the letters chosen per question id and whether each
    was right. Nothing else: no person, time, address or survey sheet. Its key is random,
    not a counter, so the order of arrival cannot pair it with the survey sheet sent in the
    same request."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    quiz = models.ForeignKey(
        Quiz, verbose_name=_("测验"), on_delete=models.CASCADE, related_name="sheets"
    )
    answers = models.JSONField(_("作答"), default=dict)
    correct = models.JSONField(_("是否答对"), default=dict)

    scope_rules = ScopeRules(region="quiz__survey__region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("测验答卷")
        verbose_name_plural = _("测验答卷")
        ordering = ["quiz_id", "id"]

    def __str__(self):
        return f"{self.quiz} · {str(self.pk)[:8]}"
