"""Issue #18: the members' study figures per county and year (`members.rollup`) equal the
member-years added up, for each county's scope and the city's, after the writes that move
them: a sign-in that credits hours, a member moved to another county, the ledger's rebuild
dropping a leaver's year, and the rollup's rebuild."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from dangke.accounts.scoping import Scope, scope_for_user
from dangke.members import rollup as study_rollup
from dangke.members.models import MemberStatus, StudyTally, StudyYear
from dangke.members.queries import study_figures
from dangke.members.services import rebuild_study_years, refresh_years
from tests.members_helpers import lesson
from tests.test_members_pages import roster  # noqa: F401  (fixture)

YEAR = timezone.localdate().year


def assert_tallies_equal_the_member_years(world, monkeypatch) -> dict:
    """For each county admin and the city admin: the figures from the tallies equal those
    added up from the member-years. Returns the city's."""
    for user in (world.county_a_admin, world.county_b_admin, world.city_admin):
        scope = scope_for_user(user)
        assert scope.county_prefixes() is not None
        tallied = study_figures(scope, YEAR)
        with monkeypatch.context() as patched:
            patched.setattr(Scope, "county_prefixes", lambda scope, region_code=None: None)
            assert tallied == study_figures(scope, YEAR), user.username
    return study_figures(scope_for_user(world.city_admin), YEAR)


def test_the_tallies_follow_sign_ins_moves_and_rebuilds(client, world, roster, monkeypatch):  # noqa: F811
    _zhao, qian, li = roster
    city = assert_tallies_equal_the_member_years(world, monkeypatch)
    assert (city["registered"], city["leaders"], city["with_hours"]) == (3, 1, 0)

    the_lesson = lesson(world, day=datetime.date(YEAR, 1, 2), minutes=360)
    client.post(
        f"/delivery/sign/{the_lesson.checkin_token}/", {"name": "钱坤", "phone": "13800000002"}
    )
    city = assert_tallies_equal_the_member_years(world, monkeypatch)
    assert (city["with_hours"], city["hours_total"]) == (1, 8.0)

    # 钱坤 moves to county B's organisation: county A loses the member-year, B gains it.
    qian.organization, qian.region = world.org_b, world.org_b.region
    qian.save()
    refresh_years([qian.pk], YEAR)
    assert_tallies_equal_the_member_years(world, monkeypatch)
    county_b = study_figures(scope_for_user(world.county_b_admin), YEAR)
    assert (county_b["registered"], county_b["with_hours"]) == (2, 1)

    # 李四 leaves the roster with no line this year: the ledger's rebuild drops the year.
    li.status = MemberStatus.LEFT
    li.save()
    rebuild_study_years(YEAR)
    assert not StudyYear.objects.filter(member=li, year=YEAR).exists()
    assert study_figures(scope_for_user(world.county_b_admin), YEAR)["registered"] == 1
    assert_tallies_equal_the_member_years(world, monkeypatch)


def test_a_rebuild_counts_the_member_years_again(world, roster, monkeypatch):  # noqa: F811
    study_rollup.flush()  # what the fixture's writes noted, as at their commit
    StudyTally.objects.unscoped("the test spoils the rollup").update(registered=0)
    study_rollup.rebuild(YEAR, world.county_a.code)
    assert study_figures(scope_for_user(world.county_a_admin), YEAR)["registered"] == 2
    assert study_figures(scope_for_user(world.county_b_admin), YEAR)["registered"] == 0
    call_command("rebuild_study_years", year=YEAR)
    assert_tallies_equal_the_member_years(world, monkeypatch)
