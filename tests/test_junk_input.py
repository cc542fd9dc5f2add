"""Junk in request fields answers a page or "not found", never a 500 (issue #17)."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from dangke.core.ids import bounded_year, db_id
from tests.url_sweep import (
    COMMON_FIELDS,
    JUNK_PATH,
    ROLES,
    fill,
    junk_form,
    parameters,
    problem,
    routes,
)

JUNK = ["", "abc", "²", "-1", "0", "1.5", "9" * 30, "9223372036854775808", " 7 "]


@pytest.mark.parametrize("value", JUNK)
def test_db_id_accepts_only_what_can_name_a_row(value):
    expected = 7 if value == " 7 " else None
    assert db_id(value) == expected


def test_bounded_year_falls_back_on_junk():
    assert bounded_year("2026", 2000) == 2026
    assert [bounded_year(v, 2025) for v in ("1999", "2101", "²", "9" * 30, None)] == [2025] * 5


@pytest.mark.parametrize("value", ["9" * 30, "²", "abc", "-3"])
def test_order_form_with_a_junk_course_shows_the_form(client, world, value):
    client.force_login(world.county_a_admin)
    response = client.get(reverse("delivery:order_create"), {"course": value})
    assert response.status_code == 200


# --- Every URL pattern, as every role, with junk ids and junk fields ----------------------


def client_as(world, role):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


def junk_path(route: str, turn: int) -> str:
    """The route with each parameter filled by junk of its converter, turning with `turn`
    so that the roles between them try every kind of junk on every pattern."""
    values = {}
    for index, (kind, name) in enumerate(parameters(route)):
        choices = JUNK_PATH.get(kind, JUNK_PATH["str"])
        values[name] = choices[(turn + index) % len(choices)]
    return fill(route, values)


def logged_exceptions(caplog) -> list[str]:
    """Exceptions logged with their traceback, except Django's security log, which records
    junk it refused (a sign-in redirect too long to follow) as it should."""
    return [
        f"{r.name}: {r.getMessage()[:120]}"
        for r in caplog.get_records("call")
        if r.exc_info and not r.name.startswith("django.security")
    ]


@pytest.mark.logs_errors  # Django's security log; any other exception fails below
def test_every_url_answers_junk_ids_and_fields_with_a_message(world, caplog):
    found = {}
    for turn, role in enumerate(ROLES):
        client = client_as(world, role)
        for seed, (route, name) in enumerate(routes()):
            url = junk_path(route, turn + seed)
            for method, response in (
                ("GET", client.get(url, junk_form(COMMON_FIELDS, turn + seed))),
                ("POST", client.post(url, junk_form(COMMON_FIELDS, turn + seed + 1))),
            ):
                wrong = problem(response, urlsplit(url).path, name)
                if wrong:
                    found[f"{role} {method} {name} {url[:80]}"] = wrong
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
    assert not logged_exceptions(caplog)
