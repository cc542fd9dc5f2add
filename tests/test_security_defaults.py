"""Safe defaults and the API contract (issue #17)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from dangke.accounts.models import ApiToken
from dangke.core import production
from dangke.core.apicontract import MAX_DB_INT


def test_every_page_has_a_content_security_policy(client, world):
    client.force_login(world.county_a_admin)
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    # The nonce joins the policy only on pages that use it (the printable poster).
    assert "script-src 'self';" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert " onchange=" not in response.content.decode()


def test_a_production_start_refuses_development_fallbacks(settings, monkeypatch):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.INSECURE_SECRET_KEY
    monkeypatch.delenv("DANGKE_ALLOWED_HOSTS", raising=False)
    settings.MAILERS = {"default": {"BACKEND": production.MEMORY_MAIL_BACKEND}}
    with pytest.raises(ImproperlyConfigured) as refused:
        production.require_production_settings()
    message = str(refused.value)
    assert "DANGKE_SECRET_KEY" in message and "DANGKE_ALLOWED_HOSTS" in message
    assert "DANGKE_MAIL=off" in message
    settings.SECRET_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"
    monkeypatch.setenv("DANGKE_ALLOWED_HOSTS", "dangke.example.gov.cn")
    settings.MAILERS = {"default": {"BACKEND": "dangke.core.production.MailOffBackend"}}
    assert production.production_problems() == []


@pytest.fixture
def bearer(world):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(world.county_a_admin)}"}


def test_huge_ids_and_pages_are_refused_or_empty_never_an_error(client, world, bearer):
    too_big = MAX_DB_INT + 1
    assert client.get(f"/api/v1/courses/{too_big}", **bearer).status_code == 422
    assert client.get(f"/api/v1/lessons?course={too_big}", **bearer).status_code == 422
    assert client.get(f"/api/v1/courses/{MAX_DB_INT}", **bearer).status_code == 404
    past_the_end = client.get(f"/api/v1/courses?page={MAX_DB_INT}", **bearer)
    assert past_the_end.status_code == 200
    assert past_the_end.json()["items"] == [] and past_the_end.json()["count"] >= 1
    nothing = client.get(f"/api/v1/lessons?course={MAX_DB_INT}", **bearer).json()
    assert nothing == {"items": [], "count": 0}


def test_every_operation_declares_its_errors(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            declared = set(operation["responses"])
            assert {"200", "400", "404", "422"} <= declared, (method, path, declared)
            if operation.get("security"):
                assert {"401", "403"} <= declared, (method, path)
