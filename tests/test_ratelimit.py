"""Issue #29 (2): the survey rate limit is a true minute. Counting is atomic (no hit lost
under concurrency), a window ends at its boundary, and refused requests do not extend it;
a hall of 60 phones behind one address all get through."""

import os
import sqlite3
import subprocess
import sys
import time

import pytest
from django.test import Client
from django.urls import reverse

from dangke.core import ratelimit
from dangke.core.models import RateWindow
from dangke.evaluation.models import Response
from tests.test_evaluation import form_nonce, make_lesson, stars

T0 = 1_800_000_000.0  # a window boundary (divisible by 60)


@pytest.mark.django_db
def test_a_window_is_a_fixed_minute_that_refusals_do_not_extend():
    assert [ratelimit.hit("k", limit=2, now=T0 + s) for s in (0, 1, 2)] == [True, True, False]
    for second in range(3, 60):  # refused all minute long
        assert not ratelimit.hit("k", limit=2, now=T0 + second)
    assert ratelimit.hit("k", limit=2, now=T0 + 60)  # the next minute starts afresh
    assert ratelimit.hit("other", limit=2, now=T0 + 5)  # keys are independent


@pytest.mark.django_db
def test_old_windows_are_deleted_as_new_ones_start():
    ratelimit.hit("k", limit=5, now=T0)
    ratelimit.hit("k", limit=5, now=T0 + ratelimit.KEEP_SECONDS + 120)
    assert list(RateWindow.objects.values_list("window_start", flat=True)) == [
        T0 + ratelimit.KEEP_SECONDS + 120
    ]


WORKER = """
import sys, threading, django
django.setup()
from django.db import connection
from dangke.core import ratelimit
from dangke.core.models import RateWindow
if sys.argv[1] == "create":
    with connection.schema_editor() as editor:
        editor.create_model(RateWindow)
    sys.exit()
allowed = []
def burst():
    for _ in range(int(sys.argv[2])):
        allowed.append(ratelimit.hit("hall", limit=int(sys.argv[3]), now=1_800_000_000.0))
    connection.close()
threads = [threading.Thread(target=burst) for _ in range(int(sys.argv[1]))]
[t.start() for t in threads]
[t.join() for t in threads]
print(allowed.count(True))
"""


def test_concurrent_hits_from_processes_and_threads_are_all_counted(tmp_path):
    """Three processes of four threads each hit one key on a SQLite file in WAL mode (the
    embedded tier): every hit is counted and exactly `limit` are let through."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="dangke.settings", DANGKE_VAR_DIR=str(tmp_path))
    run = [sys.executable, "-c", WORKER]
    subprocess.run([*run, "create"], env=env, check=True, timeout=120)
    workers = [
        subprocess.Popen([*run, "4", "25", "200"], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    allowed = sum(int(worker.communicate(timeout=300)[0]) for worker in workers)
    with sqlite3.connect(tmp_path / "dangke.sqlite3") as database:
        (count,) = database.execute("SELECT count FROM core_ratewindow").fetchone()
    assert count == 3 * 4 * 25
    assert allowed == 200


@pytest.fixture
def open_survey(world):
    from dangke.evaluation import services

    lesson = make_lesson(world, attendees=0)  # attendance not recorded yet
    return services.open_survey(lesson, actor=world.county_a_admin)


def _answer(survey):
    url = reverse("evaluation:rate", args=[survey.public_key])
    phone = Client()  # a phone of its own: no cookie from the others
    nonce = form_nonce(phone.get(url))
    return phone.post(url, {"nonce": nonce, **stars(4)}).status_code


def test_sixty_phones_behind_one_address_all_get_through(open_survey):
    statuses = [_answer(open_survey) for _ in range(60)]
    assert statuses == [200] * 60
    assert Response.objects.filter(survey=open_survey).count() == 60


def test_a_refused_address_is_served_again_the_next_minute(open_survey, settings, monkeypatch):
    """Django's cache `incr` re-armed a five-minute timeout on every request, refused ones
    included: after two 61 s pauses an address was still refused."""
    settings.DANGKE_SURVEY_RATE_LIMIT = 2
    clock = [T0 + 10]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    assert [_answer(open_survey) for _ in range(5)] == [200, 200, 429, 429, 429]
    clock[0] += 61
    assert _answer(open_survey) == 200
    assert Response.objects.filter(survey=open_survey).count() == 3


def _post(survey, body):
    url = reverse("evaluation:rate", args=[survey.public_key])
    phone = Client()
    nonce = form_nonce(phone.get(url))
    return phone, url, phone.post(url, {"nonce": nonce, **body})


def _counted() -> int:
    return sum(RateWindow.objects.values_list("count", flat=True))


def test_every_post_counts_once_whether_stored_refused_or_sent_again(
    open_survey, settings, monkeypatch
):
    """Issue #19: the hit is counted in the sheet's own transaction. A refusal still
    commits its count and stores nothing; a form the checks refuse and a form sent again
    (whose transaction rolls back) are each counted once all the same."""
    settings.DANGKE_SURVEY_RATE_LIMIT = 3
    monkeypatch.setattr(time, "time", lambda: T0 + 10)
    _phone, url, first = _post(open_survey, stars(4))
    # the same form again from a phone that never saw the answer (nor its cookie)
    resent = Client().post(url, first.wsgi_request.POST)
    assert (first.status_code, resent.status_code) == (200, 200)
    assert Response.objects.filter(survey=open_survey).count() == 1
    assert _counted() == 2
    _phone, _url, invalid = _post(open_survey, stars(9))
    assert invalid.status_code == 400 and _counted() == 3
    _phone, _url, refused = _post(open_survey, stars(4))
    assert refused.status_code == 429
    assert "提交太频繁，请稍后再试" in refused.content.decode()
    assert _counted() == 4
    _phone, _url, refused_invalid = _post(open_survey, stars(9))
    assert refused_invalid.status_code == 429 and _counted() == 5
    assert Response.objects.filter(survey=open_survey).count() == 1


def test_a_phones_page_is_served_without_reading_the_roles(open_survey, monkeypatch):
    """The trainee's page and thank-you page are cached apart from the roles a sheet is
    checked against, so a phone's GET reads one small entry; the POST reads the roles.
    Both come from the process's own copies once read: nothing is unpickled per phone."""
    from dangke.evaluation import services
    from dangke.evaluation.views import rate

    cache = services.local_cache()
    cache.clear()
    _answer(open_survey)  # builds and caches both entries
    read, unpickled = [], []
    real_cached, real_get = rate._cached, type(cache).get
    monkeypatch.setattr(rate, "_cached", lambda key: read.append(key) or real_cached(key))
    monkeypatch.setattr(
        type(cache),
        "get",
        lambda self, key, *a, **k: unpickled.append(key) or real_get(self, key, *a, **k),
    )
    url = reverse("evaluation:rate", args=[open_survey.public_key])
    phone = Client()
    page = phone.get(url)
    assert page.status_code == 200 and 'name="nonce"' in page.content.decode()
    assert [key.endswith(":pages") for key in read] == [True]
    read.clear()
    done = phone.post(url, {"nonce": form_nonce(page), **stars(5)})
    assert done.status_code == 200
    assert [key.endswith(":pages") for key in read] == [False]
    assert unpickled == []
    assert Response.objects.filter(survey=open_survey).count() == 2


def test_the_process_keeps_the_last_page_parts_it_read_and_no_more():
    from dangke.evaluation.views import rate

    rate._keep({f"test-version-{n}": object() for n in range(rate.KEPT_ENTRIES + 5)})
    assert len(rate._kept) == rate.KEPT_ENTRIES
    assert (
        "test-version-4" not in rate._kept and f"test-version-{rate.KEPT_ENTRIES + 4}" in rate._kept
    )
    rate._kept.clear()
