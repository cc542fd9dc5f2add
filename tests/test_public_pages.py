"""Every page needs a login unless its view says otherwise (LoginRequiredMiddleware): an
anonymous visitor is sent to the sign-in page from every URL of the site except the pages
meant for people without an account, which are listed here by name, with why."""

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

# url name → who opens it without an account
PUBLIC = {
    "accounts:login": "everyone, to sign in",
    "set_language": "the language switcher on the sign-in page",
    "ops:healthz": "monitors and load balancers (no secrets in it)",
    "media:portal": "members watching micro-lessons on their phones",
    "media:watch": "members watching micro-lessons on their phones",
    "media:file": "the video a public watch page plays",
    "media:event": "views counted from the public watch page",
    "evaluation:rate": "raters in the hall, anonymous by construction (QR code)",
    "evaluation:rate_invited": "invited raters, by their one-time code",
    "quizzes:pre_test": "trainees taking the pre-test in the hall, anonymous like the survey",
    "delivery:sign": "members signing in to a lesson by QR code",
    "members:mine": "a member's own study hours, by their private link",
    "delivery:ical": "calendar apps, with a signed token",
    "contests:judge_home": "contest judges, by their secret link",
    "contests:judge_sheet": "contest judges, by their secret link",
    "contests:judge_material": "contest judges, by their secret link",
}
API_PREFIX = "/api/v1/"


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = entry.namespace or namespace
            if entry.namespace and namespace:
                space = f"{namespace}:{entry.namespace}"
            yield from _patterns(entry, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name


def _sample_url(route: str) -> str | None:
    """The route with every converter filled by a harmless value."""
    if route.startswith("^") or "(?P" in route:
        return None  # regex routes: admin's and static's
    url = re.sub(r"<int:\w+>", "1", route)
    url = re.sub(r"<(?:str|slug):\w+>", "x", url)
    url = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", url)
    url = re.sub(r"<path:\w+>", "x/y", url)
    url = re.sub(r"<\w+>", "x", url)
    return "/" + url


def test_every_page_but_the_public_ones_sends_strangers_to_sign_in(client, world):
    login = reverse(settings.LOGIN_URL)
    opened = {}
    for route, name in _patterns():
        url = _sample_url(route)
        if url is None or url.startswith(API_PREFIX) or url.startswith("/admin/"):
            continue
        response = client.get(url)
        sent_to_sign_in = response.status_code == 302 and response["Location"].startswith(login)
        if not sent_to_sign_in:
            opened[name or url] = response.status_code
    assert set(opened) <= set(PUBLIC), {k: v for k, v in opened.items() if k not in PUBLIC}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_each_public_page_is_public_by_its_view(name):
    """A public page is public because its view says so, not by accident of the walk."""
    route = next(route for route, n in _patterns() if n == name)
    view = resolve(_sample_url(route)).func
    assert getattr(view, "login_required", True) is False


def test_the_api_answers_strangers_itself(client, db):
    response = client.get("/api/v1/courses")
    assert response.status_code == 401  # the API's own answer, not the sign-in page
    assert client.get("/api/v1/regions").status_code == 200  # public by the API's choice
