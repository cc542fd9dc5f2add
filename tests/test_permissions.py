"""One permission style: predicates of a Scope, asked through one adapter that reads
request.scope; not allowed is 403 for what the user can see, 404 for what they cannot."""

import rules
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangke.accounts.rules import is_region_admin, manages_object_region
from dangke.accounts.scoping import Scope, scope_for_user
from dangke.core.permissions import may


def test_region_admin_predicate():
    assert is_region_admin(Scope(managed_region_codes=("511102",)))
    assert is_region_admin(Scope(is_superuser=True))
    assert not is_region_admin(Scope(region_codes=("511102",)))  # an organiser sees, not edits
    assert not is_region_admin(Scope())


def test_manages_object_region_predicate(world):
    county_a = Scope(managed_region_codes=("511102",))
    city = Scope(managed_region_codes=("5111",))
    assert manages_object_region(county_a, world.org_a)
    assert not manages_object_region(county_a, world.org_b)
    assert manages_object_region(city, world.org_b)
    assert not manages_object_region(city, None)


def test_predicates_compose():
    sees_by_region = rules.predicate(lambda scope: bool(scope.region_codes))
    both = is_region_admin & sees_by_region
    assert both(Scope(region_codes=("511102",), managed_region_codes=("511102",)))
    assert not both(Scope(managed_region_codes=("511102",)))
    assert (is_region_admin | sees_by_region)(Scope(region_codes=("511102",)))


def test_the_adapter_reads_the_requests_scope_without_queries(world):
    class Request:
        scope = scope_for_user(world.county_a_admin)

    with CaptureQueriesContext(connection) as captured:
        assert may(Request, "regions.change_organization", world.org_a)
        assert not may(Request, "regions.change_organization", world.org_b)
        assert may(Request, "courses.add_course")
    assert captured.captured_queries == []


def test_visible_but_not_yours_is_403_and_invisible_is_404(client, world):
    client.force_login(world.liaison)  # sees their own organisation, edits nothing
    assert client.get(f"/organizations/{world.org_a.pk}/").status_code == 200
    assert client.get(f"/organizations/{world.org_a.pk}/edit/").status_code == 403
    client.force_login(world.county_b_admin)
    assert client.get(f"/organizations/{world.org_a.pk}/edit/").status_code == 404
    client.force_login(world.county_a_admin)
    assert client.get(f"/organizations/{world.org_a.pk}/edit/").status_code == 200
