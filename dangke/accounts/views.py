from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangke.accounts.middleware import ACTIVE_REGION_SESSION_KEY
from dangke.core.models import Notification
from dangke.core.redirects import next_or


class DangkeLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

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
    return render(request, "accounts/profile.html", {"assignments": assignments})


@login_required
def notifications(request):
    """The user's own notifications; POST marks them all read."""
    mine = Notification.objects.visible_to(request.scope).filter(user_id=request.user.pk)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("accounts:notifications")
    return render(request, "accounts/notifications.html", {"notifications": mine[:100]})
