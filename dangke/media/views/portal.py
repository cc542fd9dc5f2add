"""The public portal (no login): a region's published works, and one work's page with
its player, public comments, the comment/弹幕 form and view counting.

Nothing here identifies a person. A browser gets a random value in a signed cookie; it
only keys the comment rate limit and stops one page load from counting a view twice."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.media import catalogue, services
from dangke.media.forms import CommentForm
from dangke.media.models import CommentStatus, MediaKind, MediaWork, WorkStatus
from dangke.media.views.files import ranged_file_response
from dangke.regions.models import Region

BROWSER_COOKIE = "dk_mb"
BROWSER_SALT = "dangke.media.browser"
BROWSER_MAX_AGE = 365 * 24 * 3600
EVENT_WINDOW = 30 * 60  # one play and one completion per browser and work per 30 minutes


def browser_key(request) -> str:
    return request.get_signed_cookie(BROWSER_COOKIE, default="", salt=BROWSER_SALT) or ""


def _with_browser_cookie(request, response):
    if not browser_key(request):
        response.set_signed_cookie(
            BROWSER_COOKIE,
            secrets.token_urlsafe(16),
            salt=BROWSER_SALT,
            max_age=BROWSER_MAX_AGE,
            httponly=True,
            samesite="Lax",
        )
    return response


def _published(pk) -> MediaWork:
    return get_object_or_404(
        MediaWork.objects.unscoped("public portal: published works").select_related(
            "region", "column", "series", "teacher"
        ),
        pk=pk,
        status=WorkStatus.PUBLISHED,
    )


def _chosen(request, name: str, entries) -> object | None:
    """The column or series named by ?column= / ?series=, among those offered."""
    wanted = request.GET.get(name, "")
    return next((entry for entry in entries if str(entry.pk) == wanted), None)


@login_not_required
def portal(request, region_code):
    region = get_object_or_404(
        Region.objects.unscoped("public portal: a region's name"), code=region_code
    )
    published = MediaWork.objects.unscoped("public portal: published works").filter(
        status=WorkStatus.PUBLISHED, region__code__startswith=region.code
    )
    filters = catalogue.portal_filters(published)
    works = published.select_related("column", "series", "teacher").order_by("-published_at", "-pk")
    kind = request.GET.get("kind", "")
    if kind in MediaKind.values:
        works = works.filter(kind=kind)
    else:
        kind = ""
    column = _chosen(request, "column", filters["columns"])
    if column is not None:
        works = works.filter(column=column)
    series = _chosen(request, "series", filters["series"])
    if series is not None:
        # A series is watched in order: episode 1 first.
        works = works.filter(series=series).order_by(F("episode").asc(nulls_last=True), "pk")
    page = Paginator(works, 20).get_page(request.GET.get("page"))
    context = {
        "region": region,
        "page": page,
        "kind": kind,
        "kinds": MediaKind.choices,
        "columns": filters["columns"],
        "series_list": filters["series"],
        "column": column,
        "series": series,
    }
    return render(request, "media/portal.html", context)


@login_not_required
def watch(request, pk):
    work = _published(pk)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            at = data["at_seconds"] if data["as_danmaku"] else None
            try:
                services.post_comment(
                    work,
                    data["body"],
                    at_seconds=at,
                    nickname=data["nickname"],
                    browser_key=browser_key(request),
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("感谢留言！审核通过后会显示出来。"))
                return _with_browser_cookie(request, redirect("media:watch", pk=work.pk))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    public = work.comments.filter(status=CommentStatus.PUBLIC).order_by("created_at", "pk")
    comments = [c for c in public if c.danmaku_at_seconds is None]
    danmaku = [
        {"t": c.danmaku_at_seconds, "text": c.body}
        for c in public
        if c.danmaku_at_seconds is not None
    ]
    context = {
        "work": work,
        "episodes": _episodes(work),
        "form": form,
        "comments": comments,
        "danmaku": danmaku,
        "danmaku_count": len(danmaku),
        "element": work.plays_in_browser_as,
    }
    return _with_browser_cookie(request, render(request, "media/watch.html", context))


@login_not_required
def public_file(request, pk):
    """The file of a published work; a draft's or withdrawn work's file answers 404."""
    work = _published(pk)
    if not work.file:
        raise Http404
    return ranged_file_response(request, work.file, work.file_kind)


@login_not_required
@require_POST
def view_event(request, pk):
    """The player reports `play` (a view) and `ended` (a completion). CSRF-protected: the
    page's form carries the token, and the script sends it in X-CSRFToken."""
    event = request.POST.get("event", "")
    if event not in ("play", "ended"):
        return HttpResponseBadRequest("event must be play or ended")
    work = _published(pk)
    key = browser_key(request)
    if key and not cache.add(f"media:event:{work.pk}:{event}:{key}", 1, EVENT_WINDOW):
        return HttpResponse(status=204)  # this browser was counted a moment ago
    services.record_view(work, completed=event == "ended")
    return HttpResponse(status=204)


def _episodes(work: MediaWork) -> list[MediaWork]:
    """The published works of the work's series, in episode order (empty without one)."""
    if work.series_id is None:
        return []
    return list(
        MediaWork.objects.unscoped("public portal: published works")
        .filter(series_id=work.series_id, status=WorkStatus.PUBLISHED)
        .order_by(F("episode").asc(nulls_last=True), "pk")
        .only("pk", "title", "episode")[:50]
    )
