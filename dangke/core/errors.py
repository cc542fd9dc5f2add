"""Error pages in the app's style with a way back: Django's handler404/403/500 (DEBUG off)
and a middleware that gives a missing page the same 404 with DEBUG on, where Django would
otherwise show its technical page to an office user trying the demo.

The pages stand alone (no navigation, no database): a 500 may come from the database
itself, and a 404 must not tell anything about rows outside the user's scope."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.template import loader
from django.template.response import TemplateResponse
from django.views.decorators.csrf import requires_csrf_token

# Paths whose clients read JSON or files, not pages: their own 404s stand.
NOT_PAGES = ("/api/", "/static/", "/favicon.ico")


def _back(request) -> str:
    from dangke.core.redirects import is_safe_target

    referer = request.META.get("HTTP_REFERER", "")
    if referer and referer != request.build_absolute_uri() and is_safe_target(request, referer):
        return referer
    return ""


def _page(request, template: str, status: int):
    response = TemplateResponse(
        request, template, {"back": _back(request), "path": request.path}, status=status
    )
    return response.render()


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(request, "errors/404.html", 404)


@requires_csrf_token
def permission_denied(request, exception=None):
    response = TemplateResponse(
        request,
        "errors/403.html",
        {"back": _back(request), "reason": str(exception or "")},
        status=403,
    )
    return response.render()


@requires_csrf_token
def server_error(request):
    # No request context: whatever failed (the database, a context processor) must not
    # fail the error page too.
    from django.http import HttpResponseServerError

    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def _is_page(request) -> bool:
    return not request.path.startswith(NOT_PAGES)


def method_not_allowed(request, response):
    """A page for a 405 (a form's address opened by hand, a link to a POST-only action):
    Django's own answer is empty. The Allow header stays."""
    page = _page(request, "errors/405.html", 405)
    page["Allow"] = response.get("Allow", "")
    return page


class FriendlyErrorPagesMiddleware:
    """With DEBUG on, a 404 (an unknown address, or a view's Http404) gets the app's page
    instead of Django's technical one. With DEBUG off Django's handler404 already does.
    An empty 405 gets a page saying what the address is for, DEBUG or not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and _is_page(request):
            return method_not_allowed(request, response)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and _is_page(request)
        ):
            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404) and _is_page(request):
            return page_not_found(request, exception)
        return None
