"""Django settings for Dangke. Everything that differs between machines comes from the
environment (see dangke/env.py and docs/architecture.md); defaults are the embedded tier:
SQLite under var/, the database task backend, files on local disk."""

from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from dangke.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
# django-ninja is not an installed app: as one it would be imported (with pydantic) at every
# start, a fifth of what `dangke help` cost. Its docs page template and the Swagger files it
# ships are found here instead (locating the package does not import it), and the docs page
# renders them itself (dangke.core.apicontract.OfflineSwagger), never from a CDN.
NINJA_DIR = Path(find_spec("ninja").origin).parent
VAR_DIR = Path(env_str("DANGKE_VAR_DIR", str(BASE_DIR.parent / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- harden (#17): safe defaults. DEBUG only when asked for (`make demo`, `dangke demo`,
# DANGKE_DEBUG=true). Without a secret key the settings still load (tests, commands), but a
# production start refuses (dangke.core.production, called by `dangke serve` and wsgi.py).
DEBUG = env_bool("DANGKE_DEBUG", False)
INSECURE_SECRET_KEY = "dangke-insecure-development-key-do-not-use"
SECRET_KEY = env_str("DANGKE_SECRET_KEY", INSECURE_SECRET_KEY)
# --- end harden
ALLOWED_HOSTS = env_list("DANGKE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DANGKE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before django_tasks_db: its `db_worker` command is replaced by ops' (heartbeat + reaping).
    "dangke.ops",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "dangke.core",
    "dangke.regions",
    "dangke.accounts",
    "dangke.faculty",
    "dangke.courses",
    "dangke.reports",
    "dangke.imports",
    "dangke.broadcast",
    "dangke.delivery",
    "dangke.media",
    "dangke.evaluation",
    "dangke.training",
    "dangke.contests",
    "dangke.insights",
    "dangke.care",
    "dangke.workreport",
    "dangke.members",
    "dangke.quizzes",
    "dangke.advice",
    "dangke.alliances",
    "dangke.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dangke.core.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dangke.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "dangke.core.errors.FriendlyErrorPagesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view says @login_not_required (tests/test_public_pages.py)
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "dangke.core.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dangke.accounts.middleware.ScopeMiddleware",
]

ROOT_URLCONF = "dangke.urls"
WSGI_APPLICATION = "dangke.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dangke.accounts.context_processors.scope",
            ],
        },
    },
]

SQLITE_PATH = VAR_DIR / "dangke.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker write while the web process reads; the busy timeout lets a
    # writer wait for the other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "reports:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static", NINJA_DIR / "static"]
# WhiteNoise serves files straight from the finders in development and `make demo`, so
# the embedded tier needs no collectstatic step and no separate web server.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DANGKE_MEDIA_ROOT", str(VAR_DIR / "media")))
# Serve static files from the app itself in the embedded tier: no CDN, no nginx needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# A file cache works across the web and worker processes of one machine without another
# service; it carries task progress (e.g. an import's progress bar).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }
}

TASKS = {
    "default": {
        "BACKEND": env_str("DANGKE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A worker beats for the job it holds this often; a job whose beat stopped for longer than
# JOB_STALE_SECONDS was left by a dead worker and is failed (dangke.core.jobs).
JOB_HEARTBEAT_SECONDS = env_int("DANGKE_JOB_HEARTBEAT_SECONDS", 15)
JOB_STALE_SECONDS = env_int("DANGKE_JOB_STALE_SECONDS", 120)
# Scoping fails closed (dangke/accounts/scoping.py): in a request, a query of a scoped model
# without .visible_to(scope) or .unscoped(reason) raises when strict (the tests), and only
# logs a warning otherwise, so a missed mark never breaks a user's page.
DANGKE_SCOPING_STRICT = env_bool("DANGKE_SCOPING_STRICT", False)

# Upload limits (bytes). Courseware can be a recorded lecture; spreadsheets are small.
COURSEWARE_MAX_BYTES = env_int("DANGKE_COURSEWARE_MAX_MB", 500) * 1024 * 1024
SPREADSHEET_MAX_BYTES = env_int("DANGKE_SPREADSHEET_MAX_MB", 20) * 1024 * 1024
# A course package (课程包, courses.packages) carries a course's courseware versions: its
# whole unpacked size is bounded here, each file by COURSEWARE_MAX_BYTES as well.
COURSE_PACKAGE_MAX_BYTES = env_int("DANGKE_COURSE_PACKAGE_MAX_MB", 2000) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A whole request body: above the largest per-file limit (a 2 GB lesson recording), so each
# form still says which file is too large; beyond it the body is not read at all and a
# page says so (core.middleware.RequestBodyLimitMiddleware; `dangke serve` lets Waitress
# take a little more, so the page and not a reset connection answers).
REQUEST_BODY_MAX_BYTES = env_int("DANGKE_REQUEST_MAX_MB", 2100) * 1024 * 1024

# This installation's name as other installations read it in the course packages it exports
# (课程包的来源平台), e.g. "乐山市党员教育平台"; the region code beside it tells two
# installations that kept the default apart.
DANGKE_INSTALLATION_NAME = env_str("DANGKE_INSTALLATION_NAME", "党课平台")
DANGKE_ALLOW_DEMO_ACCOUNTS = env_bool("DANGKE_ALLOW_DEMO_ACCOUNTS", DEBUG)
DANGKE_PAGE_SIZE = env_int("DANGKE_PAGE_SIZE", 25)
# A list export of more rows than this is written by a task with progress: core.listing
# hands it to DANGKE_LARGE_EXPORT (the job model sits in the imports app, above core).
DANGKE_EXPORT_INLINE_ROWS = env_int("DANGKE_EXPORT_INLINE_ROWS", 5000)
DANGKE_LARGE_EXPORT = "dangke.imports.export_jobs.request_export"

# Notifications go by email only when an SMTP host is configured; otherwise they stay in
# the app (and in memory for tests).
SMTP_HOST = env_str("DANGKE_SMTP_HOST", "")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": env_int("DANGKE_SMTP_PORT", 25),
                "username": env_str("DANGKE_SMTP_USER", ""),
                "password": env_str("DANGKE_SMTP_PASSWORD", ""),
                "use_tls": env_bool("DANGKE_SMTP_TLS", False),
            },
        }
        if SMTP_HOST
        else {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    )
}
# --- harden (#17): mail explicitly off (DANGKE_MAIL=off): notifications stay in the app
# and a production start accepts it; without SMTP and without this, mail is kept in memory
# (development, tests) and a production start refuses.
if not env_bool("DANGKE_MAIL", True):
    MAILERS["default"] = {"BACKEND": "dangke.core.production.MailOffBackend"}
# --- end harden
DEFAULT_FROM_EMAIL = env_str("DANGKE_FROM_EMAIL", "dangke@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DANGKE_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every step of every PDF at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

SESSION_COOKIE_HTTPONLY = True

# --- harden (#17): HTTPS behind a TLS-terminating nginx (deploy/, README "Security").
# DANGKE_HTTPS=true: nginx sets X-Forwarded-Proto; Django then redirects plain HTTP, sends
# HSTS and marks its cookies Secure. Off by default, since an intranet office may serve
# plain HTTP on its own network (then `check --deploy` says so).
HTTPS = env_bool("DANGKE_HTTPS", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = env_bool("DANGKE_SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("DANGKE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DANGKE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("DANGKE_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Without DEBUG WhiteNoise indexes STATIC_ROOT once at start (and warns when it is missing);
# the files themselves still come from the finders until `collectstatic` fills it.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Content-Security-Policy (Django's own, django.middleware.csp): scripts only from this
# site or with the response's nonce (`{{ csp_nonce }}`, the few standalone pages); no
# inline event handlers (dangke/static/dangke/behaviours.js instead); styles may be inline
# (style attributes and ECharts' own); nothing from other hosts, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("django.template.context_processors.csp")
# --- end harden


# --- Production tier (issue #16, dangke/ops): DATABASE_URL pooling, REDIS_URL, instance name,
# static root and S3. Without these variables the embedded tier is exactly as above.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Several gunicorn workers and task workers each keep a connection for a while and check
    # it before use, so a PostgreSQL restart costs one failed check, not a 500.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DANGKE_DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # Django's own Redis backend, wrapped so that a Redis outage degrades (a miss, a lost
    # write) instead of answering 500 (dangke/ops/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "dangke.ops.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Sessions read from Redis and survive it: every write also goes to the database.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
DANGKE_INSTANCE_NAME = env_str("DANGKE_INSTANCE_NAME", "")
if DANGKE_INSTANCE_NAME:
    MIDDLEWARE.insert(0, "dangke.ops.middleware.InstanceNameMiddleware")
# Behind nginx every request comes from nginx: from these addresses the client's own is read
# from X-Real-IP, so survey rate limits count phones, not the proxy.
DANGKE_TRUSTED_PROXIES = env_list("DANGKE_TRUSTED_PROXIES", [])
if DANGKE_TRUSTED_PROXIES:
    MIDDLEWARE.insert(0, "dangke.ops.middleware.RealAddressMiddleware")
STATIC_ROOT = Path(env_str("DANGKE_STATIC_ROOT", str(STATIC_ROOT)))
# A worker whose heartbeat is older than this is taken for dead: /healthz says so and the
# next worker to start fails the task it was running (dangke/ops/heartbeat.py).
DANGKE_WORKER_HEARTBEAT_SECONDS = env_int("DANGKE_WORKER_HEARTBEAT_SECONDS", 10)
DANGKE_WORKER_STALE_SECONDS = env_int("DANGKE_WORKER_STALE_SECONDS", 60)
# /healthz calls the queue unhealthy when a task has waited longer than this.
DANGKE_HEALTH_QUEUE_MAX_AGE = env_int("DANGKE_HEALTH_QUEUE_MAX_AGE", 600)
# Secure cookies follow DANGKE_HTTPS (above); DANGKE_COOKIE_SECURE sets them either way.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DANGKE_COOKIE_SECURE", HTTPS)
# --- end of production tier

# --- phones (#19): a memory cache of this process, in every tier, for values that never
# change under their key (e.g. a survey's rating form, keyed by the survey and its frozen
# indicator system: evaluation.services.asked_roles). Nothing to invalidate across
# processes, and a hall of phones reads it without a file or a network round trip.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "dangke-local",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
# --- end phones
