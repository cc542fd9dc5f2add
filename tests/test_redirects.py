"""Issue #29 (7): every view that sends the browser on to the request's `next` keeps it on
this site. One helper (`dangke.core.redirects.next_or`) decides for all of them."""

import datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse

from dangke.core.redirects import next_or
from dangke.evaluation import services as evaluation
from dangke.evaluation.models import SurveyComment
from dangke.faculty import lifecycle
from dangke.media import services as media
from dangke.media.models import MediaComment, WorkStatus
from tests.conftest import PASSWORD
from tests.test_evaluation import make_lesson
from tests.test_lifecycle import quota, rule
from tests.test_media import make_work

pytestmark = pytest.mark.usefixtures("pinned_clock")

OFF_SITE = [
    "//evil.example/x",
    "/\\evil.example/x",
    "https://evil.example/x",
    "http://testserver@evil.example/x",
    "javascript:alert(1)",
    " //evil.example/x",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_helper_refuses_other_hosts(target):
    request = RequestFactory().post("/", {"next": target})
    assert next_or(request, "/faculty/") == "/faculty/"


@pytest.mark.parametrize("target", ["abc", "999", "NaN", "courses"])
def test_helper_takes_only_a_path_not_a_word_redirect_would_reverse(target, db):
    request = RequestFactory().post("/", {"next": target})
    assert next_or(request, "/faculty/") == "/faculty/"


def test_helper_keeps_a_path_on_this_site_and_resolves_url_names(db):
    request = RequestFactory().post("/", {"next": "/faculty/?page=2"})
    assert next_or(request, "/") == "/faculty/?page=2"
    assert next_or(RequestFactory().post("/"), "evaluation:comments") == reverse(
        "evaluation:comments"
    )


def _comment_review(world):
    lesson = make_lesson(world)
    survey = evaluation.open_survey(lesson, actor=world.county_a_admin)
    evaluation.submit_response(
        survey, role="trainee", raw_answers={"depth": "4"},
        nonce=evaluation.new_form_nonce(survey),
        comment="好", now=survey.opens_at + datetime.timedelta(minutes=5),
    )  # fmt: skip
    comment = SurveyComment.objects.get()
    url = reverse("evaluation:comment_review", args=[comment.pk])
    return "county-a", url, {"status": "public"}, reverse("evaluation:comments")


def _media_moderate(world):
    work = make_work(world, status=WorkStatus.PUBLISHED)
    media.post_comment(work, "好", browser_key="k")
    comment = MediaComment.objects.get()
    return (
        "county-a",
        f"/media-works/comments/{comment.pk}/moderate/",
        {"status": "public"},
        (reverse("media:comments")),
    )


def _proposal_decide(world):
    quota(world.county_a)
    (proposal,) = lifecycle.propose_changes(rule(world.county_a), today=datetime.date(2026, 9, 1))
    url = reverse("faculty:proposal_decide", args=[proposal.pk])
    return "county-a", url, {"decision": "confirm", "note": "同意"}, reverse("faculty:proposals")


def _trial_new(world):
    url = reverse("faculty:trial_new", args=[world.teacher_a.pk])
    return "county-a", url, {}, reverse("faculty:pool")


def _switch_region(world):
    return "city-admin", "/accounts/region/", {"region": "511102"}, reverse("reports:dashboard")


def _stay_cancel(world):
    from dangke.care.models import Apartment, Bed, Stay

    apartment = Apartment.objects.create(region=world.county_a, name="公寓")
    bed = Bed.objects.create(apartment=apartment, room_number="101", label="1")
    day = datetime.date(2026, 11, 25)
    stay = Stay.objects.create(
        bed=bed, teacher=world.teacher_a, purpose="training", check_in=day,
        check_out=day + datetime.timedelta(days=1),
    )  # fmt: skip
    return "county-a", f"/care/stays/{stay.pk}/cancel/", {}, reverse("care:lodging")


VIEWS = [
    _comment_review,
    _media_moderate,
    _proposal_decide,
    _trial_new,
    _switch_region,
    _stay_cancel,
]


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: view.__name__.strip("_"))
@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x"])
def test_every_view_reading_next_stays_on_this_site(world, client, view, target):
    username, url, data, fallback = view(world)
    client.login(username=username, password=PASSWORD)
    response = client.post(url, {**data, "next": target})
    assert response.status_code == 302
    assert response["Location"] == fallback


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: view.__name__.strip("_"))
def test_every_view_reading_next_follows_a_local_path(world, client, view):
    username, url, data, _fallback = view(world)
    client.login(username=username, password=PASSWORD)
    response = client.post(url, {**data, "next": "/courses/?page=2"})
    assert response["Location"] == "/courses/?page=2"


def test_login_refuses_an_off_site_next(world, client):
    response = client.post(
        "/accounts/login/?next=//evil.example/x", {"username": "county-a", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
