"""The JSON API: bearer tokens, pagination, and the same region scoping as the pages."""

import pytest
from django.core.management import call_command

from dangke.accounts.models import ApiToken


def get(client, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1{path}", headers=headers)


def codes(response):
    return sorted(item["code"] for item in response.json()["items"])


@pytest.fixture
def tokens(world):
    return {
        name: ApiToken.issue(getattr(world, attr))
        for name, attr in [
            ("city", "city_admin"),
            ("a", "county_a_admin"),
            ("b", "county_b_admin"),
            ("teacher", "teacher_user"),
            ("liaison", "liaison"),
        ]
    }


def test_requests_without_a_valid_token_are_refused(client, world):
    assert get(client, "/teachers").status_code == 401
    assert get(client, "/teachers", token="dk_not-a-token").status_code == 401


def test_a_disabled_user_token_stops_working(client, world, tokens):
    world.county_a_admin.is_active = False
    world.county_a_admin.save()
    assert get(client, "/teachers", token=tokens["a"]).status_code == 401


@pytest.mark.parametrize(
    ("who", "teachers", "organizations", "courses"),
    [
        ("a", ["T-A-001"], ["O-A-001"], ["C-A-001"]),
        ("b", ["T-B-001"], ["O-B-001"], ["C-B-001"]),
        ("city", ["T-A-001", "T-B-001", "T-C-001"], ["O-A-001", "O-B-001"], ["C-A-001", "C-B-001"]),
        ("teacher", ["T-A-001"], [], ["C-A-001"]),
        ("liaison", [], ["O-A-001"], []),
    ],
)
def test_lists_are_scoped_like_the_pages(client, tokens, who, teachers, organizations, courses):
    token = tokens[who]
    assert codes(get(client, "/teachers", token)) == teachers
    assert codes(get(client, "/organizations", token)) == organizations
    assert codes(get(client, "/courses", token)) == courses


def test_items_carry_id_and_region_code(client, world, tokens):
    body = get(client, "/teachers", tokens["a"]).json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == world.teacher_a.pk
    assert item["region"] == "511102"
    assert item["specialties"] == ["theory"]
    org = get(client, "/organizations", tokens["b"]).json()["items"][0]
    assert (org["id"], org["region"], org["kind_label"]) == (world.org_b.pk, "511123100201", "村")


def test_objects_of_another_county_answer_404(client, world, tokens):
    assert get(client, f"/teachers/{world.teacher_b.pk}", tokens["a"]).status_code == 404
    assert get(client, f"/organizations/{world.org_b.pk}", tokens["a"]).status_code == 404
    assert get(client, f"/courses/{world.course_b.pk}", tokens["a"]).status_code == 404
    assert get(client, f"/courses/{world.course_a.pk}", tokens["a"]).status_code == 200


def test_filters_cannot_widen_the_scope(client, world, tokens):
    assert codes(get(client, "/teachers?region=511123", tokens["a"])) == []
    assert codes(get(client, "/teachers?region=511123", tokens["city"])) == ["T-B-001"]
    assert codes(get(client, "/courses?category=policy", tokens["city"])) == ["C-B-001"]


def test_lists_are_paginated(client, world, tokens):
    from dangke.faculty.models import Teacher

    Teacher.objects.bulk_create(
        Teacher(code=f"T-A-{n:03}", name=f"教师{n}", region=world.county_a, level="county")
        for n in range(2, 62)
    )
    first = get(client, "/teachers", tokens["a"]).json()
    second = get(client, "/teachers?page=2", tokens["a"]).json()
    assert first["count"] == second["count"] == 61
    assert len(first["items"]) == 50 and len(second["items"]) == 11
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_course_detail_has_its_outline(client, world, tokens):
    world.course_a.outline.create(position=1, title="为什么要党建引领", planned_minutes=30)
    world.course_a.outline.create(position=2, title="怎样激活村级治理", planned_minutes=60)
    body = get(client, f"/courses/{world.course_a.pk}", tokens["a"]).json()
    assert [item["planned_minutes"] for item in body["outline"]] == [30, 60]


def test_me_lists_the_roles(client, tokens):
    body = get(client, "/me", tokens["liaison"]).json()
    assert body["username"] == "liaison"
    assert [role["role"] for role in body["roles"]] == ["liaison"]


def test_regions_are_public_reference_data(client, world):
    body = client.get("/api/v1/regions?parent=5111").json()
    assert [item["code"] for item in body["items"]] == ["511102", "511123"]


def test_docs_page_is_served_without_a_cdn(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_token_command_prints_a_working_token(client, world, capsys):
    call_command("token", "county-b")
    token = capsys.readouterr().out.strip()
    assert codes(get(client, "/teachers", token)) == ["T-B-001"]
