"""The demo course library: which courses a scale gets, and their outlines."""

from __future__ import annotations

import random
from dataclasses import dataclass

from dangke.demo import names as words

# Default group focus of a category when a course names none.
CATEGORY_FOCUS = {
    "theory": "theory",
    "party_spirit": "history",
    "policy": "policy",
    "capability": "governance",
    "knowledge": "rural",
    "local": "culture",
}


# Keywords such as 两个确立, 三会一课, 千万工程 are quoted in running text.
NUMERALS = "一二两三四五六七八九十百千万"


@dataclass(frozen=True)
class CourseEntry:
    category: str
    title: str
    keywords: tuple[str, ...]
    focus: str
    series: str
    place: str  # "", "leshan", "qilian" or a region code


def parse_lines(text: str = words.COURSE_LINES) -> list[CourseEntry]:
    entries = []
    for line in text.strip().splitlines():
        category, title, keywords, focus, series, place = line.split("|")
        entries.append(
            CourseEntry(
                category=category,
                title=title,
                keywords=tuple(keywords.split(",")),
                focus=focus or CATEGORY_FOCUS[category],
                series=series,
                place=place,
            )
        )
    return entries


def city_catalogue(
    counties: list[tuple[str, str]], city_code: str, target: int
) -> list[CourseEntry]:
    """The city's library: general and city courses, then county versions up to `target`.
    `counties` is [(code, name)] in code order."""
    chosen = [
        entry
        for entry in parse_lines()
        if entry.place in ("", "leshan") or entry.place.startswith(city_code)
    ]
    for template in words.COUNTY_COURSE_TEMPLATES:
        for code, name in counties:
            if len(chosen) >= target:
                return chosen
            category, title, keywords, focus, series = template
            chosen.append(
                CourseEntry(
                    category=category,
                    title=title.format(county=name),
                    keywords=tuple(keywords.format(county=name).split(",")),
                    focus=focus,
                    series=series,
                    place=code,
                )
            )
    return chosen[:target]


def county_catalogue(rng: random.Random, target: int) -> list[CourseEntry]:
    """The county's library: its own courses and a sample of the general ones."""
    entries = parse_lines()
    own = [entry for entry in entries if entry.place == "qilian"]
    general = [entry for entry in entries if entry.place == ""]
    picked = set(rng.sample(range(len(general)), max(0, target - len(own))))
    return [entry for index, entry in enumerate(general) if index in picked] + own


def outline(rng: random.Random, entry: CourseEntry, duration: int) -> list[tuple[str, int, str]]:
    """3–6 knowledge points (title, planned minutes, keywords) whose minutes add up to
    `duration` (a multiple of 5)."""
    phrases = words.OUTLINE_PHRASES[entry.category]
    count = rng.randint(3, min(6, len(phrases)))
    # Keep the phrases in their teaching order: background first, summary last.
    positions = sorted(rng.sample(range(len(phrases)), count))
    units = duration // 5
    minutes = [2 if units >= 3 * count else 1] * count
    weights = [1 if index in (0, count - 1) else 2 for index in range(count)]
    for _ in range(units - sum(minutes)):
        minutes[rng.choices(range(count), weights=weights)[0]] += 1
    items = []
    for number, position in enumerate(positions):
        keyword = entry.keywords[number % len(entry.keywords)]
        shown = f"“{keyword}”" if keyword[0] in NUMERALS else keyword
        title = phrases[position].format(kw=shown)
        items.append((title, minutes[number] * 5, keyword if "{kw}" in phrases[position] else ""))
    return items


def summary(rng: random.Random, entry: CourseEntry) -> str:
    keywords = "”“".join(entry.keywords[:2])
    angle = rng.choice(words.SUMMARY_ANGLES)
    goal = rng.choice(words.SUMMARY_GOALS)
    return f"本课程围绕“{keywords}”，{angle}，帮助党员干部{goal}。"
