"""A small HTTP client for the cluster scripts (fault tests, bench): a cookie jar per user
or phone, CSRF tokens read from the forms, the answering instance read from each response.
Standard library only: these scripts run with the project's venv but need nothing more."""

import http.cookiejar
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')
QUESTION = re.compile(r'name="(i_[a-z_0-9]+)" value="(\d+)"')


def load_cluster_env() -> dict:
    """var/cluster.env into os.environ, then Django set up on the cluster's database."""
    env_file = ROOT / "var" / "cluster.env"
    if not env_file.exists():
        raise SystemExit("var/cluster.env 不存在：先运行 make cluster")
    values = {}
    for line in env_file.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value.strip('"')
    os.environ.update(values)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangke.settings")
    import django

    django.setup()
    return values


@dataclass
class Reply:
    status: int
    instance: str
    body: str
    error: str = ""


class Session:
    def __init__(self, base: str, timeout: float = 30):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.timeout = timeout

    def request(self, path: str, data: dict | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if body is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Reply(
                    response.status,
                    response.headers.get("X-Dangke-Instance", ""),
                    response.read().decode("utf-8", "replace"),
                )
        except urllib.error.HTTPError as error:
            return Reply(
                error.code,
                error.headers.get("X-Dangke-Instance", ""),
                error.read().decode("utf-8", "replace"),
            )
        except (urllib.error.URLError, OSError) as error:
            return Reply(0, "", "", error=f"{type(error).__name__}: {error}")

    def login(self, username: str, password: str) -> None:
        page = self.request("/accounts/login/")
        token = CSRF.search(page.body).group(1)
        reply = self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        if reply.status != 200 or "/accounts/login/" in reply.body[:0]:
            raise RuntimeError(f"登录失败：{reply.status} {reply.error}")
        if not any(cookie.name == "sessionid" for cookie in self.jar):
            raise RuntimeError("登录失败：没有会话 cookie")

    def answer_survey(self, key: str, stars: int = 4) -> Reply:
        """One phone: open the QR page, give every question `stars`, submit."""
        page = self.request(f"/evaluation/s/{key}/")
        if page.status != 200:
            return page
        form = {
            "csrfmiddlewaretoken": CSRF.search(page.body).group(1),
            "nonce": NONCE.search(page.body).group(1),
            "comment": "",
        }
        for name, value in QUESTION.findall(page.body):
            if int(value) == stars or name not in form:
                form[name] = value
        return self.request(f"/evaluation/s/{key}/", form)
