"""Issue #18: the loudspeaker plays' rollup (`broadcast.PlayTally`, plays per county and local
month) equals the plays themselves — the year figures' plays by month, listener-times and
hours — for each county's scope and the city's, after the stations' reports, a report sent
twice, the Excel import (a play moved to another month among its rows) and a rebuild. Small
data on purpose: the benchmark, not a test, measures the size."""

from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command

from dangke.accounts.scoping import Scope, scope_for_user
from dangke.broadcast import rollup, services
from dangke.broadcast.figures import broadcast_figures
from dangke.broadcast.models import PlayLog, PlayTally
from tests.test_broadcast import import_plays, march_plays, programme, report, stations

__all__ = ["march_plays", "programme", "stations"]  # fixtures, used by name

YEAR = 2026


@contextmanager
def raw_plays(monkeypatch):
    """Every scope reads the plays themselves, as one narrower than a county does."""
    with monkeypatch.context() as patched:
        patched.setattr(Scope, "county_prefixes", lambda scope, region_code=None: None)
        yield


def assert_rollup_equals_raw(world, monkeypatch) -> dict:
    """For each county admin and the city admin: the figures from the rollup equal those
    from the plays. Returns the city's."""
    for user in (world.county_a_admin, world.county_b_admin, world.city_admin):
        scope = scope_for_user(user)
        assert scope.county_prefixes() is not None
        rolled_up = broadcast_figures(scope, YEAR)
        with raw_plays(monkeypatch):
            assert broadcast_figures(scope, YEAR) == rolled_up, user.username
    return broadcast_figures(scope_for_user(world.city_admin), YEAR)


def test_the_rollup_follows_reports_repeats_and_the_import(march_plays, stations, monkeypatch):
    world = march_plays
    city = assert_rollup_equals_raw(world, monkeypatch)
    months = city["plays"]["by_month"]
    assert (months["2026-02"], months["2026-03"], months["2026-04"]) == (1, 4, 1)
    assert city["listeners"] == 239

    # A backlog sent again (counted once) with one new play, at 00:10 on 1 May local time.
    services.record_plays(
        stations["a"],
        [report("a1", "2026-03-01T00:30:00+08:00", 1800, listeners=30),
         report("a-may", "2026-05-01T00:10:00+08:00", 600, listeners=5)],
    )  # fmt: skip
    city = assert_rollup_equals_raw(world, monkeypatch)
    assert (city["plays"]["by_month"]["2026-04"], city["plays"]["by_month"]["2026-05"]) == (1, 1)

    # The import corrects station a's play a2 into April and adds one in June.
    result, counts = import_plays(
        world.county_a_admin,
        [["511102001001", "2026-04-15 07:00", 30, None, 20, "a2"],
         ["511102001001", "2026-06-01 07:00", 15, None, 12, None]],
    )  # fmt: skip
    assert not result.errors and (counts.created, counts.updated) == (1, 1)
    city = assert_rollup_equals_raw(world, monkeypatch)
    months = city["plays"]["by_month"]
    assert (months["2026-03"], months["2026-04"], months["2026-06"]) == (3, 2, 1)
    county_b = broadcast_figures(scope_for_user(world.county_b_admin), YEAR)
    assert county_b["plays"]["total"] == 2  # county A's plays are not county B's


def _spoil():
    PlayTally.objects.unscoped("the test spoils the rollup").update(plays=99, listeners=0)


def test_a_rebuild_recounts_it_from_the_plays(march_plays, world, monkeypatch):
    rollup.flush()
    _spoil()
    rollup.rebuild(region=world.county_a.code)
    spoiled_b = broadcast_figures(scope_for_user(world.county_b_admin), YEAR)
    assert spoiled_b["plays"]["total"] == 2 * 99  # county B was left as it was
    rollup.rebuild(region=world.county_b.code)
    assert_rollup_equals_raw(world, monkeypatch)

    _spoil()
    out = StringIO()
    call_command("rebuild_broadcast_rollup", stdout=out)
    assert "已重建播放月度汇总：4 行" in out.getvalue()  # county A: Feb, Mar; B: Mar, Apr
    assert_rollup_equals_raw(world, monkeypatch)


def test_the_reports_are_counted_when_their_transaction_commits(
    stations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.record_plays(
            stations["b"], [report("b1", "2026-07-01T07:00:00+08:00", 1200, listeners=33)]
        )
    assert not rollup.pending.noted()  # counted on commit, nothing left for a reader
    july = PlayTally.objects.unscoped("the test reads the tallies").get(year=YEAR, month=7)
    assert (july.county, july.plays, july.listeners, july.seconds) == ("511123", 1, 33, 1200)
    assert PlayLog.objects.count() == 1
