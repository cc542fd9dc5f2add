"""From 计算方案 to a reviewed plan on screen: a city month through the web, with a worker.

One `dangke serve` (the embedded tier: the web server and its task worker, on SQLite) on
the demo city (`dangke demo --scale city`, whose submitted orders are next month's). A
client logs in as the city admin, presses 计算方案 for the whole city (the POST the form
sends), opens the plan page it is sent to, polls the progress fragment as the page's htmx
does (at the interval the page itself names) until the fragment says to reload, and loads
the reviewed plan. RUNS runs, each a new plan run; the table shows the median of each phase:

- enqueue: the POST (the run is created and its task queued) and the page it redirects to;
- pickup: the worker's delay, from the task's enqueued_at to its started_at;
- solve: the task's run, started_at to finished_at (read the database, solve, check, store);
- poll wait: from the task's end to the poll that sees it (the page's polling delay);
- render: the reloaded plan page with the review.

The total is measured at the client, from the POST to the reviewed page; the phases come
from the client's clock and the task row's timestamps (one machine, one clock). On a shared
machine wall seconds stretch with the load, so each run also reports the CPU seconds the
worker and the web server spent on it (from /proc): the work, apart from the waiting.

`python -m bench plan_web`. BENCH_PLAN_RUNS sets RUNS; BENCH_PLAN_VAR_DIR names a directory
to keep the built demo in (built there once, reused by later runs).
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from bench.phones import _free_port

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_PLAN_RUNS", 3))
CITY = "5111"
DANGKE = [sys.executable, "-m", "dangke.cli"]


def _environment(var_dir: str) -> dict:
    env = dict(os.environ)
    # an office's server: DEBUG off, with what a production start requires
    env.update(
        DANGKE_VAR_DIR=var_dir, DANGKE_DEBUG="false", PYTHONPATH=str(ROOT),
        DANGKE_SECRET_KEY="bench-" + "x" * 60, DANGKE_ALLOWED_HOSTS="127.0.0.1",
        DANGKE_MAIL="off",
    )  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _prepare(var_dir: str, env: dict) -> None:
    if (Path(var_dir) / ".bench-plan-ready").exists():
        return
    for command in (
        ["migrate", "-v0"],
        ["demo", "--scale", "city", "--if-empty"],
        ["demo_accounts", "--allow"],  # DEBUG is off, as on an office's server
    ):
        subprocess.run([*DANGKE, *command], env=env, cwd=ROOT, check=True, capture_output=True)
    (Path(var_dir) / ".bench-plan-ready").touch()


def _start_server(port: int, env: dict) -> subprocess.Popen:
    import socket

    server = subprocess.Popen(
        [*DANGKE, "serve", "--addr", f"127.0.0.1:{port}"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(600):
        if server.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(2)  # the worker beside it starts too
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("服务进程未能启动")


class Browser:
    """Cookies, the CSRF token of the last form and the request an htmx poll sends."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str, htmx: bool = False):
        request = urllib.request.Request(self.base + path)
        if htmx:
            request.add_header("HX-Request", "true")
        with self.opener.open(request, timeout=60) as response:
            return response.geturl(), response.headers, response.read().decode()

    def post(self, path: str, page: str, fields: dict):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(self.base + path, data=body)
        request.add_header("Referer", self.base + path)
        with self.opener.open(request, timeout=60) as response:
            return response.geturl(), response.headers, response.read().decode()


def _poll_seconds(page: str) -> float:
    """The interval of the page's own htmx poll (`every 2s`, `every 500ms`)."""
    number, unit = re.search(r'hx-trigger="every (\d+(?:\.\d+)?)(ms|s)"', page).groups()
    return float(number) / (1000 if unit == "ms" else 1)


def _task_times(var_dir: str, run_id: int) -> tuple[float, float, float]:
    """enqueued_at, started_at, finished_at of the run's task, in seconds since the epoch."""
    import sqlite3

    with sqlite3.connect(Path(var_dir) / "dangke.sqlite3") as db:
        task_id = db.execute("SELECT task_id FROM delivery_planrun WHERE id = ?", (run_id,))
        task_id = task_id.fetchone()[0]
        row = db.execute(
            "SELECT enqueued_at, started_at, finished_at FROM django_tasks_database_dbtaskresult"
            " WHERE replace(id, '-', '') = replace(?, '-', '')",
            (task_id,),
        ).fetchone()
    from datetime import datetime

    return tuple(datetime.fromisoformat(value).timestamp() for value in row)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker_pid(server: subprocess.Popen) -> int:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return int(children[0])


def _one_run(browser: Browser, var_dir: str, server: subprocess.Popen) -> dict:
    _url, _headers, page = browser.get("/delivery/plans/")
    month = re.search(r'name="month" value="([^"]+)"', page).group(1)
    worker = _worker_pid(server)
    cpu_before = _cpu_seconds(worker), _cpu_seconds(server.pid)
    started = time.time()
    url, _headers, page = browser.post("/delivery/plans/", page, {"region": CITY, "month": month})
    enqueued = time.time()
    run_id = int(re.search(r"/delivery/plans/(\d+)/", url).group(1))
    poll = _poll_seconds(page) if "hx-trigger" in page else 0.0
    seen = enqueued
    while "hx-trigger" in page:
        time.sleep(poll)
        _url, headers, page = browser.get(f"/delivery/plans/{run_id}/progress/", htmx=True)
        seen = time.time()
        if headers.get("HX-Refresh") == "true":
            break
    _url, _headers, page = browser.get(f"/delivery/plans/{run_id}/")
    finished = time.time()
    worker_cpu = _cpu_seconds(worker) - cpu_before[0]
    server_cpu = _cpu_seconds(server.pid) - cpu_before[1]
    if 'id="plan-figures"' not in page:
        raise RuntimeError(f"排课 {run_id} 没有得出方案：{page[:500]}")
    queued_at, task_started, task_finished = _task_times(var_dir, run_id)
    return {
        "poll": poll, "enqueue": enqueued - started, "pickup": task_started - queued_at,
        "solve": task_finished - task_started, "poll wait": max(0.0, seen - task_finished),
        "render": finished - seen, "total": finished - started,
        "worker CPU": worker_cpu, "web CPU": server_cpu,
        "orders": int(re.search(r"共 ([\d,]+) 单", page).group(1).replace(",", "")),
    }  # fmt: skip


def run() -> list[dict]:
    var_dir = os.environ.get("BENCH_PLAN_VAR_DIR") or tempfile.mkdtemp(prefix="dangke-plan-")
    os.makedirs(var_dir, exist_ok=True)
    env = _environment(var_dir)
    _prepare(var_dir, env)
    port = _free_port()
    server = _start_server(port, env)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        _url, _headers, page = browser.get("/accounts/login/")
        browser.post(
            "/accounts/login/", page, {"username": "city-admin", "password": "dangke-demo"}
        )
        runs = [_one_run(browser, var_dir, server) for _ in range(RUNS)]
    finally:
        server.terminate()
        server.wait(timeout=15)
    phases = ("enqueue", "pickup", "solve", "poll wait", "render", "total", "worker CPU",
              "web CPU")  # fmt: skip
    median = {phase: statistics.median(r[phase] for r in runs) for phase in phases}
    load = os.getloadavg()
    print(
        f"city month through the web: {runs[0]['orders']:,} orders, page polls every "
        f"{runs[0]['poll']:g} s; median of {RUNS} runs; load average {load[0]:.1f}"
    )
    print("| " + " | ".join(phases) + " |")
    print("|" + "---:|" * len(phases))
    print("| " + " | ".join(f"{median[p]:.2f}" for p in phases) + " |")
    for number, measured in enumerate(runs, 1):
        print(f"run {number}: " + ", ".join(f"{p} {measured[p]:.2f}" for p in phases))
    return runs


if __name__ == "__main__":
    run()
