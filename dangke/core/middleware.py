from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


class ChineseFirstMiddleware:
    """Serve simplified Chinese unless the user chose English with the language switcher.

    Office computers often run an English browser or system; their Accept-Language header
    should not turn the interface English, so it is ignored and only the language cookie
    (set by the switcher) or a language prefix counts. Must come before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Nothing a logged-in user was shown stays in a browser or proxy cache.

    Office computers are shared: after one person logs out, the back button must not show
    the next person their pages (issue #29). Every response to a logged-in user gets
    `Cache-Control: private, no-store` (and the rest of Django's never-cache headers).
    Static files never reach this: WhiteNoise answers them first, with its own headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class RequestBodyLimitMiddleware:
    """A body declared larger than REQUEST_BODY_MAX_BYTES is answered with a page saying
    so (413), before anything reads it: the uploader learns the limit instead of watching
    the connection drop (issue #29: a 2 GiB upload ended in a reset, with no message)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.REQUEST_BODY_MAX_BYTES:
            return too_large(request, declared)
        return self.get_response(request)


def too_large(request, declared: int | None = None):
    """The page for a body over a limit: ours, or Django's for form fields."""
    from dangke.core.redirects import is_safe_target

    referer = request.META.get("HTTP_REFERER", "")
    response = render(
        request,
        "core/too_large.html",
        {
            "declared_mb": (declared or 0) // 1048576,
            "limit_mb": settings.REQUEST_BODY_MAX_BYTES // 1048576,
            "back": referer if is_safe_target(request, referer) else "",
        },
        status=413,
    )
    response["Connection"] = "close"
    return response
