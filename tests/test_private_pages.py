"""Issue #29 (8): pages of a logged-in user are not kept by the browser (shared office
computers: after logout the back button must not show them); static files still are."""

from django.utils.cache import get_max_age

from tests.conftest import PASSWORD


def _directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def test_logged_in_pages_are_private_and_not_stored(world, client):
    client.login(username="county-a", password=PASSWORD)
    for url in ("/", "/faculty/", "/courses/", "/accounts/me/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= _directives(response), url


def test_exports_of_a_logged_in_user_are_not_stored_either(world, client):
    client.login(username="county-a", password=PASSWORD)
    response = client.get("/faculty/?export=xlsx")
    assert response.status_code == 200
    assert {"private", "no-store"} <= _directives(response)


def test_public_pages_for_anonymous_visitors_are_left_alone(world, client):
    response = client.get("/media-works/portal/511102/")
    assert response.status_code == 200
    assert "no-store" not in _directives(response)


def test_static_files_stay_cacheable_for_logged_in_users(world, client):
    client.login(username="county-a", password=PASSWORD)
    response = client.get("/static/dangke/app.css")
    assert response.status_code == 200
    assert "no-store" not in _directives(response)
    assert get_max_age(response) is None or get_max_age(response) > 0
