"""党员教育协作联盟: sharing through the one scoping mechanism, audited membership and
exchanges. 乐山 (5111, the test world) allies with 眉山 (5114); 雅安 (5118) stays outside."""

import datetime

import pytest
from django.utils import timezone

from dangke.accounts import scoping
from dangke.accounts.models import Role
from dangke.accounts.scoping import scope_for_user
from dangke.accounts.services import create_user_with_role
from dangke.alliances import services
from dangke.alliances.models import CourseShare, ExchangeStatus, JointEvent, TeacherExchange
from dangke.core.models import AuditEntry
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseStatus, Courseware
from dangke.delivery.services import orderable_courses
from dangke.faculty.models import Teacher
from dangke.regions.models import RegionLevel
from tests.conftest import PASSWORD, make_region, make_teacher


class Allies:
    pass


@pytest.fixture
def allies(world):
    a = Allies()
    a.world = world
    a.meishan = make_region("5114", "眉山市", RegionLevel.CITY, world.province)
    a.dongpo = make_region("511402", "东坡区", RegionLevel.COUNTY, a.meishan)
    a.yaan = make_region("5118", "雅安市", RegionLevel.CITY, world.province)
    a.ms_admin = create_user_with_role(
        "ally", password=PASSWORD, role=Role.REGION_ADMIN, region=a.meishan
    )
    a.dongpo_admin = create_user_with_role(
        "dongpo", password=PASSWORD, role=Role.REGION_ADMIN, region=a.dongpo
    )
    a.ya_admin = create_user_with_role(
        "yaan", password=PASSWORD, role=Role.REGION_ADMIN, region=a.yaan
    )
    a.ms_course = Course.objects.create(
        code="MS-001",
        title="东坡文化与廉洁修身",
        category=CourseCategory.THEORY,
        region=a.meishan,
        status=CourseStatus.LISTED,
    )
    a.ms_teacher = make_teacher("MS-T-001", "苏明", a.meishan, phone="13900000001")
    city_scope = scope_for_user(world.city_admin)
    a.alliance = services.found_alliance(
        scope=city_scope,
        actor=world.city_admin,
        name="乐眉党员教育协作联盟",
        region=world.city,
        founded_on=datetime.date(2026, 3, 1),
        charter="共建共享",
    )
    a.ms_member = services.admit_member(
        a.alliance, a.meishan, scope=city_scope, actor=world.city_admin, contact_name="刘联络"
    )
    return a


def seen(model, user):
    return set(model.objects.visible_to(scope_for_user(user)))


def test_a_shared_course_is_seen_by_members_and_nobody_else(allies):
    world = allies.world
    assert world.course_a not in seen(Course, allies.ms_admin)
    share = services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.county_a_admin),
        actor=world.county_a_admin,
    )
    # The member city and its counties see exactly the shared course of 乐山, nothing else.
    assert seen(Course, allies.ms_admin) == {allies.ms_course, world.course_a}
    assert seen(Course, allies.dongpo_admin) == {world.course_a}
    assert world.course_a in set(orderable_courses(scope_for_user(allies.dongpo_admin)))
    assert world.course_b not in set(orderable_courses(scope_for_user(allies.ms_admin)))
    # A non-member sees none of it.
    assert seen(Course, allies.ya_admin) == set()
    assert world.course_a not in set(orderable_courses(scope_for_user(allies.ya_admin)))
    # Not the other county of 乐山 either: sharing is between members, not inside one.
    assert world.course_a not in seen(Course, world.county_b_admin)
    # Nor the home city's teachers, organisations or anything else of the course's region.
    assert seen(Teacher, allies.ms_admin) == {allies.ms_teacher}
    assert CourseShare.objects.visible_to(scope_for_user(allies.ya_admin)).count() == 0
    assert AuditEntry.objects.filter(object_id=str(share.pk)).exists()

    services.withdraw_share(
        share,
        scope=scope_for_user(world.county_a_admin),
        actor=world.county_a_admin,
        reason="课程改版",
    )
    assert seen(Course, allies.ms_admin) == {allies.ms_course}
    assert world.course_a not in set(orderable_courses(scope_for_user(allies.ms_admin)))
    # History stays: the share row, withdrawn, is still on the alliance page.
    assert CourseShare.objects.visible_to(scope_for_user(allies.ms_admin)).get() == share


def test_shared_courseware_follows_the_course(allies):
    world = allies.world
    ware = Courseware.objects.create(
        course=world.course_a,
        version=1,
        file="courseware/x.pdf",
        original_name="x.pdf",
        kind="pdf",
        size_bytes=10,
    )
    assert ware not in seen(Courseware, allies.ms_admin)
    services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
    )
    assert seen(Courseware, allies.ms_admin) == {ware}


def test_only_the_office_managing_a_course_shares_it(allies):
    world = allies.world
    with pytest.raises(services.AllianceError, match="只能共享本区划管理的课程"):
        services.share_course(
            allies.alliance,
            world.course_a,
            scope=scope_for_user(allies.ms_admin),
            actor=allies.ms_admin,
        )
    outsider = Course.objects.create(
        code="YA-001", title="雅安课", category=CourseCategory.THEORY, region=allies.yaan
    )
    with pytest.raises(services.AllianceError, match="不是本联盟的成员"):
        services.share_course(
            allies.alliance,
            outsider,
            scope=scope_for_user(allies.ya_admin),
            actor=allies.ya_admin,
        )


def test_leaving_stops_sharing_both_ways_and_is_audited(allies):
    world = allies.world
    services.share_course(
        allies.alliance,
        allies.ms_course,
        scope=scope_for_user(allies.ms_admin),
        actor=allies.ms_admin,
    )
    services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
    )
    assert allies.ms_course in seen(Course, world.county_a_admin)
    services.leave(
        allies.ms_member,
        scope=scope_for_user(allies.ms_admin),
        actor=allies.ms_admin,
        reason="机构调整",
    )
    assert allies.ms_course not in seen(Course, world.county_a_admin)
    assert seen(Course, allies.ms_admin) == {allies.ms_course}
    assert allies.alliance not in seen(type(allies.alliance), allies.ms_admin)
    entry = AuditEntry.objects.filter(reason="机构调整").get()
    assert entry.to_value == "退出：眉山市"


def test_a_lent_teacher_is_seen_by_the_host_for_the_period_only(allies):
    world = allies.world
    today = timezone.localdate()
    exchange = services.request_exchange(
        allies.alliance,
        world.teacher_a,
        scope=scope_for_user(allies.ms_admin),
        actor=allies.ms_admin,
        host_region=allies.meishan,
        purpose="lesson",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        note="东坡区党课",
    )
    assert world.teacher_a not in seen(Teacher, allies.ms_admin)  # requested only
    with pytest.raises(services.AllianceError, match="只有教师所在区划的管理员可以审批"):
        services.decide_exchange(
            exchange,
            scope=scope_for_user(allies.ms_admin),
            actor=allies.ms_admin,
            approve=True,
            reason="同意",
        )
    services.decide_exchange(
        exchange,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
        approve=True,
        reason="同意派出",
    )
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.APPROVED
    assert exchange.decision_reason == "同意派出"
    assert seen(Teacher, allies.ms_admin) == {allies.ms_teacher, world.teacher_a}
    assert world.teacher_a in seen(Teacher, allies.dongpo_admin)
    assert world.teacher_b not in seen(Teacher, allies.ms_admin)
    assert world.teacher_a not in seen(Teacher, allies.ya_admin)
    # Both offices see the exchange; an outsider does not.
    assert exchange in seen(TeacherExchange, allies.ms_admin)
    assert exchange in seen(TeacherExchange, world.city_admin)
    assert not seen(TeacherExchange, allies.ya_admin)

    TeacherExchange.objects.unscoped("test").filter(pk=exchange.pk).update(
        starts_on=today - datetime.timedelta(days=40), ends_on=today - datetime.timedelta(days=1)
    )
    assert world.teacher_a not in seen(Teacher, allies.ms_admin)  # the period is over


def test_a_declined_or_ended_exchange_lends_nothing(allies):
    world = allies.world
    today = timezone.localdate()
    exchange = services.request_exchange(
        allies.alliance,
        world.teacher_a,
        scope=scope_for_user(allies.ms_admin),
        actor=allies.ms_admin,
        host_region=allies.meishan,
        purpose="research",
        starts_on=today,
        ends_on=today,
    )
    with pytest.raises(services.AllianceError, match="请填写审批意见"):
        services.decide_exchange(
            exchange,
            scope=scope_for_user(world.county_a_admin),
            actor=world.county_a_admin,
            approve=False,
            reason=" ",
        )
    services.decide_exchange(
        exchange,
        scope=scope_for_user(world.county_a_admin),
        actor=world.county_a_admin,
        approve=False,
        reason="教学任务冲突",
    )
    assert world.teacher_a not in seen(Teacher, allies.ms_admin)
    second = services.request_exchange(
        allies.alliance,
        world.teacher_a,
        scope=scope_for_user(allies.ms_admin),
        actor=allies.ms_admin,
        host_region=allies.meishan,
        purpose="lesson",
        starts_on=today,
        ends_on=today,
    )
    services.decide_exchange(
        second,
        scope=scope_for_user(world.county_a_admin),
        actor=world.county_a_admin,
        approve=True,
        reason="同意",
    )
    assert world.teacher_a in seen(Teacher, allies.ms_admin)
    services.end_exchange(
        second, scope=scope_for_user(allies.ms_admin), actor=allies.ms_admin, reason="任务完成"
    )
    assert world.teacher_a not in seen(Teacher, allies.ms_admin)


def test_joint_events_are_seen_by_every_member(allies):
    world = allies.world
    event = services.hold_joint_event(
        allies.alliance,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
        kind="summit",
        title="乐眉党员教育研讨峰会",
        region=world.city,
        held_on=datetime.date(2026, 6, 1),
        participants=[world.city, allies.meishan],
        attendance=120,
    )
    for user in (world.city_admin, world.county_b_admin, allies.ms_admin, allies.dongpo_admin):
        assert seen(JointEvent, user) == {event}
    assert seen(JointEvent, allies.ya_admin) == set()
    with pytest.raises(services.AllianceError, match="承办方不是本联盟的成员"):
        services.hold_joint_event(
            allies.alliance,
            scope=scope_for_user(allies.ya_admin),
            actor=allies.ya_admin,
            kind="lesson",
            title="x",
            region=allies.yaan,
            held_on=datetime.date(2026, 6, 1),
        )


# ---------------------------------------------------------------- the pages


def test_the_ally_browses_shared_courses_orders_one_and_asks_for_a_teacher(allies, client):
    world = allies.world
    services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
    )
    client.force_login(allies.ms_admin)
    page = client.get(f"/alliances/{allies.alliance.pk}/").content.decode()
    assert "乐眉党员教育协作联盟" in page
    assert world.course_a.title in page and world.course_b.title not in page
    assert client.get(f"/courses/{world.course_a.pk}/").status_code == 200
    assert client.get(f"/courses/{world.course_b.pk}/").status_code == 404
    assert client.get(f"/faculty/{world.teacher_a.pk}/").status_code == 404
    assert client.get(f"/organizations/{world.org_a.pk}/").status_code == 404
    # The request form lists 乐山's teachers by name and level only, never their phones.
    assert world.teacher_a.name in page and "13900000001" not in page
    start = timezone.localdate()
    response = client.post(
        f"/alliances/{allies.alliance.pk}/exchanges/",
        {
            "teacher": world.teacher_a.pk,
            "host_region": "5114",
            "purpose": "lesson",
            "starts_on": start.isoformat(),
            "ends_on": (start + datetime.timedelta(days=7)).isoformat(),
            "note": "东坡区专题党课",
        },
    )
    assert response.status_code == 302
    exchange = TeacherExchange.objects.unscoped("test").get()
    assert (exchange.teacher, exchange.host_region_id, exchange.status) == (
        world.teacher_a,
        "5114",
        ExchangeStatus.REQUESTED,
    )
    # 乐山's city admin approves it on the same page; the ally then sees the teacher.
    client.force_login(world.city_admin)
    assert "同意" in client.get(f"/alliances/{allies.alliance.pk}/").content.decode()
    client.post(
        f"/alliances/{allies.alliance.pk}/exchanges/{exchange.pk}/decide/",
        {"decision": "approve", "reason": "同意派出"},
    )
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.APPROVED
    client.force_login(allies.ms_admin)
    assert client.get(f"/faculty/{world.teacher_a.pk}/").status_code == 200


def test_an_outsider_gets_404_for_the_alliance_and_its_rows(allies, client):
    world = allies.world
    share = services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
    )
    client.force_login(allies.ya_admin)
    assert client.get(f"/alliances/{allies.alliance.pk}/").status_code == 404
    assert client.get(f"/courses/{world.course_a.pk}/").status_code == 404
    response = client.post(
        f"/alliances/{allies.alliance.pk}/shares/{share.pk}/withdraw/", {"reason": "x"}
    )
    assert response.status_code == 404
    assert "乐眉" not in client.get("/alliances/").content.decode()


def test_the_ally_cannot_withdraw_what_another_member_shared(allies, client):
    world = allies.world
    share = services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
    )
    client.force_login(allies.ms_admin)
    response = client.post(
        f"/alliances/{allies.alliance.pk}/shares/{share.pk}/withdraw/",
        {"reason": "不要了"},
        follow=True,
    )
    assert "只能撤回本区划共享的课程" in response.content.decode()
    share.refresh_from_db()
    assert share.withdrawn_on is None


def test_year_figures_count_what_members_did_together(allies):
    from dangke.alliances.figures import year_figures
    from dangke.delivery.models import CourseOrder, Lesson, LessonStatus
    from dangke.regions.models import Organization, OrganizationKind

    world = allies.world
    year = timezone.localdate().year
    services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
    )
    ms_org = Organization.objects.create(
        code="O-MS-1",
        name="东坡区某社区党委",
        kind=OrganizationKind.COMMUNITY,
        region=allies.dongpo,
        member_count=40,
    )
    CourseOrder.objects.create(organization=ms_org, course=world.course_a, expected_attendees=30)
    CourseOrder.objects.create(
        organization=world.org_b, course=world.course_a, expected_attendees=9
    )
    start = timezone.localdate()
    exchange = services.request_exchange(
        allies.alliance,
        world.teacher_a,
        scope=scope_for_user(allies.ms_admin),
        actor=allies.ms_admin,
        host_region=allies.meishan,
        purpose="lesson",
        starts_on=start,
        ends_on=start,
    )
    services.decide_exchange(
        exchange,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
        approve=True,
        reason="同意",
    )
    lesson = Lesson.objects.create(
        course=world.course_a,
        organization=ms_org,
        status=LessonStatus.DELIVERED,
        starts_at=timezone.localtime().replace(hour=9, minute=0),
    )
    lesson.teachers.add(world.teacher_a)
    services.hold_joint_event(
        allies.alliance,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
        kind="summit",
        title="峰会",
        region=world.city,
        held_on=start,
    )
    assert year_figures(allies.alliance, year) == {
        "year": year,
        "members": 2,
        "shared_courses": 1,
        "orders_of_shared_courses": 1,
        "exchanges": 1,
        "lessons_by_lent_teachers": 1,
        "joint_events": 1,
        "summits": 1,
    }


def test_year_figures_do_not_count_what_is_shared_in_as_ones_own(allies):
    from dangke.reports.queries import year_figures

    world = allies.world
    before = year_figures(scope_for_user(allies.ms_admin))
    services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.county_a_admin),
        actor=world.county_a_admin,
    )
    assert world.course_a in seen(Course, allies.ms_admin)  # seen in the library
    after = year_figures(scope_for_user(allies.ms_admin))
    assert after["courses"] == before["courses"]  # but 眉山's figures are 眉山's
    assert after["teachers"] == before["teachers"]


def test_the_api_names_each_courses_origin_and_what_is_shared_in(allies, client):
    from dangke.accounts.models import ApiToken

    world = allies.world
    share = services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
    )
    token = ApiToken.issue(allies.dongpo_admin)
    headers = {"Authorization": f"Bearer {token}"}
    items = client.get("/api/v1/courses", headers=headers).json()["items"]
    assert [
        (i["code"], i["origin_region"], i["origin_region_name"], i["shared_in"]) for i in items
    ] == [
        ("C-A-001", "511102", "市中区", True),
    ]
    ms_token = ApiToken.issue(allies.ms_admin)
    items = client.get("/api/v1/courses", headers={"Authorization": f"Bearer {ms_token}"}).json()
    assert {i["code"]: i["shared_in"] for i in items["items"]} == {"C-A-001": True, "MS-001": False}
    assert client.get(f"/api/v1/courses/{world.course_b.pk}", headers=headers).status_code == 404
    services.withdraw_share(
        share, scope=scope_for_user(world.city_admin), actor=world.city_admin, reason="改版"
    )
    assert client.get("/api/v1/courses", headers=headers).json()["items"] == []
    assert client.get(f"/api/v1/courses/{world.course_a.pk}", headers=headers).status_code == 404


def test_the_demo_alliance_builds_on_the_city_and_again(world):
    """dangke/demo/alliance.py on the test world (the city demo runs it too, slowly)."""
    from dangke.alliances.figures import year_figures
    from dangke.alliances.models import Alliance
    from dangke.core.calendar import YearSoFar
    from dangke.demo.alliance import build_alliance_demo
    from dangke.demo.builder import reference_year

    meishan = make_region("5114", "眉山市", RegionLevel.CITY, world.province)
    for code, name in (("511402", "东坡区"), ("511403", "彭山区"), ("511421", "仁寿县"),
                       ("511423", "洪雅县")):  # fmt: skip
        make_region(code, name, RegionLevel.COUNTY, meishan)
    period = YearSoFar.of(reference_year())  # the demo's year, as `dangke demo` builds it
    for _ in range(2):  # a rebuild replaces, never duplicates
        counts = build_alliance_demo(period, "5111")
    assert counts == {
        "alliance_shared_courses": 4, "alliance_exchanges": 1, "alliance_lessons": 1,
        "ally_teachers": 5,
    }  # fmt: skip
    alliance = Alliance.objects.unscoped("test").get()
    ally = create_user_with_role(
        "ally-admin", password=PASSWORD, role=Role.REGION_ADMIN, region=meishan
    )
    scope = scope_for_user(ally)
    assert {c.code for c in Course.objects.visible_to(scope) if c.region_id.startswith("5111")} == {
        "C-A-001", "C-B-001",
    }  # fmt: skip
    assert Teacher.objects.visible_to(scope).filter(region__code__startswith="5111").count() == 1
    figures = year_figures(alliance, period.year)
    assert (figures["members"], figures["exchanges"], figures["summits"]) == (2, 1, 1)


def _lend(allies, teacher, *, days=30):
    """An approved exchange of `teacher` (乐山) to 眉山, running from today."""
    today = timezone.localdate()
    exchange = services.request_exchange(
        allies.alliance,
        teacher,
        scope=scope_for_user(allies.ms_admin),
        actor=allies.ms_admin,
        host_region=allies.meishan,
        purpose="lesson",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=days),
    )
    world = allies.world
    services.decide_exchange(
        exchange, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        approve=True, reason="同意派出",
    )  # fmt: skip
    exchange.refresh_from_db()
    return exchange


def test_the_host_sees_a_lent_teachers_card_never_their_personal_data(allies, client):
    from dangke.accounts.models import ApiToken

    world = allies.world
    teacher = world.teacher_a
    Teacher.objects.unscoped("test").filter(pk=teacher.pk).update(
        phone="13811112222", birth_year=1971, gender="女", employer="乐山市委党校",
        position="副教授", home_latitude=29.5521, home_longitude=103.7656,
    )  # fmt: skip
    _lend(allies, teacher)
    client.force_login(allies.ms_admin)
    page = client.get(f"/faculty/{teacher.pk}/").content.decode()
    assert teacher.name in page and "乐山市委党校" in page and "副教授" in page
    assert "联盟互派师资" in page
    for personal in ("13811112222", "1971", "29.5521", "103.7656", "联系电话", "常驻地"):
        assert personal not in page, personal
    for url in ("photo", "career", "development"):
        assert client.get(f"/faculty/{teacher.pk}/{url}/").status_code == 404, url
    assert client.get(f"/care/teachers/{teacher.pk}/dossier/").status_code == 404
    # The API: name, level and employer; no gender, no groups; phone is never in the schema.
    headers = {"Authorization": f"Bearer {ApiToken.issue(allies.ms_admin)}"}
    item = client.get(f"/api/v1/teachers/{teacher.pk}", headers=headers).json()
    assert (item["name"], item["employer"], item["gender"], item["shared_in"]) == (
        teacher.name, "乐山市委党校", "", True,
    )  # fmt: skip
    assert "13811112222" not in str(item) and "1971" not in str(item)
    items = client.get("/api/v1/teachers", headers=headers).json()["items"]
    assert {i["code"]: (i["gender"], i["shared_in"]) for i in items} == {
        "MS-T-001": (allies.ms_teacher.gender, False),
        teacher.code: ("", True),
    }
    # The home city still sees the whole record.
    client.force_login(world.city_admin)
    page = client.get(f"/faculty/{teacher.pk}/").content.decode()
    assert "13811112222" in page and "1971" in page and "29.5521" in page
    assert client.get(f"/faculty/{teacher.pk}/career/").status_code == 200
    assert client.get(f"/care/teachers/{teacher.pk}/dossier/").status_code == 200
    headers = {"Authorization": f"Bearer {ApiToken.issue(world.city_admin)}"}
    item = client.get(f"/api/v1/teachers/{teacher.pk}", headers=headers).json()
    assert (item["gender"], item["shared_in"]) == ("女", False)


def test_an_approved_exchange_becomes_the_hosts_lesson_counted_for_both_cities(allies, client):
    from dangke.delivery import services as delivery
    from dangke.delivery.models import Lesson, LessonStatus
    from dangke.faculty.lifecycle import teacher_figures
    from dangke.regions.models import Organization, OrganizationKind

    world = allies.world
    teacher = world.teacher_a
    ms_org = Organization.objects.create(
        code="O-MS-001", name="东坡区苏祠社区党委", kind=OrganizationKind.COMMUNITY,
        region=allies.dongpo, member_count=40,
    )  # fmt: skip
    services.share_course(
        allies.alliance, world.course_a, scope=scope_for_user(world.city_admin),
        actor=world.city_admin,
    )  # fmt: skip
    today = timezone.localdate()
    # Two days ago at 10:00 in Shanghai: its year may be last year at 00:30 on 1 January.
    lesson_day = today - datetime.timedelta(days=2)
    starts_at = timezone.make_aware(datetime.datetime.combine(lesson_day, datetime.time(10)))
    ms_scope = scope_for_user(allies.ms_admin)
    asked = {
        "scope": ms_scope, "actor": allies.ms_admin, "host_region": allies.meishan,
        "purpose": "lesson", "starts_on": today - datetime.timedelta(days=5),
        "ends_on": today + datetime.timedelta(days=5),
    }  # fmt: skip
    with pytest.raises(services.AllianceError, match="只能选择本区划的课程或联盟共享的课程"):
        services.request_exchange(
            allies.alliance, teacher, course=world.course_b, organization=ms_org,
            lesson_starts_at=starts_at, **asked,
        )  # fmt: skip
    with pytest.raises(services.AllianceError, match="承办组织须在申请方区划内"):
        services.request_exchange(
            allies.alliance, teacher, course=world.course_a, organization=world.org_a,
            lesson_starts_at=starts_at, **asked,
        )  # fmt: skip
    with pytest.raises(services.AllianceError, match="须同时填写课程、承办组织和授课时间"):
        services.request_exchange(allies.alliance, teacher, course=world.course_a, **asked)
    # The host asks on the alliance page, naming the course, organisation and time.
    client.force_login(allies.ms_admin)
    response = client.post(
        f"/alliances/{allies.alliance.pk}/exchanges/",
        {
            "teacher": teacher.pk, "host_region": "5114", "purpose": "lesson",
            "starts_on": asked["starts_on"].isoformat(), "ends_on": asked["ends_on"].isoformat(),
            "course": world.course_a.pk, "organization": ms_org.pk,
            "lesson_starts_at": f"{lesson_day.isoformat()}T10:00",
        },
    )  # fmt: skip
    assert response.status_code == 302
    exchange = TeacherExchange.objects.unscoped("test").get()
    assert (exchange.course, exchange.organization) == (world.course_a, ms_org)
    assert exchange.lesson is None and not Lesson.objects.unscoped("test").exists()

    client.force_login(world.city_admin)
    client.post(
        f"/alliances/{allies.alliance.pk}/exchanges/{exchange.pk}/decide/",
        {"decision": "approve", "reason": "同意派出"},
    )
    exchange.refresh_from_db()
    lesson = exchange.lesson
    assert (lesson.course, lesson.organization, lesson.region_id, lesson.status) == (
        world.course_a, ms_org, "511402", LessonStatus.PLANNED,
    )  # fmt: skip
    assert list(lesson.teachers.all()) == [teacher]
    assert timezone.localtime(lesson.starts_at) == timezone.localtime(starts_at)
    # The host gives the lesson through delivery as any other.
    delivery.confirm_lesson(lesson, scope=ms_scope, actor=allies.ms_admin)
    delivery.deliver_lesson(lesson, scope=ms_scope, actor=allies.ms_admin, attendees_count=38)

    # Counted for the teacher's review at home, and in the host's coverage, not the home's.
    year = lesson_day.year
    assert teacher_figures(teacher, year)["lessons"] == 1
    assert delivery.coverage(ms_scope, year)["lessons_given"] == 1
    assert delivery.coverage(ms_scope, year)["reached"] == 1
    assert delivery.coverage(scope_for_user(world.city_admin), year)["lessons_given"] == 0

    # Both offices open the lesson and its evaluation; an outsider and 乐山's other county
    # office do not see it... the city office that lent the teacher does.
    for user in (world.city_admin, allies.ms_admin):
        client.force_login(user)
        assert client.get(f"/delivery/lessons/{lesson.pk}/").status_code == 200, user
        assert client.get(f"/evaluation/lessons/{lesson.pk}/score/").status_code == 200, user
    page = client.get(f"/alliances/{allies.alliance.pk}/").content.decode()
    assert f"/delivery/lessons/{lesson.pk}/" in page
    client.force_login(allies.ya_admin)
    assert client.get(f"/delivery/lessons/{lesson.pk}/").status_code == 404
    assert lesson not in seen(Lesson, world.county_b_admin)


def test_members_register_for_a_joint_event_and_the_coordinator_records_who_came(allies, client):
    from dangke.alliances.models import EventRegistration

    world = allies.world
    event = services.hold_joint_event(
        allies.alliance, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        kind="summit", title="乐眉党员教育研讨峰会", region=world.city,
        held_on=datetime.date(2026, 6, 1),
    )  # fmt: skip
    url = f"/alliances/{allies.alliance.pk}/events/{event.pk}"
    client.force_login(allies.ms_admin)
    client.post(f"{url}/register/", {"region": "5114", "registered": "20"})
    client.post(f"{url}/register/", {"region": "5114", "registered": "25"})  # corrected
    # 眉山 cannot register for 乐山, nor record attendance of an event it does not hold.
    client.post(f"{url}/register/", {"region": "5111", "registered": "99"})
    client.post(f"{url}/attendance/", {"attended-5114": "25"})
    client.force_login(world.city_admin)
    client.post(f"{url}/register/", {"region": "5111", "registered": "30"})
    assert {
        (r.region_id, r.registered, r.attended)
        for r in EventRegistration.objects.unscoped("test").all()
    } == {("5114", 25, None), ("5111", 30, None)}
    response = client.post(f"{url}/attendance/", {"attended-5114": "22", "attended-5111": "28"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.attendance == 50
    assert {
        (r.region_id, r.attended) for r in EventRegistration.objects.unscoped("test").all()
    } == {("5114", 22), ("5111", 28)}
    assert AuditEntry.objects.filter(field="attendance", to_value="50").exists()
    # Every member sees the registrations on the alliance page; an outsider sees nothing.
    client.force_login(allies.dongpo_admin)
    page = client.get(f"/alliances/{allies.alliance.pk}/").content.decode()
    assert "眉山市：报名 25 人，出席 22 人" in page
    assert "乐山市：报名 30 人，出席 28 人" in page
    assert not seen(EventRegistration, allies.ya_admin)
    client.force_login(allies.ya_admin)
    assert client.post(f"{url}/register/", {"region": "5118", "registered": "5"}).status_code == 404


def test_shared_ids_are_listed_once_per_scope_and_a_subquery_above_the_bound(
    allies, monkeypatch, django_assert_num_queries
):
    """The scope lists what is shared in (so PostgreSQL can OR the region-prefix index with
    the primary key), reads it once, and falls back to the subquery above the bound with the
    same rows."""
    world = allies.world
    services.share_course(
        allies.alliance,
        world.course_a,
        scope=scope_for_user(world.county_a_admin),
        actor=world.county_a_admin,
    )
    scope = scope_for_user(allies.ms_admin)
    with django_assert_num_queries(1):
        assert scope.shared_ids("course") == [world.course_a.pk]
        assert scope.shared_ids("course") == [world.course_a.pk]
    assert "IN (SELECT" not in str(Course.objects.visible_to(scope).query)
    listed = set(Course.objects.visible_to(scope))
    assert listed == {allies.ms_course, world.course_a}

    monkeypatch.setattr(scoping, "SHARED_IDS_LISTED", 0)
    scope = scope_for_user(allies.ms_admin)
    assert not isinstance(scope.shared_ids("course"), list)
    assert "IN (SELECT" in str(Course.objects.visible_to(scope).query)
    assert set(Course.objects.visible_to(scope)) == listed
    # Nothing shared in: no condition at all, not an empty IN.
    assert scope_for_user(allies.ya_admin).shared_ids("course") == []
