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
