"""The demo's rosters and their year of study: every organisation's members (generated
names, phones in a range no real number uses), the campaign's lessons signed in by them,
branch collective study approved by the county, the county's 春训冬训 class and a class
for secretaries and committee members. Most members reach 32 学时, leaders 56; a few
organisations fall behind and a few members have nothing.

A city is about half a million rows. They are written in large batches, ids assigned
here, because the ORM's `bulk_create` spends a third of a millisecond per row building its
SQL — minutes for a city: by `BulkRows` (one `executemany` per 10,000 rows) on SQLite, and
by COPY (`demo.bulkload.CopyRows`) on PostgreSQL, where even `executemany` waits on the
server once per row. The rollup
is computed here in one pass with the same arithmetic the services use (`hours`); a test
proves it equals what `rebuild_study_years` makes of the ledger."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from dangke.core.bulkload import rows_for
from dangke.delivery.models import Attendance, AttendanceMethod, Lesson, LessonStatus
from dangke.demo.people import NameMaker
from dangke.members import hours as h
from dangke.members import rollup as study_rollup
from dangke.members.models import (
    LEADER_POSTS,
    AttendanceMatch,
    ClassEnrolment,
    CollectiveKind,
    CollectiveStatus,
    CollectiveStudy,
    Gender,
    MatchOutcome,
    Member,
    MemberCategory,
    MemberStatus,
    PartyPost,
    StudyClass,
    StudyRecord,
    StudyRule,
    StudySource,
    StudyYear,
    new_view_token,
)

# Mobile numbers in China start with 13–19; "100…" is no one's, so a demo phone can never
# reach (or be mistaken for) a real person.
DEMO_PHONE_PREFIX = "100"
WEAK_SHARE = 0.08  # organisations that fall behind
ABSENT_SHARE = 0.01  # members with nothing this year
SESSION_MINUTES = 180  # a half day: 4 学时 under the default rule
TOPICS = (
    "学习党章党规",
    "学习贯彻党的二十届四中全会精神",
    "主题党日：重温入党誓词",
    "学习《中国共产党党员教育管理工作条例》",
    "讨论本村（社区）发展规划",
    "学习身边榜样事迹",
)


def build_members_demo(builder) -> dict[str, int]:
    return MembersDemo(builder).run()


def clear_members_demo(root: str) -> int:
    deleted = 0
    for queryset in (
        StudyRecord.objects.filter(member__region__code__startswith=root),
        StudyYear.objects.filter(region__code__startswith=root),
        ClassEnrolment.objects.filter(study_class__region__code__startswith=root),
        StudyClass.objects.filter(region__code__startswith=root),
        CollectiveStudy.objects.filter(region__code__startswith=root),
        AttendanceMatch.objects.filter(member__region__code__startswith=root),
        Member.objects.filter(region__code__startswith=root),
        StudyRule.objects.filter(region__code__startswith=root),
    ):
        deleted += queryset.delete()[0]
    study_rollup.rebuild(region=root)
    return deleted


@dataclass
class Person:
    pk: int
    organization_id: int
    region_id: str
    name: str
    phone: str
    post: str


@dataclass
class Line:
    member: int
    day: datetime.date
    source: str
    title: str
    minutes: int
    days: int
    online: bool
    raw: Decimal
    concentrated: bool
    match: int | None = None
    enrolment: int | None = None
    collective: int | None = None
    hours: Decimal = h.ZERO


class MembersDemo:
    def __init__(self, builder):
        self.b = builder
        self.rng = builder.rng("members")
        self.rule = h.RuleValues()
        # Nothing happens after the last whole day of the demo's year (YearSoFar).
        self.last_day = builder.period.last_past_day
        self.now = timezone.now()
        self.lines: list[Line] = []

    def run(self) -> dict[str, int]:
        self.build_rosters()
        self.sign_in_lessons()
        self.collective_study()
        self.classes()
        met = self.write_ledger_and_rollup()
        # the member-years went in in bulk, past the county tallies' upkeep
        tallies = study_rollup.rebuild(region=self.b.spec.root)
        return {
            "roster_members": len(self.members),
            "members_target_met": met,
            "study_tally_rows": tallies,
        }

    # --- rosters ------------------------------------------------------------------------------

    def build_rosters(self) -> None:
        names = NameMaker(self.b.rng("member-names"))
        rows = rows_for(
            Member,
            [
                "organization",
                "region",
                "name",
                "gender",
                "phone",
                "post",
                "category",
                "joined_on",
                "number",
                "status",
                "view_token",
                "created_at",
                "updated_at",
            ],
        )
        self.members: list[Person] = []
        self.weak = set()
        for organization in self.b.organizations:
            if self.rng.random() < WEAK_SHARE:
                self.weak.add(organization.pk)
            count = organization.member_count
            committee = 2 if count < 15 else 4 if count < 50 else 6
            for index in range(count):
                gender = names.gender()
                post = PartyPost.NONE
                if index == 0:
                    post = PartyPost.SECRETARY
                elif index == 1 and count >= 30:
                    post = PartyPost.DEPUTY
                elif index <= committee:
                    post = PartyPost.COMMITTEE
                name = (index == 0 and organization.secretary) or names.person(gender)
                phone = f"{DEMO_PHONE_PREFIX}{len(self.members) + 1:08d}"
                probationary = self.rng.random() < 0.04
                joined = datetime.date(
                    self.b.year - (1 if probationary else self.rng.randint(2, 60)),
                    self.rng.randint(1, 12),
                    self.rng.randint(1, 28),
                )
                pk = rows.add(
                    organization.pk,
                    organization.region_id,
                    name,
                    Gender.FEMALE if gender == "女" else Gender.MALE,
                    phone,
                    post,
                    MemberCategory.PROBATIONARY if probationary else MemberCategory.FULL,
                    min(joined, self.last_day),
                    "",
                    MemberStatus.ACTIVE,
                    new_view_token(),
                    self.now,
                    self.now,
                )
                self.members.append(
                    Person(pk, organization.pk, organization.region_id, name, phone, post)
                )
        rows.finish()
        self.absent = {m.pk for m in self.members if self.rng.random() < ABSENT_SHARE}
        self.by_org: dict[int, list[Person]] = defaultdict(list)
        for member in self.members:
            self.by_org[member.organization_id].append(member)

    def present(self, organization_id: int, share: float) -> list[Person]:
        return [
            m
            for m in self.by_org[organization_id]
            if m.pk not in self.absent and self.rng.random() < share
        ]

    # --- sources ------------------------------------------------------------------------------

    def sign_in_lessons(self) -> None:
        """The year's lessons given: those who came are the roster's members (matched);
        anyone beyond the roster was a non-member (群众)."""
        first = timezone.make_aware(datetime.datetime(self.b.year, 1, 1))
        lessons = (
            Lesson.objects.filter(
                region__code__startswith=self.b.spec.root,
                status=LessonStatus.DELIVERED,
                starts_at__gte=first,
                starts_at__lt=first.replace(year=self.b.year + 1),
            )
            .values_list(
                "pk",
                "organization_id",
                "organization__name",
                "course__title",
                "duration_minutes",
                "mode",
                "starts_at",
                "attendees_count",
            )
            .order_by("pk")
        )
        attendances = rows_for(
            Attendance, ["lesson", "name", "phone", "organization_name", "method", "signed_at"]
        )
        matches = rows_for(AttendanceMatch, ["attendance", "member", "outcome", "note"])
        for pk, org_id, org_name, title, minutes, mode, starts_at, count in lessons:
            roster = [m for m in self.by_org[org_id] if m.pk not in self.absent]
            self.rng.shuffle(roster)
            came = roster[:count]
            method = AttendanceMethod.QR if self.rng.random() < 0.7 else AttendanceMethod.LIST
            day = timezone.localtime(starts_at).date()
            raw = h.minutes_to_hours(minutes, self.rule)
            for member in came:
                attendance = attendances.add(
                    pk, member.name, member.phone, org_name, method, starts_at
                )
                match = matches.add(attendance, member.pk, MatchOutcome.MEMBER, "")
                self.lines.append(
                    Line(
                        member.pk,
                        day,
                        StudySource.LESSON,
                        title[:160],
                        minutes,
                        0,
                        mode != "offline",
                        raw,
                        h.is_concentrated(raw, False, self.rule),
                        match=match,
                    )
                )
            for extra in range(count - len(came)):
                attendance = attendances.add(
                    pk, f"群众{extra + 1}", "", org_name, method, starts_at
                )
                matches.add(attendance, None, MatchOutcome.NON_MEMBER, "")
        attendances.finish()
        matches.finish()

    def session_days(self, count: int) -> list[datetime.date]:
        start = min(datetime.date(self.b.year, 1, 10), self.last_day)
        span = (self.last_day - start).days
        return [
            start + datetime.timedelta(days=span * (i + 1) // (count + 1)) for i in range(count)
        ]

    def collective_study(self) -> None:
        """Half-day study three times a year in each branch (twice in the weak ones); the
        county approved all but a few, which wait on its review page."""
        studies = rows_for(
            CollectiveStudy,
            [
                "organization",
                "region",
                "kind",
                "title",
                "held_on",
                "minutes",
                "note",
                "status",
                "review_note",
                "created_at",
            ],
        )
        links = rows_for(
            CollectiveStudy.attendees.through, ["collectivestudy", "member"], with_id=False
        )
        raw = h.minutes_to_hours(SESSION_MINUTES, self.rule)
        kinds = {kind: str(label) for kind, label in CollectiveKind.choices}
        for organization in self.b.organizations:
            weak = organization.pk in self.weak
            for number, day in enumerate(self.session_days(2 if weak else 3)):
                pending = number == 2 and self.rng.random() < 0.03
                kind = CollectiveKind.THEME_DAY if number % 2 else CollectiveKind.BRANCH_STUDY
                title = self.rng.choice(TOPICS)
                status = CollectiveStatus.SUBMITTED if pending else CollectiveStatus.APPROVED
                study = studies.add(
                    organization.pk,
                    organization.region_id,
                    kind,
                    title,
                    day,
                    SESSION_MINUTES,
                    "",
                    status,
                    "",
                    self.now,
                )
                for member in self.present(organization.pk, 0.7 if weak else 0.9):
                    links.add(study, member.pk)
                    if pending:
                        continue
                    self.lines.append(
                        Line(
                            member.pk,
                            day,
                            StudySource.COLLECTIVE,
                            f"{kinds[kind]}：{title}"[:160],
                            SESSION_MINUTES,
                            0,
                            False,
                            raw,
                            h.is_concentrated(raw, False, self.rule),
                            collective=study,
                        )
                    )
        studies.finish()
        links.finish()

    def classes(self) -> None:
        """Each county's 春训冬训 (3 days, most members) and a 3-day class for secretaries
        and committee members: both 集中培训."""
        counties = defaultdict(list)
        for organization in self.b.organizations:
            counties[organization.region_id[:6]].append(organization)
        yesterday = self.last_day
        ends = {
            False: min(datetime.date(self.b.year, 2, 27), yesterday),
            True: min(datetime.date(self.b.year, 4, 17), yesterday),
        }
        titles = {False: "春训冬训集中轮训", True: "基层党组织书记和班子成员培训班"}
        classes = rows_for(StudyClass, ["title", "region", "starts_on", "ends_on"])
        enrolments = rows_for(ClassEnrolment, ["study_class", "member", "days_attended"])
        raw = h.days_to_hours(Decimal(3), self.rule)
        for code, organizations in sorted(counties.items()):
            for leaders_only in (False, True):
                day = ends[leaders_only]
                study_class = classes.add(
                    titles[leaders_only], code, day - datetime.timedelta(days=2), day
                )
                for organization in organizations:
                    share = 0.85 if leaders_only else 0.4 if organization.pk in self.weak else 0.9
                    for member in self.present(organization.pk, share):
                        if leaders_only and member.post not in LEADER_POSTS:
                            continue
                        enrolment = enrolments.add(study_class, member.pk, Decimal(3))
                        self.lines.append(
                            Line(
                                member.pk,
                                day,
                                StudySource.CLASS,
                                titles[leaders_only],
                                0,
                                3,
                                False,
                                raw,
                                True,
                                enrolment=enrolment,
                            )
                        )
        classes.finish()
        enrolments.finish()

    # --- the ledger and its rollup ----------------------------------------------------------

    def write_ledger_and_rollup(self) -> int:
        """Credit each member's lines in date order (as `services.refresh_years` does),
        then write the lines and one StudyYear per member."""
        by_member = defaultdict(list)
        for index, line in enumerate(self.lines):
            by_member[line.member].append((line.day, index, line))
        records = rows_for(
            StudyRecord,
            [
                "member",
                "year",
                "occurred_on",
                "source",
                "title",
                "minutes",
                "days",
                "online",
                "raw_hours",
                "hours",
                "concentrated",
                "match",
                "enrolment",
                "collective",
            ],
        )
        years = rows_for(
            StudyYear,
            [
                "member",
                "year",
                "region",
                "organization",
                "is_leader",
                "is_active",
                "hours",
                "lines",
                "concentrated",
                "target",
                "met",
            ],
        )
        met = 0
        for member in self.members:
            ordered = [line for _day, _index, line in sorted(by_member.get(member.pk, []))]
            credited = h.credit(
                [
                    h.Line(i, line.raw, _cap_of(line), line.concentrated)
                    for i, line in enumerate(ordered)
                ],
                self.rule,
            )
            for line, credit in zip(ordered, credited, strict=True):
                records.add(
                    member.pk,
                    self.b.year,
                    line.day,
                    line.source,
                    line.title,
                    line.minutes,
                    Decimal(line.days),
                    line.online,
                    line.raw,
                    credit.hours,
                    line.concentrated,
                    line.match,
                    line.enrolment,
                    line.collective,
                )
            total = sum((credit.hours for credit in credited), h.ZERO)
            concentrated = any(c.concentrated and c.hours > 0 for c in credited)
            leader = member.post in LEADER_POSTS
            ok = h.target_met(total, concentrated, leader, self.rule)
            met += ok
            years.add(
                member.pk,
                self.b.year,
                member.region_id,
                member.organization_id,
                leader,
                True,
                total,
                len(ordered),
                concentrated,
                h.target_for(leader, self.rule),
                ok,
            )
        records.finish()
        years.finish()
        return met


def _cap_of(line: Line) -> str:
    if line.source == StudySource.COLLECTIVE:
        return "collective"
    return "online" if line.online else ""
