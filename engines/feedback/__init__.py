"""Feedback mining over plain strings: themes, sentiment and the hot moments of a video.

No Django here: the web app passes comment texts and 弹幕 seconds in and gets plain data
back, so the same numbers can be produced from an exported spreadsheet."""

from engines.feedback.moments import hot_moments
from engines.feedback.sentiment import NEGATIVE, POSITIVE, classify, sentiment
from engines.feedback.themes import themes, tokens

__all__ = ["NEGATIVE", "POSITIVE", "classify", "hot_moments", "sentiment", "themes", "tokens"]
