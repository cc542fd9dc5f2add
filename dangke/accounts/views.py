from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts import logins
from dangke.accounts.middleware import ACTIVE_REGION_SESSION_KEY
from dangke.accounts.models import ApiToken, LoginAttempt, LoginOutcome
from dangke.accounts.rules import is_region_admin
from dangke.core.models import Notification
from dangke.core.redirects import next_or


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses while the account or the address is locked (`accounts.logins`), before the
    password is checked, and records every attempt for the sign-in history."""

    def clean(self):
        username = self.data.get("username", "") or ""
        lock = logins.current_lock(username, logins.client_address(self.request))
        if lock:
            logins.record_attempt(self.request, username, LoginOutcome.REFUSED)
            raise self._lock_error(lock)
        try:
            cleaned = super().clean()
        except ValidationError:
            logins.record_attempt(self.request, username, LoginOutcome.FAILED)
            lock = logins.current_lock(username, logins.client_address(self.request))
            if lock:
                raise self._lock_error(lock) from None
            raise
        logins.record_attempt(self.request, username, LoginOutcome.SUCCEEDED, user=self.get_user())
        return cleaned

    def _lock_error(self, lock):
        if lock.by_account:
            message = _(
                "密码错误次数过多，该账号已暂时锁定，请 %(minutes)d 分钟后再试，或请管理员解锁。"
            )
        else:
            message = _("本机登录失败次数过多，已暂时禁止登录，请 %(minutes)d 分钟后再试。")
        return ValidationError(message, code="locked", params={"minutes": lock.wait_minutes})


class DangkeLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledAuthenticationForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, show_demo_hint=settings.DEBUG)


class DangkeLogoutView(LogoutView):
    next_page = "accounts:login"


@login_required
@require_POST
def switch_region(request):
    """Narrow every page to one region the user already sees, or clear the narrowing."""
    code = request.POST.get("region", "")
    allowed = request.scope.allowed_region_codes
    if code and not any(code.startswith(prefix) for prefix in allowed):
        raise Http404("未找到，或不在您的管辖范围内")
    if code:
        request.session[ACTIVE_REGION_SESSION_KEY] = code
    else:
        request.session.pop(ACTIVE_REGION_SESSION_KEY, None)
    return redirect(next_or(request, "reports:dashboard"))


@login_required
def profile(request):
    assignments = (
        request.user.role_assignments.filter(is_active=True)
        .select_related("region", "teaching_group", "organization")
        .order_by("role")
    )
    return render(
        request,
        "accounts/profile.html",
        {"assignments": assignments, "can_see_logins": is_region_admin(request.scope)},
    )


@login_required
def notifications(request):
    """The user's own notifications; POST marks them all read."""
    mine = Notification.objects.visible_to(request.scope).filter(user_id=request.user.pk)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("accounts:notifications")
    return render(request, "accounts/notifications.html", {"notifications": mine[:100]})


TOKEN_LIFETIMES = {"30": 30, "90": 90, "365": 365}


@login_required
def security(request):
    """The user's own sign-in history and API tokens: issue one with an expiry (shown
    once), revoke one."""
    tokens = request.user.api_tokens.order_by("-created_at")
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "issue":
            days = TOKEN_LIFETIMES.get(request.POST.get("days", ""), 90)
            name = (request.POST.get("name", "") or "default").strip()[:64]
            new_token = ApiToken.issue(
                request.user, name=name, expires_at=timezone.now() + timedelta(days=days)
            )
        elif action == "revoke":
            token_id = request.POST.get("token", "")
            token = tokens.filter(pk=token_id if token_id.isdigit() else 0).first()
            if token is None:
                raise Http404("未找到该令牌")
            if token.revoked_at is None:
                token.revoked_at = timezone.now()
                token.save(update_fields=["revoked_at"])
            messages.success(request, _("令牌已吊销，不能再用于接口。"))
            return redirect("accounts:security")
        else:
            messages.error(request, _("未知的操作"))
            return redirect("accounts:security")
    attempts = LoginAttempt.objects.unscoped("the user's own login attempts").filter(
        user=request.user
    )[:50]
    return render(
        request,
        "accounts/security.html",
        {"tokens": tokens, "attempts": attempts, "new_token": new_token},
    )


@login_required
def login_history(request):
    """An office's view: recent sign-ins of its region's accounts and the locked ones,
    which it may unlock."""
    if not is_region_admin(request.scope):
        raise PermissionDenied
    scope = request.scope
    if request.method == "POST":
        username = request.POST.get("username", "")
        if logins.unlock(username, actor=request.user, scope=scope):
            messages.success(request, _("账号 %(name)s 已解锁。") % {"name": username})
        else:
            messages.error(request, _("该账号未被锁定，或不在您的管辖范围内。"))
        return redirect("accounts:login_history")
    attempts = LoginAttempt.objects.visible_to(scope).select_related("user")[:200]
    return render(
        request,
        "accounts/login_history.html",
        {"attempts": attempts, "locked": logins.locked_accounts(scope)},
    )
