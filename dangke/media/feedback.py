"""Feedback on a work or a teacher from members' comments and 弹幕: themes, sentiment
and the moments of the video that drew most 弹幕. Reads public and private (仅老师可见)
comments only; pending ones are not yet vetted and removed ones never count. The text
analysis itself is `engines.feedback`, plain functions over strings."""

from __future__ import annotations

from django.urls import reverse

from dangke.media.models import CommentStatus, MediaComment
from engines.feedback import hot_moments, sentiment, themes
from engines.feedback.moments import format_moment

COUNTED = (CommentStatus.PUBLIC, CommentStatus.PRIVATE)


def summarise(rows: list[tuple[str, int | None]], *, top_themes: int = 10) -> dict:
    """rows: (body, danmaku_at_seconds) pairs. Keys: comments, danmaku, themes
    [(word, n)], sentiment {positive, neutral, negative}, hot_moments [{start, end, count,
    label}]."""
    texts = [body for body, _ in rows]
    seconds = [at for _, at in rows if at is not None]
    moments = hot_moments(seconds)
    for moment in moments:
        moment["label"] = format_moment(moment)
    return {
        "comments": len(rows) - len(seconds),
        "danmaku": len(seconds),
        "themes": themes(texts, top=top_themes),
        "sentiment": sentiment(texts),
        "hot_moments": moments,
    }


def _rows(queryset) -> list[tuple[str, int | None]]:
    return list(
        queryset.filter(status__in=COUNTED).order_by("pk").values_list("body", "danmaku_at_seconds")
    )


def work_feedback(work) -> dict:
    return summarise(
        _rows(MediaComment.objects.unscoped("comments of the work held").filter(work=work))
    )


def teacher_feedback(teacher, scope=None) -> dict:
    """Over all works the teacher teaches (within `scope` when given). Hot moments are
    per work, so they are listed per work: {"works": [(work, summary)], **summary}."""
    comments = MediaComment.objects.filter(work__teacher=teacher)
    if scope is not None:
        comments = comments.visible_to(scope)
    rows = list(
        comments.filter(status__in=COUNTED)
        .order_by("pk")
        .values_list("work_id", "body", "danmaku_at_seconds")
    )
    overall = summarise([(body, at) for _, body, at in rows])
    by_work: dict[int, list] = {}
    for work_id, body, at in rows:
        by_work.setdefault(work_id, []).append((body, at))
    overall["by_work"] = {work_id: summarise(items) for work_id, items in by_work.items()}
    return overall


def teacher_comment_summary(teacher, scope=None, *, top_themes: int = 10) -> dict:
    """What members said about a teacher's new-media works, for the teacher's evaluation
    page to merge with its own comment summary. Counts only comments and 弹幕 a moderator
    has reviewed as 公开 or 仅老师可见 (pending and removed ones never count); within
    `scope` when given (a Scope or a user), else all of the teacher's works.

    Plain, JSON-ready data:
      {"teacher_id": int,
       "total": int, "comments": int, "danmaku": int,
       "themes": [(word, n), …]            # most frequent first, at most `top_themes`
       "sentiment": {"positive": int, "neutral": int, "negative": int},
       "works": [{"id", "title", "url", "comments", "danmaku", "themes", "sentiment",
                  "hot_moments": [{"start", "end", "count", "label"}]}, …]}
    `works` lists the most talked-about first; `url` is the work's feedback page.
    """
    from dangke.media.models import MediaWork

    comments = MediaComment.objects.filter(work__teacher=teacher)
    works = MediaWork.objects.filter(teacher=teacher)
    if scope is not None:
        comments = comments.visible_to(scope)
        works = works.visible_to(scope)
    rows = list(
        comments.filter(status__in=COUNTED)
        .order_by("pk")
        .values_list("work_id", "body", "danmaku_at_seconds")
    )
    overall = summarise([(body, at) for _, body, at in rows], top_themes=top_themes)
    by_work: dict[int, list] = {}
    for work_id, body, at in rows:
        by_work.setdefault(work_id, []).append((body, at))
    titles = dict(works.filter(pk__in=by_work).values_list("pk", "title"))
    per_work = []
    for work_id, items in by_work.items():
        if work_id not in titles:
            continue
        part = summarise(items, top_themes=top_themes)
        per_work.append(
            {
                "id": work_id,
                "title": titles[work_id],
                "url": reverse("media:feedback", args=[work_id]),
                **{key: part[key] for key in ("comments", "danmaku", "themes", "sentiment")},
                "hot_moments": part["hot_moments"],
            }
        )
    per_work.sort(key=lambda work: (-(work["comments"] + work["danmaku"]), work["id"]))
    return {
        "teacher_id": teacher.pk,
        "total": overall["comments"] + overall["danmaku"],
        "comments": overall["comments"],
        "danmaku": overall["danmaku"],
        "themes": overall["themes"],
        "sentiment": overall["sentiment"],
        "works": per_work,
    }
