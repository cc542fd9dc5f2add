"""Django settings for Dangke. Everything that differs between machines comes from the
environment (see dangke/env.py and docs/architecture.md); defaults are the embedded tier:
SQLite under var/, the database task backend, files on local disk."""

from pathlib import Path

import dj_database_url

from dangke.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("DANGKE_VAR_DIR", str(BASE_DIR.parent / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DANGKE_DEBUG", True)
if DEBUG:
    SECRET_KEY = env_str("DANGKE_SECRET_KEY", "dangke-insecure-development-key-do-not-use")
else:
    SECRET_KEY = env_str("DANGKE_SECRET_KEY", required=True)
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
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "ninja",
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
        "DIRS": [BASE_DIR / "templates"],
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
    "rules.permissions.ObjectPermissionBackend",
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
STATICFILES_DIRS = [BASE_DIR / "static"]
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

# Upload limits (bytes). Courseware can be a recorded lecture; spreadsheets are small.
COURSEWARE_MAX_BYTES = env_int("DANGKE_COURSEWARE_MAX_MB", 500) * 1024 * 1024
SPREADSHEET_MAX_BYTES = env_int("DANGKE_SPREADSHEET_MAX_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A whole request body: above the largest per-file limit (a 2 GB lesson recording), so each
# form still says which file is too large; beyond it the body is not read at all and a
# page says so (core.middleware.RequestBodyLimitMiddleware; `dangke serve` lets Waitress
# take a little more, so the page and not a reset connection answers).
REQUEST_BODY_MAX_BYTES = env_int("DANGKE_REQUEST_MAX_MB", 2100) * 1024 * 1024

DANGKE_ALLOW_DEMO_ACCOUNTS = env_bool("DANGKE_ALLOW_DEMO_ACCOUNTS", DEBUG)
DANGKE_PAGE_SIZE = env_int("DANGKE_PAGE_SIZE", 25)

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
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
