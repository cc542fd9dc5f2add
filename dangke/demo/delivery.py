"""The demo's year of ordering and delivery: a campaign, the orders and lessons given so
far this year, and next month's submitted orders, ready to be planned.

The city gets 「万堂示范课下基层」 (seed 004): every one of its 4,583 organisations had at
least one lesson given this year (some several), so the campaign reaches all of them and
their 47,000 members, and `dangke stats` says so. The county gets a special education on
the 条例 the same way. Most lessons come from orders that were planned; the rest were
recorded directly (a lecture team's tour). Everything is drawn from the builder's seeded
streams and written with `bulk_create`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from dangke.courses.models import CourseStatus
from dangke.delivery.models import (
    Campaign,
    CourseOrder,
    DeliveryMode,
    Lesson,
    LessonSource,
    LessonStatus,
    OrderStatus,
)
from dangke.faculty.models import TeacherStatus
from dangke.regions.models import OrganizationKind

BATCH = 2000
SHANGHAI_TIMES = (datetime.time(9, 0), datetime.time(14, 30), datetime.time(19, 30))
CAMPAIGNS = {
    "city": (
        "万堂示范课下基层",
        "选派师资深入全市基层党组织开展示范授课，实现基层党组织和党员全覆盖。",
        10000,
    ),
    "county": (
        "《中国共产党党员教育管理工作条例》专题教育",
        "县委党校教师基层宣讲团分片包干，到各村（社区）、机关和学校开展条例专题宣讲。",
        150,
    ),
}
# Share of next month's orders among organisations free that month, and extra lessons.
NEXT_MONTH_ORDERS = {"city": 1000, "county": 40}
EXTRA_LESSON_SHARE = 0.3
MANUAL_SHARE = 0.15


def build_delivery(builder) -> None:
    DeliveryDemo(builder).run()


class DeliveryDemo:
    def __init__(self, builder):
        self.b = builder
        self.rng = builder.rng("delivery")
        self.period = builder.period
        self.first_day = self.period.first_day
        self.last_given = self.period.last_past_day

    def run(self) -> None:
        self.pairs_by_county = self.course_pairs()
        self.campaign = self.build_campaign()
        self.build_year()
        self.build_next_month()

    def course_pairs(self) -> dict[str, list]:
        """(course, teacher) pairs a county can draw on: its own teachers' courses first,
        and the city pool's (key "")."""
        usable = {TeacherStatus.ACTIVE, TeacherStatus.WARNING}
        pairs: dict[str, list] = defaultdict(list)
        for course, teachers in self.b.course_links:
            if course.status != CourseStatus.LISTED:
                continue
            for teacher in teachers:
                if teacher.status in usable:
                    county = teacher.region_id if len(teacher.region_id) == 6 else ""
                    pairs[county].append((course, teacher))
        return pairs

    def pair_for(self, county: str):
        own, pool = self.pairs_by_county.get(county), self.pairs_by_county.get("")
        if own and (not pool or self.rng.random() < 0.7):
            return self.rng.choice(own)
        return self.rng.choice(pool or own)

    def build_campaign(self) -> Campaign:
        name, description, target = CAMPAIGNS[self.b.spec.key]
        region = self.b.city_region if self.b.is_city else self.b.root_region
        campaign = Campaign.objects.create(
            name=name,
            region=region,
            starts_on=self.first_day,
            ends_on=datetime.date(self.b.year, 12, 31),
            description=description,
            target_kinds=[],
            target_lessons=target,
            target_members=self.b.spec.members,
        )
        self.b.counts["campaigns"] = 1
        return campaign

    def moment(self, day: datetime.date) -> datetime.datetime:
        return self.period.at(day, self.rng.choice(SHANGHAI_TIMES[:2]))

    def mode_for(self, organization) -> str:
        draw = self.rng.random()
        if organization.kind == OrganizationKind.VILLAGE and draw < 0.15:
            return DeliveryMode.LOUDSPEAKER
        return DeliveryMode.ONLINE if draw > 0.93 else DeliveryMode.OFFLINE

    def free_day(self, organization, teacher, busy: set) -> datetime.date:
        span = (self.last_given - self.first_day).days
        day = self.first_day
        for _ in range(12):
            day = self.first_day + datetime.timedelta(days=self.rng.randint(0, span))
            if day.month in organization.busy_months or (teacher.pk, day) in busy:
                continue
            break
        busy.add((teacher.pk, day))
        return day

    def build_year(self) -> None:
        """At least one lesson given this year in every organisation."""
        busy: set = set()
        orders, lessons, teachers = [], [], []
        for organization in self.b.organizations:
            count = 1
            while self.rng.random() < EXTRA_LESSON_SHARE and count < 3:
                count += 1
            for _ in range(count):
                course, teacher = self.pair_for(organization.region_id[:6])
                day = self.free_day(organization, teacher, busy)
                mode = self.mode_for(organization)
                order = None
                if self.rng.random() >= MANUAL_SHARE:
                    order = CourseOrder(
                        organization=organization,
                        region_id=organization.region_id,
                        course=course,
                        category=course.category,
                        dates=[day.isoformat()],
                        expected_attendees=max(3, organization.member_count),
                        venue=f"{organization.name}活动室",
                        mode=mode,
                        campaign=self.campaign,
                        status=OrderStatus.PLANNED,
                        outcome=f"{teacher.name}，{day.isoformat()}",
                    )
                    orders.append(order)
                present = max(1, round(organization.member_count * self.rng.uniform(0.75, 1.0)))
                lessons.append(
                    Lesson(
                        course=course,
                        organization=organization,
                        region_id=organization.region_id,
                        starts_at=self.moment(day),
                        duration_minutes=course.duration_minutes,
                        venue=f"{organization.name}活动室",
                        mode=mode,
                        order=order,
                        campaign=self.campaign,
                        source=LessonSource.PLAN if order else LessonSource.MANUAL,
                        status=LessonStatus.DELIVERED,
                        attendees_count=present,
                    )
                )
                teachers.append(teacher)
        CourseOrder.objects.bulk_create(orders, batch_size=BATCH)
        self.date_orders(orders)
        for lesson in lessons:  # the orders have their keys now
            if lesson.order is not None:
                lesson.order_id = lesson.order.pk
        Lesson.objects.bulk_create(lessons, batch_size=BATCH)
        through = Lesson.teachers.through
        through.objects.bulk_create(
            [
                through(lesson_id=lesson.pk, teacher_id=teacher.pk)
                for lesson, teacher in zip(lessons, teachers, strict=True)
            ],
            batch_size=BATCH,
        )
        self.b.counts["lessons"] = len(lessons)
        self.b.counts["orders"] = len(orders)

    def date_orders(self, orders) -> None:
        """An order is placed one to four weeks before its lesson (but within the year, whose
        figures count orders by when they were placed). `created_at` is set on insert, so the
        moments are written afterwards."""
        opening = self.period.at(self.first_day, datetime.time(9))
        for order in orders:
            day = datetime.date.fromisoformat(order.dates[0]) - datetime.timedelta(
                days=self.rng.randint(7, 28)
            )
            order.created_at = max(opening, self.period.at(day, datetime.time(10)))
        CourseOrder.objects.bulk_update(orders, ["created_at"], batch_size=BATCH)

    def build_next_month(self) -> None:
        """Submitted orders for next month (of the real calendar: the office's queue today,
        whichever year the demo shows), from organisations not busy then."""
        first = (self.period.today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        free = [o for o in self.b.organizations if first.month not in o.busy_months]
        wanted = min(NEXT_MONTH_ORDERS[self.b.spec.key], len(free))
        chosen = sorted(self.rng.sample(range(len(free)), wanted))
        campaign = self.campaign if first.year == self.b.year else None
        days = (last - first).days + 1
        orders = []
        for index in chosen:
            organization = free[index]
            course, _teacher = self.pair_for(organization.region_id[:6])
            by_category = self.rng.random() < 0.3
            order = CourseOrder(
                organization=organization,
                region_id=organization.region_id,
                course=None if by_category else course,
                category=course.category,
                expected_attendees=max(3, round(organization.member_count * 0.8)),
                venue=f"{organization.name}活动室",
                mode=self.mode_for(organization),
                campaign=campaign,
                status=OrderStatus.SUBMITTED,
                notes="请安排熟悉本地情况的老师" if self.rng.random() < 0.1 else "",
            )
            if self.rng.random() < 0.5:
                picks = self.rng.sample(range(days), self.rng.randint(2, 4))
                order.dates = [
                    (first + datetime.timedelta(days=k)).isoformat() for k in sorted(picks)
                ]
            else:
                start = self.rng.randint(0, days - 10)
                order.earliest = first + datetime.timedelta(days=start)
                order.latest = order.earliest + datetime.timedelta(days=self.rng.randint(6, 9))
            orders.append(order)
        CourseOrder.objects.bulk_create(orders, batch_size=BATCH)
        self.b.counts["submitted_orders"] = len(orders)
        self.next_month = (first, last)
