"""New media (新媒体党课): columns, works and the comments and 弹幕 members leave on them.

Works and comments carry their region (a comment copies its work's), so scoping is the
usual code-prefix filter; a teacher also sees the works they teach and their comments.
Comments hold no user, IP address or device: only what the member typed, an optional
nickname and, for a 弹幕, the second of the video it belongs to. Status changes go through
`dangke.media.services` (which calls `core.services.change_status`)."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.status import ProtectedStatusModel

COMMENT_MAX_CHARS = 300


class MediaKind(models.TextChoices):
    VIDEO = "video", _("微视频")
    ANIMATION = "animation", _("微动漫")
    AUDIO = "audio", _("音频")
    ARTICLE = "article", _("图文")
    # Seed 004: VR scenes of Party history, viewed in the browser (Pannellum, vendored).
    PANORAMA = "panorama", _("360°全景图")
    PANORAMA_VIDEO = "panorama_video", _("360°全景视频")


class WorkStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("待审核")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已下架")


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    PUBLIC = "public", _("公开")
    PRIVATE = "private", _("仅老师可见")
    REMOVED = "removed", _("已删除")


class CatalogueEntry(models.Model):
    """What a column (专栏) and a series (系列) share: a name unique in its region, an
    editor's order and an archive flag. Archived ones keep their works but are no longer
    offered for new works nor shown as filters on the portal. Changes go through
    `dangke.media.catalogue`."""

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("简介"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)
    is_archived = models.BooleanField(_("已归档"), default=False)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["region_id", "position", "name"]

    def __str__(self):
        return self.name


class MediaColumn(CatalogueEntry):
    """A column (专栏) that groups works by theme, e.g. 「乡村振兴微课堂」."""

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("专栏")
        verbose_name_plural = _("专栏")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="media_column_unique_name")
        ]


class MediaSeries(CatalogueEntry):
    """A series (系列): works meant to be watched in order, numbered by episode (第 n 集),
    e.g. a six-part 「红军长征过乐山」. A work may sit in one column and one series."""

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("系列")
        verbose_name_plural = _("系列")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="media_series_unique_name")
        ]


class MediaWork(ProtectedStatusModel):
    STATUS_TRANSITIONS = {
        WorkStatus.DRAFT: {WorkStatus.IN_REVIEW},
        WorkStatus.IN_REVIEW: {WorkStatus.PUBLISHED, WorkStatus.DRAFT},
        WorkStatus.PUBLISHED: {WorkStatus.WITHDRAWN},
        WorkStatus.WITHDRAWN: {WorkStatus.DRAFT, WorkStatus.IN_REVIEW},
    }

    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=MediaKind.choices)
    summary = models.TextField(_("简介"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=WorkStatus.choices, default=WorkStatus.DRAFT
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    column = models.ForeignKey(
        MediaColumn,
        verbose_name=_("专栏"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="works",
    )
    series = models.ForeignKey(
        MediaSeries,
        verbose_name=_("系列"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="works",
    )
    episode = models.PositiveSmallIntegerField(
        _("集数"), null=True, blank=True, help_text=_("在系列中的顺序（第几集）")
    )
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("关联课程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="media_works",
    )
    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name=_("授课教师"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="media_works",
    )
    file = models.FileField(_("文件"), upload_to="media_works/%Y/%m/", blank=True)
    file_kind = models.CharField(_("文件格式"), max_length=8, blank=True)
    body = models.TextField(_("正文"), blank=True, help_text=_("图文作品的正文"))
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"), default=0)
    view_count = models.PositiveIntegerField(_("播放次数"), default=0)
    completion_count = models.PositiveIntegerField(_("完播次数"), default=0)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code", teacher="teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("新媒体作品")
        verbose_name_plural = _("新媒体作品")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["region", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=WorkStatus.values), name="media_work_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MediaKind.values), name="media_work_kind_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("media:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == WorkStatus.PUBLISHED

    @property
    def plays_in_browser_as(self) -> str:
        """ "video", "audio", "image", "panorama", "panorama_video" or "" — how the portal
        shows the file (the last two in the 360° viewer)."""
        if not self.file:
            return ""
        if self.kind == MediaKind.PANORAMA and self.file_kind in ("jpg", "png"):
            return "panorama"
        if self.kind == MediaKind.PANORAMA_VIDEO and self.file_kind == "mp4":
            return "panorama_video"
        return {
            "mp4": "video",
            "mp3": "audio",
            "m4a": "audio",
            "wav": "audio",
            "jpg": "image",
            "png": "image",
        }.get(self.file_kind, "")


class MediaComment(ProtectedStatusModel):
    """A member's comment, or a 弹幕 when `danmaku_at_seconds` is set. No person is stored."""

    STATUS_TRANSITIONS = {
        CommentStatus.PENDING: {CommentStatus.PUBLIC, CommentStatus.PRIVATE, CommentStatus.REMOVED},
        CommentStatus.PUBLIC: {CommentStatus.PRIVATE, CommentStatus.REMOVED},
        CommentStatus.PRIVATE: {CommentStatus.PUBLIC, CommentStatus.REMOVED},
        CommentStatus.REMOVED: set(),
    }

    work = models.ForeignKey(
        MediaWork, verbose_name=_("作品"), on_delete=models.CASCADE, related_name="comments"
    )
    # The work's region, kept on the row so scoping and audit need no join.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.CharField(_("内容"), max_length=COMMENT_MAX_CHARS)
    danmaku_at_seconds = models.PositiveIntegerField(_("弹幕时间点（秒）"), null=True, blank=True)
    nickname = models.CharField(_("昵称"), max_length=30, blank=True)
    status = models.CharField(
        _("审核状态"), max_length=16, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    created_at = models.DateTimeField(_("发表时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code", teacher="work__teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评论与弹幕")
        verbose_name_plural = _("评论与弹幕")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["work", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CommentStatus.values), name="media_comment_status_valid"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length("body"), 0)
                & LessThanOrEqual(Length("body"), COMMENT_MAX_CHARS),
                name="media_comment_body_length",
            ),
        ]

    def __str__(self):
        return self.body[:40]

    @property
    def is_danmaku(self) -> bool:
        return self.danmaku_at_seconds is not None

    def get_absolute_url(self):
        return reverse("media:comments")
