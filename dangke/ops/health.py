"""The checks behind /healthz. Each says ok or not and a few plain facts — never a host,
a password or a path — so the page can be open to a load balancer without a login."""

import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from dangke.ops.heartbeat import live_workers

HEALTH_FILE_PREFIX = "healthz/"


def check_database() -> dict:
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor, "ms": _ms(started)}


def check_cache() -> dict:
    """A round trip through the shared cache. Without Redis (the embedded tier) the file
    cache answers; with it, a Redis outage shows here although pages keep working."""
    from django.core.cache.backends.redis import RedisCache

    started = time.monotonic()
    key, token = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Ask Redis itself: the resilient wrapper would answer a miss, not an error.
        client = backend._cache.get_client(key, write=True)
        client.set(key, token, ex=10)
        ok = client.get(key) == token.encode()
        client.delete(key)
    else:
        backend.set(key, token, 10)
        ok = backend.get(key) == token
        backend.delete(key)
    return {"ok": ok, "backend": type(backend).__name__, "ms": _ms(started)}


def check_tasks(now=None) -> dict:
    """The queue: how long the oldest ready task has waited, and which workers beat.
    Unhealthy when tasks wait longer than DANGKE_HEALTH_QUEUE_MAX_AGE (nobody takes them)."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.startswith("django_tasks_db"):
        return {"ok": True, "backend": backend.rsplit(".", 1)[-1]}
    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    oldest_age = round((now - oldest).total_seconds(), 1) if oldest else None
    workers = list(live_workers(now).values_list("last_seen", flat=True))
    last_beat = max(workers) if workers else None
    waiting_too_long = oldest_age is not None and oldest_age > settings.DANGKE_HEALTH_QUEUE_MAX_AGE
    return {
        "ok": not waiting_too_long,
        "queued": ready.count(),
        "running": DBTaskResult.objects.running().count(),
        "oldest_queued_seconds": oldest_age,
        "workers_alive": len(workers),
        "last_heartbeat_seconds": (
            round((now - last_beat).total_seconds(), 1) if last_beat else None
        ),
    }


def check_storage() -> dict:
    """Write, read and delete a small file through the default storage (disk or S3)."""
    started = time.monotonic()
    name = default_storage.save(
        f"{HEALTH_FILE_PREFIX}{uuid.uuid4().hex}.txt", ContentFile(b"dangke")
    )
    try:
        with default_storage.open(name, "rb") as handle:
            ok = handle.read() == b"dangke"
    finally:
        default_storage.delete(name)
    return {"ok": ok, "backend": type(default_storage._wrapped).__name__, "ms": _ms(started)}


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "tasks": check_tasks,
    "storage": check_storage,
}


def run_checks() -> dict:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # each failure is reported by its class only
            results[name] = {"ok": False, "error": type(error).__name__}
            if name == "database":
                connection.close()  # a dead connection must not outlive this request
    return {
        "ok": all(result["ok"] for result in results.values()),
        "instance": settings.DANGKE_INSTANCE_NAME or None,
        "checked_at": timezone.now().isoformat(timespec="seconds"),
        "checks": results,
    }


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
