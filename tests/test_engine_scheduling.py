"""engines.scheduling: hand-made instances with known optima, brute force on small random
ones, validation messages, and check() on every plan a solver returns."""

import itertools
import json
import math
import random

import pytest

from engines.scheduling import (
    ProblemError,
    check,
    evaluate,
    generate,
    greedy,
    load_problem,
    main,
    solve,
)
from engines.scheduling.flow import NETWORKS, _solve_flow
from engines.scheduling.options import build_options
from engines.scheduling.problem import EARTH_RADIUS_KM

BASE = (29.5, 103.7)
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def north(km, of=BASE):
    """A point exactly `km` north of `of` (along a meridian the haversine is R·Δφ)."""
    return [of[0] + math.degrees(km / EARTH_RADIUS_KM), of[1]]


def teacher(id, km=5.0, **fields):
    return {"id": id, "home": north(km), "courses": ["C1"], "categories": ["理论教育"],
            "rating": 3, "max_km": 80, "max_per_month": 8, "max_per_year": 40,
            "booked_year": 0} | fields  # fmt: skip


def org(id, at=BASE, covered=True):
    return {"id": id, "location": list(at), "covered": covered}


def order(id, dates=("2026-03-10",), org="O1", course="C1", attendees=40, category=None):
    return {"id": id, "organization": org, "course": course, "category": category,
            "dates": list(dates), "attendees": attendees}  # fmt: skip


def problem(teachers, orders, orgs=None, **extra):
    return {"horizon": MARCH, "teachers": teachers, "organizations": orgs or [org("O1")],
            "orders": orders} | extra  # fmt: skip


def lesson_value(attendees, km, rating=3, booked=0):
    """One lesson of a teacher with no other new lesson, default weights, no coverage."""
    return 1000 + 300 * min(attendees, 200) / 200 + 50 * (rating - 3) - 2 * km - (2 * booked + 1)


def run(doc):
    """Solve exactly and greedily; both plans must pass check()."""
    p = load_problem(doc)
    exact, base = solve(p), greedy(p)
    assert check(p, exact) == []
    assert check(p, base) == []
    assert exact.objective >= base.objective - 1e-9
    assert exact.upper_bound >= exact.objective
    # the bound exceeds the objective only by the rounding of costs (1/1000 per arc)
    assert exact.upper_bound - exact.objective <= 0.001 * len(p.orders) + 1e-9
    assert exact.gap < 1e-4 or exact.objective < 100
    return p, exact, base


def served(plan):
    return {a.order: (a.teacher, a.date.isoformat()) for a in plan.assignments}


def reasons(plan):
    return {u.order: u.reason for u in plan.unserved}


def test_solver_beats_greedy_by_sending_the_far_teacher():
    # A (bigger, so greedy takes it first) grabs the near T1; B can only be reached by T1.
    orgs = [org("OA"), org("OB", at=north(-40))]
    teachers = [teacher("T1", km=5), teacher("T2", km=20, max_km=30)]
    orders = [order("A", org="OA", attendees=80), order("B", org="OB", attendees=20)]
    _, exact, base = run(problem(teachers, orders, orgs))
    assert served(base) == {"A": ("T1", "2026-03-10")}
    assert served(exact) == {"A": ("T2", "2026-03-10"), "B": ("T1", "2026-03-10")}
    assert exact.objective == pytest.approx(lesson_value(80, 20) + lesson_value(20, 45))
    assert base.objective == pytest.approx(lesson_value(80, 5))
    assert reasons(base) == {"B": "not chosen: capacity used by higher-value orders"}


def test_one_lesson_a_day():
    orders = [order("A", attendees=60), order("B", attendees=30)]
    _, exact, _ = run(problem([teacher("T1")], orders))
    assert served(exact) == {"A": ("T1", "2026-03-10")}
    assert reasons(exact) == {"B": "not chosen: capacity used by higher-value orders"}
    # with a second possible date both fit, on different days
    orders[1]["dates"] = ["2026-03-10", "2026-03-11"]
    _, exact, _ = run(problem([teacher("T1")], orders))
    assert served(exact) == {"A": ("T1", "2026-03-10"), "B": ("T1", "2026-03-11")}


def test_month_cap_counts_booked_lessons():
    t = teacher("T1", max_per_month=3, booked_per_month={"2026-03": 2})
    orders = [order("A", ["2026-03-02"], attendees=10), order("B", ["2026-03-03"], attendees=90),
              order("C", ["2026-03-04"], attendees=50)]  # fmt: skip
    _, exact, _ = run(problem([t], orders))
    assert served(exact) == {"B": ("T1", "2026-03-03")}
    full = teacher("T1", max_per_month=2, booked_per_month={"2026-03": 2})
    _, exact, _ = run(problem([full], orders))
    assert set(reasons(exact).values()) == {
        "eligible teachers nearby have no room left in their monthly or yearly cap"
    }


def test_year_cap_and_load_of_booked_lessons():
    t = teacher("T1", max_per_year=10, booked_year=9)
    orders = [order("A", ["2026-03-02"], attendees=10), order("B", ["2026-03-03"], attendees=90)]
    _, exact, _ = run(problem([t], orders))
    assert served(exact) == {"B": ("T1", "2026-03-03")}
    assert exact.objective == pytest.approx(lesson_value(90, 5, booked=9))


def test_unavailable_dates():
    t = teacher("T1", unavailable=["2026-03-10"])
    orders = [order("A", ["2026-03-10"]), order("B", ["2026-03-10", "2026-03-12"])]
    _, exact, _ = run(problem([t], orders))
    assert served(exact) == {"B": ("T1", "2026-03-12")}
    assert reasons(exact) == {"A": "no eligible teacher nearby is available on the order's dates"}


def test_max_km():
    teachers = [teacher("T1", km=81), teacher("T2", km=95, courses=["C2"])]
    _, exact, _ = run(problem(teachers, [order("A")]))
    assert reasons(exact) == {"A": "no eligible teacher within 80 km (nearest is 81.0 km away)"}
    teachers[0]["max_km"] = 81.5
    _, exact, _ = run(problem(teachers, [order("A")]))
    assert served(exact) == {"A": ("T1", "2026-03-10")}
    assert exact.assignments[0].to_dict()["km"] == 81.0


def test_category_only_orders():
    teachers = [
        teacher("T1", km=2, courses=["C1"], categories=["理论教育"]),
        teacher("T2", km=30, courses=["C9"], categories=["党性教育"]),
    ]
    orders = [order("A", course=None, category="党性教育"), order("B", course="C7")]
    _, exact, _ = run(problem(teachers, orders))
    assert served(exact) == {"A": ("T2", "2026-03-10")}
    assert reasons(exact) == {"B": "no teacher offers course C7"}
    orders[0]["category"] = "地方特色"
    _, exact, _ = run(problem(teachers, orders))
    assert reasons(exact)["A"] == "no teacher teaches the category 地方特色"


def test_coverage_bonus_prefers_an_uncovered_organisation():
    orgs = [org("OC", covered=True), org("ON", covered=False)]
    orders = [order("BIG", org="OC", attendees=200), order("SMALL", org="ON", attendees=10)]
    _, exact, base = run(problem([teacher("T1")], orders, orgs))
    assert served(base) == {"BIG": ("T1", "2026-03-10")}
    assert served(exact) == {"SMALL": ("T1", "2026-03-10")}
    assert exact.objective == pytest.approx(lesson_value(10, 5) + 500)
    # only the first lesson of an organisation earns the bonus
    orders = [order("S1", org="ON", attendees=10),
              order("S2", ["2026-03-11"], org="ON", attendees=10)]  # fmt: skip
    _, exact, _ = run(problem([teacher("T1")], orders, orgs))
    assert exact.objective == pytest.approx(2 * (1000 + 15 - 10) + 500 - (2**2 - 0))


def test_load_penalty_spreads_lessons():
    # two lessons on T1 (10 km): km 40 + load 12²−10² = 44 → 84; one each: 20 + 21 + 21 + 21 = 83
    teachers = [teacher("T1", km=10, booked_year=10), teacher("T2", km=10.5, booked_year=10)]
    orders = [order("A", ["2026-03-02"]), order("B", ["2026-03-03"])]
    _, exact, base = run(problem(teachers, orders))
    assert {t for t, _ in served(exact).values()} == {"T1", "T2"}
    assert {t for t, _ in served(base).values()} == {"T1"}
    assert exact.objective - base.objective == pytest.approx(1.0)


def test_validation_names_every_record():
    doc = problem(
        [teacher("T1", max_per_month=-1), teacher("T2", home=[29.5, 200]),
         {"id": "T3", "home": [29.5, 103.7]}],
        [order("R0001"), order("R0002", org="O9"), order("R0003", ["2026-03-05", "2026-04-02"]),
         order("R0004", ["2026-3-5"]), order("R0005", course=None)],
    )  # fmt: skip
    with pytest.raises(ProblemError) as err:
        load_problem(doc)
    assert err.value.errors == [
        "teachers[0] (id T1): max_per_month -1 must be a whole number ≥ 0",
        "teachers[1] (id T2): home [29.5, 200] is not [latitude, longitude] in degrees",
        "teachers[2] (id T3): max_km is missing",
        "teachers[2] (id T3): max_per_month is missing",
        "teachers[2] (id T3): max_per_year is missing",
        'orders[1] (id R0002): organization "O9" is not in organizations',
        'orders[2] (id R0003): dates[1] "2026-04-02" is outside the horizon 2026-03-01..2026-03-31',
        'orders[3] (id R0004): dates[0] "2026-3-5" is not a date (YYYY-MM-DD)',
        "orders[4] (id R0005): needs a course or a category",
    ]


def test_validation_of_the_document_shape():
    with pytest.raises(ProblemError) as err:
        load_problem({"teachers": [], "orders": [{"id": "R1"}, {"id": "R1"}],
                      "weights": {"km": -2, "speed": 1}})  # fmt: skip
    assert err.value.errors == [
        "horizon: missing",
        "weights: km -2 must be a number ≥ 0",
        'weights: unknown weight "speed" (known: served, attendees, coverage, km, rating, load)',
        "organizations: missing",
        "orders[1] (id R1): duplicate id",
        "orders[0] (id R1): organization is missing",
        "orders[0] (id R1): needs a course or a category",
        "orders[0] (id R1): attendees is missing",
        "orders[0] (id R1): dates must be a non-empty list of dates",
    ]


def test_courses_list_fills_categories_and_rejects_unknown_courses():
    doc = problem([teacher("T1")], [order("A"), order("B", course="C5")],
                  courses=[{"id": "C1", "category": "理论教育"}])  # fmt: skip
    with pytest.raises(ProblemError, match=r'orders\[1\] \(id B\): course "C5" is not in courses'):
        load_problem(doc)
    doc["orders"].pop()
    assert load_problem(doc).orders[0].category == "理论教育"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_instances_are_feasible_and_exact_beats_greedy(seed):
    doc = generate(seed, teachers=40, orders=120)
    p, exact, _ = run(doc)
    assert exact.objective == pytest.approx(evaluate(p, exact.to_dict()))
    assert exact.stats["options"] > 0
    assert len(exact.assignments) + len(exact.unserved) == len(p.orders)


def _random_instance(rng):
    days = ["2026-03-02", "2026-03-03", "2026-03-31"]
    teachers = [
        teacher(f"T{t}", km=rng.uniform(0, 30), courses=rng.sample(["C1", "C2"], rng.randint(1, 2)),
                categories=[rng.choice(["理论教育", "党性教育"])], rating=rng.choice([2.5, 3, 4.5]),
                max_km=rng.uniform(10, 40), max_per_month=rng.randint(1, 2),
                booked_per_month={"2026-03": rng.randint(0, 1)}, max_per_year=rng.randint(2, 5),
                booked_year=rng.randint(0, 3), unavailable=rng.sample(days, rng.randint(0, 1)))
        for t in range(3)
    ]  # fmt: skip
    orgs = [org(f"O{o}", at=north(rng.uniform(-15, 15)), covered=rng.random() < 0.5)
            for o in range(3)]  # fmt: skip
    orders = [
        order(f"R{r}", sorted(rng.sample(days, rng.randint(1, 2))), org=f"O{rng.randrange(3)}",
              course=rng.choice(["C1", "C2", None]), category=rng.choice(["理论教育", "党性教育"]),
              attendees=rng.randint(1, 250))
        for r in range(5)
    ]  # fmt: skip
    weights = {"served": rng.choice([100, 1000]), "attendees": 300,
               "coverage": rng.choice([0, 500]), "km": rng.choice([2, 40]), "rating": 50,
               "load": rng.choice([1, 60])}  # fmt: skip
    return problem(teachers, orders, orgs, weights=weights)


def _brute_force(p):
    """The best value over every combination of options (or none) for each order."""
    per_order = []
    for o in p.orders:
        choices = [None]
        for t in p.teachers:
            for day in o.dates:
                plan = {"assignments": [{"order": o.id, "teacher": t.id, "date": day.isoformat()}],
                        "unserved": [{"order": x.id} for x in p.orders if x is not o],
                        "objective": None}  # fmt: skip
                if all(m.startswith("objective") for m in check(p, plan)):
                    choices.append((t.id, day.isoformat()))
        per_order.append(choices)
    best = -math.inf
    for combo in itertools.product(*per_order):
        picked = [(o, c) for o, c in zip(p.orders, combo, strict=True) if c is not None]
        days = [(t, d) for _, (t, d) in picked]
        if len(days) != len(set(days)):
            continue
        plan = {"assignments": [{"order": o.id, "teacher": t, "date": d} for o, (t, d) in picked],
                "unserved": [{"order": o.id} for o, c in zip(p.orders, combo, strict=True)
                             if c is None]}  # fmt: skip
        value = evaluate(p, plan)
        if value > best and all(m.startswith("objective") for m in check(p, plan)):
            best = value
    return best


@pytest.mark.parametrize("seed", range(12))
def test_exact_solver_matches_brute_force(seed):
    p, exact, _ = run(_random_instance(random.Random(seed)))
    assert exact.objective == pytest.approx(_brute_force(p), abs=1e-6)


@pytest.mark.parametrize(
    "seed, teachers, orders, months",
    [(1, 40, 120, 1), (2, 8, 150, 2), (3, 15, 400, 3), (4, 60, 300, 12)],
)
def test_compact_network_reaches_the_full_networks_optimum(seed, teachers, orders, months):
    """The network OR-Tools is handed (single-option teacher-days folded into their
    teacher-month, every arc turned round) has exactly the optimal cost of the network as
    drawn, on instances with plentiful and with scarce teachers (caps that bind)."""
    p = load_problem(generate(seed, teachers=teachers, orders=orders, months=months))
    index = build_options(p)
    full = _solve_flow(p, index, "full")
    compact = _solve_flow(p, index, "compact")
    assert compact[1] == full[1]  # the rounded optimum, to the thousandth of a point
    assert compact[2] == full[2]  # the same rounding slack
    assert compact[3]["nodes"] < full[3]["nodes"]
    plans = [solve(p, network=network) for network in NETWORKS]
    assert [check(p, plan) for plan in plans] == [[], []]
    assert plans[0].upper_bound == plans[1].upper_bound
    assert plans[0].objective == pytest.approx(plans[1].objective, abs=0.001 * len(p.orders))


def test_unknown_network_is_refused():
    p = load_problem(generate(1, teachers=5, orders=5))
    with pytest.raises(ValueError, match="network must be one of"):
        solve(p, network="lazy")


def test_cli_writes_a_plan_or_nothing(tmp_path, capsys):
    source, target = tmp_path / "problem.json", tmp_path / "plan.json"
    source.write_text(json.dumps(generate(5, teachers=20, orders=40)), encoding="utf-8")
    assert main(["--input", str(source), "--output", str(target)]) == 0
    plan = json.loads(target.read_text(encoding="utf-8"))
    p = load_problem(json.loads(source.read_text(encoding="utf-8")))
    assert check(p, plan) == []
    assert plan["method"] == "exact min-cost flow"
    assert main(["--input", str(source), "--output", str(target), "--greedy"]) == 0
    assert check(p, json.loads(target.read_text(encoding="utf-8"))) == []

    bad = generate(5, teachers=20, orders=40)
    bad["orders"][12]["dates"][0] = "2026-04-02"
    source.write_text(json.dumps(bad), encoding="utf-8")
    target.unlink()
    assert main(["--input", str(source), "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert 'orders[12] (id R00013): dates[0] "2026-04-02" is outside the horizon' in err
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary file left behind


def test_check_catches_violations():
    p = load_problem(problem([teacher("T1", max_per_month=1)],
                             [order("A"), order("B", ["2026-03-10", "2026-03-11"])]))  # fmt: skip
    plan = {"assignments": [{"order": "A", "teacher": "T1", "date": "2026-03-10"},
                            {"order": "B", "teacher": "T1", "date": "2026-03-10"}],
            "unserved": [], "objective": 0}  # fmt: skip
    problems = check(p, plan)
    assert "rule 5: teacher T1 has 2 lessons on 2026-03-10" in problems
    assert any(m.startswith("rule 6: teacher T1 in 2026-03") for m in problems)
    assert any(m.startswith("objective 0 differs") for m in problems)


def test_forbidden_pairs_are_never_assigned():
    doc = problem([teacher("T1", km=2), teacher("T2", km=30)], [order("A"), order("B")])
    _, exact, _ = run(doc)
    assert served(exact)["A"][0] == "T1" or served(exact)["B"][0] == "T1"
    # Forbid the near teacher for A: A goes to T2, B keeps T1.
    p, exact, base = run(doc | {"forbidden": [{"order": "A", "teacher": "T1"}]})
    assert p.forbidden == {("A", "T1")}
    assert served(exact) == {"A": ("T2", "2026-03-10"), "B": ("T1", "2026-03-10")}
    assert ("A", "T1") not in {(a.order, a.teacher) for a in base.assignments}
    # Forbid every teacher for A: unserved, and the reason says why.
    forbid_all = [{"order": "A", "teacher": "T1"}, {"order": "A", "teacher": "T2"}]
    _, exact, _ = run(doc | {"forbidden": forbid_all})
    assert reasons(exact)["A"] == "every teacher who could give it is forbidden for this order"
    # check() refuses a plan that uses a forbidden pair.
    p = load_problem(doc | {"forbidden": [{"order": "A", "teacher": "T1"}]})
    plan = {"assignments": [{"order": "A", "teacher": "T1", "date": "2026-03-10"}],
            "unserved": [{"order": "B"}], "objective": 0}  # fmt: skip
    assert any("forbidden for this order" in m for m in check(p, plan))
    # Unknown ids are named.
    with pytest.raises(ProblemError) as error:
        load_problem(doc | {"forbidden": [{"order": "Z", "teacher": "T9"}, "x"]})
    assert error.value.errors == [
        'forbidden[0]: order "Z" is not in orders',
        'forbidden[0]: teacher "T9" is not in teachers',
        "forbidden[1]: must be an object {order, teacher}",
    ]


def test_options_are_every_free_near_eligible_triple_in_order_date_teacher_order():
    # The solver picks among equally good plans by the options' order: it must not move.
    from engines.scheduling.options import build_options

    p = load_problem(generate(7, teachers=30, orders=80))
    index = build_options(p)
    expected = []
    for i, o in enumerate(p.orders):
        for day in o.dates:
            k = (day - p.start).days
            for t in index.eligible(i).tolist():
                near = index.distances[index.order_org[i], t] <= index.max_km[t]
                if near and index.free[t, k]:
                    expected.append((i, k, t))
    got = list(zip(index.opt_order.tolist(), index.opt_day.tolist(),
                   index.opt_teacher.tolist(), strict=True))  # fmt: skip
    assert got == expected and len(expected) > 100
    assert index.opt_km.tolist() == [
        float(index.distances[index.order_org[i], t]) for i, _, t in expected
    ]
