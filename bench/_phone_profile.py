"""Where a phone's visit goes: the survey page and its submit, in one process, without a
server. `python -m bench._phone_profile [PHONES]` (default 200).

On the database of `bench.phones` (file SQLite, the embedded tier's settings with DEBUG
off) each phone is a test client of its own with CSRF checks on: GET the page, POST six
stars and a comment. It prints, per request kind, the SQL statements each request runs
(with the distinct statements), the mean wall time, the time spent in each middleware
(outside the view) and in the view, and cProfile's heaviest functions by cumulative time.
A measuring tool for docs/benchmarks.md, not a benchmark with a goal.
"""

import cProfile
import io
import os
import pstats
import re
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode


def _environment() -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench._phone_settings",
        DANGKE_VAR_DIR=tempfile.mkdtemp(prefix="dangke-bench-profile-"),
        DANGKE_DEBUG="false",
        DANGKE_SECRET_KEY=secrets.token_urlsafe(48),
        DANGKE_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DANGKE_MAIL="off",
    )
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class _MiddlewareClock:
    """Rebuilds the handler's middleware chain with a clock around each layer, so the time
    inside a layer minus the time inside the next is that middleware's own cost. The
    process_view hooks (CSRF's check, LoginRequired's) run inside the innermost layer and
    are clocked apart."""

    def __init__(self):
        self.inside = defaultdict(float)

    def _timed(self, name, inner):
        def call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.inside[name] += time.perf_counter() - started

        return call

    def install(self, handler) -> None:
        from django.conf import settings
        from django.core.handlers.exception import convert_exception_to_response
        from django.utils.module_loading import import_string

        chain = self._timed("view (resolve, process_view hooks, view)", handler._get_response)
        for path in reversed(settings.MIDDLEWARE):
            chain = self._timed(
                path.rsplit(".", 1)[-1], convert_exception_to_response(import_string(path)(chain))
            )
        handler._middleware_chain = chain
        handler._view_middleware = [
            self._timed(f"process_view of {hook.__self__.__class__.__name__}", hook)
            for hook in handler._view_middleware
        ]

    def report(self, phones: int) -> None:
        layers = [(name, seconds) for name, seconds in self.inside.items()]
        hooks = [(name, s) for name, s in layers if name.startswith("process_view")]
        chain = [(name, s) for name, s in layers if not name.startswith("process_view")]
        for index, (name, seconds) in enumerate(chain):
            inner = chain[index - 1][1] if index else sum(s for _, s in hooks)
            print(f"    {name}: {(seconds - inner) / phones * 1000:.2f} ms")
        for name, seconds in hooks:
            print(f"    {name}: {seconds / phones * 1000:.2f} ms")


def run(phones: int = 200) -> None:
    _environment()
    from bench.phones import ANSWER_KEYS, _prepare_database

    keys = _prepare_database(halls=2)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    answers = {f"i_{name}": "5" for name in ANSWER_KEYS} | {"comment": "讲得很实在，案例贴近基层"}
    paths = {"survey": f"/evaluation/s/{keys[0]}/", "bare insert": "/bench/insert/"}

    shared = Client(enforce_csrf_checks=True)

    def fresh_phone():
        # One handler for all (a new Client loads the middleware again, WhiteNoise's file
        # index included); a phone of its own is a client without cookies.
        shared.cookies.clear()
        return shared

    def visit(client, path):
        page = client.get(path)
        html = page.content.decode()
        fields = dict(answers)
        fields["csrfmiddlewaretoken"] = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', html
        ).group(1)
        nonce = re.search(r'name="nonce" value="([^"]+)"', html)
        if nonce:
            fields["nonce"] = nonce.group(1)
        response = _post(client, path, fields)
        assert response.status_code == 200, response.status_code
        return page, response

    # Warm up: imports, URL resolver, template loading, translations.
    for path in paths.values():
        for _ in range(5):
            visit(fresh_phone(), path)

    for label, path in paths.items():
        timings = {"GET": [], "POST": []}
        statements = {"GET": Counter(), "POST": Counter()}
        per_request = {"GET": [], "POST": []}
        sizes = {}
        for _ in range(phones):
            client = fresh_phone()
            with CaptureQueriesContext(connection) as get_queries:
                started = time.perf_counter()
                page = client.get(path)
                timings["GET"].append(time.perf_counter() - started)
            html = page.content.decode()
            sizes["GET"] = len(page.content)
            fields = dict(answers)
            fields["csrfmiddlewaretoken"] = re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', html
            ).group(1)
            nonce = re.search(r'name="nonce" value="([^"]+)"', html)
            if nonce:
                fields["nonce"] = nonce.group(1)
            with CaptureQueriesContext(connection) as post_queries:
                started = time.perf_counter()
                response = _post(client, path, fields)
                timings["POST"].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            sizes["POST"] = len(response.content)
            for method, captured in (("GET", get_queries), ("POST", post_queries)):
                per_request[method].append(len(captured))
                for query in captured.captured_queries:
                    statements[method][_shape(query["sql"])] += 1
        print(f"\n### {label} ({path}), {phones} phones")
        for method in ("GET", "POST"):
            mean_ms = sum(timings[method]) / phones * 1000
            queries = sum(per_request[method]) / phones
            print(
                f"- {method}: {mean_ms:.2f} ms mean, {queries:.1f} SQL statements, "
                f"{sizes[method]} bytes"
            )
            for shape, count in statements[method].most_common():
                print(f"    {count / phones:4.1f} × {shape}")

    # Middleware and view: own time of each layer over GET+POST of the survey.
    clock = _MiddlewareClock()
    clock.install(shared.handler)
    started = time.perf_counter()
    for _ in range(phones):
        visit(fresh_phone(), paths["survey"])
    total = time.perf_counter() - started
    shared.handler.load_middleware()
    print(f"\n### Survey GET+POST, time inside each layer (own), {phones} phones")
    print(f"- whole visit (client included): {total / phones * 1000:.2f} ms")
    clock.report(phones)

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(phones):
        visit(fresh_phone(), paths["survey"])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    # What the view's own functions spend their time on.
    stats.print_callees(r"rate.py:\d+\((rate|_submit|_render)\)")
    stats.sort_stats("tottime").print_stats(25)
    print(f"\n### cProfile, survey GET+POST × {phones}, by cumulative time")
    print(out.getvalue())


def _post(client, path, fields):
    """POST as a phone's browser sends a plain form (urlencoded), not as the test client
    does by default (multipart, whose parser cost more than the view's own work)."""
    return client.post(path, urlencode(fields), content_type="application/x-www-form-urlencoded")


def _shape(sql: str) -> str:
    shape = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
    shape = re.sub(r"SELECT .*? FROM", "SELECT … FROM", shape)
    return shape[:150]


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
