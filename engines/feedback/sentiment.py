"""Sentiment from a small lexicon written for comments on Party lessons.

A text's score is the number of positive words minus the number of negative ones; a
positive word right after a negation (不、没有…) counts as negative (「不实用」). Score
above zero: positive, below: negative, zero: neutral."""

from __future__ import annotations

from collections.abc import Iterable

from engines.feedback.lexicon import NEGATIONS, NEGATIVE, POSITIVE
from engines.feedback.themes import tokens

__all__ = ["NEGATIVE", "POSITIVE", "classify", "score", "sentiment"]


def score(text: str) -> int:
    words = tokens(text)
    total = 0
    for index, word in enumerate(words):
        negated = index > 0 and words[index - 1] in NEGATIONS
        if word in POSITIVE:
            total += -1 if negated else 1
        elif word in NEGATIVE:
            total += 1 if negated and word not in ("太长", "太快", "太慢") else -1
    return total


def classify(text: str) -> str:
    value = score(text)
    return "positive" if value > 0 else "negative" if value < 0 else "neutral"


def sentiment(texts: Iterable[str]) -> dict[str, int]:
    """{"positive": n, "neutral": n, "negative": n} over the texts."""
    counts = {"positive": 0, "neutral": 0, "negative": 0}
    for text in texts:
        counts[classify(text)] += 1
    return counts
