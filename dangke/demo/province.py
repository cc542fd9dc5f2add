"""The province (issue #18, DESIGN §6): 四川 (51) with its 21 real cities and 183 real
counties, about 10,000 teachers, 100,000 grassroots organisations, 4 million members,
500,000 lessons and 15 million answer sheets in a year.

嘉州 (乐山市, 5111) is the seeds' city exactly as `dangke demo --scale city` builds it (or
finds it, after `make cluster`): its accounts, contests, reviews, media, loudspeakers and
rosters stay as they are. The other twenty cities are generated here, at the sizes that
bring the province to DESIGN's figures, and loaded with COPY (`bulkload`):

- regions: the bundled divisions have townships and villages only for 乐山; elsewhere they
  are generated, and marked so by their codes: a generated township's own three digits are
  801–899 (statistical codes use 0xx–5xx), so `code[6] == "8"` finds every generated
  township and village (`is_generated`);
- shape: the province's office (its own pool of 省级 teachers and groups), and per city
  teachers (市/县), teaching groups, organisations by kind with member counts, courses
  (with teachers, 10 % of the listed ones named 精品) and a campaign;
- year: per organisation its roster, its lessons (most from planned orders), each
  lesson's sign-ins and its survey with the trainees' answer sheets, in one pass.

- loudspeakers and outlines: a 大喇叭 station in every generated village and community,
  and every generated course's outline (knowledge points);
- then per city its contest, its pool's annual reviews and the proposals of its rule, its
  new-media works with comments and 弹幕, and its loudspeaker programmes, a month's slots
  and plays (`province_parts`).

Not generated for the twenty cities: study ledgers (学时: a line per sign-in would be
another 18 million rows) and published scores (嘉州 has them; `dangke rescore` scores the
surveys). `--fraction F` scales everything generated (not 嘉州), for tests and trials;
a city's contest, media works and programmes are a city's (seed figures, not scaled).
"""

from __future__ import annotations

import datetime
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Sum

from dangke.broadcast.demo import STATUS_WEIGHTS as STATION_STATUS_WEIGHTS
from dangke.broadcast.models import BroadcastStation
from dangke.core.bulkload import IndexesAside, rows_for
from dangke.core.calendar import YearSoFar
from dangke.courses.models import Course, CourseStatus, ExcellentDesignation, OutlineItem
from dangke.delivery import rollup as delivery_rollup
from dangke.delivery.models import (
    Attendance,
    AttendanceMethod,
    Campaign,
    CourseOrder,
    DeliveryMode,
    Lesson,
    LessonSource,
    LessonStatus,
    OrderStatus,
)
from dangke.demo import catalogue, province_parts
from dangke.demo import names as words
from dangke.demo.builder import (
    BEYOND_POOL_SHARES,
    COURSE_STATUS_WEIGHTS,
    FARMING_MONTHS,
    POOL_STATUS_WEIGHTS,
    RAW_MEMBERS,
    SCALES,
    DemoBuilder,
    DemoError,
    build_demo,
    reference_year,
    refresh_planner_statistics,
    scale_present,
)
from dangke.demo.people import NameMaker, point_near, scale_to_total
from dangke.evaluation.models import Response, Survey, SurveyKind
from dangke.evaluation.rollups import rebuild_tallies
from dangke.faculty.models import POOL_STATUSES, Teacher, TeacherSpecialty, TeachingGroup
from dangke.members.models import Gender, Member, MemberCategory, MemberStatus, PartyPost
from dangke.regions import rollup as organization_rollup
from dangke.regions.models import Organization, OrganizationKind, Region, RegionLevel

PROVINCE = "51"
HOME_CITY = SCALES["city"].root  # 嘉州, the seeds' city
SICHUAN_BOX = (26.0, 34.4, 97.3, 108.6)


@dataclass(frozen=True)
class ProvinceTargets:
    """DESIGN §6's province; the generated cities make up what 嘉州 leaves."""

    teachers: int = 10_000  # the pool (在库、预警、整改), 省/市/县
    organizations: int = 100_000
    members: int = 4_000_000
    lessons: int = 500_000
    responses: int = 15_000_000


TARGETS = ProvinceTargets()
# 嘉州's shares (seeds 001–004): 8 省级, 104 市级 and 373 县级 teachers in 485; villages
# are 1,371 of 4,583 organisations, the other kinds in these proportions.
LEVEL_SHARES = {"province": 8 / 485, "city": 104 / 485}
VILLAGE_SHARE = 1371 / 4583
OTHER_KINDS = {"organ": 1250, "school": 540, "enterprise": 900, "park": 48, "other": 474}
COMMUNITY_SHARE = 0.15
TOWNSHIPS_PER_COUNTY = 12
# Approximate centres (latitude, longitude) and spread in degrees of the cities.
CITY_CENTRES = {
    "5101": (30.66, 104.07, 0.5),
    "5103": (29.34, 104.78, 0.35),
    "5104": (26.58, 101.72, 0.4),
    "5105": (28.87, 105.44, 0.5),
    "5106": (31.13, 104.40, 0.35),
    "5107": (31.47, 104.68, 0.6),
    "5108": (32.44, 105.84, 0.5),
    "5109": (30.53, 105.59, 0.35),
    "5110": (29.58, 105.06, 0.35),
    "5111": (29.55, 103.77, 0.5),
    "5113": (30.84, 106.11, 0.5),
    "5114": (30.08, 103.85, 0.35),
    "5115": (28.77, 104.63, 0.5),
    "5116": (30.46, 106.63, 0.35),
    "5117": (31.21, 107.47, 0.6),
    "5118": (29.98, 103.01, 0.6),
    "5119": (31.87, 106.75, 0.5),
    "5120": (30.13, 104.63, 0.35),
    "5132": (31.90, 102.22, 1.2),
    "5133": (30.05, 101.96, 1.5),
    "5134": (27.88, 102.27, 1.0),
}
MINORITY_CITIES = {"5132": "tibetan", "5133": "tibetan", "5134": "yi"}
# Stems of generated township and village names (their codes mark them, see above).
TOWNSHIP_STEMS = tuple(
    "清溪龙泉石桥白马金山太平永兴新场黄桥高峰双河马鞍青龙平安大兴回龙凤鸣三江柏林桂花"
    "红岩观音中和兴隆安乐宝林复兴福田天池长滩花石松林玉泉鹤山文昌新民大坪龙门碧水云峰"[i : i + 2]
    for i in range(0, 80, 2)
)
VILLAGE_STEMS = tuple(
    "新桥和平胜利光明团结先锋红星联合东风幸福桃园竹林柳溪杨柳石龙大堰水井高桥青杠金星"
    "三合五星民主建设前进白果梨花茶园古井双龙群力新华向阳凉水干堰瓦窑河坝坪上岩口老鹰"[i : i + 2]
    for i in range(0, 80, 2)
)
PROVINCE_EMPLOYERS = (
    ("四川省委党校", ("教授", "副教授")),
    ("四川大学马克思主义学院", ("教授", "副教授")),
    ("四川省委党史研究室", ("研究员", "处长")),
    ("四川省委宣传部", ("理论处处长", "一级调研员")),
    ("四川师范大学马克思主义学院", ("教授", "副教授")),
)
PROVINCE_GROUPS = (
    ("theory", "省级理论宣讲教研组", "习近平新时代中国特色社会主义思想和党的创新理论"),
    ("history", "省级党史党性教研组", "党史学习教育和党性教育"),
    ("policy", "省级形势政策教研组", "国内外形势和省委重大决策部署"),
)
SHANGHAI_HOURS = (datetime.time(9, 0), datetime.time(14, 30))
CATEGORIES = ("theory", "party_spirit", "policy", "capability", "knowledge", "local")
EXCELLENT_SHARE = 0.1
LESSON_TEACHER_CITY_SHARE = 0.3  # a lesson taught by the city's pool rather than the county's
ANSWER_SHEETS = 256  # distinct answer sheets per course quality, drawn from per response


def is_generated(region_code: str) -> bool:
    """Townships and villages this module made up (the bundled data has none there)."""
    return len(region_code) >= 9 and region_code[6] == "8"


def province_present() -> bool:
    return Teacher.objects.filter(region_id=PROVINCE).exists()


@dataclass
class CityPlan:
    region: Region
    lat: float
    lon: float
    spread: float
    counties: list[Region] = field(default_factory=list)
    # county code → [(township Region, [village Region])]
    places: dict[str, list] = field(default_factory=dict)
    teachers: dict[str, list] = field(default_factory=lambda: defaultdict(list))  # "" = city's
    organizations: list = field(default_factory=list)
    pairs: dict[str, list] = field(default_factory=lambda: defaultdict(list))  # (course, …)
    stations: list = field(default_factory=list)  # (pk, village code, status, listeners)

    @property
    def code(self) -> str:
        return self.region.code

    @property
    def short(self) -> str:
        name = self.region.name
        for suffix in ("藏族羌族自治州", "藏族自治州", "彝族自治州", "市"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name


@dataclass
class TeacherRow:
    pk: int
    name: str
    region: str
    status: str
    categories: list[str]


@dataclass
class OrgRow:
    pk: int
    name: str
    kind: str
    region: str
    members: int
    busy: list[int]


class ProvinceBuilder:
    def __init__(self, seed: int, period: YearSoFar, fraction: float = 1.0, say=print):
        self.seed = seed
        self.period = period
        self.year = period.year
        self.fraction = fraction
        self.say = say
        self.counts: dict[str, int] = defaultdict(int)
        self.phases: list[tuple[str, float]] = []
        self.copy_seconds: dict[str, float] = defaultdict(float)

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"dangke-demo:province:{self.seed}:{stream}")

    def rows(self, model, fields: list[str], *, with_id: bool = True):
        return rows_for(model, fields, with_id=with_id, timings=self.copy_seconds)

    def phase(self, label: str, started: float) -> None:
        seconds = time.monotonic() - started
        self.phases.append((label, seconds))
        self.say(f"  {label}：{seconds:.1f} 秒")

    # --- the run ----------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        started = time.monotonic()
        if scale_present("city"):
            self.say("嘉州（乐山市）已有演示数据，沿用")
        else:
            self.counts.update(build_demo("city", seed=self.seed, year=self.year))
        self.phase("嘉州（乐山市，种子城市）", started)
        home = self.home_counts()

        started = time.monotonic()
        self.plan_regions()
        self.phase("区划（生成乡镇、村）", started)

        started = time.monotonic()
        self.sizes = self.generated_sizes(home)
        self.build_office()
        for city in self.cities:
            self.build_city_shape(city)
        self.finish_shape()
        self.phase("师资、教研组、基层党组织、课程", started)

        started = time.monotonic()
        aside = IndexesAside([Member, CourseOrder, Lesson, Lesson.teachers.through, Attendance])
        aside_surveys = IndexesAside([Survey, Response])
        aside.drop()
        aside_surveys.drop()
        self.phase("暂去索引和约束", started)

        started = time.monotonic()
        self.build_year()
        self.phase("党员、点单、授课、签到、测评答卷（COPY）", started)

        started = time.monotonic()
        aside.restore()
        aside_surveys.restore()
        self.phase("重建索引和约束", started)

        started = time.monotonic()
        refresh_planner_statistics()
        self.phase("更新统计信息（ANALYZE）", started)

        # The sheets went in by COPY, past `rollups.count_response`: the figures read the
        # tallies, so they are counted once here from the rows just loaded.
        started = time.monotonic()
        generated = (
            Survey.objects.unscoped("the surveys this demo build just loaded")
            .filter(region__code__startswith=PROVINCE, main__isnull=True)
            .exclude(region__code__startswith=HOME_CITY)
        )
        self.counts["tallied_surveys"] = rebuild_tallies(generated.values("pk"))
        self.phase("答卷计数（汇总表）", started)

        # The cities' contests, reviews, media and loudspeakers (province_parts): reviews
        # after contests, whose results they show.
        for label, part in (
            ("擂台赛（生成的城市）", province_parts.build_contests),
            ("年度考核和能进能退（生成的城市和省级）", province_parts.build_reviews),
            ("微党课作品、评论和弹幕（生成的城市）", province_parts.build_media),
            ("大喇叭节目、播出安排和播放（生成的城市）", province_parts.build_broadcast),
        ):
            started = time.monotonic()
            self.counts.update(part(self))
            self.phase(label, started)
        started = time.monotonic()  # the lessons and organisations went in by COPY, past the
        # rollups' upkeep
        self.counts["organization_rollup_rows"] = organization_rollup.rebuild()
        self.counts["delivery_rollup_rows"] = sum(delivery_rollup.rebuild().values())
        self.phase("年度授课汇总（汇总表）", started)

        # The contests, reviews, media, loudspeakers and rollups above were written after the
        # first ANALYZE: a table the planner still believes empty gets nested loops over
        # sequential scans (a contest count ran for minutes on PostgreSQL).
        started = time.monotonic()
        refresh_planner_statistics()
        self.phase("更新统计信息（各城市其余部分和汇总表）", started)
        totals = {
            "teachers": home["teachers"] + self.counts["province_teachers"],
            "organizations": home["organizations"] + self.counts["province_organizations"],
            "members": home["members"] + self.counts["province_members"],
            "lessons": home["lessons"] + self.counts["province_lessons"],
            "survey_responses": home["responses"] + self.counts["province_responses"],
        }
        self.counts.update(totals)
        return dict(self.counts)

    def home_counts(self) -> dict[str, int]:
        """What the province holds before the build: 嘉州, and 眉山's small pool when the
        city demo built its alliance (issue #20). The generated cities make up the rest,
        and 眉山's generated rows sit beside the alliance's (their codes differ)."""
        organizations = Organization.objects.filter(region__code__startswith=PROVINCE)
        figures = organizations.aggregate(n=Count("pk"), members=Sum("member_count"))
        return {
            "teachers": Teacher.objects.filter(
                region__code__startswith=PROVINCE, status__in=POOL_STATUSES
            ).count(),
            "organizations": figures["n"],
            "members": figures["members"] or 0,
            "lessons": Lesson.objects.filter(region__code__startswith=PROVINCE).count(),
            "responses": Response.objects.filter(survey__region__code__startswith=PROVINCE).count(),
        }

    def generated_sizes(self, home: dict[str, int]) -> dict[str, int]:
        """What the twenty generated cities hold together, at the fraction."""
        f = self.fraction
        return {
            "teachers": round((TARGETS.teachers - home["teachers"]) * f),
            "organizations": round((TARGETS.organizations - home["organizations"]) * f),
            "members": round((TARGETS.members - home["members"]) * f),
            "lessons": round((TARGETS.lessons - home["lessons"]) * f),
            "responses": round((TARGETS.responses - home["responses"]) * f),
        }

    # --- regions ----------------------------------------------------------------------------

    def plan_regions(self) -> None:
        rng = self.rng("regions")
        self.province = Region.objects.get(code=PROVINCE)
        cities = Region.objects.filter(level=RegionLevel.CITY, code__startswith=PROVINCE)
        counties = Region.objects.filter(level=RegionLevel.COUNTY, code__startswith=PROVINCE)
        by_city: dict[str, list[Region]] = defaultdict(list)
        for county in counties.order_by("code"):
            by_city[county.code[:4]].append(county)
        self.cities = [
            CityPlan(city, *CITY_CENTRES[city.code], counties=by_city[city.code])
            for city in cities.order_by("code")
            if city.code != HOME_CITY and by_city[city.code]
        ]
        county_total = sum(len(city.counties) for city in self.cities)
        organizations = (TARGETS.organizations - 4583) * self.fraction
        villages_per_county = max(1, round(organizations * VILLAGE_SHARE / county_total))
        townships_per_county = max(1, min(TOWNSHIPS_PER_COUNTY, round(villages_per_county / 8)))
        new_regions = []
        for city in self.cities:
            box = SICHUAN_BOX
            for county in city.counties:
                c_lat, c_lon = point_near(rng, city.lat, city.lon, city.spread, box)
                townships = []
                for t in range(townships_per_county):
                    code = f"{county.code}8{t + 1:02d}"
                    stem = TOWNSHIP_STEMS[(t * 7 + int(county.code[-2:])) % len(TOWNSHIP_STEMS)]
                    suffix = "镇" if t % 3 != 2 else "乡"
                    lat, lon = point_near(rng, c_lat, c_lon, city.spread / 3, box)
                    township = Region(
                        code=code,
                        name=stem + suffix,
                        level=RegionLevel.TOWNSHIP,
                        parent_id=county.code,
                        latitude=lat,
                        longitude=lon,
                    )
                    townships.append((township, []))
                for v in range(villages_per_county):
                    township, villages = townships[v % len(townships)]
                    number = len(villages) + 1
                    community = rng.random() < COMMUNITY_SHARE
                    stem = VILLAGE_STEMS[(v * 11 + number) % len(VILLAGE_STEMS)]
                    code = f"{township.code}{(number if community else 200 + number):03d}"
                    lat, lon = point_near(rng, township.latitude, township.longitude, 0.05, box)
                    villages.append(
                        Region(
                            code=code,
                            name=stem + ("社区" if community else "村"),
                            level=RegionLevel.VILLAGE,
                            parent_id=township.code,
                            latitude=lat,
                            longitude=lon,
                        )
                    )
                city.places[county.code] = townships
                new_regions += [township for township, _ in townships]
                new_regions += [village for _, villages in townships for village in villages]
        Region.objects.bulk_create(new_regions, batch_size=5000, ignore_conflicts=True)
        self.counts["generated_regions"] = len(new_regions)
        self.counts["villages"] = Region.objects.filter(
            code__startswith=PROVINCE, level=RegionLevel.VILLAGE
        ).count()

    # --- the province's office and the cities' shape ---------------------------------------

    def build_office(self) -> None:
        """The province's office: its 省级 teachers and teaching groups (the office and its
        account are the demo accounts' `province-admin`)."""
        rng = self.rng("office")
        people = NameMaker(self.rng("office-names"))
        self.teacher_rows = self.rows(
            Teacher,
            [
                "code",
                "name",
                "gender",
                "birth_year",
                "employer",
                "position",
                "phone",
                "level",
                "status",
                "region",
                "home_latitude",
                "home_longitude",
                "max_travel_km",
                "photo",
                "bio",
                "joined_on",
            ],
        )
        self.specialty_rows = self.rows(TeacherSpecialty, ["teacher", "category"])
        self.group_rows = self.rows(TeachingGroup, ["name", "region", "focus", "description"])
        self.group_link_rows = self.rows(Teacher.groups.through, ["teacher", "teachinggroup"])
        self.codes: dict[str, int] = defaultdict(int)
        groups = [
            self.group_rows.add(name, PROVINCE, focus, f"四川省党员教育师资教学研究组：{focus}。")
            for _key, name, focus in PROVINCE_GROUPS
        ]
        count = max(1, round(self.sizes["teachers"] * LEVEL_SHARES["province"]))
        lat, lon, _spread = CITY_CENTRES["5101"]
        self.office_teachers = []
        for _ in range(count):
            employer, positions = rng.choice(PROVINCE_EMPLOYERS)
            row = self.add_teacher(
                rng, people, "province", PROVINCE, employer, rng.choice(positions), lat, lon
            )
            self.office_teachers.append(row)
            self.group_link_rows.add(row.pk, rng.choice(groups))
        self.counts["teaching_groups"] += len(groups)

    def add_teacher(
        self, rng, people, level, region, employer, position, lat, lon, minority="", status=None
    ) -> TeacherRow:
        gender = people.gender()
        if status is None:
            status = "active"
            if level != "province":
                status = rng.choices(*zip(*POOL_STATUS_WEIGHTS, strict=True))[0]
        self.codes[region] += 1
        name = people.person(gender, minority=minority, share=0.3 if minority else 0)
        hlat, hlon = point_near(rng, lat, lon, 0.05, SICHUAN_BOX)
        age = rng.randint(35, 58) if level != "county" else rng.randint(27, 58)
        pk = self.teacher_rows.add(
            f"SZ-{region}-{self.codes[region]:04d}",
            name,
            gender,
            self.year - age,
            employer,
            position,
            "100" + f"{rng.randrange(10**8):08d}",
            level,
            str(status),
            region,
            hlat,
            hlon,
            {"province": 150, "city": 100, "county": 60}[level],
            "",
            "，".join(rng.sample(words.BIO_PHRASES, 2)) + "。",
            datetime.date(self.year - rng.randint(1, 9), rng.randint(1, 12), rng.randint(1, 28)),
        )
        categories = rng.sample(CATEGORIES, rng.randint(1, 2))
        for category in categories:
            self.specialty_rows.add(pk, category)
        if str(status) in POOL_STATUSES:
            self.counts["province_teachers"] += 1
        else:
            self.counts["teachers_beyond_pool"] += 1
        return TeacherRow(pk, name, region, str(status), categories)

    def build_city_shape(self, city: CityPlan) -> None:
        rng = self.rng(f"city:{city.code}")
        people = NameMaker(self.rng(f"names:{city.code}"))
        minority = MINORITY_CITIES.get(city.code, "")
        share = len(city.counties) / sum(len(c.counties) for c in self.cities)
        # Teaching groups: the city's nine, named for it.
        groups = {}
        for focus, name, focus_text in words.CITY_GROUPS:
            if focus == "culture":
                name = f"{city.short}文化教研组"
            groups[focus] = self.group_rows.add(
                name, city.code, focus_text, f"{city.region.name}党员教育师资教学研究组。"
            )
        self.counts["teaching_groups"] += len(groups)
        # Teachers: 市级 at the city, 县级 in the counties, and those beyond the pool.
        pool = round(self.sizes["teachers"] * share)
        city_level = round(pool * LEVEL_SHARES["city"] / (1 - LEVEL_SHARES["province"]))
        for _ in range(city_level):
            employer, positions = rng.choice(words.CITY_EMPLOYERS[:13])
            employer = employer.replace("乐山市", city.region.name).replace("乐山", city.short)
            row = self.add_teacher(
                rng, people, "city", city.code, employer, rng.choice(positions), city.lat, city.lon
            )
            city.teachers[""].append(row)
            self.group_link_rows.add(row.pk, groups[rng.choice(list(groups))])
        per_county = scale_to_total(
            rng, [1] * len(city.counties), max(len(city.counties), pool - city_level), minimum=1
        )
        for county, count in zip(city.counties, per_county, strict=True):
            townships = city.places[county.code]
            for _ in range(count):
                suffix, positions = rng.choice(words.COUNTY_EMPLOYER_SUFFIXES)
                seat = townships[0][0]
                row = self.add_teacher(
                    rng,
                    people,
                    "county",
                    county.code,
                    county.name + suffix,
                    rng.choice(positions),
                    seat.latitude,
                    seat.longitude,
                    minority,
                )
                city.teachers[county.code].append(row)
        for status, beyond in BEYOND_POOL_SHARES:
            for _ in range(max(1, round(pool * beyond))):
                county = rng.choice(city.counties)
                self.add_teacher(
                    rng, people, "county", county.code, county.name + "委党校", "讲师",
                    city.lat, city.lon, minority, status=status,
                )  # fmt: skip
        self.build_city_organizations(city, rng, people, share)
        self.build_city_courses(city, rng, groups)
        self.build_city_stations(city)

    def build_city_organizations(self, city: CityPlan, rng, people, share: float) -> None:
        if not hasattr(self, "org_rows"):
            self.org_rows = self.rows(
                Organization,
                [
                    "code",
                    "name",
                    "kind",
                    "region",
                    "parent",
                    "member_count",
                    "latitude",
                    "longitude",
                    "busy_months",
                    "secretary",
                    "contact_name",
                    "contact_phone",
                    "is_active",
                ],
            )
        plans = []  # (kind, base, region, lat, lon, busy, raw)
        other_total = sum(OTHER_KINDS.values())
        for county in city.counties:
            townships = city.places[county.code]
            village_count = sum(len(villages) for _, villages in townships)
            for township, villages in townships:
                for village in villages:
                    community = village.name.endswith("社区")
                    kind = OrganizationKind.COMMUNITY if community else OrganizationKind.VILLAGE
                    busy = [] if community else list(rng.choice(FARMING_MONTHS))
                    plans.append(
                        (kind, township.name + village.name, village, busy,
                         rng.randint(*RAW_MEMBERS[kind]))
                    )  # fmt: skip
            others = round(village_count * (1 - VILLAGE_SHARE) / VILLAGE_SHARE)
            for kind, weight in OTHER_KINDS.items():
                for n in range(max(0, round(others * weight / other_total))):
                    township = rng.choice(townships)[0]
                    if kind == "organ":
                        unit = rng.choice(words.DEPARTMENTS)
                        base = county.name + unit if n % 2 else township.name + "机关"
                    elif kind == "school":
                        base = township.name + rng.choice(words.TOWNSHIP_SCHOOLS)
                    elif kind == "enterprise":
                        base = (
                            city.short
                            + rng.choice(words.ENTERPRISE_BRANDS)
                            + rng.choice(words.ENTERPRISE_TRADES)
                            + rng.choice(words.ENTERPRISE_FORMS)
                        )
                    elif kind == "park":
                        base = f"{county.name}经济开发区第{n + 1}联合"
                    else:
                        base = township.name + rng.choice(words.TOWNSHIP_OTHER)
                    plans.append((kind, base, township, [], rng.randint(*RAW_MEMBERS[kind])))
        members = scale_to_total(
            rng,
            [plan[-1] for plan in plans],
            max(len(plans) * 3, round(self.sizes["members"] * share)),
        )
        codes: dict[str, int] = defaultdict(int)
        minority = MINORITY_CITIES.get(city.code, "")
        city.organizations = []
        for (kind, base, region, busy, _raw), count in zip(plans, members, strict=True):
            codes[region.code] += 1
            name = base + DemoBuilder.form_for(kind, count)
            lat, lon = point_near(rng, region.latitude, region.longitude, 0.02, SICHUAN_BOX)
            secretary = people.person(people.gender(0.3), minority=minority, share=0.3)
            pk = self.org_rows.add(
                f"{region.code}-{codes[region.code]:03d}",
                name,
                str(kind),
                region.code,
                None,
                count,
                lat,
                lon,
                json.dumps(busy),
                secretary,
                people.person(people.gender(0.5)),
                "100" + f"{rng.randrange(10**8):08d}",
                True,
            )
            city.organizations.append(OrgRow(pk, name, str(kind), region.code, count, busy))
            self.counts["province_organizations"] += 1
            self.counts["province_members"] += count

    def build_city_courses(self, city: CityPlan, rng, groups: dict[str, int]) -> None:
        if not hasattr(self, "course_rows"):
            self.course_rows = self.rows(
                Course,
                [
                    "code",
                    "title",
                    "category",
                    "status",
                    "region",
                    "teaching_group",
                    "series",
                    "summary",
                    "duration_minutes",
                    "created_at",
                    "updated_at",
                ],
            )
            self.course_teacher_rows = self.rows(Course.teachers.through, ["course", "teacher"])
            self.outline_rows = self.rows(
                OutlineItem, ["course", "position", "title", "planned_minutes", "keywords"]
            )
            self.excellent_rows = self.rows(
                ExcellentDesignation, ["course", "year", "reason", "granted_at"]
            )
        entries = [(entry, city.code) for entry in catalogue.parse_lines() if not entry.place]
        for template in words.COUNTY_COURSE_TEMPLATES:
            category, title, _keywords, focus, _series = template
            for county in city.counties:
                entry = catalogue.CourseEntry(
                    category, title.format(county=county.name), (), focus, "", county.code
                )
                entries.append((entry, county.code))
        now = self.period.now
        codes: dict[str, int] = defaultdict(int)
        outline_rng = self.rng(f"outlines:{city.code}")
        for entry, region in entries:
            codes[region] += 1
            status = rng.choices(*zip(*COURSE_STATUS_WEIGHTS, strict=True))[0]
            duration = rng.choices((45, 60, 90, 120), (2, 3, 4, 1))[0]
            group = groups.get(entry.focus or catalogue.CATEGORY_FOCUS[entry.category])
            pk = self.course_rows.add(
                f"KC-{region}-{codes[region]:04d}",
                entry.title,
                entry.category,
                str(status),
                region,
                group,
                None,
                catalogue.summary(rng, entry) if entry.keywords else entry.title + "。",
                duration,
                now,
                now,
            )
            self.add_outline(outline_rng, pk, entry, duration)
            key = "" if region == city.code else region
            pool = [t for t in city.teachers[key] if t.status in ("active", "warning")]
            able = [t for t in pool if entry.category in t.categories] or pool
            chosen = rng.sample(able, min(len(able), rng.choice((1, 1, 2, 2, 3))))
            for teacher in chosen:
                self.course_teacher_rows.add(pk, teacher.pk)
            self.counts["courses"] += 1
            if status == CourseStatus.LISTED:
                for teacher in chosen:
                    city.pairs[key].append((pk, entry.title, entry.category, duration, teacher))
                if rng.random() < EXCELLENT_SHARE:
                    self.excellent_rows.add(pk, self.year, "精品课程遴选认定", now)
        self.give_every_teacher_a_course(city)
        # Every county can be served: one with no listed course of its own uses the city's.
        if not city.pairs[""]:
            city.pairs[""] = [pair for pairs in city.pairs.values() for pair in pairs]

    def give_every_teacher_a_course(self, city: CityPlan) -> None:
        """A pool teacher with no listed course of their own county (or of the city, for the
        city's teachers) is attached to one, of a category they teach where there is one: a
        real pool gives lessons across it, and a year where two teachers in three taught
        nothing would warn most of a province's pool (issue #18's 工作台)."""
        rng = self.rng(f"courses-for-every-teacher:{city.code}")
        for key, pairs in list(city.pairs.items()):
            if not pairs:
                continue
            teaching = {pair[4].pk for pair in pairs}
            for teacher in city.teachers.get(key, ()):
                if teacher.status not in ("active", "warning") or teacher.pk in teaching:
                    continue
                pk, title, category, duration, _other = rng.choice(
                    [pair for pair in pairs if pair[2] in teacher.categories] or pairs
                )
                self.course_teacher_rows.add(pk, teacher.pk)
                pairs.append((pk, title, category, duration, teacher))
                teaching.add(teacher.pk)

    def build_city_stations(self, city: CityPlan) -> None:
        """A loudspeaker station in every village and community, as 嘉州 has (seed 004),
        online, off or faulty in its shares (their programmes and plays: province_parts)."""
        if not hasattr(self, "station_rows"):
            self.station_rows = self.rows(
                BroadcastStation,
                ["name", "code", "village", "region", "status", "estimated_listeners",
                 "token_prefix", "created_at"],
            )  # fmt: skip
        rng = self.rng(f"stations:{city.code}")  # its own stream: the other draws stay put
        statuses, weights = zip(*STATION_STATUS_WEIGHTS, strict=True)
        for county in city.counties:
            for _township, villages in city.places[county.code]:
                for village in villages:
                    status = str(rng.choices(statuses, weights)[0])
                    listeners = rng.randint(15, 32)
                    pk = self.station_rows.add(
                        f"{village.name}大喇叭", village.code, village.code, village.code,
                        status, listeners, "", self.period.now,
                    )  # fmt: skip
                    city.stations.append((pk, village.code, status, listeners))
                    self.counts["stations"] += 1

    def add_outline(self, rng, course: int, entry, duration: int) -> None:
        """The course's knowledge points (大纲): the catalogue's for its courses, three
        plain parts for a county's own."""
        if entry.keywords:
            items = catalogue.outline(rng, entry, duration)
        else:
            middle = duration - 2 * (duration // 6)
            items = [("导入与背景", duration // 6, ""), ("主要内容", middle, ""),
                     ("研讨交流", duration // 6, "")]  # fmt: skip
        for position, (title, minutes, keywords) in enumerate(items, start=1):
            self.outline_rows.add(course, position, title, minutes, keywords)

    def finish_shape(self) -> None:
        for rows in (
            self.station_rows,
            self.outline_rows,
            self.group_rows,
            self.teacher_rows,
            self.specialty_rows,
            self.group_link_rows,
            self.org_rows,
            self.course_rows,
            self.course_teacher_rows,
            self.excellent_rows,
        ):
            rows.finish()

    # --- the year ---------------------------------------------------------------------------

    def build_year(self) -> None:
        from dangke.evaluation.basis import take_basis
        from dangke.evaluation.indicators import system_for
        from dangke.evaluation.services import stage_roles

        period = self.period
        days = [period.first_day + datetime.timedelta(days=n) for n in range(period.past_days)]
        moments = {day: [period.at(day, hour) for hour in SHANGHAI_HOURS] for day in days}
        rows = {
            "member": self.rows(
                Member,
                ["name", "gender", "phone", "organization", "region", "post", "category",
                 "joined_on", "number", "status", "view_token", "created_at", "updated_at"],
            ),
            "order": self.rows(
                CourseOrder,
                ["organization", "region", "course", "category", "dates", "expected_attendees",
                 "venue", "mode", "notes", "campaign", "status", "outcome", "created_at",
                 "updated_at"],
            ),
            "lesson": self.rows(
                Lesson,
                ["course", "organization", "region", "starts_at", "duration_minutes", "venue",
                 "mode", "order", "campaign", "source", "status", "attendees_count",
                 "checkin_token", "created_at", "updated_at"],
            ),
            "lesson_teacher": self.rows(Lesson.teachers.through, ["lesson", "teacher"]),
            "attendance": self.rows(
                Attendance,
                ["lesson", "name", "phone", "organization_name", "method", "signed_at"],
            ),
            "survey": self.rows(
                Survey,
                ["kind", "lesson", "title", "region", "system", "opens_at", "closes_at",
                 "public_key", "attendance", "sheet_margin", "surplus_decision", "basis",
                 "result", "scored_upto", "created_at"],
            ),
            "response": self.rows(
                Response,
                ["id", "survey", "role", "answers", "nonce", "submitted_hour"],
                with_id=False,
            ),
        }  # fmt: skip
        lessons_total = self.sizes["lessons"]
        organizations_total = sum(len(city.organizations) for city in self.cities) or 1
        self.lessons_per_org = max(1.0, lessons_total / organizations_total)
        attendees_expected = self.counts["province_members"] * 0.875 * self.lessons_per_org
        self.answer_share = min(1.0, self.sizes["responses"] / max(1, attendees_expected))
        phone = 50_000_000  # beyond 嘉州's 100-numbers, so no two members share one
        for city in self.cities:
            rng = self.rng(f"year:{city.code}")
            names = NameMaker(self.rng(f"members:{city.code}"))
            minority = MINORITY_CITIES.get(city.code, "")
            name_pool = [
                names.person(gender, minority=minority, share=0.3) for gender in ("男", "女") * 4000
            ]
            campaign = Campaign.objects.create(
                name="万堂示范课下基层",
                region=city.region,
                starts_on=period.first_day,
                ends_on=datetime.date(self.year, 12, 31),
                description="选派师资深入全市基层党组织开展示范授课，实现基层党组织和党员全覆盖。",
                target_kinds=[],
                target_lessons=round(len(city.organizations) * self.lessons_per_org),
                target_members=sum(org.members for org in city.organizations),
            )
            system = system_for(city.region, self.year)
            basis = take_basis(system, campaign)
            probe = Survey(kind=SurveyKind.ON_SITE, system=system, basis=basis)
            roles = stage_roles(probe)
            keys = {kind: [leaf.key for leaf in role.leaves] for kind, role in roles.items()}
            sheets = self.answer_sheets(rng, keys)
            basis_text = json.dumps(basis, ensure_ascii=False)
            ctx = (city, rng, campaign.pk, system.pk, basis_text, sheets, moments, days)
            for org in city.organizations:
                count = org.members
                post = [PartyPost.SECRETARY] + [PartyPost.COMMITTEE] * min(
                    count - 1, 2 if count < 15 else 4 if count < 50 else 6
                )
                offset = rng.randrange(len(name_pool))
                members = []
                for index in range(count):
                    name = name_pool[(offset + index * 7) % len(name_pool)]
                    phone += 1
                    number = f"100{phone:08d}"
                    members.append((name, number))
                    probationary = rng.random() < 0.04
                    joined = datetime.date(
                        self.year - (1 if probationary else rng.randint(2, 60)),
                        rng.randint(1, 12),
                        rng.randint(1, 28),
                    )
                    rows["member"].add(
                        name,
                        str(Gender.FEMALE if index % 3 == 1 else Gender.MALE),
                        number,
                        org.pk,
                        org.region,
                        str(post[index] if index < len(post) else PartyPost.NONE),
                        str(MemberCategory.PROBATIONARY if probationary else MemberCategory.FULL),
                        min(joined, period.last_past_day),
                        "",
                        str(MemberStatus.ACTIVE),
                        f"{rng.getrandbits(120):030x}",
                        period.now,
                        period.now,
                    )
                self.year_of_organization(org, members, rows, ctx)
        for table in rows.values():
            table.finish()
        self.counts["province_surveys"] = rows["survey"].written
        self.counts["attendances"] = rows["attendance"].written

    def answer_sheets(self, rng, keys: dict[str, list[str]]) -> dict[str, list[list[str]]]:
        """Per role, answer sheets (as JSON text) for five course qualities."""
        sheets = {}
        for kind, leaves in keys.items():
            by_quality = []
            for quality in (3.6, 4.0, 4.3, 4.6, 4.9):
                by_quality.append(
                    [
                        json.dumps(
                            {k: max(1, min(5, round(rng.gauss(quality, 0.7)))) for k in leaves},
                            ensure_ascii=False,
                        )
                        for _ in range(ANSWER_SHEETS)
                    ]
                )
            sheets[kind] = by_quality
        return sheets

    def year_of_organization(self, org: OrgRow, members, rows, ctx) -> None:
        city, rng, campaign, system, basis, sheets, moments, days = ctx
        whole = int(self.lessons_per_org)
        lessons = whole + (rng.random() < self.lessons_per_org - whole)
        county = org.region[:6]
        for _ in range(lessons):
            own = city.pairs.get(county)
            if own and rng.random() >= LESSON_TEACHER_CITY_SHARE:
                course, title, category, duration, teacher = rng.choice(own)
            else:
                course, title, category, duration, teacher = rng.choice(city.pairs[""])
            day = rng.choice(days)
            for _retry in range(6):
                if day.month not in org.busy:
                    break
                day = rng.choice(days)
            starts_at = rng.choice(moments[day])
            draw = rng.random()
            if org.kind == "village" and draw < 0.15:
                mode = DeliveryMode.LOUDSPEAKER
            else:
                mode = DeliveryMode.ONLINE if draw > 0.93 else DeliveryMode.OFFLINE
            venue = f"{org.name}活动室"
            present = max(1, round(org.members * rng.uniform(0.75, 1.0)))
            order = None
            if rng.random() >= 0.15:
                placed = max(
                    moments[days[0]][0],
                    starts_at - datetime.timedelta(days=rng.randint(7, 28)),
                )
                order = rows["order"].add(
                    org.pk, org.region, course, category, f'["{day.isoformat()}"]',
                    max(3, org.members), venue, str(mode), "", campaign,
                    str(OrderStatus.PLANNED), f"{teacher.name}，{day.isoformat()}", placed, placed,
                )  # fmt: skip
            lesson = rows["lesson"].add(
                course, org.pk, org.region, starts_at, duration, venue, str(mode), order,
                campaign, str(LessonSource.PLAN if order else LessonSource.MANUAL),
                str(LessonStatus.DELIVERED), present, f"{rng.getrandbits(120):030x}",
                starts_at, starts_at,
            )  # fmt: skip
            rows["lesson_teacher"].add(lesson, teacher.pk)
            method = str(AttendanceMethod.QR if rng.random() < 0.7 else AttendanceMethod.LIST)
            start = rng.randrange(len(members))
            for index in range(present):
                name, phone = members[(start + index) % len(members)]
                rows["attendance"].add(lesson, name, phone, org.name, method, starts_at)
            day_text = day.isoformat()
            survey = rows["survey"].add(
                str(SurveyKind.ON_SITE), lesson, f"{title} · {org.name} · {day_text}",
                org.region, system, starts_at, starts_at + datetime.timedelta(hours=24),
                f"{rng.getrandbits(60):015x}", present, 2, "pending", basis, "{}", 0, starts_at,
            )  # fmt: skip
            hour = starts_at.replace(minute=0) + datetime.timedelta(hours=1)
            quality = rng.randrange(5)
            answered = round(present * self.answer_share * rng.uniform(0.9, 1.1))
            trainee = sheets["trainee"][quality]
            for _ in range(min(present, answered)):
                rows["response"].add(
                    rng.getrandbits(62) + 2**62, survey, "trainee", rng.choice(trainee),
                    f"{rng.getrandbits(128):032x}", hour,
                )  # fmt: skip
                self.counts["province_responses"] += 1
            for kind in ("expert", "organiser"):
                if kind in sheets and rng.random() < 0.3:
                    rows["response"].add(
                        rng.getrandbits(62) + 2**62, survey, kind,
                        rng.choice(sheets[kind][quality]), f"{rng.getrandbits(128):032x}", hour,
                    )  # fmt: skip
                    self.counts["province_responses"] += 1
            self.counts["province_lessons"] += 1
            self.counts["orders"] += order is not None


def build_province(
    seed: int = 2024, fraction: float = 1.0, year: int | None = None, say=print
) -> tuple[dict[str, int], list[tuple[str, float]]]:
    """Build the province; returns the counts and each phase's seconds."""
    if not 0 < fraction <= 1:
        raise DemoError("--fraction 须在 0 与 1 之间（如 0.02）")
    if province_present():
        raise DemoError("已有四川省演示数据：请换一个空数据库，或加 --if-empty 跳过")
    period = YearSoFar.of(year or reference_year())
    if not period.has_past_days:
        raise DemoError(f"{period.year} 年还没有过去的日子，无法生成这一年的演示数据")
    builder = ProvinceBuilder(seed, period, fraction, say=say)
    with transaction.atomic():
        counts = builder.run()
    if connection.vendor == "postgresql":
        counts["copy_seconds"] = round(sum(builder.copy_seconds.values()))
    return counts, builder.phases
