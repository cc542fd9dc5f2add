"""Transcript text: simplified script, character counts, filler words, section markers."""

from __future__ import annotations

import itertools
import re

# Characters that take one syllable to say: Han characters and digits (Whisper writes
# spoken numbers such as 一九二一 as 1921). Punctuation and spaces are not counted.
SPOKEN_CHAR = re.compile(r"[\u4e00-\u9fff0-9]")

# Filler words. 这个/那个/啊 are fillers only where they stand alone (followed by a pause
# mark or repeated), not in 这个问题 or 好啊.
FILLER_PATTERNS: dict[str, re.Pattern] = {
    "嗯": re.compile(r"嗯"),
    "呃": re.compile(r"[呃额](?=[，,。、\s]|$)"),
    "啊": re.compile(r"(?:^|(?<=[，,。、\s]))啊"),
    "这个": re.compile(r"这个(?=[，,。、\s]|$|这个)"),
    "那个": re.compile(r"那个(?=[，,。、\s]|$|那个)"),
    "就是说": re.compile(r"就是说"),
    "然后呢": re.compile(r"然后呢"),
    "对吧": re.compile(r"对吧"),
}

CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# 第一部分 / 第二讲 / 第三个问题 … and what Whisper makes of 部分 in synthetic speech (分, 部份)
MARKER = re.compile(
    r"第\s*([一二两三四五六七八九十\d]{1,3})\s*(部分|部份|步分|部|分|讲|个问题|个方面|方面|点|章|节)"
)
# Words that also number the points inside a part (第一点、第二个问题), so they do not on
# their own say that a new part of the outline begins.
MINOR_MARKER_WORDS = frozenset({"个问题", "个方面", "方面", "点"})


LOOP = re.compile(r"(.{2,8}?)(?:[，,、。\s]*\1){2,}")


def collapse_loops(text: str) -> str:
    """A phrase said three or more times in a row is kept once: Whisper's decoding loops
    ("仲理以为,仲理以为,仲理以为") would otherwise inflate the character count. Twice in a
    row (学习、学习) is left alone."""
    return LOOP.sub(r"\1", text)


def to_simplified(text: str) -> str:
    import zhconv

    return zhconv.convert(text, "zh-cn")


def count_chars(text: str) -> int:
    return len(SPOKEN_CHAR.findall(text))


def find_fillers(text: str) -> list[tuple[str, int]]:
    """(filler, character offset) pairs in order of appearance."""
    hits = [
        (word, m.start())
        for word, pattern in FILLER_PATTERNS.items()
        for m in pattern.finditer(text)
    ]
    return sorted(hits, key=lambda hit: hit[1])


def chinese_number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token == "十":
        return 10
    if token.startswith("十"):
        return 10 + CN_DIGITS.get(token[1:], 0)
    if "十" in token:
        tens, _, ones = token.partition("十")
        return (
            CN_DIGITS.get(tens, 0) * 10 + CN_DIGITS.get(ones, 0)
            if ones
            else CN_DIGITS.get(tens, 0) * 10
        )
    return CN_DIGITS.get(token)


def find_section_markers(text: str) -> list[tuple[int, int | None, bool]]:
    """(character offset, number or None, whether it marks a part rather than a point
    inside one) for each spoken marker."""
    return [
        (m.start(), chinese_number(m.group(1)), m.group(2) not in MINOR_MARKER_WORDS)
        for m in MARKER.finditer(text)
    ]


def find_markers(text: str, *, major_only: bool = False) -> list[tuple[int, int | None]]:
    """(character offset, section number or None) for each spoken section marker; with
    `major_only`, only markers of a part (第二部分、第三讲), not of a point inside one."""
    return [
        (offset, number)
        for offset, number, major in find_section_markers(text)
        if major or not major_only
    ]


def bigrams(text: str) -> set[str]:
    chars = SPOKEN_CHAR.findall(text)
    return {a + b for a, b in itertools.pairwise(chars)}


def keyword_score(text: str, keywords: list[str]) -> float:
    """How strongly `text` speaks of these key terms: 1 per exact hit, part credit for a
    fuzzy hit (share of the term's character pairs found), so a misrecognised term still
    counts a little."""
    score = 0.0
    grams = bigrams(text)
    for keyword in keywords:
        keyword = keyword.strip()
        if not keyword:
            continue
        if keyword in text:
            score += 1.0 * text.count(keyword)
            continue
        own = bigrams(keyword)
        if own:
            share = len(own & grams) / len(own)
            if share >= 0.5:
                score += share * 0.5
    return score
