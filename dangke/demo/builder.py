"""Builds the demo data: the seeds' city 嘉州 on the real divisions of 乐山市 (5111), or the
seeds' county Party school on those of 祁连县 (632222).

Everything is drawn from `random.Random` streams seeded by the command's `--seed` (one
stream per concern, so a change in one part leaves the others as they were) and walks the
regions in code order: the same seed always gives the same names, codes and numbers. The
clock decides only which year is built and how much of it has happened: the demo's year is
the year an office reports on (`core.calendar.report_year`: until the end of February the
year just ended, whole; from March the current year up to yesterday), and nothing is dated
after the moment of the build.

Rows are written with `bulk_create`; statuses are set on creation, which the protected
status fields allow (only changes of a stored row must go through `change_status`).
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction

from dangke.core.calendar import YearSoFar, report_year
from dangke.courses.categories import CourseCategory
from dangke.courses.models import (
    Course,
    CourseSeries,
    CourseStatus,
    ExcellentDesignation,
    OutlineItem,
)
from dangke.demo import catalogue
from dangke.demo import names as words
from dangke.demo.people import (
    NameMaker,
    apportion,
    phone_number,
    point_near,
    scale_to_total,
    strip_committee,
)
from dangke.faculty.models import (
    POOL_STATUSES,
    LectureTeam,
    Teacher,
    TeacherSpecialty,
    TeacherStatus,
    TeachingGroup,
)
from dangke.regions.models import Organization, OrganizationKind, Region, RegionLevel

BATCH = 1000

# The two courses the city's report names among its 40 excellent ones (seed 004).
NAMED_EXCELLENT = (
    "强化国土空间规划引领促进县域经济高质量发展",
    "坚持党建引领激活村级治理新动能",
)


@dataclass(frozen=True)
class ScaleSpec:
    key: str
    root: str
    label: str
    teachers_by_level: dict[str, int]
    organizations: dict[str, int]  # besides one per village-level division
    community_branches: int  # 小区/网格 branches under communities
    members: int
    courses: int
    excellent: int
    excellent_last_year: int


SCALES = {
    "city": ScaleSpec(
        key="city",
        root="5111",
        label="嘉州（乐山市）",
        teachers_by_level={"province": 8, "city": 104, "county": 373},
        organizations={
            "organ": 1250,
            "school": 540,
            "enterprise": 900,
            "park": 48,
            "other": 294,
        },
        community_branches=180,
        members=47000,
        courses=220,
        excellent=40,
        excellent_last_year=30,
    ),
    "county": ScaleSpec(
        key="county",
        root="632222",
        label="祁连县",
        teachers_by_level={"province": 2, "city": 5, "county": 33},
        organizations={"organ": 31, "school": 12, "enterprise": 8, "park": 0, "other": 6},
        community_branches=4,
        members=2400,
        courses=60,
        excellent=8,
        excellent_last_year=5,
    ),
}

# Employer keyword → the course categories such a teacher usually teaches.
SPECIALTY_HINTS = (
    ("纪委", ("party_spirit",)),
    ("党史", ("party_spirit", "local")),
    ("党校", ("theory", "party_spirit", "policy")),
    ("马克思主义", ("theory", "party_spirit")),
    ("宣传", ("theory", "policy", "local")),
    ("组织部", ("capability", "party_spirit")),
    ("农业", ("knowledge", "capability")),
    ("自然资源", ("policy", "knowledge")),
    ("生态", ("policy", "knowledge")),
    ("文化", ("local",)),
    ("景区", ("local",)),
    ("司法", ("knowledge", "policy")),
    ("融媒体", ("local", "capability")),
    ("职业技术", ("knowledge", "capability")),
    ("师范", ("theory", "local")),
    ("中学", ("theory", "party_spirit")),
    ("党委", ("capability", "policy")),
    ("支部", ("capability", "knowledge")),
)
# Course category → the teaching groups (by focus) a teacher of it may join.
CATEGORY_GROUPS = {
    "theory": ("theory", "policy"),
    "party_spirit": ("history", "discipline"),
    "policy": ("policy", "ecology"),
    "capability": ("governance", "rural", "media"),
    "knowledge": ("rural", "ecology"),
    "local": ("culture", "history"),
}
# The seeds' teacher counts (485 in the city) are the pool; candidates waiting for a trial
# lecture and teachers who left are generated beyond it, as shares of the pool.
POOL_STATUS_WEIGHTS = (
    (TeacherStatus.ACTIVE, 92),
    (TeacherStatus.WARNING, 5),
    (TeacherStatus.RECTIFYING, 3),
)
BEYOND_POOL_SHARES = ((TeacherStatus.CANDIDATE, 0.05), (TeacherStatus.EXITED, 0.03))
COURSE_STATUS_WEIGHTS = (
    (CourseStatus.LISTED, 80),
    (CourseStatus.DRAFT, 8),
    (CourseStatus.RECTIFYING, 6),
    (CourseStatus.WITHDRAWN, 6),
)
FARMING_MONTHS = ([5, 6, 9, 10], [4, 5, 9, 10], [5, 6, 8, 9])
PASTORAL_MONTHS = ([3, 4, 6, 7], [4, 6, 7, 10])
# Raw member counts by kind, before they are scaled to the scale's exact total.
RAW_MEMBERS = {
    "village": (15, 45),
    "community": (20, 60),
    "branch": (3, 10),
    "organ": (3, 15),
    "school": (3, 20),
    "enterprise": (3, 9),
    "park": (8, 30),
    "other": (3, 10),
}


class DemoError(Exception):
    """A demo build that cannot go ahead (the message says why, in Chinese)."""


def reference_year() -> int:
    """The demo's year: the year the office reports on, so that a demo built on 2 January
    shows the whole year just ended rather than a year squeezed into one day."""
    return report_year()


def demo_exists() -> bool:
    return Teacher.objects.exists()


def scale_present(key: str) -> bool:
    return Teacher.objects.filter(region__code__startswith=SCALES[key].root).exists()


@transaction.atomic
def reset_demo(key: str) -> int:
    """Delete the lessons, orders, plans, campaigns, teachers, groups, teams, organisations
    and courses inside the scale's region (and what hangs on them). Returns the number of
    rows deleted."""
    from dangke.broadcast.demo import clear_broadcast_demo
    from dangke.delivery.models import Campaign, CourseOrder, Lesson, PlanRun
    from dangke.media.demo import clear_media_demo

    root = SCALES[key].root
    # A reset follows a bulk load: without fresh statistics PostgreSQL plans the deletes
    # below as nested loops (one took over ten minutes on the county's study ledger).
    refresh_planner_statistics()
    clear_broadcast_demo(root)  # programmes may point at the courses deleted below
    clear_media_demo(root)  # so may media works
    from dangke.contests.demo import clear_contests_demo

    clear_contests_demo(root)  # contests protect their courses and indicator systems
    from dangke.evaluation.demo import clear_evaluation_demo

    clear_evaluation_demo(root)  # surveys and rectifications hang on lessons and courses
    from dangke.faculty.demo import clear_faculty_demo

    clear_faculty_demo(root)  # quotas and rules hang on regions, which are kept
    from dangke.members.demo import clear_members_demo

    clear_members_demo(root)  # rosters hang on organisations
    if key == "city":
        from dangke.demo.alliance import clear_alliance_demo

        clear_alliance_demo()  # exchanges hold on to teachers; 眉山's pool is rebuilt
    deleted = 0
    for queryset in (
        Lesson.objects.filter(region__code__startswith=root),
        CourseOrder.objects.filter(region__code__startswith=root),
        PlanRun.objects.filter(region__code__startswith=root),
        Campaign.objects.filter(region__code__startswith=root),
        Course.objects.filter(region__code__startswith=root),
        CourseSeries.objects.filter(region__code__startswith=root),
        LectureTeam.objects.filter(region__code__startswith=root),
        Teacher.objects.filter(region__code__startswith=root),
        TeachingGroup.objects.filter(region__code__startswith=root),
        Organization.objects.filter(region__code__startswith=root),
    ):
        deleted += queryset.delete()[0]
    return deleted


def build_demo(key: str, seed: int = 2024, year: int | None = None) -> dict[str, int]:
    spec = SCALES[key]
    if scale_present(key):
        raise DemoError(f"{spec.label}已有演示数据：加 --reset 先删除再重建，或加 --if-empty 跳过")
    period = YearSoFar.of(year or reference_year())
    if not period.has_past_days:
        raise DemoError(f"{period.year} 年还没有过去的日子，无法生成这一年的演示数据")
    with transaction.atomic():
        return DemoBuilder(spec, seed, period).run()


# --- Places -----------------------------------------------------------------------------------


@dataclass
class Place:
    region: Region
    lat: float
    lon: float
    radius: float


@dataclass
class County:
    region: Region
    code: str
    name: str
    lat: float
    lon: float
    radius: float
    townships: list[Place] = field(default_factory=list)
    villages: list[Place] = field(default_factory=list)

    @property
    def seat(self) -> Place:
        return self.townships[0]

    @property
    def short(self) -> str:
        """ "峨边彝族自治县" → "峨边", "峨眉山市" → "峨眉山", "犍为县" → "犍为"."""
        for suffix in ("彝族自治县", "自治县", "县", "区", "市"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix) + 1:
                return self.name[: -len(suffix)]
        return self.name


@dataclass
class TeacherPlan:
    teacher: Teacher
    specialties: list[str]
    county: str  # county code, or "" for the city pool
    groups: list[str] = field(default_factory=list)  # focus keys


@dataclass
class OrgPlan:
    kind: str
    base: str  # the name without the organisation form (党支部/党总支/党委)
    region: Region
    lat: float
    lon: float
    raw: int
    busy: list[int] = field(default_factory=list)
    form: str = ""  # fixed form; empty: chosen by size
    parent: int | None = None  # index of the parent plan
    organization: Organization | None = None


def refresh_planner_statistics() -> None:
    """Bulk loads leave PostgreSQL's planner with no statistics until autovacuum's next
    pass, and it then picks plans that take a second per query; the demo is read straight
    after it is written, so its statistics are gathered now. The project's tables only: a
    bare ANALYZE takes the shared catalogs too, whose lock a second database's ANALYZE on the
    same server then waits for until this transaction ends (two test processes did)."""
    if connection.vendor == "postgresql":
        tables = ", ".join(
            connection.ops.quote_name(table) for table in connection.introspection.table_names()
        )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")


class DemoBuilder:
    def __init__(self, spec: ScaleSpec, seed: int, period: YearSoFar):
        self.spec = spec
        self.seed = seed
        self.period = period
        self.year = period.year
        self.counts: dict[str, int] = defaultdict(int)

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"dangke-demo:{self.spec.key}:{self.seed}:{stream}")

    @property
    def is_city(self) -> bool:
        return self.spec.key == "city"

    @property
    def box(self) -> tuple[float, ...]:
        return words.LESHAN_BOX if self.is_city else words.QILIAN_BOX

    def run(self) -> dict[str, int]:
        self.load_places()
        self.build_groups()
        self.build_teachers()
        self.build_lecture_teams()
        self.build_organizations()
        self.build_courses()
        from dangke.demo.delivery import build_delivery

        build_delivery(self)
        refresh_planner_statistics()
        from dangke.broadcast.demo import build_broadcast_demo

        broadcast = build_broadcast_demo(
            self.seed, self.spec.root, month=self.period.last_past_month
        )
        self.counts["stations"] = broadcast["stations"]
        self.counts["plays"] = broadcast["plays"]
        from dangke.media.demo import build_media_demo

        self.counts["media_works"] = build_media_demo(self.seed, self.spec.root, self.period)[
            "works"
        ]
        from dangke.evaluation.demo import build_evaluation_demo

        evaluation = build_evaluation_demo(self.seed, self.spec.root, period=self.period)
        self.counts["surveys"] = evaluation["surveys"]
        self.counts["survey_responses"] = evaluation["responses"]
        self.counts["rectifications"] = evaluation["rectifications"]
        from dangke.quizzes.demo import build_quiz_demo

        self.counts["quiz_sheets"] = build_quiz_demo(self.seed, self.spec.root, self.period)[
            "quiz_sheets"
        ]
        refresh_planner_statistics()
        from dangke.contests.demo import build_contests_demo

        contests = build_contests_demo(self.seed, self.spec.root, period=self.period)
        self.counts["contest_entries"] = contests["entries"]
        self.counts["contest_promoted"] = contests["promoted"]
        from dangke.faculty.demo import build_faculty_demo

        self.counts.update(build_faculty_demo(self.seed, self.spec.root, self.period))
        from dangke.care.demo import build_care_demo

        self.counts.update(build_care_demo(self.seed, self.spec.root, self.period))
        from dangke.members.demo import build_members_demo

        self.counts.update(build_members_demo(self))
        if self.is_city:  # 眉山 and the 协作联盟 with 乐山 (issue #20)
            from dangke.demo.alliance import build_alliance_demo

            self.counts.update(build_alliance_demo(self.period, self.spec.root))
        from dangke.delivery.rollup import rebuild  # the lessons went in by bulk_create
        from dangke.regions import rollup as organization_rollup  # so did the organisations

        self.counts["organization_rollup_rows"] = organization_rollup.rebuild(self.spec.root)
        self.counts["delivery_rollup_rows"] = sum(rebuild(region=self.spec.root).values())
        refresh_planner_statistics()  # the rosters and their ledger were bulk-loaded last
        return dict(self.counts)

    # --- regions ----------------------------------------------------------------------------

    def load_places(self) -> None:
        root = self.spec.root
        regions = list(Region.objects.filter(code__startswith=root).order_by("code"))
        by_code = {region.code: region for region in regions}
        if root not in by_code:
            raise DemoError(f"区划 {root} 不存在：请先运行 dangke load_regions")
        self.root_region = by_code[root]
        self.city_region = by_code.get(root[:4]) or Region.objects.get(code=root[:4])
        rng = self.rng("places")
        counties: dict[str, County] = {}
        for region in regions:
            if region.level != RegionLevel.COUNTY:
                continue
            if self.is_city:
                lat, lon, radius = words.LESHAN_COUNTIES[region.code]
            else:
                lat, lon, radius = words.QILIAN_TOWNSHIPS[region.code + "100"]
                radius = 0.6
            counties[region.code] = County(region, region.code, region.name, lat, lon, radius)
        townships: dict[str, Place] = {}
        for region in regions:
            if region.level != RegionLevel.TOWNSHIP:
                continue
            county = counties[region.code[:6]]
            if not self.is_city:
                lat, lon, radius = words.QILIAN_TOWNSHIPS[region.code]
            elif not county.townships:  # the first township (a 街道 or the seat town)
                lat, lon = point_near(rng, county.lat, county.lon, county.radius * 0.1, self.box)
                radius = county.radius * 0.25
            else:
                lat, lon = point_near(rng, county.lat, county.lon, county.radius * 0.7, self.box)
                radius = county.radius * 0.3
            place = Place(region, lat, lon, radius)
            county.townships.append(place)
            townships[region.code] = place
        for region in regions:
            if region.level != RegionLevel.VILLAGE:
                continue
            township = townships[region.code[:9]]
            lat, lon = point_near(rng, township.lat, township.lon, township.radius, self.box)
            place = Place(region, lat, lon, 0.01)
            counties[region.code[:6]].villages.append(place)
        self.counties = [counties[code] for code in sorted(counties)]
        self.townships = townships
        if not any(county.villages for county in self.counties):
            raise DemoError(f"区划 {root} 下没有村级区划：请先运行 dangke load_regions")
        self.counts["villages"] = sum(len(county.villages) for county in self.counties)

    def county_of(self, code: str) -> County:
        return next(county for county in self.counties if county.code == code[:6])

    # --- groups -----------------------------------------------------------------------------

    def build_groups(self) -> None:
        region = self.root_region if not self.is_city else self.city_region
        table = words.CITY_GROUPS if self.is_city else words.COUNTY_GROUPS
        groups = [
            TeachingGroup(
                name=name,
                region=region,
                focus=focus_text,
                description=f"{region.name}党员教育师资教学研究组，研究方向：{focus_text}。",
            )
            for _focus, name, focus_text in table
        ]
        TeachingGroup.objects.bulk_create(groups)
        self.groups = {focus: group for (focus, _n, _t), group in zip(table, groups, strict=True)}
        self.counts["teaching_groups"] = len(groups)

    def group_for(self, focus: str) -> TeachingGroup | None:
        if focus in self.groups:
            return self.groups[focus]
        return self.groups.get(words.COUNTY_GROUP_FALLBACK.get(focus, ""))

    # --- teachers ---------------------------------------------------------------------------

    def build_teachers(self) -> None:
        rng = self.rng("teachers")
        people = NameMaker(self.rng("teacher-names"))
        plans: list[TeacherPlan] = []
        levels = self.spec.teachers_by_level
        if self.is_city:
            centre = self.county_of("511102")
            for index in range(levels["province"]):
                employer, position = words.PROVINCE_EMPLOYERS[index % len(words.PROVINCE_EMPLOYERS)]
                lat, lon = point_near(rng, centre.lat, centre.lon, 0.05, self.box)
                plans.append(
                    self.teacher_plan(rng, people, "province", employer, position, lat, lon)
                )
            for _ in range(levels["city"]):
                employer, positions = rng.choice(words.CITY_EMPLOYERS)
                home = centre if rng.random() < 0.8 else rng.choice(self.counties)
                lat, lon = point_near(rng, home.seat.lat, home.seat.lon, 0.05, self.box)
                plans.append(
                    self.teacher_plan(
                        rng, people, "city", employer, rng.choice(positions), lat, lon
                    )
                )
            weights = {
                county.code: len(county.villages) + 3 * len(county.townships)
                for county in self.counties
            }
            per_county = apportion(levels["county"], weights, minimum=15)
            for county in self.counties:
                for _ in range(per_county[county.code]):
                    plans.append(self.county_teacher_plan(rng, people, county, "county"))
        else:
            county = self.counties[0]
            for level in ("province", "city", "county"):
                for _ in range(levels[level]):
                    senior = level != "county"
                    plans.append(self.county_teacher_plan(rng, people, county, level, senior))
        pool_size = len(plans)
        plans += self.beyond_pool_plans(people, pool_size=pool_size)
        codes: dict[str, int] = defaultdict(int)
        for plan in plans:
            region_code = plan.teacher.region_id
            codes[region_code] += 1
            plan.teacher.code = f"SZ-{region_code}-{codes[region_code]:04d}"
        Teacher.objects.bulk_create([plan.teacher for plan in plans], batch_size=BATCH)
        TeacherSpecialty.objects.bulk_create(
            [
                TeacherSpecialty(teacher=plan.teacher, category=category)
                for plan in plans
                for category in plan.specialties
            ],
            batch_size=BATCH,
        )
        self.assign_groups(rng, plans)
        self.teachers = plans
        self.counts["teachers"] = pool_size
        self.counts["teachers_beyond_pool"] = len(plans) - pool_size

    def beyond_pool_plans(self, people, pool_size: int) -> list[TeacherPlan]:
        """Candidates and former teachers, drawn after the pool so the pool stays as it was."""
        rng = self.rng("teachers-beyond-pool")
        plans = []
        for status, share in BEYOND_POOL_SHARES:
            for _ in range(max(1, round(pool_size * share))):
                level = "city" if self.is_city and rng.random() < 0.15 else "county"
                county = rng.choice(self.counties)
                plan = self.county_teacher_plan(rng, people, county, level)
                if level == "city":
                    plan.teacher.region, plan.county = self.city_region, ""
                plan.teacher.status = status
                plans.append(plan)
        return plans

    def teacher_plan(
        self, rng, people, level, employer, position, lat, lon, *, region=None, minority=""
    ) -> TeacherPlan:
        gender = people.gender()
        share = 0.3 if minority else 0.0
        age = rng.randint(35, 58) if level != "county" else rng.randint(27, 58)
        status = TeacherStatus.ACTIVE
        if level != "province":
            status = rng.choices(*zip(*POOL_STATUS_WEIGHTS, strict=True))[0]
        region = region or (self.city_region if self.is_city else self.root_region)
        joined = datetime.date(
            self.year - rng.randint(1, 9), rng.randint(1, 12), rng.randint(1, 28)
        )
        teacher = Teacher(
            name=people.person(gender, minority=minority, share=share, unique=True),
            gender=gender,
            birth_year=self.year - age,
            employer=employer,
            position=position,
            phone=phone_number(rng),
            level=level,
            status=status,
            region=region,
            home_latitude=lat,
            home_longitude=lon,
            max_travel_km={"province": 150, "city": 100, "county": 60}[level],
            bio="，".join(rng.sample(words.BIO_PHRASES, 2)) + "。",
            joined_on=joined,
        )
        hint = next(
            (categories for keyword, categories in SPECIALTY_HINTS if keyword in employer),
            ("capability", "policy"),
        )
        specialties = list(rng.sample(hint, min(len(hint), rng.randint(1, 2))))
        if rng.random() < 0.35:
            extra = rng.choice(CourseCategory.values)
            if extra not in specialties:
                specialties.append(extra)
        county = region.code if region.level == RegionLevel.COUNTY else ""
        return TeacherPlan(teacher, specialties, county)

    def county_teacher_plan(self, rng, people, county: County, level, senior=False):
        minority = ""
        if county.code in words.YI_COUNTIES:
            minority = "yi"
        elif not self.is_city:
            minority = "tibetan"
        draw = rng.random() * (0.6 if senior else 1.0)
        place = county.seat
        if draw < 0.35:
            suffix, positions = words.COUNTY_EMPLOYER_SUFFIXES[rng.randrange(2)]
            employer, position = county.name + suffix, rng.choice(positions)
        elif draw < 0.6:
            suffix, positions = rng.choice(words.COUNTY_EMPLOYER_SUFFIXES[2:])
            employer, position = county.name + suffix, rng.choice(positions)
        elif draw < 0.85:
            place = rng.choice(county.townships)
            employer = f"{place.region.name}党委"
            position = rng.choice(words.TOWNSHIP_POSITIONS)
        else:
            place = rng.choice(county.villages)
            base, is_community = strip_committee(place.region.name)
            township = self.townships[place.region.code[:9]].region.name
            employer = f"{township}{base}" + ("党委" if is_community else "党支部")
            position = "党组织书记" if is_community else "党支部书记"
        lat, lon = point_near(rng, place.lat, place.lon, min(place.radius, 0.05), self.box)
        return self.teacher_plan(
            rng,
            people,
            level,
            employer,
            position,
            lat,
            lon,
            region=county.region,
            minority=minority,
        )

    def assign_groups(self, rng, plans: list[TeacherPlan]) -> None:
        through = Teacher.groups.through
        links = []
        for plan in plans:
            if self.is_city and plan.county:
                joins = "党校" in plan.teacher.employer and rng.random() < 0.35
            else:
                joins = self.is_city or rng.random() < 0.7
            if not joins:
                continue
            focus_options = CATEGORY_GROUPS[plan.specialties[0]]
            chosen = [rng.choice(focus_options)]
            if rng.random() < 0.25:
                chosen.append(rng.choice(list(self.groups)))
            for focus in chosen:
                group = self.group_for(focus)
                if group and group.pk not in {g.pk for g in map(self.group_for, plan.groups)}:
                    plan.groups.append(focus)
                    links.append(through(teacher_id=plan.teacher.pk, teachinggroup_id=group.pk))
        through.objects.bulk_create(links, batch_size=BATCH)

    # --- lecture teams ----------------------------------------------------------------------

    def build_lecture_teams(self) -> None:
        rng = self.rng("teams")
        teams: list[tuple[LectureTeam, list[Teacher]]] = []
        active = [p for p in self.teachers if p.teacher.status == TeacherStatus.ACTIVE]
        if self.is_city:
            pool = [p.teacher for p in active if not p.county]
            teams.append(
                (
                    LectureTeam(
                        name="乐山市“万堂示范课下基层”市级宣讲队",
                        region=self.city_region,
                        description="统筹省级、市级师资到机关、园区、学校、村（社区）送课。",
                    ),
                    rng.sample(pool, 12),
                )
            )
            for code, name, description in (
                ("511123", "犍为县党员教育师资宣讲队", "县级师资分组赴各乡镇、村（社区）送课。"),
                ("511132", "峨边彝族自治县彝汉双语宣讲队", "用彝汉双语把党的创新理论送到彝家。"),
            ):
                pool = [p.teacher for p in active if p.county == code]
                # The bilingual team takes the Yi teachers first.
                pool.sort(key=lambda teacher: not teacher.name.startswith(words.YI_SURNAMES))
                yi = sum(teacher.name.startswith(words.YI_SURNAMES) for teacher in pool)
                pool = pool[: max(yi, 8)] if code in words.YI_COUNTIES else pool
                region = Region.objects.get(code=code)
                teams.append(
                    (
                        LectureTeam(name=name, region=region, description=description),
                        rng.sample(pool, 8),
                    )
                )
        else:
            pool = [p.teacher for p in active]
            rng.shuffle(pool)
            areas = ("八宝镇、扎麻什乡", "峨堡镇、默勒镇、阿柔乡", "野牛沟乡、央隆乡")
            for number, area in zip("一二三", areas, strict=True):
                members = [pool.pop() for _ in range(6)]
                teams.append(
                    (
                        LectureTeam(
                            name=f"县委党校教师基层宣讲团第{number}宣讲队",
                            region=self.root_region,
                            description=f"负责{area}的党员教育宣讲，统筹考虑农牧区党员人数、"
                            "服务半径和生产情况。",
                        ),
                        members,
                    )
                )
        for team, members in teams:
            team.leader = members[0]
        LectureTeam.objects.bulk_create([team for team, _ in teams])
        through = LectureTeam.members.through
        through.objects.bulk_create(
            [
                through(lectureteam_id=team.pk, teacher_id=teacher.pk)
                for team, members in teams
                for teacher in members
            ]
        )
        self.counts["lecture_teams"] = len(teams)

    # --- organisations ----------------------------------------------------------------------

    def build_organizations(self) -> None:
        rng = self.rng("organizations")
        plans: list[OrgPlan] = []
        for county in self.counties:
            for village in county.villages:
                base, is_community = strip_committee(village.region.name)
                township = self.townships[village.region.code[:9]].region.name
                kind = OrganizationKind.COMMUNITY if is_community else OrganizationKind.VILLAGE
                plans.append(
                    OrgPlan(
                        kind=kind,
                        base=township + base,
                        region=village.region,
                        lat=village.lat,
                        lon=village.lon,
                        raw=rng.randint(*RAW_MEMBERS[kind]),
                        busy=[] if is_community else self.busy_months(rng, village.region.name),
                    )
                )
        for kind, target in self.spec.organizations.items():
            pool = self.organization_pool(kind)
            if target > len(pool):
                raise DemoError(f"{kind} 类组织的名称不够：需要 {target} 个，只有 {len(pool)} 个")
            for index in sorted(rng.sample(range(len(pool)), target)):
                base, form, place = pool[index]
                lat, lon = point_near(rng, place.lat, place.lon, min(place.radius, 0.03), self.box)
                plans.append(
                    OrgPlan(
                        kind=kind,
                        base=base,
                        region=place.region,
                        lat=lat,
                        lon=lon,
                        raw=rng.randint(*RAW_MEMBERS[kind]),
                        form=form,
                    )
                )
        communities = [i for i, plan in enumerate(plans) if plan.kind == OrganizationKind.COMMUNITY]
        branch_names: set[str] = set()
        while len(branch_names) < self.spec.community_branches:
            parent = rng.choice(communities)
            if rng.random() < 0.5:
                unit = f"第{rng.randint(1, 9)}网格"
            else:
                unit = (
                    rng.choice(("锦", "康", "华", "福", "丽", "悦", "和", "馨"))
                    + rng.choice(("苑", "城", "园", "府", "庭"))
                    + "小区"
                )
            name = plans[parent].base + unit
            if name in branch_names:
                continue
            branch_names.add(name)
            plans.append(
                OrgPlan(
                    kind=OrganizationKind.COMMUNITY,
                    base=name,
                    region=plans[parent].region,
                    lat=plans[parent].lat,
                    lon=plans[parent].lon,
                    raw=rng.randint(*RAW_MEMBERS["branch"]),
                    form="党支部",
                    parent=parent,
                )
            )
        members = scale_to_total(rng, [plan.raw for plan in plans], self.spec.members)
        people = NameMaker(self.rng("org-people"))
        codes: dict[str, int] = defaultdict(int)
        for plan, count in zip(plans, members, strict=True):
            codes[plan.region.code] += 1
            county = self.county_of(plan.region.code)
            minority = "yi" if county.code in words.YI_COUNTIES else ""
            if not self.is_city:
                minority = "tibetan"
            secretary_gender = people.gender(0.3)
            contact_gender = people.gender(0.5)
            plan.organization = Organization(
                code=f"{plan.region.code}-{codes[plan.region.code]:03d}",
                name=plan.base + (plan.form or self.form_for(plan.kind, count)),
                kind=plan.kind,
                region=plan.region,
                member_count=count,
                latitude=plan.lat,
                longitude=plan.lon,
                busy_months=plan.busy,
                secretary=people.person(secretary_gender, minority=minority, share=0.3),
                contact_name=people.person(contact_gender, minority=minority, share=0.3),
                contact_phone=phone_number(rng),
            )
        Organization.objects.bulk_create(
            [plan.organization for plan in plans if plan.parent is None], batch_size=BATCH
        )
        children = [plan for plan in plans if plan.parent is not None]
        for plan in children:
            plan.organization.parent = plans[plan.parent].organization
        Organization.objects.bulk_create([plan.organization for plan in children], batch_size=BATCH)
        self.organizations = [plan.organization for plan in plans]
        self.counts["organizations"] = len(plans)
        self.counts["members"] = sum(members)

    @staticmethod
    def form_for(kind: str, members: int) -> str:
        """党委 / 党总支 / 党支部 by size (the thresholds are lower for villages and
        communities, whose branches are merged into one organisation here)."""
        if kind == OrganizationKind.COMMUNITY:
            return "党委" if members >= 80 else "党总支" if members >= 40 else "党支部"
        if kind == OrganizationKind.VILLAGE:
            return "党总支" if members >= 40 else "党支部"
        return "党委" if members >= 100 else "党总支" if members >= 50 else "党支部"

    def busy_months(self, rng, village_name: str) -> list[int]:
        if not self.is_city and "牧民" in village_name:
            return list(rng.choice(PASTORAL_MONTHS))
        return list(rng.choice(FARMING_MONTHS))

    def organization_pool(self, kind: str) -> list[tuple[str, str, Place]]:
        """Every candidate (name, form, place) of a kind, in a fixed order; the build
        samples from it."""
        pool: list[tuple[str, str, Place]] = []
        city_seat = self.county_of("511102").townships[:5] if self.is_city else []
        if kind == "organ":
            for index, department in enumerate(words.DEPARTMENTS if self.is_city else []):
                pool.append(("乐山市" + department, "机关党支部", city_seat[index % 5]))
            departments = words.DEPARTMENTS if self.is_city else words.QILIAN_DEPARTMENTS
            for county in self.counties:
                pool += [(county.name + d, "机关党支部", county.seat) for d in departments]
                for township in county.townships:
                    pool += [
                        (township.region.name + unit, "", township) for unit in words.TOWNSHIP_UNITS
                    ]
        elif kind == "school":
            if self.is_city:
                pool += [(name, "", city_seat[i % 5]) for i, name in enumerate(words.CITY_SCHOOLS)]
            for county in self.counties:
                for township in county.townships:
                    if township.region.name.endswith("街道"):
                        continue
                    units = words.TOWNSHIP_SCHOOLS if self.is_city else ("党校",)
                    pool += [(township.region.name + unit, "", township) for unit in units]
                schools = words.COUNTY_SCHOOLS if self.is_city else words.QILIAN_SCHOOLS
                pool += [(county.name + school, "", county.seat) for school in schools]
        elif kind == "enterprise":
            rng = self.rng("enterprises")
            seen: set[str] = set()
            brands, trades = words.ENTERPRISE_BRANDS, words.ENTERPRISE_TRADES
            if not self.is_city:
                brands, trades = words.QILIAN_BRANDS, words.QILIAN_TRADES
            for county in self.counties:
                wanted = 120 if self.is_city else 20
                while wanted:
                    brand = rng.choice(brands)
                    trade = rng.choice(trades)
                    prefix = county.short if county.code != "511102" else "乐山"
                    if rng.random() < 0.3:
                        prefix = "四川" if self.is_city else "青海"
                    name = prefix + brand + trade + rng.choice(words.ENTERPRISE_FORMS)
                    if name in seen:
                        continue
                    seen.add(name)
                    wanted -= 1
                    pool.append((name, "", rng.choice(county.townships)))
        elif kind == "park":
            for county in self.counties:
                park = words.PARKS.get(county.code)
                if park:
                    place = county.townships[min(1, len(county.townships) - 1)]
                    pool.append((park, "党工委", place))
                    for number in "一二三四":
                        pool.append((f"{park}非公企业第{number}联合", "", place))
                if county.code in words.AGRI_PARKS:
                    pool.append((words.AGRI_PARKS[county.code], "", county.townships[-1]))
        elif kind == "other":
            for county in self.counties:
                pool += [(county.name + unit, "", county.seat) for unit in words.COUNTY_OTHER]
                for township in county.townships:
                    pool += [
                        (township.region.name + unit, "", township) for unit in words.TOWNSHIP_OTHER
                    ]
        return pool

    # --- courses ----------------------------------------------------------------------------

    def build_courses(self) -> None:
        rng = self.rng("courses")
        if self.is_city:
            counties = [(county.code, county.name) for county in self.counties]
            entries = catalogue.city_catalogue(counties, self.spec.root, self.spec.courses)
            series_table = words.CITY_SERIES
        else:
            entries = catalogue.county_catalogue(self.rng("catalogue"), self.spec.courses)
            series_table = words.COUNTY_SERIES
        series_region = self.city_region if self.is_city else self.root_region
        series = {
            key: CourseSeries(name=name, region=series_region, description=description)
            for key, (name, description) in series_table.items()
        }
        CourseSeries.objects.bulk_create(list(series.values()))
        regions = {county.code: county for county in self.counties}
        county_regions = {
            region.code: region
            for region in Region.objects.filter(code__in=[county.code for county in self.counties])
        }
        weights = [len(county.villages) + 10 for county in self.counties]
        courses, outlines, links, codes = [], [], [], defaultdict(int)
        for entry in entries:
            if entry.place in regions:
                region = county_regions[entry.place]
            elif not self.is_city:
                region = self.root_region
            elif entry.place in ("leshan", self.spec.root) or rng.random() < 0.55:
                region = self.city_region
            else:
                code = rng.choices([county.code for county in self.counties], weights)[0]
                region = county_regions[code]
            codes[region.code] += 1
            duration = rng.choices((45, 60, 90, 120), (2, 3, 4, 1))[0]
            status = rng.choices(*zip(*COURSE_STATUS_WEIGHTS, strict=True))[0]
            if entry.title in NAMED_EXCELLENT:
                status = CourseStatus.LISTED
            group = self.group_for(entry.focus) if rng.random() < 0.85 else None
            course = Course(
                code=f"KC-{region.code}-{codes[region.code]:04d}",
                title=entry.title,
                category=entry.category,
                status=status,
                region=region,
                teaching_group=group,
                series=series.get(entry.series),
                summary=catalogue.summary(rng, entry),
                duration_minutes=duration,
            )
            courses.append(course)
            outlines.append(catalogue.outline(rng, entry, duration))
            links.append(self.course_teachers(rng, course))
        self.cover_every_teacher(courses, links)
        Course.objects.bulk_create(courses, batch_size=BATCH)
        self.course_links = list(zip(courses, links, strict=True))
        OutlineItem.objects.bulk_create(
            [
                OutlineItem(
                    course=course,
                    position=position,
                    title=title,
                    planned_minutes=minutes,
                    keywords=keywords,
                )
                for course, items in zip(courses, outlines, strict=True)
                for position, (title, minutes, keywords) in enumerate(items, start=1)
            ],
            batch_size=BATCH,
        )
        through = Course.teachers.through
        through.objects.bulk_create(
            [
                through(course_id=course.pk, teacher_id=teacher.pk)
                for course, teachers in zip(courses, links, strict=True)
                for teacher in teachers
            ],
            batch_size=BATCH,
        )
        self.designate_excellent(rng, courses)
        self.counts["courses"] = len(courses)
        self.counts["course_series"] = len(series)

    def cover_every_teacher(self, courses: list[Course], links: list[list[Teacher]]) -> None:
        """Every teacher of the pool teaches at least one listed course, as in a pool that
        lectures: one with none joins a listed course of their county (or of the city) in
        one of their specialties when there is one."""
        rng = self.rng("course-cover")
        taught = {teacher.pk for teachers in links for teacher in teachers}
        listed: dict[str, list[int]] = defaultdict(list)
        for index, course in enumerate(courses):
            if course.status == CourseStatus.LISTED:
                listed[course.region_id if len(course.region_id) == 6 else ""].append(index)
        for plan in self.teachers:
            if plan.teacher.pk in taught or plan.teacher.status not in POOL_STATUSES:
                continue
            near = listed.get(plan.county) or listed[""]
            fitting = [i for i in near if courses[i].category in plan.specialties]
            links[rng.choice(fitting or near)].append(plan.teacher)

    def course_teachers(self, rng, course: Course) -> list[Teacher]:
        county = course.region_id if len(course.region_id) == 6 else ""
        if not self.is_city:
            county = self.spec.root
        pool = [
            plan
            for plan in self.teachers
            if plan.county == county and plan.teacher.status != TeacherStatus.EXITED
        ]
        able = [plan for plan in pool if course.category in plan.specialties] or pool
        focus = next(
            (key for key, group in self.groups.items() if group == course.teaching_group), None
        )
        members = [plan for plan in able if focus in plan.groups]
        wanted = rng.choice((1, 1, 2, 2, 2, 3))
        chosen: list[TeacherPlan] = []
        for candidates in (members, able):
            candidates = [plan for plan in candidates if plan not in chosen]
            take = min(wanted - len(chosen), len(candidates))
            chosen += rng.sample(candidates, take)
        return [plan.teacher for plan in chosen]

    def designate_excellent(self, rng, courses: list[Course]) -> None:
        listed = [course for course in courses if course.status == CourseStatus.LISTED]
        named = [course for course in listed if course.title in NAMED_EXCELLENT]
        others = [course for course in listed if course not in named]
        chosen = named + rng.sample(others, self.spec.excellent - len(named))
        chosen.sort(key=lambda course: course.code)
        top_ten = set(rng.sample(range(len(chosen)), min(10, len(chosen))))
        designations = [
            ExcellentDesignation(
                course=course,
                year=self.year,
                reason="“十佳课程擂台赛”获奖课程" if index in top_ten else "精品课程遴选认定",
            )
            for index, course in enumerate(chosen)
        ]
        earlier = rng.sample(courses, self.spec.excellent_last_year)
        earlier.sort(key=lambda course: course.code)
        designations += [
            ExcellentDesignation(course=course, year=self.year - 1, reason="上年度精品课程")
            for course in earlier
        ]
        ExcellentDesignation.objects.bulk_create(designations, batch_size=BATCH)
        self.counts["excellent"] = len(chosen)
