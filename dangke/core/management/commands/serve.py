"""`dangke serve`: the embedded tier in one command — the web server and a task worker
beside it, stopped together. Being the only worker, it first fails the jobs an earlier
worker left half-way (`dangke.core.jobs.fail_stale_jobs`) without waiting for their
heartbeats to go stale — unless another `dangke serve` on this machine is running (its pid
in `var/serve.pid`), or with `--no-worker`.

The server is Waitress, a production WSGI server in pure Python: one process, a pool of
threads and a deep connection backlog, so a hall of 500 phones answering a survey within a
minute is queued rather than refused (Django's development server accepts ten pending
connections and resets the rest; `--dev` still runs it, with auto-reload, for developers).
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dangke.core.jobs import fail_stale_jobs
from dangke.core.production import production_problems


def running_serve(pidfile: Path) -> int | None:
    """The pid written in `pidfile` when that process is still alive, else None."""
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    except PermissionError:
        return pid  # alive, owned by another user
    return pid


class Command(BaseCommand):
    help = "启动网页服务和后台任务进程（单机部署、演示）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000"
        )
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")
        parser.add_argument("--threads", type=int, default=8, help="处理请求的线程数，默认 8")
        parser.add_argument(
            "--dev", action="store_true", help="用 Django 开发服务器（代码改动自动重载）"
        )

    def handle(self, *args, addr, no_worker, threads, dev, **options):
        problems = production_problems()
        if problems:
            raise CommandError(
                "生产模式（DEBUG 关闭）拒绝启动：\n- "
                + "\n- ".join(problems)
                + "\n演示请用 `make demo`，开发请设 DANGKE_DEBUG=true（见 README「安全」）。"
            )
        worker = None
        uses_db_tasks = settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db")
        pidfile = settings.VAR_DIR / "serve.pid"
        if uses_db_tasks and not no_worker:
            other = running_serve(pidfile)
            if other:
                self.stdout.write(
                    f"另一个 dangke serve（pid {other}）正在运行，其后台任务不作中断处理"
                )
            else:
                self._fail_interrupted()
                pidfile.write_text(str(os.getpid()))
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dangke.cli",
                    "db_worker",
                    "--no-reload",
                    # How long a queued job waits for this idle worker: 计算方案 waits on
                    # it (bench.plan_web). 0.2 s costs an idle poll of SQLite 5 times a
                    # second, about 1 % of a core.
                    "--interval",
                    "0.2",
                ]
            )
            self.stdout.write(f"后台任务进程已启动 (pid {worker.pid})")
        # A service manager stops us with SIGTERM: leave through `finally` as Ctrl+C does,
        # so the worker is stopped with us and the pidfile removed.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            self.stdout.write(f"请在浏览器打开 http://{addr}/ ，按 Ctrl+C 停止")
            if dev:
                call_command("runserver", addr)
            else:
                self._serve(addr, threads)
        finally:
            if running_serve(pidfile) == os.getpid():
                pidfile.unlink(missing_ok=True)
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _fail_interrupted(self) -> None:
        failed = {name: n for name, n in fail_stale_jobs(everything=True).items() if n}
        if failed:
            self.stdout.write(
                "上次停止时中断的后台任务已标记为失败："
                + "，".join(f"{name} {n} 个" for name, n in failed.items())
            )

    def _serve(self, addr: str, threads: int) -> None:
        from django.core.wsgi import get_wsgi_application
        from waitress import serve

        host, _colon, port = addr.rpartition(":")
        serve(
            get_wsgi_application(),
            host=host or "127.0.0.1",
            port=int(port),
            threads=threads,
            backlog=2048,
            connection_limit=1000,
            # Above the app's own limit, so its page (413) answers an oversized body.
            max_request_body_size=settings.REQUEST_BODY_MAX_BYTES + 16 * 1024 * 1024,
            ident="dangke",
        )
