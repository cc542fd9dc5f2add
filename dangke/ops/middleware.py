from django.conf import settings


class InstanceNameMiddleware:
    """Every response names the web instance that served it (`X-Dangke-Instance`), so the
    fault tests and an operator can see which server behind nginx answered. Only installed
    when `DANGKE_INSTANCE_NAME` is set."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.name = settings.DANGKE_INSTANCE_NAME

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Dangke-Instance"] = self.name
        return response


class RealAddressMiddleware:
    """Behind nginx, REMOTE_ADDR is nginx's. From a trusted proxy (`DANGKE_TRUSTED_PROXIES`)
    the client's address is taken from the X-Real-IP header nginx sets; from anyone else the
    header is ignored, so a phone cannot pick its own address to escape a rate limit."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = set(settings.DANGKE_TRUSTED_PROXIES)

    def __call__(self, request):
        real = request.META.get("HTTP_X_REAL_IP", "").strip()
        if real and request.META.get("REMOTE_ADDR") in self.trusted:
            request.META["REMOTE_ADDR"] = real
        return self.get_response(request)
