"""Themes: the words comments use most, after removing stop words and punctuation."""

from __future__ import annotations

import logging
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from functools import cache

from engines.feedback.lexicon import STOP_WORDS, USER_WORDS

_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]+$")


@cache
def _tokenizer():
    with warnings.catch_warnings():  # jieba 0.42 has invalid escapes in its regexes
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in USER_WORDS:
        tokenizer.add_word(word, freq=200000)
    return tokenizer


def tokens(text: str) -> list[str]:
    """The words of one text (jieba's precise mode), punctuation and spaces dropped."""
    return [word for word in _tokenizer().lcut(text or "") if _WORD.match(word)]


def themes(texts: Iterable[str], top: int = 10) -> list[tuple[str, int]]:
    """The `top` most frequent content words with how many texts use each (a word
    repeated inside one comment counts once), most frequent first, ties by word."""
    counts: Counter[str] = Counter()
    for text in texts:
        words = {
            word
            for word in tokens(text)
            if word not in STOP_WORDS
            and (len(word) > 1 or word in ("好", "赞", "卡"))
            and not word.isdigit()
        }
        counts.update(words)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
