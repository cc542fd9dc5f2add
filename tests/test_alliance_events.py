"""What an exchange makes and unmakes, and joint events with sessions and speakers (#20).

乐山 (5111, the test world) allies with 眉山 (5114) as in test_alliances; 雅安 (5118) stays
outside. 乐山 lends world.teacher_a (county a) to 眉山."""

import datetime

import pytest
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.alliances import services
from dangke.alliances.models import ExchangeStatus, JointEventSession, TeacherExchange
from dangke.core.models import AuditEntry
from dangke.delivery import services as delivery
from dangke.delivery.models import Lesson, LessonStatus
from dangke.faculty.models import Teacher
from dangke.regions.models import Organization, OrganizationKind
from dangke.training import services as training
from dangke.training.models import ClassStatus, TrainingModule
from tests.test_alliances import allies, seen  # noqa: F401  (the fixture)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def lent(allies):  # noqa: F811
    """A lesson exchange of teacher_a to 眉山, approved by 乐山: its lesson is planned in
    three days' time at a 眉山 organisation."""
    world = allies.world
    allies.ms_org = Organization.objects.create(
        code="O-MS-001", name="东坡区苏祠社区党委", kind=OrganizationKind.COMMUNITY,
        region=allies.dongpo, member_count=40,
    )  # fmt: skip
    city = scope_for_user(world.city_admin)
    services.share_course(allies.alliance, world.course_a, scope=city, actor=world.city_admin)
    today = timezone.localdate()
    allies.exchange = services.request_exchange(
        allies.alliance, world.teacher_a, scope=scope_for_user(allies.ms_admin),
        actor=allies.ms_admin, host_region=allies.meishan, purpose="lesson",
        starts_on=today, ends_on=today + datetime.timedelta(days=10),
        course=world.course_a, organization=allies.ms_org,
        lesson_starts_at=_at(today + datetime.timedelta(days=3), 10),
    )  # fmt: skip
    services.decide_exchange(
        allies.exchange, scope=city, actor=world.city_admin, approve=True, reason="同意派出"
    )
    allies.exchange.refresh_from_db()
    allies.lesson = allies.exchange.lesson
    assert allies.lesson.status == LessonStatus.PLANNED
    return allies


def _exchange_audit(exchange, field):
    return list(
        AuditEntry.objects.filter(object_id=str(exchange.pk), field=field).values_list(
            "to_value", "reason"
        )
    )


def test_ending_an_exchange_cancels_its_lesson_not_yet_given(lent):
    world = lent.world
    services.end_exchange(
        lent.exchange, scope=scope_for_user(lent.ms_admin), actor=lent.ms_admin,
        reason="活动延期",
    )  # fmt: skip
    lent.lesson.refresh_from_db()
    lent.exchange.refresh_from_db()
    assert (lent.exchange.status, lent.lesson.status) == (
        ExchangeStatus.ENDED, LessonStatus.CANCELLED,
    )  # fmt: skip
    # The lesson's own trail (delivery's cancel) and the exchange's say what happened.
    assert AuditEntry.objects.filter(
        object_id=str(lent.lesson.pk), field="status", reason="活动延期"
    ).exists()
    assert _exchange_audit(lent.exchange, "lesson") == [
        (f"已取消授课活动：{world.course_a.title}", "活动延期")
    ]
    # The row stays, cancelled, for both offices.
    assert lent.lesson in seen(Lesson, world.city_admin)
    assert lent.lesson in seen(Lesson, lent.ms_admin)


def test_declining_after_approval_cancels_the_lesson(lent):
    world = lent.world
    with pytest.raises(services.AllianceError, match="只有教师所在区划的管理员可以审批"):
        services.decide_exchange(
            lent.exchange, scope=scope_for_user(lent.ms_admin), actor=lent.ms_admin,
            approve=False, reason="不需要了",
        )  # fmt: skip
    services.decide_exchange(
        lent.exchange, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        approve=False, reason="教师临时抽调",
    )  # fmt: skip
    lent.exchange.refresh_from_db()
    lent.lesson.refresh_from_db()
    assert (lent.exchange.status, lent.exchange.decision_reason) == (
        ExchangeStatus.DECLINED, "教师临时抽调",
    )  # fmt: skip
    assert lent.lesson.status == LessonStatus.CANCELLED
    assert _exchange_audit(lent.exchange, "lesson") == [
        (f"已取消授课活动：{world.course_a.title}", "教师临时抽调")
    ]
    # The teacher is no longer lent to 眉山.
    assert world.teacher_a not in seen(Teacher, lent.ms_admin)


def test_a_lesson_already_given_stays_when_the_exchange_ends(lent):
    world = lent.world
    ms_scope = scope_for_user(lent.ms_admin)
    Lesson.objects.unscoped("test: the lesson was two days ago").filter(pk=lent.lesson.pk).update(
        starts_at=_at(timezone.localdate() - datetime.timedelta(days=2), 10)
    )
    delivery.confirm_lesson(lent.lesson, scope=ms_scope, actor=lent.ms_admin)
    delivery.deliver_lesson(lent.lesson, scope=ms_scope, actor=lent.ms_admin, attendees_count=30)
    services.end_exchange(
        lent.exchange, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        reason="互派任务完成",
    )  # fmt: skip
    lent.lesson.refresh_from_db()
    assert (lent.lesson.status, lent.lesson.attendees_count) == (LessonStatus.DELIVERED, 30)
    assert _exchange_audit(lent.exchange, "lesson") == [
        (f"授课活动（已授课）保留：{world.course_a.title}", "互派任务完成")
    ]


def test_a_member_leaving_ends_its_exchanges_and_cancels_their_lessons(lent):
    world = lent.world
    waiting = services.request_exchange(
        lent.alliance, world.teacher_b, scope=scope_for_user(lent.ms_admin),
        actor=lent.ms_admin, host_region=lent.meishan, purpose="research",
        starts_on=timezone.localdate(), ends_on=timezone.localdate(),
    )  # fmt: skip
    services.leave(
        lent.ms_member, scope=scope_for_user(lent.ms_admin), actor=lent.ms_admin,
        reason="机构调整",
    )  # fmt: skip
    lent.exchange.refresh_from_db()
    waiting.refresh_from_db()
    lent.lesson.refresh_from_db()
    assert (lent.exchange.status, waiting.status, lent.lesson.status) == (
        ExchangeStatus.ENDED, ExchangeStatus.DECLINED, LessonStatus.CANCELLED,
    )  # fmt: skip
    assert _exchange_audit(lent.exchange, "lesson") == [
        (f"已取消授课活动：{world.course_a.title}", "成员退出联盟：机构调整")
    ]
    assert AuditEntry.objects.filter(
        object_id=str(waiting.pk), field="status", reason="成员退出联盟：机构调整"
    ).exists()


# ---------------------------------------------------------------- training classes


@pytest.fixture
def ms_class(lent):
    """A training class of 眉山 in preparation, running from in four days for a week."""
    start = timezone.localdate() + datetime.timedelta(days=4)
    ms_scope = scope_for_user(lent.ms_admin)
    lent.ms_class = training.create_class(
        scope=ms_scope, actor=lent.ms_admin, region=lent.meishan, title="眉山市党员教育骨干培训班",
        starts_on=start, ends_on=start + datetime.timedelta(days=6),
    )  # fmt: skip
    return lent


def _ask_for_class(allies, **changes):  # noqa: F811
    world = allies.world
    start = allies.ms_class.starts_on
    asked = {
        "scope": scope_for_user(allies.ms_admin), "actor": allies.ms_admin,
        "host_region": allies.meishan, "purpose": "training", "starts_on": start,
        "ends_on": start + datetime.timedelta(days=2), "course": world.course_a,
        "training_class": allies.ms_class, "lesson_starts_at": _at(start, 14),
    }  # fmt: skip
    asked.update(changes)
    return services.request_exchange(allies.alliance, world.teacher_b, **asked)


def test_an_approved_training_exchange_becomes_a_module_of_the_hosts_class(ms_class):
    world = ms_class.world
    with pytest.raises(services.AllianceError, match="只有用途为「培训班授课」"):
        _ask_for_class(ms_class, purpose="lesson")
    with pytest.raises(services.AllianceError, match="须同时填写授课课程和授课时间"):
        _ask_for_class(ms_class, course=None)
    with pytest.raises(services.AllianceError, match="授课时间须在培训班举办期间内"):
        _ask_for_class(ms_class, lesson_starts_at=_at(ms_class.ms_class.ends_on, 9) + (
            datetime.timedelta(days=1)
        ))  # fmt: skip
    exchange = _ask_for_class(ms_class)
    assert not TrainingModule.objects.unscoped("test").exists()
    services.decide_exchange(
        exchange, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        approve=True, reason="同意",
    )  # fmt: skip
    exchange.refresh_from_db()
    module = exchange.training_module
    assert (module.training_class, module.teacher, module.course, module.topic) == (
        ms_class.ms_class, world.teacher_b, world.course_a, world.course_a.title,
    )  # fmt: skip
    assert timezone.localtime(module.starts_at).date() == ms_class.ms_class.starts_on
    assert exchange.lesson is None
    # The host runs it; the lending office sees it as it sees the exchange's lesson; the
    # other county of 乐山 (not the teacher's) and an outsider do not.
    assert module in seen(TrainingModule, ms_class.ms_admin)
    assert module in seen(TrainingModule, world.city_admin)
    assert module in seen(TrainingModule, world.county_b_admin)  # teacher_b's county
    assert module not in seen(TrainingModule, world.county_a_admin)
    assert module not in seen(TrainingModule, ms_class.ya_admin)

    services.end_exchange(
        exchange, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        reason="教师另有任务",
    )  # fmt: skip
    module.refresh_from_db()
    assert (module.is_offered, module.note) == (False, "教师另有任务")
    assert _exchange_audit(exchange, "training_module") == [
        (f"培训模块不再开设：{world.course_a.title}", "教师另有任务")
    ]


def test_a_module_of_a_class_already_running_stays(ms_class):
    world = ms_class.world
    exchange = _ask_for_class(ms_class)
    services.decide_exchange(
        exchange, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        approve=True, reason="同意",
    )  # fmt: skip
    ms_scope = scope_for_user(ms_class.ms_admin)
    training.open_menu(ms_class.ms_class, scope=ms_scope, actor=ms_class.ms_admin)
    training.start_class(ms_class.ms_class, scope=ms_scope, actor=ms_class.ms_admin)
    ms_class.ms_class.refresh_from_db()
    assert ms_class.ms_class.status == ClassStatus.RUNNING
    services.leave(
        ms_class.ms_member, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        reason="联盟调整",
    )  # fmt: skip
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.ENDED
    assert exchange.training_module.is_offered
    assert _exchange_audit(exchange, "training_module") == [
        (f"培训班已开班，培训模块保留：{world.course_a.title}", "成员退出联盟：联盟调整")
    ]


def test_the_exchange_form_offers_the_hosts_open_classes(ms_class, client):
    world = ms_class.world
    client.force_login(ms_class.ms_admin)
    start = ms_class.ms_class.starts_on
    response = client.post(
        f"/alliances/{ms_class.alliance.pk}/exchanges/",
        {
            "teacher": world.teacher_b.pk, "host_region": "5114", "purpose": "training",
            "starts_on": start.isoformat(), "ends_on": start.isoformat(),
            "course": world.course_a.pk, "training_class": ms_class.ms_class.pk,
            "lesson_starts_at": f"{start.isoformat()}T09:00",
        },
    )  # fmt: skip
    assert response.status_code == 302
    exchange = TeacherExchange.objects.unscoped("test").get(teacher=world.teacher_b)
    assert exchange.training_class == ms_class.ms_class
    page = client.get(f"/alliances/{ms_class.alliance.pk}/").content.decode()
    assert f'<option value="{ms_class.ms_class.pk}">眉山市党员教育骨干培训班</option>' in page


# ---------------------------------------------------------------- joint event sessions


@pytest.fixture
def summit(allies):  # noqa: F811
    world = allies.world
    Teacher.objects.unscoped("test").filter(pk=allies.ms_teacher.pk).update(
        employer="中共眉山市委党校", position="教授"
    )
    allies.ms_teacher.refresh_from_db()
    allies.event = services.hold_joint_event(
        allies.alliance, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        kind="summit", title="乐眉党员教育研讨峰会", region=world.city,
        held_on=timezone.localdate() + datetime.timedelta(days=1),
    )  # fmt: skip
    return allies


def _session(allies, **changes):  # noqa: F811
    world = allies.world
    day = allies.event.held_on
    given = {
        "scope": scope_for_user(world.city_admin), "actor": world.city_admin,
        "title": "东坡文化与新时代廉洁教育", "starts_at": _at(day, 9),
        "ends_at": _at(day, 10), "place": "主会场", "region": allies.meishan,
        "speaker": allies.ms_teacher,
    }  # fmt: skip
    given.update(changes)
    return services.add_event_session(allies.event, **given)


def test_the_coordinator_arranges_sessions_with_speakers_of_members_or_outside(summit):
    world = summit.world
    with pytest.raises(services.AllianceError, match="只有联盟牵头单位可以安排活动议程"):
        _session(summit, scope=scope_for_user(summit.ms_admin), actor=summit.ms_admin)
    with pytest.raises(services.AllianceError, match="二选一"):
        _session(summit, outside_speaker="王教授")
    with pytest.raises(services.AllianceError, match="二选一"):
        _session(summit, speaker=None)
    with pytest.raises(services.AllianceError, match="主讲教师须是派出成员在库的教师"):
        _session(summit, speaker=world.teacher_a)  # a 乐山 teacher said to come from 眉山
    with pytest.raises(services.AllianceError, match="结束时间须晚于开始时间"):
        _session(summit, ends_at=_at(summit.event.held_on, 8))
    with pytest.raises(services.AllianceError, match="派出成员不是本联盟的成员"):
        _session(summit, region=summit.yaan, speaker=None, outside_speaker="王教授")
    first = _session(summit)
    _session(
        summit, title="基层党员教育的乐山实践", region=world.city, speaker=world.teacher_a,
        starts_at=_at(summit.event.held_on, 10), ends_at=_at(summit.event.held_on, 11),
    )  # fmt: skip
    _session(
        summit, title="数字化党员教育展望", region=summit.meishan, speaker=None,
        outside_speaker="陈思远", outside_affiliation="四川大学马克思主义学院",
        starts_at=_at(summit.event.held_on, 14), ends_at=_at(summit.event.held_on, 15),
    )  # fmt: skip
    assert AuditEntry.objects.filter(
        object_id=str(summit.event.pk), field="sessions",
        to_value=f"新增议程：东坡文化与新时代廉洁教育（{summit.ms_teacher.name}）",
    ).exists()  # fmt: skip
    # Every member sees the programme; an outsider does not.
    assert first in seen(JointEventSession, summit.ms_admin)
    assert first in seen(JointEventSession, world.county_b_admin)
    assert not seen(JointEventSession, summit.ya_admin)
    # The speaker does not widen teacher scoping: 乐山 still cannot see 眉山's teacher.
    assert summit.ms_teacher not in seen(Teacher, world.city_admin)


def test_the_event_page_shows_the_programme_cards_and_each_members_attendance(summit, client):
    world = summit.world
    _session(summit)
    _session(
        summit, title="基层党员教育的乐山实践", region=world.city, speaker=world.teacher_a,
        starts_at=_at(summit.event.held_on, 10), ends_at=_at(summit.event.held_on, 11),
    )  # fmt: skip
    _session(
        summit, title="数字化党员教育展望", region=summit.meishan, speaker=None,
        outside_speaker="陈思远", outside_affiliation="四川大学马克思主义学院",
        starts_at=_at(summit.event.held_on, 14), ends_at=_at(summit.event.held_on, 15),
    )  # fmt: skip
    services.register_for_event(
        summit.event, summit.meishan, scope=scope_for_user(summit.ms_admin),
        actor=summit.ms_admin, registered=40,
    )  # fmt: skip
    services.register_for_event(
        summit.event, world.city, scope=scope_for_user(world.city_admin),
        actor=world.city_admin, registered=60,
    )  # fmt: skip
    services.record_event_attendance(
        summit.event, scope=scope_for_user(world.city_admin), actor=world.city_admin,
        attended={"5114": 38, "5111": 57},
    )  # fmt: skip
    url = f"/alliances/{summit.alliance.pk}/events/{summit.event.pk}/"
    ms_page = f"/faculty/{summit.ms_teacher.pk}/"
    own_page = f"/faculty/{world.teacher_a.pk}/"

    client.force_login(world.city_admin)
    alliance_page = client.get(f"/alliances/{summit.alliance.pk}/").content.decode()
    assert url in alliance_page
    page = client.get(url).content.decode()
    for text in ("东坡文化与新时代廉洁教育", "苏明", "中共眉山市委党校 教授", "陈思远",
                 "四川大学马克思主义学院", "基层党员教育的乐山实践"):  # fmt: skip
        assert text in page, text
    # 眉山's teacher: the card's name and employer, no link, no personal data; 乐山's own
    # teacher is a link to their page.
    assert ms_page not in page and "13900000001" not in page
    assert own_page in page
    assert client.get(ms_page).status_code == 404
    # Registrations and attendance per member, and their sums.
    compact = " ".join(page.split())
    assert '<td>眉山市</td> <td class="text-end">40</td><td class="text-end">38</td>' in compact
    assert '<td>乐山市</td> <td class="text-end">60</td><td class="text-end">57</td>' in compact
    assert '<td class="text-end">100</td><td class="text-end">95</td>' in compact

    # 眉山's office: its own teacher is a link, 乐山's (not lent to it) is not.
    client.force_login(summit.ms_admin)
    page = client.get(url).content.decode()
    assert ms_page in page and own_page not in page
    assert "添加议程" not in page  # only the coordinator arranges the programme

    client.force_login(summit.ya_admin)
    assert client.get(url).status_code == 404


def test_sessions_are_added_and_removed_on_the_event_page(summit, client):
    world = summit.world
    url = f"/alliances/{summit.alliance.pk}/events/{summit.event.pk}/"
    day = summit.event.held_on.isoformat()
    form = {
        "title": "东坡文化与新时代廉洁教育", "starts_at": f"{day}T09:00",
        "ends_at": f"{day}T10:30", "place": "主会场", "region": "5114",
        "speaker": summit.ms_teacher.pk,
    }  # fmt: skip
    client.force_login(summit.ms_admin)  # not the coordinator
    client.post(f"{url}sessions/", form)
    assert not JointEventSession.objects.unscoped("test").exists()
    client.force_login(world.city_admin)
    assert client.post(f"{url}sessions/", form).status_code == 302
    session = JointEventSession.objects.unscoped("test").get()
    assert (session.speaker, session.region_id, session.place) == (
        summit.ms_teacher, "5114", "主会场",
    )  # fmt: skip
    assert timezone.localtime(session.ends_at).time() == datetime.time(10, 30)
    client.post(f"{url}sessions/", {**form, "speaker": "", "outside_speaker": ""})
    assert JointEventSession.objects.unscoped("test").count() == 1
    messages = [str(m) for m in client.get(url).context["messages"]]
    assert "请选择一位成员单位的教师，或填写特邀主讲人（二选一）" in messages

    client.post(f"{url}sessions/{session.pk}/remove/", {"reason": ""})
    assert JointEventSession.objects.unscoped("test").exists()
    client.post(f"{url}sessions/{session.pk}/remove/", {"reason": "主讲人行程冲突"})
    assert not JointEventSession.objects.unscoped("test").exists()
    assert AuditEntry.objects.filter(
        object_id=str(summit.event.pk), field="sessions", to_value="删除议程",
        reason="主讲人行程冲突",
    ).exists()  # fmt: skip


def test_the_demo_exchange_and_summit_come_through_the_services(world):
    from dangke.alliances.models import EventRegistration, JointEvent
    from dangke.core.calendar import YearSoFar
    from dangke.demo.alliance import build_alliance_demo
    from dangke.demo.builder import reference_year
    from dangke.regions.models import RegionLevel
    from tests.conftest import make_region

    meishan = make_region("5114", "眉山市", RegionLevel.CITY, world.province)
    for code, name in (("511402", "东坡区"), ("511403", "彭山区"), ("511421", "仁寿县"),
                       ("511423", "洪雅县")):  # fmt: skip
        make_region(code, name, RegionLevel.COUNTY, meishan)
    build_alliance_demo(YearSoFar.of(reference_year()), "5111")
    exchange = TeacherExchange.objects.unscoped("test").get()
    assert (exchange.status, exchange.lesson.status, exchange.lesson.region_id[:4]) == (
        ExchangeStatus.APPROVED, LessonStatus.DELIVERED, "5114",
    )  # fmt: skip
    assert AuditEntry.objects.filter(object_id=str(exchange.pk), field="status").exists()
    summit = JointEvent.objects.unscoped("test").get()
    sessions = list(JointEventSession.objects.unscoped("test").order_by("starts_at"))
    assert len(sessions) == 4
    assert {s.region_id for s in sessions} == {"5114", "5111"}
    assert {s.speaker.region_id[:4] for s in sessions if s.speaker} == {"5114", "5111"}
    assert {
        (r.region_id, r.registered, r.attended)
        for r in EventRegistration.objects.unscoped("test").filter(event=summit)
    } == {("5114", 100, 95), ("5111", 90, 85)}
    assert summit.attendance == 180


def test_either_office_ends_an_approved_exchange_on_the_alliance_page(lent, client):
    world = lent.world
    url = f"/alliances/{lent.alliance.pk}/exchanges/{lent.exchange.pk}/end/"
    client.force_login(lent.ms_admin)  # the host
    page = client.get(f"/alliances/{lent.alliance.pk}/").content.decode()
    assert f'action="{url}"' in page
    assert client.post(url, {"reason": ""}).status_code == 302  # refused: no reason
    lent.exchange.refresh_from_db()
    assert lent.exchange.status == ExchangeStatus.APPROVED
    assert client.post(url, {"reason": "场地改作他用"}).status_code == 302
    lent.exchange.refresh_from_db()
    lent.lesson.refresh_from_db()
    assert (lent.exchange.status, lent.lesson.status) == (
        ExchangeStatus.ENDED, LessonStatus.CANCELLED,
    )  # fmt: skip
    # Ended, it offers no second end; an office outside the alliance gets 404.
    client.force_login(world.city_admin)
    assert f'action="{url}"' not in client.get(f"/alliances/{lent.alliance.pk}/").content.decode()
    client.force_login(lent.ya_admin)
    assert client.post(url, {"reason": "x"}).status_code == 404
