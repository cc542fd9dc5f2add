"""Demo care (seed 004, 以情聚心): the party school's 备课室, 研讨室 and 录课室 and a county's
备课室; a teachers' apartment of ten rooms whose beds half the far-away participants of
next month's class already hold (the rest still need one), with their diets; two
counsellors and two 心理讲座; this year's festival care so far. Bookings and a counselling
request need logins, so `bind_demo_accounts` adds them once the demo accounts exist.
Deterministic for a given seed; building again replaces what an earlier build made."""

from __future__ import annotations

import datetime
import random
import uuid

from django.utils import timezone

from dangke.care import festivals
from dangke.care.models import (
    Apartment,
    Bed,
    CardBatch,
    CareKind,
    CareRecord,
    ClassNeeds,
    CounsellingRequest,
    Counsellor,
    Diet,
    Festival,
    Room,
    RoomBooking,
    RoomKind,
    Stay,
    StayPurpose,
    Talk,
)
from dangke.core.calendar import YearSoFar, report_year
from dangke.faculty.models import Teacher
from dangke.regions.models import Region
from dangke.training.models import ClassStatus, TrainingClass

COUNSELLORS = (
    ("孙慧敏", "国家二级心理咨询师，从事教师心理健康工作十二年"),
    ("周宁", "精神卫生中心心理治疗师"),
)


def clear_care_demo(root_code: str) -> None:
    RoomBooking.objects.filter(room__region__code__startswith=root_code).delete()
    Room.objects.filter(region__code__startswith=root_code).delete()
    Stay.objects.filter(bed__apartment__region__code__startswith=root_code).delete()
    Apartment.objects.filter(region__code__startswith=root_code).delete()
    CounsellingRequest.objects.filter(counsellor__region__code__startswith=root_code).delete()
    Counsellor.objects.filter(region__code__startswith=root_code).delete()
    Talk.objects.filter(region__code__startswith=root_code).delete()
    CardBatch.objects.filter(region__code__startswith=root_code).delete()
    CareRecord.objects.filter(teacher__region__code__startswith=root_code).delete()


def build_care_demo(seed: int, root_code: str, period: YearSoFar | None = None) -> dict[str, int]:
    """`period`: the demo's year as far as it has happened (festival care is recorded for the
    festivals of that year already past)."""
    period = period or YearSoFar.of(report_year())
    clear_care_demo(root_code)
    rng = random.Random(f"dangke-demo:care:{seed}")
    root = Region.objects.get(code=root_code)
    school = f"{root.name}委党校"
    rooms = [
        Room(region=root, name="第一备课室", kind=RoomKind.PREPARATION, capacity=6,
             equipment="智能教学设备、投影", location=f"{school}教学楼 301"),
        Room(region=root, name="集体备课研讨室", kind=RoomKind.SEMINAR, capacity=16,
             equipment="智能交互大屏、视频会议", location=f"{school}教学楼 305"),
        Room(region=root, name="微党课录课室", kind=RoomKind.RECORDING, capacity=4,
             equipment="录播系统、提词器、补光灯", location=f"{school}融媒体中心"),
    ]  # fmt: skip
    county = Region.objects.filter(parent=root).order_by("code").first()
    if county is not None:
        rooms.append(
            Room(region=county, name=f"{county.name}备课室", kind=RoomKind.PREPARATION,
                 capacity=8, equipment="投影", location=f"{county.name}委党校")
        )  # fmt: skip
    Room.objects.bulk_create(rooms)
    apartment = Apartment.objects.create(region=root, name=f"{school}教师公寓", address=school)
    Bed.objects.bulk_create(
        Bed(apartment=apartment, room_number=str(101 + room), label=str(bed + 1))
        for room in range(10)
        for bed in range(2)
    )
    stays = _class_lodging(rng, root_code, apartment)
    counsellors = Counsellor.objects.bulk_create(
        Counsellor(region=root, name=name, qualification=qualification)
        for name, qualification in COUNSELLORS
    )
    now = timezone.localtime()
    Talk.objects.bulk_create(
        [
            Talk(region=root, title="教师职业压力与情绪调适", speaker=COUNSELLORS[0][0],
                 starts_at=now.replace(hour=14, minute=30, second=0, microsecond=0)
                 - datetime.timedelta(days=40), venue=f"{school}报告厅", capacity=80),
            Talk(region=root, title="讲台之外：睡眠与身心健康", speaker=COUNSELLORS[1][0],
                 starts_at=now.replace(hour=14, minute=30, second=0, microsecond=0)
                 + datetime.timedelta(days=12), venue=f"{school}报告厅", capacity=80),
        ]
    )  # fmt: skip
    records = _festival_care(rng, root_code, period)
    return {
        "care_rooms": len(rooms),
        "care_beds": 20,
        "care_stays": stays,
        "counsellors": len(counsellors),
        "care_records": records,
    }


def _class_lodging(rng, root_code: str, apartment: Apartment) -> int:
    """Next month's class: about half the participants live too far to go home at night
    and asked for a bed; half of those have one already. A few eat 清真 or 素食."""
    klass = (
        TrainingClass.objects.filter(
            region_id=root_code, status__in=[ClassStatus.DRAFT, ClassStatus.CHOOSING]
        )
        .order_by("starts_on")
        .first()
    )
    if klass is None:
        return 0
    enrollments = list(klass.enrollments.select_related("teacher").order_by("pk"))
    needs = []
    for enrollment in enrollments:
        far = enrollment.teacher_id is not None and rng.random() < 0.5  # as they answered
        diet = rng.choices([Diet.ANY, Diet.HALAL, Diet.VEGETARIAN], weights=[16, 2, 2])[0]
        needs.append(
            ClassNeeds(
                enrollment=enrollment,
                needs_bed=far,
                diet=diet,
                diet_note={Diet.HALAL: "清真，不食猪肉", Diet.VEGETARIAN: "素食"}.get(diet, ""),
            )
        )
    ClassNeeds.objects.bulk_create(needs)
    beds = list(apartment.beds.order_by("room_number", "label"))
    waiting = [n.enrollment for n in needs if n.needs_bed]
    stays = [
        Stay(
            bed=bed,
            teacher=enrollment.teacher,
            purpose=StayPurpose.TRAINING,
            training_class=klass,
            check_in=klass.starts_on,
            check_out=klass.ends_on + datetime.timedelta(days=1),
        )
        for bed, enrollment in zip(beds, waiting[: len(waiting) // 2], strict=False)
    ]
    Stay.objects.bulk_create(stays)
    return len(stays)


def _festival_care(rng, root_code: str, period: YearSoFar) -> int:
    """The demo year's festivals already past: gifts at 春节, cards at 七一 and 教师节, for
    most of the pool (a few forgotten, which the calendar shows)."""
    today, year = period.today, period.year
    teachers = Teacher.objects.filter(region__code__startswith=root_code)
    records = []
    for festival, kind in (
        (Festival.SPRING, CareKind.GIFT),
        (Festival.PARTY_DAY, CareKind.CARD),
        (Festival.TEACHERS_DAY, CareKind.CARD),
        (Festival.CHONGYANG, CareKind.VISIT),
    ):
        day = festivals.festival_date(festival, year)
        if day is None or day > today:
            continue
        due = festivals.due_teachers(teachers, festival, year).order_by("code")
        for teacher in due.only("pk"):
            if rng.random() < 0.93:
                records.append(
                    CareRecord(
                        teacher=teacher, year=year, festival=festival, kind=kind,
                        given_on=day - datetime.timedelta(days=rng.randint(0, 3)),
                    )
                )  # fmt: skip
    CareRecord.objects.bulk_create(records, batch_size=500)
    return len(records)


def bind_demo_accounts(accounts) -> None:
    """Once the demo logins exist: the counsellor's login on the first counsellor, the
    group's weekly 集体备课 in the 研讨室, the teacher's 备课室 booking and their one-to-one
    request (which only they and the counsellor will see)."""
    from dangke.accounts.models import Role

    by_role = {account.role: account for account in accounts}
    counsellor_account = by_role.get(Role.COUNSELLOR)
    counsellor = None
    if counsellor_account is not None:
        from dangke.accounts.models import User

        user = User.objects.get(username=counsellor_account.username)
        Counsellor.objects.filter(user=user).update(user=None)
        counsellor = (
            Counsellor.objects.filter(region__code__startswith=counsellor_account.region.code)
            .order_by("pk")
            .first()
        )
        if counsellor is not None:
            Counsellor.objects.filter(pk=counsellor.pk).update(user=user)
    _demo_bookings(by_role)
    teacher_account = by_role.get(Role.TEACHER)
    if counsellor is not None and teacher_account is not None and teacher_account.teacher:
        CounsellingRequest.objects.filter(teacher=teacher_account.teacher).delete()
        CounsellingRequest.objects.create(
            teacher=teacher_account.teacher,
            counsellor=counsellor,
            preferred_time="下周三下午",
            note="最近授课任务多，睡眠不太好，想聊一聊。",
        )


def _demo_bookings(by_role) -> None:
    from dangke.accounts.models import Role, User

    leader, teacher = by_role.get(Role.GROUP_LEADER), by_role.get(Role.TEACHER)
    if leader is None or teacher is None:
        return
    root = leader.region.code
    seminar = Room.objects.filter(region_id=root, kind=RoomKind.SEMINAR).first()
    preparation = Room.objects.filter(region_id=root, kind=RoomKind.PREPARATION).first()
    if seminar is None or preparation is None:
        return
    RoomBooking.objects.filter(room__in=[seminar, preparation]).delete()
    today = timezone.localdate()
    wednesday = today + datetime.timedelta(days=(2 - today.weekday()) % 7 or 7)

    def at(day, hour):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    leader_user = User.objects.get(username=leader.username)
    series = uuid.uuid4()
    for week in range(4):
        day = wednesday + datetime.timedelta(weeks=week)
        RoomBooking.objects.create(
            room=seminar, title="集体备课：党的创新理论专题", starts_at=at(day, 14),
            ends_at=at(day, 17), booked_by=leader_user, teaching_group=leader.teaching_group,
            series=series,
        )  # fmt: skip
    RoomBooking.objects.create(
        room=preparation, title="备课：乡村振兴专题", starts_at=at(wednesday, 9),
        ends_at=at(wednesday, 11), booked_by=User.objects.get(username=teacher.username),
    )  # fmt: skip
