"""500 phones answering one lesson's survey within a minute, against one `dangke serve`
process on SQLite (the embedded tier that `make demo` runs), and the same requests against
a bare Django view that inserts one row, in the same run and the same server, as the
reference.

Each phone is a client of its own (its own cookies): it opens the survey page behind the
venue QR code, reads the CSRF token and form nonce from it, and submits six star ratings
and a comment. Phones arrive evenly over one minute (the realistic case: a hall scanning
after the lesson) and then all at once with 50 in flight (the worst case). Latency is the
submit request only, measured at the client. After each round the rows are counted in the
database: every acknowledged answer must be there exactly once.

Then a hall behind one address (issue #29: venue Wi-Fi or a carrier's NAT is the normal
case): HALL_PHONES phones of a lesson whose attendance is not recorded yet answer at once,
all from 127.0.0.1; and the same hall a minute after a flood from that address was refused,
to show whether a refusal outlives its minute. Refused (429) answers are counted.

The bursts run BENCH_BURST_REPEATS times (3), survey and bare view in turns, each survey
burst on a hall of its own, and the ratio of each pair is printed: on a machine shared with
other work the speed changes within minutes, the ratio of neighbouring rounds much less.

`python -m bench phones` (or `make bench`; `BENCH_PHONES`, `BENCH_PACED_SECONDS`,
`BENCH_HALL_PHONES` and `BENCH_BURST_REPEATS` change the sizes; `BENCH_PHONES_PARTS=burst`
runs only the bursts, of `paced,burst,hall`).
"""

import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

PHONES = int(os.environ.get("BENCH_PHONES", 500))
PACED_SECONDS = int(os.environ.get("BENCH_PACED_SECONDS", 60))
BURST_IN_FLIGHT = 50
HALL_PHONES = int(os.environ.get("BENCH_HALL_PHONES", 60))
BURST_REPEATS = int(os.environ.get("BENCH_BURST_REPEATS", 3))
PARTS = os.environ.get("BENCH_PHONES_PARTS", "paced,burst,hall").split(",")
FLOOD = 200  # answers from one address before the hall's second minute
ANSWER_KEYS = ("depth", "practice", "timeliness", "interaction", "interest", "multimedia")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare_database(halls: int = 4, *, recorded: int = 2) -> list[str]:
    """A fresh database with one county and `halls` lessons an hour ago, each with its open
    survey (one hall per round: the rate limit counts per survey), the first `recorded` of
    them with their attendance recorded; returns the surveys' public keys."""
    import datetime

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from dangke.courses.categories import CourseCategory
    from dangke.courses.models import Course, CourseStatus
    from dangke.delivery.models import Lesson
    from dangke.evaluation import services
    from dangke.faculty.models import Teacher, TeacherLevel
    from dangke.regions.models import Organization, OrganizationKind, Region, RegionLevel

    city = Region.objects.create(code="5111", name="乐山市", level=RegionLevel.CITY)
    county = Region.objects.create(
        code="511102", name="市中区", level=RegionLevel.COUNTY, parent=city
    )
    organisation = Organization.objects.create(
        code="O-1", name="张公桥社区党委", kind=OrganizationKind.COMMUNITY, region=county
    )
    teacher = Teacher.objects.create(
        code="T-1", name="王红梅", region=county, level=TeacherLevel.COUNTY
    )
    course = Course.objects.create(
        code="C-1",
        title="坚持党建引领激活村级治理新动能",
        category=CourseCategory.THEORY,
        region=county,
        status=CourseStatus.LISTED,
    )
    keys = []
    for hall in range(halls):
        lesson = Lesson.objects.create(
            course=course,
            organization=organisation,
            starts_at=timezone.now() - datetime.timedelta(hours=1),
            # The halls of 500 have their attendance recorded; the one-address halls
            # have not (yet): the rate limit cannot lean on it.
            attendees_count=PHONES if hall < recorded else 0,
        )
        lesson.teachers.add(teacher)
        keys.append(services.open_survey(lesson, actor=None).public_key)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_row (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)"
        )
    connection.close()
    return keys


def _start_server(port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "dangke.cli", "serve", "--addr", f"127.0.0.1:{port}",
         "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(600):  # a busy machine may take a while to import Django
        if server.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("服务进程未能启动")


class Phone:
    """One phone: its own cookie jar, a page load, then one submission."""

    def __init__(self, base: str, page_path: str, body: dict):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.base = base
        self.page_path = page_path
        self.body = body

    def answer(self) -> tuple[float, int]:
        with self.opener.open(self.base + self.page_path, timeout=60) as page:
            html = page.read().decode()
        fields = dict(self.body)
        fields["csrfmiddlewaretoken"] = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', html
        ).group(1)
        nonce = re.search(r'name="nonce" value="([^"]+)"', html)
        if nonce:
            fields["nonce"] = nonce.group(1)
        request = urllib.request.Request(
            self.base + self.page_path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Referer": self.base + self.page_path},
        )
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        return time.perf_counter() - started, status


def _round(phones: list[Phone], *, paced: bool, in_flight: int = BURST_IN_FLIGHT) -> dict:
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def go(index_phone):
        index, phone = index_phone
        if paced:
            delay = start + index * PACED_SECONDS / len(phones) - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        latency, status = phone.answer()
        with lock:
            latencies.append(latency)
            statuses.append(status)

    workers = len(phones) if paced else in_flight
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(workers, 200)) as pool:
        list(pool.map(go, enumerate(phones)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "ok": sum(1 for status in statuses if status == 200),
        "failed": sum(1 for status in statuses if status != 200),
        "refused": sum(1 for status in statuses if status == 429),
        "seconds": elapsed,
        "per_second": len(phones) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def _count(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        count = cursor.fetchone()[0]
    connection.close()
    return count


def run() -> None:
    var_dir = tempfile.mkdtemp(prefix="dangke-bench-phones-")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench._phone_settings",
        DANGKE_VAR_DIR=var_dir,
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
        # A production start (DEBUG off, as an office runs it) refuses development
        # fallbacks: give it what it asks for, with a throwaway secret.
        DANGKE_DEBUG="false",
        DANGKE_SECRET_KEY=secrets.token_urlsafe(48),
        DANGKE_ALLOWED_HOSTS="127.0.0.1,localhost",
        DANGKE_MAIL="off",
    )
    os.environ.update(env)
    keys = _prepare_database(halls=3 + BURST_REPEATS, recorded=1 + BURST_REPEATS)
    paced_key, burst_keys, (hall_key, flooded_key) = keys[0], keys[1:-2], keys[-2:]
    port = _free_port()
    server = _start_server(port, env)
    base = f"http://127.0.0.1:{port}"
    answers = {f"i_{name}": "5" for name in ANSWER_KEYS} | {"comment": "讲得很实在，案例贴近基层"}
    survey_label, bare_label = "评价提交 (survey answer)", "空视图插入一行 (bare insert)"
    survey_sql = "SELECT COUNT(*) FROM evaluation_response"
    bare_sql = "SELECT COUNT(*) FROM bench_row"
    rows, hall_rows = [], []

    def measured(label, path, sql, *, paced):
        before = _count(sql)
        result = _round([Phone(base, path, answers) for _ in range(PHONES)], paced=paced)
        rows.append(dict(result, label=label, paced=paced, stored=_count(sql) - before))
        return rows[-1]

    ratios = []
    try:
        if "paced" in PARTS:
            measured(survey_label, f"/evaluation/s/{paced_key}/", survey_sql, paced=True)
            measured(bare_label, "/bench/insert/", bare_sql, paced=True)
        if "burst" in PARTS:
            # Survey and bare view in turns, each survey burst on a hall of its own: a
            # machine shared with other work changes speed within minutes, a ratio of
            # neighbouring rounds much less.
            for key in burst_keys:
                survey = measured(survey_label, f"/evaluation/s/{key}/", survey_sql, paced=False)
                bare = measured(bare_label, "/bench/insert/", bare_sql, paced=False)
                ratios.append(survey["per_second"] / bare["per_second"])
        if "hall" in PARTS:
            for label, key, flood in (
                (f"{HALL_PHONES} phones at once", hall_key, False),
                (f"{HALL_PHONES} phones, 61 s after a flood", flooded_key, True),
            ):  # fmt: skip
                path = f"/evaluation/s/{key}/"
                if flood:
                    flooded = _round(
                        [Phone(base, path, answers) for _ in range(FLOOD)], paced=False
                    )
                    hall_rows.append(dict(flooded, label=f"flood of {FLOOD}", stored=None))
                    time.sleep(61)
                before = _count(survey_sql)
                phones = [Phone(base, path, answers) for _ in range(HALL_PHONES)]
                result = _round(phones, paced=False, in_flight=HALL_PHONES)
                hall_rows.append(dict(result, label=label, stored=_count(survey_sql) - before))
    finally:
        server.terminate()
        server.wait(timeout=10)
    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    print(f"load average at the end: {load}")
    print(
        "| view | arrival | acknowledged | stored | failed | seconds | answers/s | "
        "p50 ms | p95 ms | max ms |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        arrival = (
            f"{PHONES} in {PACED_SECONDS} s"
            if row["paced"]
            else (f"burst, {BURST_IN_FLIGHT} in flight")
        )
        print(
            f"| {row['label']} | {arrival} | {row['ok']} | {row['stored']} | {row['failed']} "
            f"| {row['seconds']:.1f} | {row['per_second']:.1f} | {row['p50_ms']:.0f} "
            f"| {row['p95_ms']:.0f} | {row['max_ms']:.0f} |"
        )
    lost = [row for row in rows if row["stored"] != row["ok"]]
    print("lost or doubled answers:", lost or "none")
    if ratios:
        print(
            "burst, survey answers/s over bare insert answers/s in neighbouring rounds: "
            + ", ".join(f"{ratio:.0%}" for ratio in ratios)
            + f" (median {statistics.median(ratios):.0%})"
        )
    if not hall_rows:
        return
    print("\nOne address (127.0.0.1), attendance not recorded:\n")
    print("| hall | phones | acknowledged | refused (429) | stored | p50 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in hall_rows:
        stored = "–" if row["stored"] is None else row["stored"]
        print(
            f"| {row['label']} | {row['ok'] + row['failed']} | {row['ok']} | {row['refused']} "
            f"| {stored} | {row['p50_ms']:.0f} | {row['max_ms']:.0f} |"
        )


if __name__ == "__main__":
    run()
