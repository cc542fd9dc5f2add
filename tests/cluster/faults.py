"""Fault tests on a running cluster (`make cluster`, then `make cluster-faults`; .ci/run
runs both). Each fault is done for real — processes are killed, servers restarted — and
checked from outside (HTTP through nginx) and inside (the cluster's database):

1. a web instance is killed (SIGKILL, master and workers) during 200 logged-in requests:
   none fails (nginx retries the idempotent GETs on the other instance), the session
   works on the survivor;
2. a task worker is killed (SIGKILL) mid-task: the task is marked failed with the reason
   by the surviving worker, and nothing the task wrote inside its transaction is kept;
3. Redis is restarted during a burst of phones answering a survey: no 500, every answer
   stored (the rate limit lives in PostgreSQL, so it neither switches off nor tightens);
4. PostgreSQL is restarted: /healthz answers 503 while it is down and 200 again after,
   without restarting anything else.

Prints one line per check and "N passed, N failed" at the end; exits non-zero on a failure."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import contextlib

from tests.cluster.client import ROOT, Session, load_cluster_env

ENV = load_cluster_env()
BASE = ENV["CLUSTER_URL"]
DIR = Path(ENV["CLUSTER_DIR"])
PG_DIR = Path(ENV["CLUSTER_PG_DIR"])
RESULTS: list[tuple[bool, str]] = []
NGINX_FAIL_TIMEOUT = 10  # seconds: the upstreams' fail_timeout in deploy/nginx/dangke.conf


def check(ok: bool, message: str) -> bool:
    RESULTS.append((ok, message))
    print(f"{'PASS' if ok else 'FAIL'}  {message}", flush=True)
    return ok


def cluster(*args: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "cluster"), *args], check=True, cwd=ROOT)


def wait_until(predicate, timeout: float, step: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def pid_of(name: str) -> int:
    return int((DIR / f"{name}.pid").read_text())


def kill_tree(pid: int) -> None:
    """SIGKILL a gunicorn master and its workers: the machine lost the instance."""
    children = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    for target in [pid, *map(int, children)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)


def logged_in_session():
    from tests.cluster.world import FAULT_PASSWORD, FAULT_USER, ensure_world

    ensure_world()
    session = Session(BASE)
    session.login(FAULT_USER, FAULT_PASSWORD)
    return session


# --- 1. a web instance dies under logged-in load --------------------------------------------


def web_instance_killed() -> None:
    session = logged_in_session()
    before = {session.request("/").instance for _ in range(6)}
    check(before == {"web-1", "web-2"}, f"nginx spreads a session over both instances: {before}")
    victim = pid_of("web-1")

    def one(number: int):
        if number == 40:
            kill_tree(victim)
        return session.request("/")

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(one, range(200)))
    failed = [r for r in replies if r.status != 200 or "accounts/login" in r.body[:2000]]
    statuses = sorted({r.status for r in replies})
    check(
        not failed,
        f"200 logged-in requests while web-1 was killed: {statuses}, "
        f"{len(failed)} failed or logged out",
    )
    after = {session.request("/").instance for _ in range(6)}
    check(after == {"web-2"}, f"after the kill the survivor serves the same session: {after}")
    cluster("revive")
    # nginx skips an instance for fail_timeout (10 s) after a failed connection, however soon
    # it is back: ask until then, and a little longer.
    back, deadline = set(), time.monotonic() + NGINX_FAIL_TIMEOUT + 5
    while "web-1" not in back and time.monotonic() < deadline:
        back |= {session.request("/").instance for _ in range(4)}
        time.sleep(0.5)
    check("web-1" in back, f"the restarted web-1 serves the session again: {back}")


# --- 2. a worker dies mid-task ------------------------------------------------------------


def worker_killed() -> None:
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from dangke.ops.models import ProbeRun, WorkerHeartbeat
    from dangke.ops.tasks import hold

    label = f"fault-{int(time.time())}"
    result = hold.enqueue(label, 60)

    def running_worker():
        return (
            WorkerHeartbeat.objects.filter(current_task_id=str(result.id))
            .values_list("worker_id", "pid")
            .first()
        )

    if not check(wait_until(running_worker, 20), "a worker took the held task"):
        return
    worker_id, pid = running_worker()
    os.kill(pid, signal.SIGKILL)
    stale = int(ENV["DANGKE_WORKER_STALE_SECONDS"])

    def failed():
        row = DBTaskResult.objects.get(pk=result.id)
        return row if row.status == TaskResultStatus.FAILED else None

    check(wait_until(failed, stale + 20), f"the killed worker's task is failed within {stale}+ s")
    row = failed()
    if row:
        check("在任务运行中停止" in row.traceback, f"with its reason: {row.traceback.strip()}")
    check(
        not ProbeRun.objects.filter(label=label).exists(),
        "nothing the task wrote in its transaction was kept",
    )
    cluster("revive")
    follow = hold.enqueue(f"{label}-after", 0)
    check(
        wait_until(
            lambda: DBTaskResult.objects.get(pk=follow.id).status == TaskResultStatus.SUCCESSFUL, 30
        ),
        f"the queue goes on after {worker_id} died (next task ran)",
    )


# --- 3. Redis restarts mid-burst ------------------------------------------------------------


def redis_restarted() -> None:
    from dangke.evaluation.models import Response, Survey
    from tests.cluster.world import open_survey

    key = open_survey()
    survey = Survey.objects.get(public_key=key)
    redis_pid = int((DIR / "redis" / "redis.pid").read_text())

    def phone(number: int):
        if number == 60:
            os.kill(redis_pid, signal.SIGKILL)
        if number == 120:
            cluster("revive")
        return Session(BASE).answer_survey(key)

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(phone, range(240)))
    statuses = {}
    for reply in replies:
        statuses[reply.status] = statuses.get(reply.status, 0) + 1
    check(
        500 not in statuses and 0 not in statuses,
        f"240 phones answered while Redis was killed and restarted: {statuses}",
    )
    stored = Response.objects.filter(survey=survey).count()
    check(stored == statuses.get(200, 0) == 240, f"every answer is stored: {stored}")
    health = Session(BASE).request("/healthz")
    check(health.status == 200, f"/healthz after Redis came back: {health.status}")


# --- 4. PostgreSQL restarts -----------------------------------------------------------------


def postgres_restarted() -> None:
    from django.db import connection

    connection.close()
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parts[-2]))
    pg_ctl = [str(pg_bin[-1] / "pg_ctl"), "-D", str(PG_DIR / "data")]
    if os.geteuid() == 0:
        pg_ctl = ["runuser", "-u", "postgres", "--", *pg_ctl]
    probe = Session(BASE)
    subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], check=True, capture_output=True)
    try:
        down = [probe.request("/healthz") for _ in range(4)]
        check(
            {r.status for r in down} == {503},
            f"/healthz while PostgreSQL is down: {[r.status for r in down]}",
        )
    finally:
        subprocess.run(
            [
                *pg_ctl,
                "-l",
                str(PG_DIR / "postgres.log"),
                "-w",
                "-o",
                f"-p {ENV['CLUSTER_PG_PORT']} -k {PG_DIR / 'run'} "
                "-c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off",
                "start",
            ],
            check=True,
            capture_output=True,
        )
    recovered = wait_until(lambda: probe.request("/healthz").status == 200, 30)
    check(recovered, "/healthz is 200 again once PostgreSQL is back (nothing restarted)")
    session = logged_in_session()
    check(session.request("/").status == 200, "a login works after the restart")
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from dangke.ops.tasks import hold

    workers = sorted(DIR.glob("worker-*.pid"))
    alive = [p.name for p in workers if Path(f"/proc/{p.read_text().strip()}").exists()]
    check(len(alive) == len(workers), f"the workers outlived the restart: {alive}")
    after = hold.enqueue("after-postgres", 0)
    check(
        wait_until(
            lambda: DBTaskResult.objects.get(pk=after.id).status == TaskResultStatus.SUCCESSFUL,
            30,
        ),
        "and take tasks again",
    )


def main() -> int:
    started = time.monotonic()
    for fault in (web_instance_killed, worker_killed, redis_restarted, postgres_restarted):
        print(f"== {fault.__name__}", flush=True)
        try:
            fault()
        except Exception as error:  # a crashed step is a failed check, and the rest still run
            check(False, f"{fault.__name__} crashed: {type(error).__name__}: {error}")
    passed = sum(ok for ok, _ in RESULTS)
    failed = len(RESULTS) - passed
    print(f"cluster faults took {time.monotonic() - started:.0f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
