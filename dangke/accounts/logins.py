"""Sign-in throttling and history. Every attempt is a `LoginAttempt` row; an account is
locked for LOCK_MINUTES after ACCOUNT_FAILURE_LIMIT wrong passwords within that time, an
address after ADDRESS_FAILURE_LIMIT (guessing many accounts from one machine). A success
ends an account's run of failures; an administrator of the account's region can unlock it
at once (`unlock`, audited). Attempts during a lock are refused before the password is
checked, so a guess during the lock tells nothing (README, Security)."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dangke.accounts.models import LoginAttempt, LoginOutcome, User
from dangke.core.services import record_audit

ACCOUNT_FAILURE_LIMIT = 10
ADDRESS_FAILURE_LIMIT = 30
LOCK_MINUTES = 15


@dataclass(frozen=True)
class Lock:
    by_account: bool
    wait_minutes: int


def client_address(request) -> str | None:
    # REMOTE_ADDR is the proxy's own address behind nginx; deploy/ has nginx pass the
    # client's as REMOTE_ADDR (uwsgi/waitress trusted proxy), never a spoofable header.
    return request.META.get("REMOTE_ADDR") or None


def _counted_failures(now, **match):
    since = now - timedelta(minutes=LOCK_MINUTES)
    return LoginAttempt.objects.unscoped("login throttling counts every failure").filter(
        outcome=LoginOutcome.FAILED, cleared_at__isnull=True, at__gt=since, **match
    )


def _wait(failures, limit: int, now) -> int | None:
    times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    if len(times) < limit:
        return None
    # Locked until LOCK_MINUTES after the failure that reached the limit's newest end.
    remaining = (times[0] + timedelta(minutes=LOCK_MINUTES) - now).total_seconds()
    return max(1, math.ceil(remaining / 60))


def current_lock(username: str, address: str | None, now=None) -> Lock | None:
    now = now or timezone.now()
    username = username.strip()
    if username:
        last_success = (
            LoginAttempt.objects.unscoped("login throttling: the account's last success")
            .filter(username=username, outcome=LoginOutcome.SUCCEEDED)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        failures = _counted_failures(now, username=username)
        if last_success is not None:
            failures = failures.filter(at__gt=last_success)
        wait = _wait(failures, ACCOUNT_FAILURE_LIMIT, now)
        if wait:
            return Lock(by_account=True, wait_minutes=wait)
    if address:
        wait = _wait(_counted_failures(now, address=address), ADDRESS_FAILURE_LIMIT, now)
        if wait:
            return Lock(by_account=False, wait_minutes=wait)
    return None


def record_attempt(request, username: str, outcome: str, user=None) -> LoginAttempt:
    username = username.strip()[:150]
    if user is None:
        user = User.objects.filter(username=username).first()
    region_id = None
    if user is not None:
        region_id = (
            user.role_assignments.filter(is_active=True)
            .order_by("region_id")
            .values_list("region_id", flat=True)
            .first()
        )
    return LoginAttempt.objects.create(
        username=username,
        user=user,
        region_id=region_id,
        address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
        outcome=outcome,
        at=timezone.now(),
    )


def locked_accounts(scope, now=None):
    """Usernames with a lock now, among the attempts the scope sees, with their wait."""
    now = now or timezone.now()
    names = (
        _counted_failures(now)
        .filter(pk__in=LoginAttempt.objects.visible_to(scope).values("pk"))
        .values_list("username", flat=True)
        .distinct()
    )
    locks = []
    for username in sorted(set(names)):
        lock = current_lock(username, None, now)
        if lock:
            locks.append((username, lock.wait_minutes))
    return locks


@transaction.atomic
def unlock(username: str, *, actor, scope) -> int:
    """Stop counting the account's failures; only for accounts the actor's scope sees."""
    failures = _counted_failures(timezone.now(), username=username).filter(
        pk__in=LoginAttempt.objects.visible_to(scope).values("pk")
    )
    latest = failures.order_by("-at").first()
    if latest is None:
        return 0
    cleared = failures.update(cleared_at=timezone.now())
    record_audit(
        latest,
        actor=actor,
        action="unlock",
        field="cleared_at",
        to_value=f"{cleared}",
        reason=f"管理员解锁账号 {username}",
    )
    return cleared
