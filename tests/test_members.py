"""党员学时档案: 学时 rules, the ledger and its rollup, caps, transfers, sign-in matching."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db.models import Sum

from dangke.accounts.scoping import scope_for_user
from dangke.delivery import services as delivery
from dangke.delivery.models import Attendance
from dangke.members import hours as h
from dangke.members import services
from dangke.members.models import (
    AttendanceMatch,
    ClassEnrolment,
    CollectiveKind,
    CollectiveStatus,
    MatchOutcome,
    PartyPost,
    StudyClass,
    StudyRecord,
    StudyYear,
)
from tests.members_helpers import lesson, member

D = Decimal


# --- the arithmetic --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(0, "0"), (29, "0"), (45, "0.5"), (60, "1"), (90, "1.5"), (179, "2.5"), (180, "4"),
     (300, "4"), (360, "8"), (480, "8")],
)  # fmt: skip
def test_default_rule_turns_minutes_into_hours(minutes, hours):
    assert h.minutes_to_hours(minutes, h.RuleValues()) == D(hours)


def test_class_days_and_half_days():
    rule = h.RuleValues()
    assert h.days_to_hours(D("3"), rule) == D("24")
    assert h.days_to_hours(D("2.5"), rule) == D("20")


def test_caps_credit_in_date_order_and_stop_at_the_cap():
    rule = h.RuleValues(online_cap_hours=D("3"))
    lines = h.credit(
        [h.Line(1, D("2"), "online"), h.Line(2, D("2"), "online"), h.Line(3, D("2"), "")], rule
    )
    assert [line.hours for line in lines] == [D("2"), D("1"), D("2")]


def test_leaders_need_56_and_a_concentrated_training():
    rule = h.RuleValues()
    assert h.target_met(D("32"), False, False, rule)
    assert not h.target_met(D("55.5"), True, True, rule)
    assert not h.target_met(D("60"), False, True, rule)
    assert h.target_met(D("56"), True, True, rule)


def test_phone_masking():
    assert h.mask_phone("13812345678") == "138****5678"
    assert h.mask_phone("") == ""


# --- sign-in matching: never a silent merge ----------------------------------------------------


def sign(lesson_, name, phone):
    attendance, _created = delivery.sign_in(lesson_.checkin_token, name=name, phone=phone)
    return AttendanceMatch.objects.get(attendance=attendance)


def test_name_and_phone_of_one_member_credit_that_member(world):
    zhao = member(world.org_a, "赵敏", "13800000001")
    match = sign(lesson(world, minutes=90), "赵敏", "138 0000 0001")
    assert (match.outcome, match.member) == (MatchOutcome.MEMBER, zhao)
    year = StudyYear.objects.get(member=zhao, year=2026)
    assert (year.hours, year.lines, year.target, year.met) == (D("1.5"), 1, D("32"), False)


def test_a_member_of_another_organisation_is_recorded_as_such(world):
    # org_b is in county b; the same city, so the member is found and credited, flagged.
    qian = member(world.org_b, "钱坤", "13800000002")
    match = sign(lesson(world), "钱坤", "13800000002")
    assert (match.outcome, match.member) == (MatchOutcome.OTHER_ORGANIZATION, qian)
    assert StudyRecord.objects.get(member=qian).hours == D("1.5")


def test_a_stranger_is_a_non_member_and_credits_nobody(world):
    member(world.org_a, "赵敏", "13800000001")
    match = sign(lesson(world), "孙丽", "13900000009")
    assert (match.outcome, match.member) == (MatchOutcome.NON_MEMBER, None)
    assert not StudyRecord.objects.exists()


@pytest.mark.parametrize(
    ("name", "phone", "note"),
    [
        ("赵小敏", "13800000001", "手机号在名册中，但姓名不符"),
        ("赵敏", "13900000009", "与本组织党员同名，但手机号不符"),
    ],
)
def test_half_a_match_waits_for_the_liaison(world, name, phone, note):
    zhao = member(world.org_a, "赵敏", "13800000001")
    match = sign(lesson(world), name, phone)
    assert (match.outcome, match.member, match.note) == (MatchOutcome.UNRESOLVED, None, note)
    assert not StudyRecord.objects.exists()
    services.resolve_match(
        match, scope=scope_for_user(world.liaison), actor=world.liaison, member=zhao
    )
    match.refresh_from_db()
    assert (match.outcome, match.member) == (MatchOutcome.MEMBER, zhao)
    assert StudyYear.objects.get(member=zhao).hours == D("1.5")


def test_two_members_with_the_same_name_and_phone_are_not_guessed(world):
    member(world.org_a, "赵敏", "13800000001")
    member(world.org_a, "赵敏", "13800000001")
    match = sign(lesson(world), "赵敏", "13800000001")
    assert match.outcome == MatchOutcome.UNRESOLVED and match.member is None


def test_another_county_cannot_resolve_or_pick_from_its_roster(world):
    member(world.org_a, "赵敏", "13800000001")
    stranger = member(world.org_b, "李四", "13700000000")
    match = sign(lesson(world), "赵小敏", "13800000001")
    with pytest.raises(PermissionDenied):
        services.resolve_match(
            match, scope=scope_for_user(world.county_b_admin), actor=world.county_b_admin,
            member=stranger,
        )  # fmt: skip
    with pytest.raises(services.MembersError):
        services.resolve_match(
            match, scope=scope_for_user(world.liaison), actor=world.liaison, member=stranger
        )


def test_roster_sign_in_ties_each_pick_once(world):
    zhao = member(world.org_a, "赵敏", "13800000001")
    qian = member(world.org_a, "钱坤")  # no phone on the roster
    outsider = member(world.org_b, "李四", "13700000000")
    the_lesson = lesson(world, minutes=120)
    scope = scope_for_user(world.liaison)
    added = services.sign_in_from_roster(
        the_lesson, [zhao, qian, outsider], scope=scope, actor=world.liaison
    )
    assert added == 2
    again = services.sign_in_from_roster(the_lesson, [zhao, qian], scope=scope, actor=world.liaison)
    assert again == 0
    assert Attendance.objects.filter(lesson=the_lesson).count() == 2
    assert StudyYear.objects.get(member=qian).hours == D("2")
    assert not StudyRecord.objects.filter(member=outsider).exists()


# --- rules, caps, transfers, the rollup --------------------------------------------------------


def test_online_lessons_are_capped_and_a_rule_change_recomputes_the_year(world):
    zhao = member(world.org_a, "赵敏", "13800000001")
    for month in (3, 4, 5):
        sign(lesson(world, day=datetime.date(2026, month, 2), minutes=300, mode="online"),
             "赵敏", "13800000001")  # fmt: skip
    year = StudyYear.objects.get(member=zhao)
    assert year.hours == D("12")  # 4 + 4 + 4 under the default cap of 12
    services.save_rule(
        scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin,
        region_code=world.county_a.code, year=2026,
        values={"online_cap_hours": D("6"), "half_day_hours": D("3")},
    )  # fmt: skip
    year.refresh_from_db()
    assert year.hours == D("6")
    assert list(StudyRecord.objects.filter(member=zhao).values_list("hours", flat=True)) == [
        D("3"), D("3"), D("0")
    ]  # fmt: skip


def test_a_county_admin_cannot_change_another_countys_rule(world):
    with pytest.raises(PermissionDenied):
        services.save_rule(
            scope=scope_for_user(world.county_b_admin), actor=world.county_b_admin,
            region_code=world.county_a.code, year=2026, values={"target_hours": D("10")},
        )  # fmt: skip


def test_the_most_specific_rule_applies(world):
    services.save_rule(
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
        region_code=world.city.code,
        year=2026,
        values={"target_hours": D("40")},
    )
    services.save_rule(scope=scope_for_user(world.county_a_admin), actor=world.county_a_admin,
                       region_code=world.county_a.code, year=2026,
                       values={"target_hours": D("36")})  # fmt: skip
    assert services.rule_for(world.village_a.code, 2026).target_hours == D("36")
    assert services.rule_for(world.village_b.code, 2026).target_hours == D("40")
    assert services.rule_for(world.village_b.code, 2025).target_hours == D("32")


def test_a_transfer_keeps_the_years_hours(world):
    zhao = member(world.org_a, "赵敏", "13800000001")
    sign(lesson(world), "赵敏", "13800000001")
    zhao.organization = world.org_b
    zhao.save()
    services.refresh_years([zhao.pk], 2026)
    year = StudyYear.objects.get(member=zhao)
    assert (year.organization, year.region_id, year.hours) == (
        world.org_b, world.village_b.code, D("1.5")
    )  # fmt: skip


def test_training_class_is_concentrated_and_leaders_then_can_meet_56(world):
    secretary = member(world.org_a, "周书记", "13800000005", post=PartyPost.SECRETARY)
    study_class = StudyClass.objects.create(
        title="春训冬训", region=world.county_a,
        starts_on=datetime.date(2026, 3, 1), ends_on=datetime.date(2026, 3, 7),
    )  # fmt: skip
    enrolment = ClassEnrolment.objects.create(study_class=study_class, member=secretary)
    scope = scope_for_user(world.county_a_admin)
    services.record_class_days(enrolment, 7, scope=scope, actor=world.county_a_admin)
    year = StudyYear.objects.get(member=secretary)
    assert (year.hours, year.concentrated, year.target, year.met) == (D("56"), True, D("56"), True)
    with pytest.raises(services.MembersError):
        services.record_class_days(enrolment, 8, scope=scope, actor=world.county_a_admin)


def test_collective_study_counts_only_once_the_county_approves(world):
    zhao = member(world.org_a, "赵敏", "13800000001")
    study = services.record_collective(
        scope=scope_for_user(world.liaison), actor=world.liaison, organization=world.org_a,
        kind=CollectiveKind.THEME_DAY, title="学习党章", held_on=datetime.date(2026, 4, 1),
        minutes=120, note="", members=[zhao],
    )  # fmt: skip
    assert not StudyRecord.objects.exists()
    with pytest.raises(PermissionDenied):
        services.review_collective(study, scope=scope_for_user(world.liaison),
                                   actor=world.liaison, approve=True)  # fmt: skip
    services.review_collective(study, scope=scope_for_user(world.county_a_admin),
                               actor=world.county_a_admin, approve=True)  # fmt: skip
    study.refresh_from_db()
    assert study.status == CollectiveStatus.APPROVED
    assert StudyYear.objects.get(member=zhao).hours == D("2")


def test_rollup_equals_the_ledger_and_the_command_rebuilds_it(world):
    zhao = member(world.org_a, "赵敏", "13800000001")
    qian = member(world.org_a, "钱坤", "13800000002")
    member(world.org_b, "孙丽", "13800000003")  # no hours at all
    for month in (2, 3, 4, 5, 6):
        the_lesson = lesson(world, day=datetime.date(2026, month, 3), minutes=60 * month,
                            mode="online" if month % 2 else "offline")  # fmt: skip
        sign(the_lesson, "赵敏", "13800000001")
        if month > 3:
            sign(the_lesson, "钱坤", "13800000002")
    rollup = {row.member_id: row.hours for row in StudyYear.objects.filter(year=2026)}
    StudyYear.objects.update(hours=0, met=True)  # damage it
    call_command("rebuild_study_years", "--year", "2026", stdout=StringIO())
    rebuilt = {row.member_id: row.hours for row in StudyYear.objects.filter(year=2026)}
    raw = dict(
        StudyRecord.objects.filter(year=2026)
        .values_list("member_id")
        .annotate(total=Sum("hours"))
        .values_list("member_id", "total")
    )
    assert {k: v for k, v in rebuilt.items() if k in rollup} == rollup
    assert {k: v for k, v in rebuilt.items() if v} == raw
    assert len(rebuilt) == 3 and not StudyYear.objects.filter(met=True).exists()
    assert rebuilt[zhao.pk] == D("2") + D("4") + D("4") + D("4") + D("8")
    assert rebuilt[qian.pk] == D("4") + D("4") + D("8")
