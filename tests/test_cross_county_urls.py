"""Every URL that names a row answers 404 to a county admin when the row belongs to the
other county: pages, edits, state changes, exports and downloads alike, by GET and by
POST (issue #17). tests/test_scoping_every_model.py proves the querysets; this proves
that every view reaches its rows through them. A new pattern with a parameter fails here
until tests/url_sweep.py says which row it names, or why it names none."""

import pytest
from django.test import Client

from dangke.accounts.scoping import scope_for_user
from tests.test_scoping_every_model import rows_in_both_counties  # noqa: F401
from tests.url_sweep import (
    NOT_AN_OBJECT,
    OBJECT_URLS,
    fill,
    junk_form,
    model,
    parameters,
    routes,
)

COUNTY_B = "511123"
# Pages that answer 404 to their own county too in this world (nothing to show yet): for
# them county a's 404 proves less, and the list is held exact below.
OWNER_SEES_404 = {
    "faculty:photo": "the teacher has no photo",
    "broadcast:programme_audio": "the programme has no audio yet",
    "courses:courseware_file": "the courseware file is not in storage",
    "workreport:download": "the report is not built yet",
    "exports:download": "the export is not written yet",
    "care:needs": "only the enrolled teacher states their needs",
    "care:cards": "the cards are not built yet",
    "api:get_lesson_score": "the lesson has no published score",
    "evaluation:lesson_score_document": "the lesson has no survey",
    "api:get_contest_results": "the contest has no published results",
}


# What a state change posts: enough for a leak to act on the row, junk enough to be refused.
POSTED = ["reason", "status", "decision", "name"]


def parametrised_routes():
    return [(route, name) for route, name in routes() if parameters(route)]


def test_every_pattern_with_a_parameter_is_classified():
    names = {name for _, name in parametrised_routes()}
    unclassified = names - set(OBJECT_URLS) - set(NOT_AN_OBJECT)
    assert not unclassified, f"say which row these name in tests/url_sweep.py: {unclassified}"
    assert not set(OBJECT_URLS) & set(NOT_AN_OBJECT)
    assert set(OBJECT_URLS) | set(NOT_AN_OBJECT) <= names, "stale names in the table"


@pytest.fixture
def both_counties(rows_in_both_counties):  # noqa: F811
    """The scoping proof's rows, plus the one private kind it cannot show a county admin:
    a teacher's counselling request."""
    from dangke.care.models import CounsellingRequest, Counsellor

    world = rows_in_both_counties
    for teacher, county in ((world.teacher_a, world.county_a), (world.teacher_b, world.county_b)):
        counsellor = Counsellor.objects.get(region=county)
        CounsellingRequest.objects.create(teacher=teacher, counsellor=counsellor)
    return world


def rows_of(world, admin, county_code):
    """`row(label)`: the first row of that model in the county (seen through its admin's
    own scope, so the row is surely the county's)."""
    from dangke.care.models import CounsellingRequest

    scope = scope_for_user(admin)
    found = {}

    def row(label):
        if label not in found:
            if label == "care.CounsellingRequest":  # private: no region scope opens it
                rows = CounsellingRequest.objects.filter(
                    teacher__region__code__startswith=county_code
                )
            else:
                rows = model(label).objects.visible_to(scope)
            found[label] = rows.order_by("pk").first()
            assert found[label] is not None, f"no {label} in {county_code}"
        return found[label]

    return row


def test_county_a_gets_404_for_every_url_of_county_bs_rows(both_counties):
    world = both_counties
    row_b = rows_of(world, world.county_b_admin, COUNTY_B)
    urls = {
        name: fill(route, OBJECT_URLS[name](row_b))
        for route, name in parametrised_routes()
        if name in OBJECT_URLS
    }
    county_a = Client(raise_request_exception=False)
    county_a.force_login(world.county_a_admin)
    leaks = {}
    for seed, (name, url) in enumerate(sorted(urls.items())):
        answers = {
            "GET": county_a.get(url).status_code,
            "POST": county_a.post(url, junk_form(POSTED, seed)).status_code,
        }
        # 405 refuses the method before any row is read; one of the two reads the row
        if set(answers.values()) - {404, 405} or 404 not in answers.values():
            leaks[f"{name} {url}"] = answers
    assert not leaks, leaks

    # The rows are the owner's to see: county b's admin is not refused them, so the 404s
    # above come from scope, not from a wrong id in the table.
    county_b = Client(raise_request_exception=False)
    county_b.force_login(world.county_b_admin)
    owner_sees_404 = {name for name, url in urls.items() if county_b.get(url).status_code == 404}
    assert owner_sees_404 == set(OWNER_SEES_404), "county b's own rows answering 404 to it"
