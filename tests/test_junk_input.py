"""Junk in request fields answers a page or "not found", never a 500 (issue #17)."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import resolve, reverse

from dangke.core.ids import bounded_year, db_id
from tests.test_cross_county_urls import both_counties, rows_of  # noqa: F401
from tests.test_scoping_every_model import rows_in_both_counties  # noqa: F401
from tests.url_sweep import (
    COMMON_FIELDS,
    JUNK_PATH,
    OBJECT_URLS,
    ROLES,
    fill,
    forms_on,
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


# --- Every form of every page, on real rows, with junk in every field ---------------------

# Real values for the parameters that name no row of the office (tests/url_sweep.py,
# NOT_AN_OBJECT), so that the public pages' forms get junk too.
REAL_VALUES = {
    "imports:template": lambda row: {"kind": "teachers"},
    "imports:upload": lambda row: {"kind": "teachers"},
    "media:catalogue_create": lambda row: {"kind": "columns"},
    "care:add": lambda row: {"what": "talk"},
    "media:portal": lambda row: {"region_code": COUNTY_A},
    **dict.fromkeys(
        ["media:watch", "media:file", "media:event"], lambda row: {"pk": row("media.MediaWork").pk}
    ),
    "delivery:sign": lambda row: {"token": row("delivery.Lesson").checkin_token},
    "evaluation:rate": lambda row: {"key": row("evaluation.Survey").public_key},
    "quizzes:pre_test": lambda row: {"key": row("evaluation.Survey").public_key},
    "evaluation:rate_invited": lambda row: {"code": row("evaluation.Invitation").code},
    "contests:judge_home": lambda row: {"key": row("contests.Judge").key},
    "contests:judge_sheet": lambda row: {
        "key": row("contests.JudgeAssignment").judge.key,
        "pk": row("contests.JudgeAssignment").pk,
    },
}
COUNTY_A = "511102"
# Forms the walk does not post to, with why.
NOT_POSTED = {"/accounts/logout/": "it would end the session the walk runs in"}


def real_urls(row) -> dict[str, str]:
    """url name → its URL on county a's rows (or with no parameter at all)."""
    urls = {}
    for route, name in routes():
        if not parameters(route):
            urls[name or route] = fill(route, {})
        elif name in OBJECT_URLS:
            urls[name] = fill(route, OBJECT_URLS[name](row))
        elif name in REAL_VALUES:
            urls[name] = fill(route, REAL_VALUES[name](row))
    return urls


@pytest.mark.logs_errors  # Django's security log; any other exception fails below
def test_every_form_answers_junk_fields_with_a_message(both_counties, caplog):  # noqa: F811
    """Each role opens every page on county a's rows, then posts junk into every field of
    every form the pages showed it (and the fields views read without a form)."""
    world = both_counties
    urls = real_urls(rows_of(world, world.county_a_admin, COUNTY_A))
    found = {}
    for turn, role in enumerate(ROLES):
        if role == "county_b_admin":
            continue  # county a's rows are "not found" to it: the walk above covers that
        client = client_as(world, role)
        forms: dict[str, set[str]] = {}
        names_of = {}
        for name, url in urls.items():
            response = client.get(url)
            wrong = problem(response, url, name)
            if wrong:
                found[f"{role} GET {name} {url}"] = wrong
            for action, fields in forms_on(response, url).items():
                forms.setdefault(action, set()).update(fields)
            names_of[url] = name
        for action in forms:
            names_of.setdefault(action, resolve(action).view_name)
        posted = sorted((set(urls.values()) | set(forms)) - set(NOT_POSTED))
        for seed, url in enumerate(posted):
            fields = forms.get(url, set()) | set(COMMON_FIELDS)
            response = client.post(url, junk_form(fields, turn + seed))
            wrong = problem(response, url, names_of[url])
            if wrong:
                found[f"{role} POST {names_of[url]} {url}"] = wrong
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
    assert not logged_exceptions(caplog)
