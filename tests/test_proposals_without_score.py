"""Issue #24: a status proposal for a teacher without a published score never prints a
Python None; it says there is no score yet and why."""

import datetime

import pytest
from django.urls import reverse

from dangke.faculty import lifecycle
from tests.test_lifecycle import YEAR, quota, rule

pytestmark = pytest.mark.usefixtures("pinned_clock")


def test_a_proposal_without_a_score_says_so(world, client):
    quota(world.county_a)
    (proposal,) = lifecycle.propose_changes(rule(world.county_a), today=datetime.date(YEAR, 9, 1))
    assert proposal.evidence["score"] is None
    client.force_login(world.county_a_admin)
    html = client.get(reverse("faculty:proposals")).content.decode()
    assert "暂无得分（0 份答卷，样本不足）" in html
    assert "None" not in html
