"""The one check for redirect targets a request carries (`next`): only a path on this site.

Every view that sends the browser on to a URL taken from the request calls `next_or`;
nothing else reads `next`. `url_has_allowed_host_and_scheme` refuses `//host/…`,
`/\\host/…`, `https://host/…`, `javascript:` and control characters; a prefix test on "/"
does not (issue #29: `//evil.example/x` passed the comment review's check)."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_target(request, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def next_or(request, default, *args, **kwargs) -> str:
    """The request's `next` (POST, then GET) when it stays on this site, else `default`
    (a URL or a URL name with its arguments, as `redirect` takes them)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # a path: "abc" is a safe relative URL, but `redirect` would take it for a URL name
    if target.startswith("/") and is_safe_target(request, target):
        return target
    return resolve_url(default, *args, **kwargs)
