"""The JSON API (/api/v1/): one NinjaAPI, routers owned by each app, the same scoping as
the pages. Authentication is a bearer token (`dangke token USERNAME`) or, for someone
trying the API from the docs page in a logged-in browser, the session."""

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from dangke.accounts.models import ApiToken
from dangke.accounts.scoping import scope_for_user
from dangke.core.apicontract import ContractedNinjaAPI, OfflineSwagger


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        try:
            api_token = ApiToken.objects.select_related("user").get(
                key_hash=ApiToken.hash_key(token)
            )
        except ApiToken.DoesNotExist:
            return None
        user = api_token.user
        if not user.is_active or not api_token.is_usable:
            return None
        # Writing last_used_at on every call would serialise readers on SQLite.
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = user
        # A token sees what its user sees without the region switcher's narrowing.
        request.scope = scope_for_user(user)
        return user


api = ContractedNinjaAPI(
    title="党课 Dangke API",
    version="1",
    description="按区划和角色限定范围的只读接口。认证：`Authorization: Bearer <令牌>`，"
    "令牌由 `dangke token 用户名` 生成。",
    urls_namespace="api",
    auth=[BearerToken(), django_auth],
    docs=OfflineSwagger(),
)

api.add_router("/", "dangke.accounts.api.router")
api.add_router("/", "dangke.regions.api.router")
api.add_router("/", "dangke.faculty.api.router")
api.add_router("/", "dangke.courses.api.router")
api.add_router("/", "dangke.delivery.api.router")
api.add_router("/", "dangke.evaluation.api.router")
api.add_router("/", "dangke.contests.api.router")
api.add_router("/", "dangke.reports.api.router")
api.add_router("/stations", "dangke.broadcast.api.router")
api.add_router("/", "dangke.advice.api.router")


def api_urls():
    """The API's URLs. The API authenticates each call itself (a token or the session,
    401 otherwise; the region list is public), so the site's login redirect stays out."""
    import functools

    patterns, app_name, namespace = api.urls

    def answered_by_the_api(view):
        @functools.wraps(view)
        def api_view(request, *args, **kwargs):
            return view(request, *args, **kwargs)

        api_view.login_required = False
        return api_view

    for pattern in patterns:
        pattern.callback = answered_by_the_api(pattern.callback)
    return patterns, app_name, namespace
