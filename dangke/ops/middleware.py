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
