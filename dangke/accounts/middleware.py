from django.utils.functional import SimpleLazyObject

from dangke.accounts.scoping import checking_queries, scope_for_user

ACTIVE_REGION_SESSION_KEY = "active_region"


class ScopeMiddleware:
    """Attach `request.scope`, built lazily from the user's roles and the region switcher,
    and check every scoped query of the view (`checking_queries`: scoping fails closed).
    It leaves `request.user` alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(
            lambda: scope_for_user(
                request.user, active_region=request.session.get(ACTIVE_REGION_SESSION_KEY)
            )
        )
        with checking_queries():
            return self.get_response(request)
