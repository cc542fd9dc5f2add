"""Teacher early warning on simulated teachers with known declines and noise, against the
naive rule "the last score is below the line". Pure Python (no database).

Each simulated teacher has ten lessons of last year at their level and then gives a lesson
in a week with probability 0.4; a lesson's score is the teacher's true level, plus the
lesson's own luck (sd 2.5), plus the raters' noise (sd 12/√n, n = 8–40 answers), and one
lesson in twenty goes badly (−15). Three kinds of teacher, line 80:

- steady: level 84–92 all year;
- near the line: level 80.5–83 all year (above it, but often a lesson below);
- declining: level 84–92, then from a week between 8 and 40 down by 8–15 points over
  eight weeks, and it stays there.

Truth: the true level in the last week is below the line (the year's review would fail
them). The model and the rule are run every week on the lessons so far. "Alarms in the
year" counts a teacher as warned if either fired in any week; "state at week 44" is what
an office reading the list eight weeks before the review would see. Lead time: weeks
before the year-end review (week 52) of the first warning, for the true positives.

`python -m bench.warnings` (or `python -m bench warnings`).
"""

import datetime
import random
import statistics

from engines.warnings import LessonScore, Quota, TeacherYear, assess, naive_rule

LINE = 80.0
WEEKS = 52
TEACHERS = {"steady": 400, "near": 150, "declining": 250}
CHECK_WEEK = 44


def simulate(kind: str, rng: random.Random) -> tuple[list[tuple[int, LessonScore]], bool]:
    start_level = rng.uniform(80.5, 83) if kind == "near" else rng.uniform(84, 92)
    onset = rng.randint(8, 40)
    drop = rng.uniform(8, 15) if kind == "declining" else 0.0

    def level(week: int) -> float:
        if week <= onset:
            return start_level
        return start_level - drop * min(1.0, (week - onset) / 8)

    lessons = []
    first = datetime.date(2025, 1, 6)
    for week in range(-20, WEEKS + 1):
        if week < 0 and week % 2:
            continue
        if week >= 0 and rng.random() > 0.4:
            continue
        n = rng.randint(8, 40)
        score = level(week) + rng.gauss(0, 2.5) + rng.gauss(0, 12 / n**0.5)
        if rng.random() < 0.05:
            score -= 15
        score = max(0.0, min(100.0, score))
        half = 1.96 * 12 / n**0.5
        day = first + datetime.timedelta(weeks=week)
        lessons.append((week, LessonScore(day, score, n, (score - half, score + half))))
    return lessons, level(WEEKS) < LINE


def first_fire(lessons, rule) -> int | None:
    for week in range(1, WEEKS + 1):
        so_far = [s for w, s in lessons if w <= week]
        if rule(so_far, week):
            return week
    return None


def model_rule(scores, week) -> bool:
    today = datetime.date(2025, 1, 6) + datetime.timedelta(weeks=week)
    year = TeacherYear(0, today, Quota(min_score=LINE), scores=scores)
    return assess(year).fires


def naive(scores, week) -> bool:
    return naive_rule(scores, LINE)


def table(rows) -> dict:
    tp = sum(1 for fired, truth, _ in rows if fired and truth)
    fp = sum(1 for fired, truth, _ in rows if fired and not truth)
    fn = sum(1 for fired, truth, _ in rows if not fired and truth)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    leads = [lead for fired, truth, lead in rows if fired and truth and lead is not None]
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "lead_median": statistics.median(leads) if leads else 0,
    }


def run(seed: int = 2026) -> dict:
    rng = random.Random(seed)
    results = {"model": {"year": [], "check": []}, "naive": {"year": [], "check": []}}
    for kind, count in TEACHERS.items():
        for _ in range(count):
            lessons, truth = simulate(kind, rng)
            for name, rule in (("model", model_rule), ("naive", naive)):
                week = first_fire(lessons, rule)
                lead = WEEKS - week if week is not None else None
                results[name]["year"].append((week is not None, truth, lead))
                upto = [s for w, s in lessons if w <= CHECK_WEEK]
                results[name]["check"].append((rule(upto, CHECK_WEEK), truth, None))
    positives = sum(1 for _, truth, _ in results["model"]["year"] if truth)
    print(f"模拟教师 {sum(TEACHERS.values())} 人，其中年末真实水平低于 {LINE:g} 分 {positives} 人")
    print("| 规则 | 口径 | 精确率 | 召回率 | F1 | 误报 | 漏报 | 提前周数（中位） |")
    print("|---|---|---|---|---|---|---|---|")
    summary = {}
    for name, label in (("model", "预警模型"), ("naive", "末场低于线")):
        for scope, scope_label in (
            ("year", "全年任一周报警"),
            ("check", f"第 {CHECK_WEEK} 周状态"),
        ):
            t = table(results[name][scope])
            summary[(name, scope)] = t
            lead = f"{t['lead_median']:g}" if scope == "year" else "—"
            print(
                f"| {label} | {scope_label} | {t['precision']:.2f} | {t['recall']:.2f} | "
                f"{t['f1']:.2f} | {t['fp']} | {t['fn']} | {lead} |"
            )
    return summary


if __name__ == "__main__":
    run()
