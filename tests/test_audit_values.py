"""Issue #29 (9): an edit's audit entry keeps every changed field's old and new value as
the user saw them (names, not ids), secrets masked, and the object's history shows them."""

from django import forms

from dangke.core.audit import MASK, form_changes
from dangke.core.models import AuditEntry
from tests.conftest import PASSWORD


def _edit_teacher(client, world, **changes):
    data = {
        "code": "T-A-001", "name": "王红梅", "level": "county", "region": world.county_a.pk,
        "max_travel_km": 50, "specialties": ["theory"], "phone": "",
    } | changes  # fmt: skip
    return client.post(f"/faculty/{world.teacher_a.pk}/edit/", data)


def test_an_edit_keeps_old_and_new_values_and_the_history_shows_them(client, world):
    client.login(username="county-a", password=PASSWORD)
    response = _edit_teacher(
        client, world, name="王红", phone="13800000000", level="city", specialties=["policy"]
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="update", object_id=str(world.teacher_a.pk))
    by_field = {change["field"]: (change["from"], change["to"]) for change in entry.changes}
    assert by_field["name"] == ("王红梅", "王红")
    assert by_field["phone"] == ("", "13800000000")
    assert by_field["level"] == ("县级", "市级")  # labels, not codes
    assert by_field["specialties"] == ("理论教育", "形势政策")
    page = client.get(f"/faculty/{world.teacher_a.pk}/").content.decode()
    assert '<del class="text-secondary">王红梅</del> → 王红' in page


def test_foreign_keys_are_shown_by_name(client, world):
    client.login(username="city-admin", password=PASSWORD)
    _edit_teacher(client, world, region=world.county_b.pk)
    entry = AuditEntry.objects.get(action="update")
    region = next(change for change in entry.changes if change["field"] == "region")
    assert (region["from"], region["to"]) == ("市中区", "犍为县")


class AccountForm(forms.Form):
    username = forms.CharField()
    password = forms.CharField(widget=forms.PasswordInput)
    api_token = forms.CharField()


def test_secret_fields_are_masked():
    form = AccountForm(
        {"username": "new", "password": "s3cret", "api_token": "tok"},
        initial={"username": "old", "password": "old-pass", "api_token": "old-tok"},
    )
    assert form.is_valid()
    changes = {change["field"]: (change["from"], change["to"]) for change in form_changes(form)}
    assert changes == {
        "username": ("old", "new"),
        "password": (MASK, MASK),
        "api_token": (MASK, MASK),
    }
