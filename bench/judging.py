"""Judge-assignment benchmark: the seeds' contest (40 entries, 15 judges) and larger ones.

Each case is generated from a seed: entries spread over nine teaching groups and the
counties of a city, a pool of outside experts and peer teachers who entered themselves.
`run()` assigns, re-checks the assignment, scores it with random sheets, ranks and measures
agreement, and prints one row per case. Standalone: `python -m bench.judging`.
"""

import random
import time

from engines.judging import (
    Entry,
    Judge,
    assign_judges,
    check_assignment,
    judge_agreement,
    rank_entries,
)

CASES = {
    "city contest": {"entries": 40, "experts": 7, "peers": 8, "k": 5, "counties": 11},
    "province round": {"entries": 400, "experts": 40, "peers": 80, "k": 5, "counties": 60},
    "province, 7 judges each": {"entries": 1000, "experts": 80, "peers": 170, "k": 7,
                                "counties": 180},
}  # fmt: skip


def generate(entries: int, experts: int, peers: int, k: int, counties: int, seed: int = 1):
    rng = random.Random(seed)
    entry_list = [
        Entry(i, label=f"E{i}", groups=frozenset({rng.randrange(9)}),
              county=f"c{rng.randrange(counties)}", teachers=frozenset({10_000 + i}))
        for i in range(entries)
    ]  # fmt: skip
    judges = [Judge(j, label=f"X{j}") for j in range(experts)]
    for p in range(peers):
        own = entry_list[p % entries]
        judges.append(
            Judge(experts + p, label=f"P{p}", groups=own.groups, county=own.county,
                  teacher=next(iter(own.teachers)),
                  conflicts=frozenset({rng.randrange(entries)}))
        )  # fmt: skip
    return entry_list, judges


def run() -> list[dict]:
    rows = []
    print(f"{'case':28} {'entries':>7} {'judges':>6} {'k':>2} {'assign s':>9} "
          f"{'load':>6} {'problems':>8} {'rank s':>7}")  # fmt: skip
    for name, case in CASES.items():
        entries, judges = generate(**case)
        started = time.perf_counter()
        result = assign_judges(entries, judges, k=case["k"])
        assign_s = time.perf_counter() - started
        pairs = [(e, j) for e, js in result.pairs.items() for j in js]
        problems = check_assignment(entries, judges, pairs, k=case["k"])
        rng = random.Random(2)
        quality = {entry.id: rng.gauss(75, 8) for entry in entries}
        offset = {judge.id: rng.gauss(0, 5) for judge in judges}
        scores = {(e, j): quality[e] + offset[j] + rng.gauss(0, 4) for e, j in pairs}
        started = time.perf_counter()
        rank_entries(scores)
        judge_agreement(scores)
        rank_s = time.perf_counter() - started
        row = {"case": name, "entries": len(entries), "judges": len(judges), "k": case["k"],
               "assign_s": assign_s, "load": f"{result.lo}–{result.hi}",
               "problems": len(problems), "rank_s": rank_s}  # fmt: skip
        rows.append(row)
        print(f"{name:28} {row['entries']:>7} {row['judges']:>6} {row['k']:>2} "
              f"{assign_s:>9.3f} {row['load']:>6} {row['problems']:>8} {rank_s:>7.3f}")  # fmt: skip
    return rows


if __name__ == "__main__":
    run()
