"""The year's delivery rollup (issue #18): lessons per county and month, organisations
reached, teachers who gave lessons and orders per county and month, so that a province's
figures stop reading a year of half a million lessons and 400,000 orders on every request.

Kept by the writes: whatever writes a lesson (a save, a status change, attendance, its
co-hosts or teachers, moving it) names the lessons with `lessons_changed`, before and after
the write when its keys (county, year, organisations, teachers) may move; the models'
signals do so for saves, deletions and the two many-to-many sets. An order's write names
its county and year the same way (`orders_changed`: its saves and deletions by the model's
signals, its changes of state by `core.signals.statuses_changed`). The keys those lessons
touch are recomputed from the raw rows once per transaction, when it commits
(`transaction.on_commit`), or earlier, when a reader in the same transaction asks
(`flush`): never increment arithmetic. `rebuild` recomputes everything (`dangke
rebuild_delivery_rollup`, the demo and the province loader).

Readers ask `prefixes` whether a scope can read the rollup: a scope by region at county
level or above (the province, a city, a county) reads it by region prefix; a narrower one
(a township, a liaison's organisation, a teacher's own lessons) keeps the raw query, which
is small for it.
"""

from __future__ import annotations

import datetime
import threading
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear, Substr
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.utils import timezone

from dangke.core.calendar import month_bounds, year_bounds
from dangke.core.locks import hold_locks
from dangke.core.signals import statuses_changed
from dangke.delivery.models import (
    CourseOrder,
    DeliveringTeacher,
    Lesson,
    LessonStatus,
    LessonTally,
    OrderTally,
    ReachedOrganization,
    ReachTally,
    TeacherMonth,
)
from dangke.faculty import warning_levels
from dangke.regions import rollup as organization_rollup
from dangke.regions.codes import COUNTY_DIGITS, within_prefixes
from dangke.regions.models import Organization

BATCH = 5000

_pending = threading.local()


def _keys() -> dict[str, set]:
    if not hasattr(_pending, "keys"):
        _pending.keys = {
            "counties": set(),
            "organizations": set(),
            "teachers": set(),
            "orders": set(),
        }
    return _pending.keys


def _lessons():
    return Lesson.objects.unscoped("the delivery rollup counts every lesson by its own keys")


def _orders():
    return CourseOrder.objects.unscoped("the delivery rollup counts every order by its keys")


# --- which keys a write touches -----------------------------------------------------------------


def lessons_changed(lesson_ids, *, reach: bool = True) -> None:
    """Note the rollup keys of these lessons as they are in the database now; they are
    recomputed when the transaction commits (or before the next read in it). Call it after
    a write, and also before one that may move a lesson's county, year, hosts or teachers.
    `reach=False`: only its counts changed (attendance), not who hosted or taught it."""
    ids = [pk for pk in lesson_ids if pk is not None]
    if not ids:
        return
    keys = _keys()
    years_of: dict[int, int] = {}
    for pk, region_id, starts_at, organization_id in (
        _lessons().filter(pk__in=ids).values_list("pk", "region_id", "starts_at", "organization_id")
    ):
        year = timezone.localtime(starts_at).year
        years_of[pk] = year
        keys["counties"].add((region_id[:COUNTY_DIGITS], year))
        if reach:
            keys["organizations"].add((organization_id, year))
    transaction.on_commit(flush)  # every call registers; the first to run empties the set
    if not years_of or not reach:
        return
    for lesson_id, organization_id in Lesson.other_organizations.through.objects.filter(
        lesson_id__in=list(years_of)
    ).values_list("lesson_id", "organization_id"):
        keys["organizations"].add((organization_id, years_of[lesson_id]))
    for lesson_id, teacher_id in Lesson.teachers.through.objects.filter(
        lesson_id__in=list(years_of)
    ).values_list("lesson_id", "teacher_id"):
        keys["teachers"].add((teacher_id, years_of[lesson_id]))


def orders_changed(order_ids) -> None:
    """Note the (county, year) of these orders as they are in the database now, recounted
    when the transaction commits; before a write that may move one too (its region)."""
    ids = [pk for pk in order_ids if pk is not None]
    if not ids:
        return
    keys = _keys()
    for region_id, created_at in (
        _orders().filter(pk__in=ids).values_list("region_id", "created_at")
    ):
        keys["orders"].add((region_id[:COUNTY_DIGITS], timezone.localtime(created_at).year))
    transaction.on_commit(flush)


def flush() -> None:
    """Recompute the keys noted so far from the raw rows (idempotent, cheap when none); the
    organisations' counties first, whose recount the coverage follows."""
    organization_rollup.flush()
    keys = _keys()
    if not any(keys.values()):
        return
    counties, organizations, teachers, orders = (
        set(keys["counties"]),
        set(keys["organizations"]),
        set(keys["teachers"]),
        set(keys["orders"]),
    )
    for noted in keys.values():
        noted.clear()
    with transaction.atomic():
        _serialise(counties, organizations, teachers, orders)
        _recount_counties(counties)
        _recount_orders(orders)
        _remark(ReachedOrganization, "organization_id", _reach_rows, organizations)
        _recount_reach(_counties_of(organizations))
        _remark(DeliveringTeacher, "teacher_id", _teacher_rows, teachers)
        _recount_teacher_months(teachers)


_LOCK_NAMESPACES = {
    "county": "delivery-county",
    "organization": "delivery-organization",
    "teacher": "delivery-teacher",
    "orders": "delivery-orders",
}


def _serialise(counties, organizations, teachers, orders) -> None:
    """Two commits recounting the same key at once (two sign-ins of one county, on two web
    workers) would each delete the key's rows and insert their own: under READ COMMITTED the
    second DELETE does not see the rows the first inserted, so the figures would double."""
    hold_locks(
        (_LOCK_NAMESPACES[kind], f"{key}:{year}")
        for kind, pairs in (
            ("county", counties),
            ("organization", organizations),
            ("teacher", teachers),
            ("orders", orders),
        )
        for key, year in pairs
    )


def _by_year(pairs) -> dict[int, set]:
    grouped: dict[int, set] = defaultdict(set)
    for key, year in pairs:
        grouped[year].add(key)
    return grouped


def _in_county(county: str) -> Q:
    """Lessons or orders whose county key is `county` (a city-level organisation's too):
    the prefix lets the region index serve, the cut makes it exact."""
    return Q(region__code__startswith=county, county_key=county)


def _recount_county_years(tally, rows, moment: str, insert, pairs) -> None:
    """The tally rows of these (county, year) pairs made again by `insert` from `rows` (the
    lessons or the orders) of those counties whose `moment` falls in the local year."""
    for year, counties in _by_year(pairs).items():
        first, last = year_bounds(year)
        tally.objects.unscoped("the rollup's own upkeep").filter(
            year=year, county__in=counties
        ).delete()
        condition = Q(pk__in=[])
        for county in counties:
            condition |= _in_county(county)
        insert(
            rows.annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS)).filter(
                condition, **{f"{moment}__gte": first, f"{moment}__lt": last}
            )
        )


def _recount_counties(pairs) -> None:
    _recount_county_years(LessonTally, _lessons(), "starts_at", _insert_tallies, pairs)


def _recount_orders(pairs) -> None:
    _recount_county_years(OrderTally, _orders(), "created_at", _insert_order_tallies, pairs)


def _insert_order_tallies(orders) -> int:
    rows = [
        OrderTally(county=county, year=year, month=month, status=status, orders=n)
        for county, year, month, status, n in orders.annotate(
            county_key=Substr("region_id", 1, COUNTY_DIGITS),
            y=ExtractYear("created_at"),
            m=ExtractMonth("created_at"),
        )
        .values_list("county_key", "y", "m", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ]
    OrderTally.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _insert_tallies(lessons) -> int:
    rows = [
        LessonTally(
            county=row["county_key"],
            year=row["y"],
            month=row["m"],
            status=row["status"],
            mode=row["mode"],
            category=row["course__category"],
            campaign_id=row["campaign_id"],
            lessons=row["n"],
            attendees=row["people"] or 0,
            minutes=row["minutes"] or 0,
        )
        for row in lessons.annotate(
            county_key=Substr("region_id", 1, COUNTY_DIGITS),
            y=ExtractYear("starts_at"),
            m=ExtractMonth("starts_at"),
        )
        .values("county_key", "y", "m", "status", "mode", "course__category", "campaign_id")
        .annotate(n=Count("pk"), people=Sum("attendees_count"), minutes=Sum("duration_minutes"))
        .order_by()
    ]
    LessonTally.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _given():
    return _lessons().filter(status=LessonStatus.DELIVERED)


def _mark_rows(model, key_field: str, rows) -> int:
    """One mark per (key, year, lesson county) for any lesson and one more per campaign."""
    marks = set()
    for key, year, campaign_id, county in rows:
        marks.add((key, year, None, county))
        if campaign_id is not None:
            marks.add((key, year, campaign_id, county))
    model.objects.bulk_create(
        [
            model(**{key_field: key}, year=year, campaign_id=campaign_id, lesson_county=county)
            for key, year, campaign_id, county in marks
        ],
        batch_size=BATCH,
    )
    return len(marks)


def _reach_rows(given, organizations=None):
    """(organisation, year, campaign, lesson county) of hosts and co-hosts of `given`."""
    hosts = given.annotate(
        y=ExtractYear("starts_at"), county_key=Substr("region_id", 1, COUNTY_DIGITS)
    )
    through = Lesson.other_organizations.through.objects.filter(lesson__in=given).annotate(
        y=ExtractYear("lesson__starts_at"),
        county_key=Substr("lesson__region_id", 1, COUNTY_DIGITS),
    )
    if organizations is not None:
        hosts = hosts.filter(organization_id__in=organizations)
        through = through.filter(organization_id__in=organizations)
    yield from hosts.values_list("organization_id", "y", "campaign_id", "county_key").distinct()
    yield from through.values_list(
        "organization_id", "y", "lesson__campaign_id", "county_key"
    ).distinct()


def _teacher_rows(given, teachers=None):
    through = Lesson.teachers.through.objects.filter(lesson__in=given).annotate(
        y=ExtractYear("lesson__starts_at"),
        county_key=Substr("lesson__region_id", 1, COUNTY_DIGITS),
    )
    if teachers is not None:
        through = through.filter(teacher_id__in=teachers)
    return through.values_list("teacher_id", "y", "lesson__campaign_id", "county_key").distinct()


def _remark(model, key_field: str, rows_of, pairs) -> None:
    """The marks of these (key, year) pairs made again from the year's given lessons."""
    for year, keys in _by_year(pairs).items():
        first, last = year_bounds(year)
        model.objects.unscoped("the rollup's own upkeep").filter(
            year=year, **{f"{key_field}__in": keys}
        ).delete()
        given = _given().filter(starts_at__gte=first, starts_at__lt=last)
        _mark_rows(model, key_field, rows_of(given, keys))


def _counties_of(organization_pairs) -> set:
    """(county, year) of these (organisation, year) pairs: the coverage tallies they touch."""
    years_of: dict[int, set] = defaultdict(set)
    for organization_id, year in organization_pairs:
        years_of[organization_id].add(year)
    return {
        (region_id[:COUNTY_DIGITS], year)
        for pk, region_id in Organization.objects.unscoped("the counties of reached organisations")
        .filter(pk__in=list(years_of))
        .values_list("pk", "region_id")
        for year in years_of[pk]
    }


def _reach_tallies(marks) -> list[ReachTally]:
    """Coverage rows from reach marks: each organisation once per (its county, year,
    campaign) however many lesson counties reached it, with its members; active ones only."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for county, year, campaign_id, _organization, members in (
        marks.filter(organization__is_active=True)
        .annotate(county_key=Substr("organization__region_id", 1, COUNTY_DIGITS))
        .values_list(
            "county_key", "year", "campaign_id", "organization_id", "organization__member_count"
        )
        .distinct()
        .order_by()
        .iterator(chunk_size=BATCH)
    ):
        total = totals[county, year, campaign_id]
        total[0] += 1
        total[1] += members or 0
    return [
        ReachTally(county=county, year=year, campaign_id=campaign_id, organizations=n, members=m)
        for (county, year, campaign_id), (n, m) in totals.items()
    ]


def _marks():
    return ReachedOrganization.objects.unscoped("the coverage counts every reach mark")


def _recount_reach(pairs) -> None:
    """The coverage of these (county, year) pairs counted again from the reach marks; a year
    of None: every year of that county (its organisations changed)."""
    if not pairs:
        return
    hold_locks(("delivery-reach", county) for county, _year in pairs)
    years_of: dict[str, set] = defaultdict(set)
    for county, year in pairs:
        years_of[county].add(year)
    stale, wanted = Q(pk__in=[]), Q(pk__in=[])
    for county, years in years_of.items():
        in_years = {} if None in years else {"year__in": years}
        stale |= Q(county=county, **in_years)
        wanted |= Q(county_key=county, **in_years)
    ReachTally.objects.unscoped("the rollup's own upkeep").filter(stale).delete()
    marks = (
        _marks()
        .annotate(county_key=Substr("organization__region_id", 1, COUNTY_DIGITS))
        .filter(within_prefixes("organization__region__code", tuple(years_of)), wanted)
    )
    ReachTally.objects.bulk_create(_reach_tallies(marks), batch_size=BATCH)


def _organizations_recounted(sender, counties=None, region=None, **kwargs):
    """The organisations changed (their members, kind, county, whether active): their
    counties' coverage is counted again, every year."""
    if counties:
        _recount_reach({(county, None) for county in counties})
    elif region is not None:
        with transaction.atomic():
            _rebuild_reach(region=region)


def _counties_reached_from(region: str, year: int | None) -> set[str]:
    """The counties of organisations that lessons within `region` reached (in `year`)."""
    marks = _marks().filter(lesson_county__startswith=region)
    if year is not None:
        marks = marks.filter(year=year)
    return set(
        marks.annotate(county_key=Substr("organization__region_id", 1, COUNTY_DIGITS))
        .values_list("county_key", flat=True)
        .distinct()
    )


def _rebuild_reach(year: int | None = None, region: str = "") -> int:
    tallies = ReachTally.objects.unscoped("the rollup is rebuilt").filter(county__startswith=region)
    marks = _marks().filter(organization__region__code__startswith=region)
    if year is not None:
        tallies, marks = tallies.filter(year=year), marks.filter(year=year)
    tallies.delete()
    return len(ReachTally.objects.bulk_create(_reach_tallies(marks), batch_size=BATCH))


def _insert_teacher_months(pairs) -> int:
    """`pairs`: teacher–lesson pairs (the through rows) to add up per teacher, local month
    and state."""
    rows = [
        TeacherMonth(
            teacher_id=row["teacher_id"],
            year=row["y"],
            month=row["m"],
            status=row["lesson__status"],
            lessons=row["n"],
            minutes=row["minutes"] or 0,
        )
        for row in pairs.annotate(
            y=ExtractYear("lesson__starts_at"), m=ExtractMonth("lesson__starts_at")
        )
        .values("teacher_id", "y", "m", "lesson__status")
        .annotate(n=Count("lesson_id"), minutes=Sum("lesson__duration_minutes"))
        .order_by()
    ]
    TeacherMonth.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _recount_teacher_months(pairs) -> int:
    """Every lesson of these (teacher, year) pairs, whatever its state, counted again; the
    teachers' kept warning levels, judged on those lessons, are forgotten."""
    warning_levels.forget(teacher for teacher, _year in pairs)
    inserted = 0
    for year, teachers in _by_year(pairs).items():
        first, last = year_bounds(year)
        TeacherMonth.objects.unscoped("the rollup's own upkeep").filter(
            year=year, teacher_id__in=teachers
        ).delete()
        inserted += _insert_teacher_months(
            Lesson.teachers.through.objects.filter(
                teacher_id__in=teachers,
                lesson__starts_at__gte=first,
                lesson__starts_at__lt=last,
            )
        )
    return inserted


def rebuild(year: int | None = None, region: str | None = None) -> dict[str, int]:
    """Recompute the rollup from the raw rows: every year or one local year, everywhere or
    within one region (its code cut to the county: a row of the rollup is made of the lessons
    of one county)."""
    for noted in _keys().values():
        noted.clear()
    region = (region or "")[:COUNTY_DIGITS]
    lessons = _lessons()
    with transaction.atomic():
        across = _counties_reached_from(region, year)  # the marks about to go, and …
        for model, county_field in (
            (LessonTally, "county"),
            (OrderTally, "county"),
            (ReachedOrganization, "lesson_county"),
            (DeliveringTeacher, "lesson_county"),
        ):
            rows = model.objects.unscoped("the rollup is rebuilt")
            if year is not None:
                rows = rows.filter(year=year)
            if region:
                rows = rows.filter(**{f"{county_field}__startswith": region})
            rows.delete()
        orders = _orders()
        if year is not None:
            first, last = year_bounds(year)
            lessons = lessons.filter(starts_at__gte=first, starts_at__lt=last)
            orders = orders.filter(created_at__gte=first, created_at__lt=last)
        if region:
            lessons = lessons.filter(region__code__startswith=region)
            orders = orders.filter(region__code__startswith=region)
        given = lessons.filter(status=LessonStatus.DELIVERED)
        pairs = Lesson.teachers.through.objects.filter(lesson__in=lessons)
        if region:
            # A teacher's months count their lessons everywhere: those who taught in the
            # region are counted again whole, for the years they taught there.
            months = _recount_teacher_months(
                pairs.annotate(y=ExtractYear("lesson__starts_at"))
                .values_list("teacher_id", "y")
                .distinct()
            )
        else:
            months_kept = TeacherMonth.objects.unscoped("the rollup is rebuilt")
            if year is not None:
                months_kept = months_kept.filter(year=year)
            months_kept.delete()
            warning_levels.forget_all()
            months = _insert_teacher_months(pairs)
        counts = {
            "tallies": _insert_tallies(lessons),
            "organizations": _mark_rows(ReachedOrganization, "organization_id", _reach_rows(given)),
            "teachers": _mark_rows(DeliveringTeacher, "teacher_id", _teacher_rows(given)),
            "teacher_months": months,
            "order_tallies": _insert_order_tallies(orders),
            "reach_tallies": _rebuild_reach(year, region),
        }
        # … those made: a co-host outside the region, reached by its lessons, has its
        # county's coverage counted again too.
        across |= _counties_reached_from(region, year)
        _recount_reach({(county, year) for county in across if not county.startswith(region)})
        return counts


# --- reading --------------------------------------------------------------------------------


def tallies(codes: tuple[str, ...], year: int):
    return LessonTally.objects.unscoped("read by the scope's region prefixes").filter(
        within_prefixes("county", codes), year=year
    )


def order_tallies(codes: tuple[str, ...], year: int):
    return OrderTally.objects.unscoped("read by the scope's region prefixes").filter(
        within_prefixes("county", codes), year=year
    )


def reach_tallies(codes: tuple[str, ...], year: int):
    """The year's coverage of the organisations within `codes`; `campaign` empty: any lesson."""
    return ReachTally.objects.unscoped("read by the scope's region prefixes").filter(
        within_prefixes("county", codes), year=year
    )


def reached_marks(year: int, *, campaign=None, codes: tuple[str, ...] | None = None):
    """The organisations (ids, a subquery) that hosted or co-hosted a lesson given in `year`
    (of `campaign`; located within `codes` when given)."""
    marks = ReachedOrganization.objects.unscoped("a filter of organisations in scope").filter(
        year=year, campaign=campaign
    )
    if codes is not None:
        marks = marks.filter(within_prefixes("lesson_county", codes))
    return marks.values("organization_id")


def reached_in(year: int, *, campaign=None, codes: tuple[str, ...] | None = None) -> Q:
    """A condition on organisations: the rollup's `hosted_one_of` a year's given lessons. A
    semi-join (`pk IN (marks)`), not an EXISTS per organisation, so that it also serves as an
    aggregate's filter without a subplan per row."""
    return Q(pk__in=reached_marks(year, campaign=campaign, codes=codes))


def delivering_teachers(year: int, codes: tuple[str, ...], *, campaign=None):
    return DeliveringTeacher.objects.unscoped("read by the scope's region prefixes").filter(
        within_prefixes("lesson_county", codes), year=year, campaign=campaign
    )


@dataclass(frozen=True)
class Span:
    """Lessons in `statuses` starting in [start, end)."""

    start: datetime.datetime
    end: datetime.datetime
    statuses: tuple[str, ...]


def _local_months(start, end):
    """The local months that meet [start, end), each as (year, month, its start, its end)."""
    day = timezone.localtime(start).date().replace(day=1)
    while True:
        first, last = month_bounds(day.year, day.month)
        if first >= end:
            return
        yield day.year, day.month, first, last
        day = timezone.localtime(last).date()


_PAST = {LessonStatus.DELIVERED, LessonStatus.CANCELLED}
_AHEAD = {LessonStatus.PLANNED, LessonStatus.CONFIRMED}


def _expected(ranges, statuses, now) -> float:
    """How much of these ranges can hold lessons in `statuses`: given and cancelled lessons
    lie (almost all) before now, planned and confirmed ones after. A guess of cost only."""
    total = 0.0
    for first, last in ranges:
        if set(statuses) <= _PAST:
            last = min(last, now)
        elif set(statuses) <= _AHEAD:
            first = max(first, now)
        total += max((last - first).total_seconds(), 0)
    return total


def by_complement(piece, rest, statuses, now) -> bool:
    """Read a month's `piece` as the month (rollup) less the `rest` of it (lessons) when the
    rest holds fewer such lessons: the current month up to now is nearly all given lessons,
    after now nearly all planned ones, so either way the lessons read are few."""
    return _expected(rest, statuses, now) < _expected([piece], statuses, now)


def teacher_spans(teacher_ids, spans: dict[str, Span]) -> dict[str, dict[int, tuple[int, int]]]:
    """For each named span, each teacher's (lessons, minutes) in it, a lesson once per
    teacher on it, wherever it was: the whole local months inside a span from the rollup; a
    month it cuts at an edge from the lessons of that part, or, when fewer, as the month
    from the rollup less the lessons of the rest (`by_complement`; an index on the lessons'
    start serves them). Two queries whatever the spans. `teacher_ids`: ids or a subquery of
    the teachers."""
    flush()
    now = timezone.now()
    whole: dict[str, Q] = {}  # span → its months read from the rollup
    plus: dict[str, Q] = {}  # span → parts of months read from the lessons, to add
    less: dict[str, Q] = {}  # span → the rest of months read whole, to take away

    def add(conditions, name, piece):
        conditions[name] = conditions[name] | piece if name in conditions else piece

    def lessons_in(first, last, statuses):
        return Q(
            lesson__starts_at__gte=first, lesson__starts_at__lt=last, lesson__status__in=statuses
        )

    for name, span in spans.items():
        months_of: dict[int, list[int]] = defaultdict(list)  # the months read whole, by year
        for year, month, first, last in _local_months(span.start, span.end):
            if span.start <= first and last <= span.end:
                months_of[year].append(month)
                continue
            piece = (max(first, span.start), min(last, span.end))
            rest = [(a, b) for a, b in ((first, piece[0]), (piece[1], last)) if a < b]
            if by_complement(piece, rest, span.statuses, now):
                months_of[year].append(month)
                for a, b in rest:
                    add(less, name, lessons_in(a, b, span.statuses))
            else:
                add(plus, name, lessons_in(*piece, span.statuses))
        for year, months in months_of.items():
            runs: list[list[int]] = []
            for month in months:
                if runs and month == runs[-1][-1] + 1:
                    runs[-1].append(month)
                else:
                    runs.append([month])
            for run in runs:
                add(
                    whole,
                    name,
                    Q(year=year, month__gte=run[0], month__lte=run[-1], status__in=span.statuses),
                )
    totals: dict[str, dict[int, list[int]]] = {name: {} for name in spans}
    months = TeacherMonth.objects.unscoped("read by teachers already scoped")
    pairs = Lesson.teachers.through.objects
    for rows, signed, counted, minutes in (
        (months, [(whole, 1)], lambda c: Sum("lessons", filter=c), "minutes"),
        (
            pairs,
            [(plus, 1), (less, -1)],
            lambda c: Count("lesson_id", filter=c),
            "lesson__duration_minutes",
        ),
    ):
        anywhere, aggregates, read = Q(), {}, []
        for index, (conditions, sign) in enumerate(signed):
            for name, condition in conditions.items():
                anywhere |= condition
                aggregates[f"n{index}_{name}"] = counted(condition)
                aggregates[f"m{index}_{name}"] = Sum(minutes, filter=condition)
                read.append((index, name, sign))
        if not read:
            continue
        query = (
            rows.filter(anywhere, teacher_id__in=teacher_ids)
            .values("teacher_id")
            .annotate(**aggregates)
            .order_by()
        )
        # Read as plain tuples: a province's 10,000 rows of a dozen sums each spent more time
        # in the ORM's per-value converters than in the database.
        columns = list(aggregates)
        where = [
            (name, sign, 1 + columns.index(f"n{i}_{name}"), 1 + columns.index(f"m{i}_{name}"))
            for i, name, sign in read
        ]
        try:
            sql, params = query.query.sql_with_params()
        except EmptyResultSet:  # no teacher at all (a scope whose pool is empty)
            continue
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        for row in fetched:
            for name, sign, n_at, m_at in where:
                if row[n_at]:
                    total = totals[name].setdefault(row[0], [0, 0])
                    total[0] += sign * int(row[n_at])
                    total[1] += sign * int(row[m_at] or 0)
    return {
        name: {teacher: (n, m) for teacher, (n, m) in by_teacher.items() if n}
        for name, by_teacher in totals.items()
    }


# --- the writes the signals see ---------------------------------------------------------------


# A save naming its fields moves no key unless it names one of these.
_KEY_FIELDS = {"starts_at", "organization", "organization_id", "region", "region_id"}


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if update_fields is not None and not _KEY_FIELDS & set(update_fields):
        return
    if instance.pk is not None and not raw:
        lessons_changed([instance.pk])  # where it was: a moved lesson leaves its old keys


# What the rollup counts a lesson by: a save naming none of these leaves it as it was.
_COUNTED_FIELDS = _KEY_FIELDS | {
    "status", "mode", "attendees_count", "duration_minutes", "course", "course_id",
    "campaign", "campaign_id",
}  # fmt: skip


def _after_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if update_fields is not None and not _COUNTED_FIELDS & set(update_fields):
        return
    if not raw:
        lessons_changed([instance.pk])


def _before_delete(sender, instance, **kwargs):
    lessons_changed([instance.pk])


_SET_ACTIONS = {"pre_add", "post_add", "pre_remove", "post_remove", "pre_clear", "post_clear"}


def _sets_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in _SET_ACTIONS:
        return
    if reverse:  # from the organisation's or teacher's side: the lessons are in pk_set
        if action.endswith("clear"):
            field = "organization" if sender is Lesson.other_organizations.through else "teacher"
            pk_set = sender.objects.filter(**{f"{field}_id": instance.pk}).values_list(
                "lesson_id", flat=True
            )
        lessons_changed(list(pk_set or ()))
    else:
        lessons_changed([instance.pk])


def _course_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    """A course's category is a key of its lessons' tallies: a changed one recounts them."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "category" not in update_fields:
        return
    stored = sender._base_manager.filter(pk=instance.pk).values_list("category", flat=True)
    if list(stored) in ([instance.category], []):
        return
    keys = _keys()
    for county, year in (
        _lessons()
        .filter(course_id=instance.pk)
        .annotate(county_key=Substr("region_id", 1, COUNTY_DIGITS), y=ExtractYear("starts_at"))
        .values_list("county_key", "y")
        .distinct()
    ):
        keys["counties"].add((county, year))
    transaction.on_commit(flush)


# What an order is counted by: where (its region) and when it was placed, and its state.
_ORDER_KEY_FIELDS = {"region", "region_id", "created_at"}


def _order_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if update_fields is not None and not _ORDER_KEY_FIELDS & set(update_fields):
        return
    if instance.pk is not None and not raw:
        orders_changed([instance.pk])  # a moved order leaves its old county


def _order_after_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if update_fields is not None and not (_ORDER_KEY_FIELDS | {"status"}) & set(update_fields):
        return
    if not raw:
        orders_changed([instance.pk])


def _order_before_delete(sender, instance, **kwargs):
    orders_changed([instance.pk])


def _order_statuses_changed(sender, objects, **kwargs):
    orders_changed([order.pk for order in objects])


def connect() -> None:
    """Called by the app's `ready`."""
    pre_save.connect(_order_before_save, sender=CourseOrder, dispatch_uid="rollup_order_before")
    post_save.connect(_order_after_save, sender=CourseOrder, dispatch_uid="rollup_order_after")
    pre_delete.connect(_order_before_delete, sender=CourseOrder, dispatch_uid="rollup_order_delete")
    statuses_changed.connect(
        _order_statuses_changed, sender=CourseOrder, dispatch_uid="rollup_order_statuses"
    )
    pre_save.connect(_before_save, sender=Lesson, dispatch_uid="rollup_before_save")
    post_save.connect(_after_save, sender=Lesson, dispatch_uid="rollup_after_save")
    pre_delete.connect(_before_delete, sender=Lesson, dispatch_uid="rollup_before_delete")
    pre_save.connect(_course_saved, sender="courses.Course", dispatch_uid="rollup_course")
    for through in (Lesson.other_organizations.through, Lesson.teachers.through):
        m2m_changed.connect(_sets_changed, sender=through, dispatch_uid=f"rollup_{through}")
    organization_rollup.organizations_recounted.connect(
        _organizations_recounted, dispatch_uid="rollup_reach_organizations"
    )
