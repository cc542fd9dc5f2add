"""What a production start (DEBUG off: `dangke serve`, a WSGI server through wsgi.py) will
not run without. The settings themselves load with development fallbacks, so tests and
commands work anywhere; a server that would face users refuses instead, naming each
missing environment variable (README, Security)."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import DEFAULT_MAILER_ALIAS
from django.core.mail.backends.base import BaseEmailBackend

MEMORY_MAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


class MailOffBackend(BaseEmailBackend):
    """Mail switched off on purpose (DANGKE_MAIL=off): messages are dropped and the
    notifications stay in the app. A real choice, unlike the in-memory fallback."""

    def send_messages(self, email_messages):
        return len(list(email_messages or []))


def production_problems() -> list[str]:
    """The reasons a production start must refuse; empty when it may run."""
    if settings.DEBUG:
        return []
    problems = []
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        problems.append(
            "未设置 DANGKE_SECRET_KEY（至少 50 个字符的随机串，如 "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`）"
        )
    if not os.environ.get("DANGKE_ALLOWED_HOSTS"):
        problems.append("未设置 DANGKE_ALLOWED_HOSTS（本站的域名或地址，逗号分隔）")
    if settings.MAILERS[DEFAULT_MAILER_ALIAS]["BACKEND"] == MEMORY_MAIL_BACKEND:
        problems.append(
            "未设置 DANGKE_SMTP_HOST（发信服务器）；确实不发邮件的，请设 DANGKE_MAIL=off"
        )
    return problems


def require_production_settings() -> None:
    problems = production_problems()
    if problems:
        raise ImproperlyConfigured(
            "生产模式（DEBUG 关闭）拒绝启动：\n- "
            + "\n- ".join(problems)
            + "\n演示请用 `make demo`，开发请设 DANGKE_DEBUG=true。"
        )
