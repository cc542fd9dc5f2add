"""A survey burst through nginx: phones answering one survey, with two web instances behind
nginx and then with one (the second stopped), in the same run on the same cluster.

Needs a running `make cluster` (var/cluster.env); otherwise says so and measures nothing.
Each phone is a fresh cookie jar: it opens the QR page and posts every answer, as a
trainee's phone does. Figures in docs/benchmarks.md."""

import os
import signal
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.cluster.client import ROOT, Session

PHONES = int(os.environ.get("BENCH_PHONES", 300))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 32))


def burst(base: str, key: str, phones: int = PHONES) -> dict:
    def phone(_number):
        started = time.perf_counter()
        reply = Session(base).answer_survey(key)
        return reply, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        results = list(pool.map(phone, range(phones)))
    elapsed = time.perf_counter() - started
    seconds = sorted(s for _reply, s in results)
    served, statuses = {}, {}
    for reply, _s in results:
        served[reply.instance or "-"] = served.get(reply.instance or "-", 0) + 1
        status = reply.status or reply.error.split(":")[0]  # 0: no answer (client timeout)
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "ok": sum(reply.status == 200 for reply, _s in results),
        "elapsed": elapsed,
        "per_second": phones / elapsed,
        "median": statistics.median(seconds),
        "p95": seconds[int(len(seconds) * 0.95) - 1],
        "served": served,
        "statuses": statuses,
    }


def run() -> None:
    env_file = ROOT / "var" / "cluster.env"
    if not env_file.exists():
        print("没有运行中的集群（var/cluster.env 不存在）：先 make cluster")
        return
    from tests.cluster.client import load_cluster_env
    from tests.cluster.world import open_survey

    env = load_cluster_env()
    base, cluster_dir = env["CLUSTER_URL"], Path(env["CLUSTER_DIR"])
    if Session(base, timeout=5).request("/healthz").status != 200:
        print(f"集群 {base} 没有在运行或不健康：先 make cluster")
        return
    load_before = os.getloadavg()[0]
    rows = []
    # Each measurement follows a warm-up burst (templates compiled, connections open in every
    # gunicorn worker), so neither side pays the other's start-up.
    burst(base, open_survey(attendees=5000), phones=CONCURRENCY * 2)
    rows.append(("two instances", burst(base, open_survey(attendees=5000))))
    web_2 = int((cluster_dir / "web-2.pid").read_text())
    os.kill(web_2, signal.SIGTERM)
    while Path(f"/proc/{web_2}").exists():
        time.sleep(0.2)
    try:
        burst(base, open_survey(attendees=5000), phones=CONCURRENCY * 2)
        rows.append(("one instance", burst(base, open_survey(attendees=5000))))
    finally:
        subprocess.run(
            [str(ROOT / "scripts" / "cluster"), "revive"], check=True, capture_output=True
        )
    print(
        f"{PHONES} phones, {CONCURRENCY} at a time, through nginx; "
        f"load average before: {load_before:.1f}"
    )
    print(
        "| behind nginx | answered | seconds | phones/s | median s | p95 s | served by | statuses |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for label, r in rows:
        served = ", ".join(f"{name} {count}" for name, count in sorted(r["served"].items()))
        print(
            f"| {label} | {r['ok']}/{PHONES} | {r['elapsed']:.1f} | {r['per_second']:.1f} "
            f"| {r['median']:.2f} | {r['p95']:.2f} | {served} | {r['statuses']} |"
        )
