from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dangke.ops.health import run_checks


@login_not_required  # monitors and load balancers ask without an account
@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitoring: 200 when every check passes, 503 otherwise."""
    report = run_checks()
    return JsonResponse(
        report, status=200 if report["ok"] else 503, json_dumps_params={"ensure_ascii": False}
    )
