"""Every write to new-media rows: works and their status, views, comments, moderation.

Views, commands and the demo call these; nobody assigns `status` elsewhere (the field is
protected). Views and comments are counted without knowing who acted: a view is two
counters on the work, a comment stores only its text, and the rate limit keys on a random
per-browser value that the view keeps in a signed cookie (never an IP address)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.core.models import AuditEntry
from dangke.core.services import change_status, record_audit
from dangke.core.uploads import UploadRejected
from dangke.media.models import (
    COMMENT_MAX_CHARS,
    CommentStatus,
    MediaComment,
    MediaWork,
    WorkStatus,
)
from dangke.media.uploads import check_media_file

DEFAULT_COMMENT_LIMIT = (5, 600)  # at most 5 comments per 10 minutes per browser and work


def comment_limit() -> tuple[int, int]:
    return tuple(getattr(settings, "MEDIA_COMMENT_LIMIT", DEFAULT_COMMENT_LIMIT))


# ---- works ------------------------------------------------------------------------------


def attach_file(work: MediaWork, upload) -> None:
    """Check an uploaded file against the work's kind and store it (not saved yet)."""
    try:
        work.file_kind = check_media_file(upload, work.kind)
    except UploadRejected as error:
        raise ValidationError(str(error)) from error
    work.file = upload


@transaction.atomic
def save_work(work: MediaWork, *, actor, upload=None, changed: str = "", changes=None) -> MediaWork:
    """Create or update a work (never its status) and audit it."""
    created = work.pk is None
    if upload is not None:
        attach_file(work, upload)
    work.save()
    record_audit(
        work,
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        to_value=changed,
        changes=changes,
    )
    return work


def set_work_status(work: MediaWork, new_status: str, *, actor, reason: str) -> AuditEntry:
    """The one way a work's status changes; publishing stamps `published_at` once."""
    with transaction.atomic():
        entry = change_status(work, new_status, actor=actor, reason=reason)
        if new_status == WorkStatus.PUBLISHED and work.published_at is None:
            work.published_at = timezone.now()
            MediaWork.objects.unscoped("the work held").filter(pk=work.pk).update(
                published_at=work.published_at
            )
    return entry


def submit(work: MediaWork, *, actor, reason: str = "") -> AuditEntry:
    return set_work_status(work, WorkStatus.IN_REVIEW, actor=actor, reason=reason or _("提交审核"))


def publish(work: MediaWork, *, actor, reason: str = "") -> AuditEntry:
    return set_work_status(
        work, WorkStatus.PUBLISHED, actor=actor, reason=reason or _("审核通过，发布")
    )


def withdraw(work: MediaWork, *, actor, reason: str) -> AuditEntry:
    return set_work_status(work, WorkStatus.WITHDRAWN, actor=actor, reason=reason)


# ---- views ------------------------------------------------------------------------------


def record_view(work: MediaWork, completed: bool = False) -> bool:
    """Count one play (`completed` False) or one play that ran to the end (`completed`
    True: the player reports `play` first, then `ended`). Only published works count.
    Two atomic counters, nothing about the viewer. Returns whether it counted."""
    field = "completion_count" if completed else "view_count"
    updated = (
        MediaWork.objects.unscoped("the public counter of a published work")
        .filter(pk=work.pk, status=WorkStatus.PUBLISHED)
        .update(**{field: F(field) + 1})
    )
    return bool(updated)


# ---- comments ---------------------------------------------------------------------------


def _rate_key(work_id: int, browser_key: str) -> str:
    return f"media:comments:{work_id}:{browser_key}"


def post_comment(
    work: MediaWork, body: str, at_seconds=None, nickname: str = "", *, browser_key: str
) -> MediaComment:
    """A member's comment (or 弹幕 when `at_seconds` is given), waiting for moderation.

    `browser_key` is the random value of the browser's signed cookie; at most N comments
    per window per browser and work (`MEDIA_COMMENT_LIMIT`, default 5 per 10 minutes)."""
    if work.status != WorkStatus.PUBLISHED:
        raise ValidationError(_("该作品未发布，不能评论"))
    if not browser_key:
        raise ValidationError(_("请刷新页面后再发表评论"))
    body = " ".join((body or "").split())
    if not body:
        raise ValidationError(_("请填写评论内容"))
    if len(body) > COMMENT_MAX_CHARS:
        raise ValidationError(
            _("评论不能超过 %(n)d 个字（现有 %(len)d 个）")
            % {"n": COMMENT_MAX_CHARS, "len": len(body)}
        )
    if at_seconds in ("", None):
        at_seconds = None
    else:
        try:
            at_seconds = int(float(at_seconds))
        except (TypeError, ValueError) as error:
            raise ValidationError(_("弹幕时间点无效")) from error
        if at_seconds < 0:
            raise ValidationError(_("弹幕时间点无效"))
        if work.duration_seconds:
            at_seconds = min(at_seconds, work.duration_seconds)
    nickname = " ".join((nickname or "").split())[:30]

    limit, window = comment_limit()
    key = _rate_key(work.pk, browser_key)
    now = time.time()
    recent = [t for t in cache.get(key, []) if t > now - window]
    if len(recent) >= limit:
        raise ValidationError(
            _("评论太频繁，请 %(minutes)d 分钟后再试") % {"minutes": max(1, window // 60)}
        )
    comment = MediaComment.objects.create(
        work=work,
        region_id=work.region_id,
        body=body,
        danmaku_at_seconds=at_seconds,
        nickname=nickname,
    )
    cache.set(key, [*recent, now], window)
    return comment


def moderate(comment: MediaComment, state: str, *, actor, reason: str = "") -> AuditEntry:
    """Show a comment to everyone (公开), only to the teacher and office (仅老师可见), or
    remove it (已删除, final). Audited like every status change."""
    default = {
        CommentStatus.PUBLIC: _("审核通过，公开"),
        CommentStatus.PRIVATE: _("仅供老师参考"),
        CommentStatus.REMOVED: _("不宜展示，删除"),
    }.get(state, _("评论审核"))
    return change_status(comment, state, actor=actor, reason=reason or default)
