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
