"""The production tier's own parts (dangke/ops): /healthz, the instance header, the cache that
survives Redis going away, worker heartbeats and the failing of a dead worker's task, and
backup → wipe → restore."""

import datetime
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.tasks import TaskResultStatus
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dangke.delivery.models import Lesson
from dangke.evaluation import scores, services
from dangke.evaluation.models import RaterKind, Survey
from dangke.ops import heartbeat
from dangke.ops.backup import row_counts
from dangke.ops.models import ProbeRun, WorkerHeartbeat
from dangke.ops.tasks import probe
from tests.conftest import PASSWORD

ANSWER_KEYS = (
    "depth",
    "practice",
    "timeliness",
    "interaction",
    "interest",
    "multimedia",
    "mastery",
)
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


# --- /healthz ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_is_public_json_with_every_check_and_no_secrets(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    report = response.json()
    assert report["ok"] is True
    assert set(report["checks"]) == {"database", "cache", "tasks", "storage"}
    assert report["checks"]["tasks"]["oldest_queued_seconds"] is None
    assert report["checks"]["tasks"]["workers_alive"] == 0
    body = response.content.decode()
    for secret in (django_settings.SECRET_KEY, str(tmp_path), str(django_settings.VAR_DIR)):
        assert secret not in body
    assert list(tmp_path.rglob("*.txt")) == []  # the storage probe cleans up after itself


@pytest.mark.django_db
def test_healthz_is_503_when_queued_tasks_wait_too_long(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DANGKE_HEALTH_QUEUE_MAX_AGE = 60
    result = probe.using(backend="default").enqueue("waiting")
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - datetime.timedelta(seconds=600)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    tasks = response.json()["checks"]["tasks"]
    assert tasks["ok"] is False and tasks["queued"] == 1
    assert 600 <= tasks["oldest_queued_seconds"] < 700


@pytest.mark.django_db
def test_healthz_is_503_and_names_only_the_error_class_when_storage_fails(
    client, settings, monkeypatch
):
    def refuse(*args, **kwargs):
        raise PermissionError("/srv/secret/path is read-only")

    monkeypatch.setattr(default_storage, "save", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False, "error": "PermissionError"}
    assert "/srv/secret" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_reports_a_living_worker_heartbeat(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    heartbeat.beat("worker-1")
    tasks = client.get("/healthz").json()["checks"]["tasks"]
    assert tasks["workers_alive"] == 1
    assert 0 <= tasks["last_heartbeat_seconds"] < 5


# --- instance name, Redis -------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_names_its_instance(client):
    middleware = ["dangke.ops.middleware.InstanceNameMiddleware", *django_settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware, DANGKE_INSTANCE_NAME="web-2"):
        assert client.get(reverse("accounts:login"))["X-Dangke-Instance"] == "web-2"
        assert client.get("/no-such-page/")["X-Dangke-Instance"] == "web-2"
    # without the variable the middleware is not installed (a new client loads it anew)
    assert "X-Dangke-Instance" not in Client().get(reverse("accounts:login"))


def _dead_redis_cache():
    return {
        "default": {
            "BACKEND": "dangke.ops.cache.ResilientRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


def test_the_redis_cache_answers_as_an_empty_cache_while_redis_is_away():
    with override_settings(CACHES=_dead_redis_cache()):
        cache = caches.create_connection("default")
        assert cache.get("k", "fallback") == "fallback"
        assert cache.add("k", 1) is True  # a limit kept in the cache is off, not stuck
        cache.set("k", 1)
        cache.delete("k")
        assert cache.get_many(["a", "b"]) == {}
        with pytest.raises(ValueError):
            cache.incr("k")


@pytest.mark.django_db
def test_logged_in_pages_work_with_cached_db_sessions_while_redis_is_away(client, world):
    with override_settings(
        CACHES=_dead_redis_cache(), SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        assert client.login(username=world.county_a_admin.username, password=PASSWORD)
        assert client.get(reverse("reports:dashboard")).status_code == 200
        assert client.get(reverse("reports:dashboard")).status_code == 200


# --- worker heartbeats and the tasks of dead workers ---------------------------------------


def _running_task(worker_id: str, started_minutes_ago: int) -> DBTaskResult:
    result = probe.using(backend="default").enqueue("running")
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        worker_ids=[worker_id],
        started_at=timezone.now() - datetime.timedelta(minutes=started_minutes_ago),
    )
    return DBTaskResult.objects.get(pk=result.id)


@pytest.mark.django_db
def test_a_dead_workers_task_is_failed_with_its_reason_and_a_living_ones_is_not(
    settings, django_capture_on_commit_callbacks
):
    settings.DANGKE_WORKER_STALE_SECONDS = 60
    heartbeat.beat("alive")
    heartbeat.beat("dead")
    WorkerHeartbeat.objects.filter(worker_id="dead").update(
        last_seen=timezone.now() - datetime.timedelta(minutes=5)
    )
    dead_task = _running_task("dead", started_minutes_ago=6)
    alive_task = _running_task("alive", started_minutes_ago=6)
    just_claimed = _running_task("unknown-new", started_minutes_ago=0)
    orphaned = []
    heartbeat.task_orphaned.connect(
        receiver := lambda sender, **kw: orphaned.append(kw), weak=False
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert heartbeat.reap_orphaned_tasks() == [str(dead_task.pk)]
    finally:
        heartbeat.task_orphaned.disconnect(receiver)
    dead_task.refresh_from_db()
    assert dead_task.status == TaskResultStatus.FAILED
    assert dead_task.exception_class_path == "dangke.ops.heartbeat.WorkerLost"
    assert "后台工作进程 dead 在任务运行中停止" in dead_task.traceback
    assert [o["task_id"] for o in orphaned] == [str(dead_task.pk)]
    for task in (alive_task, just_claimed):
        task.refresh_from_db()
        assert task.status == TaskResultStatus.RUNNING
    # a worker restarted under its old id (systemd, within seconds): its old task is dead
    assert heartbeat.reap_orphaned_tasks(restarted="unknown-new") == [str(just_claimed.pk)]


# --- backup and restore ---------------------------------------------------------------------


def _scored_lesson(world) -> Survey:
    lesson = Lesson.objects.create(
        course=world.course_a,
        organization=world.org_a,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        attendees_count=10,
    )
    lesson.teachers.add(world.teacher_a)
    survey = services.open_survey(lesson, actor=world.county_a_admin)
    for value in (5, 4, 4, 3, 5):
        services.submit_response(
            survey,
            role=RaterKind.TRAINEE,
            raw_answers={key: str(value) for key in ANSWER_KEYS},
            nonce=services.new_form_nonce(survey),
            now=survey.opens_at + datetime.timedelta(minutes=30),
        )
    scores.refresh_score(survey, force=True)
    return survey


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_gives_the_same_rows_files_and_lesson_scores(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    survey = _scored_lesson(world)
    score_before = scores.refresh_score(Survey.objects.get(pk=survey.pk), force=True)
    default_storage.save("courseware/2026/讲稿.pdf", ContentFile(b"%PDF-1.4 lecture"))
    call_command("backup", output=str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["row_counts"] == row_counts()
    assert manifest["row_counts"]["evaluation.response"] == 5
    assert manifest["row_counts"]["accounts.user"] == 8
    assert list(manifest["files"]) == ["courseware/2026/讲稿.pdf"]

    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(tmp_path / "backup"))
    call_command("flush", "--no-input")
    default_storage.delete("courseware/2026/讲稿.pdf")
    call_command("restore", str(tmp_path / "backup"))

    assert row_counts() == manifest["row_counts"]
    with default_storage.open("courseware/2026/讲稿.pdf", "rb") as handle:
        assert handle.read() == b"%PDF-1.4 lecture"
    restored = Survey.objects.get(pk=survey.pk)
    assert scores.refresh_score(restored, force=True) == score_before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_backup_whose_files_do_not_match_their_checksums(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    default_storage.save("photos/a.jpg", ContentFile(b"jpeg"))
    call_command("backup", output=str(tmp_path / "backup"))
    (tmp_path / "backup" / "files" / "photos" / "a.jpg").write_bytes(b"tampered")
    with pytest.raises(CommandError, match=r"photos/a\.jpg 缺失或校验和不符"):
        call_command("restore", str(tmp_path / "backup"), force=True)
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", output=str(tmp_path / "backup"))


# --- two workers, one queue (PostgreSQL) ----------------------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locking (SKIP LOCKED) needs PostgreSQL: runs in CI's PostgreSQL stage",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_run_each_of_200_queued_tasks_exactly_once(tmp_path):
    for number in range(200):
        probe.using(backend="default").enqueue(f"task-{number}")
    env = {**os.environ, "DATABASE_URL": _database_url(), "DANGKE_VAR_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "dangke.cli", "db_worker", "--no-reload", "--batch"]
    command += ["--interval", "0", "--no-startup-delay", "--worker-id"]
    workers = [
        subprocess.Popen(
            [*command, name], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for name in ("w1", "w2")
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err.decode()[-2000:]
    runs = list(ProbeRun.objects.values_list("label", "worker_pid"))
    assert sorted(label for label, _pid in runs) == sorted(f"task-{n}" for n in range(200))
    assert len({pid for _label, pid in runs}) == 2  # both workers took part
    results = DBTaskResult.objects.all()
    assert {r.status for r in results} == {TaskResultStatus.SUCCESSFUL}
    assert all(len(r.worker_ids) == 1 for r in results)
    stopped = WorkerHeartbeat.objects.filter(worker_id__in=["w1", "w2"], stopped_at__isnull=False)
    assert stopped.count() == 2


@pytest.mark.django_db
def test_the_real_address_is_read_only_from_a_trusted_proxy(rf, settings):
    from dangke.ops.middleware import RealAddressMiddleware

    settings.DANGKE_TRUSTED_PROXIES = ["127.0.0.1"]
    seen = []
    middleware = RealAddressMiddleware(lambda request: seen.append(request.META["REMOTE_ADDR"]))
    middleware(rf.get("/", HTTP_X_REAL_IP="10.1.2.3", REMOTE_ADDR="127.0.0.1"))
    middleware(rf.get("/", HTTP_X_REAL_IP="10.1.2.3", REMOTE_ADDR="192.0.2.9"))
    assert seen == ["10.1.2.3", "192.0.2.9"]
