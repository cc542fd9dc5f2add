"""gunicorn for one Dangke web instance (`gunicorn -c deploy/gunicorn.conf.py`).

Why gunicorn: the WSGI server most Django sites run, kept by a steady team, in Debian and on
PyPI, pure Python; its master restarts a worker that dies and stops gracefully on SIGTERM,
which is what the restart policies of deploy/systemd rely on. Threaded workers (gthread)
because a page mostly waits on PostgreSQL. Every value can be changed by environment."""

import multiprocessing
import os

wsgi_app = "dangke.wsgi:application"
bind = os.environ.get("DANGKE_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("DANGKE_WEB_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
worker_class = "gthread"
threads = int(os.environ.get("DANGKE_WEB_THREADS", 4))
# nginx buffers uploads before it passes them on, so a slow phone never holds a worker;
# 120 s covers the slowest page (a year's PDF report).
timeout = int(os.environ.get("DANGKE_WEB_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, so not all at once): a slow
# leak in a library cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
# Only nginx on this machine (or the private network) talks to gunicorn.
forwarded_allow_ips = os.environ.get("DANGKE_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("DANGKE_ACCESS_LOG", "-")
errorlog = os.environ.get("DANGKE_ERROR_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms instance=' + os.environ.get(
    "DANGKE_INSTANCE_NAME", "-"
)
proc_name = "dangke-" + os.environ.get("DANGKE_INSTANCE_NAME", "web")
