"""Make Mandarin test lectures of known text, section starts and silences with espeak-ng.

Used by the tests and the benchmark: every figure of the report has a known truth here.
Needs the Debian package `espeak-ng` (voice `cmn-latn-pinyin`); nothing else.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

VOICE = "cmn-latn-pinyin"
HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Section:
    title: str
    sentences: list[str]
    keywords: list[str] = field(default_factory=list)
    planned_min: float = 1.0


@dataclass
class Truth:
    duration_s: float
    section_starts_s: list[float]
    chars: int
    spoken_s: float  # duration minus the inserted long silences
    silences: list[tuple[float, float]]  # inserted silences of at least `long_gap_s`

    @property
    def rate_cpm(self) -> float:
        return self.chars / (self.spoken_s / 60)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _say(text: str, words_per_min: int, rate_hz: int = 16_000) -> np.ndarray:
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(
            ["espeak-ng", "-v", VOICE, "-s", str(words_per_min), "-w", tmp.name, text],
            check=True,
            capture_output=True,
        )
        with wave.open(tmp.name) as wav:
            source_rate = wav.getframerate()
            data = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    samples = data.astype(np.float32) / 32768
    # trim espeak's own leading/trailing silence so section starts are exact
    voiced = np.flatnonzero(np.abs(samples) > 0.01)
    if len(voiced):
        samples = samples[voiced[0] : voiced[-1] + 1]
    n_out = round(len(samples) * rate_hz / source_rate)
    return np.interp(
        np.linspace(0, len(samples) - 1, n_out), np.arange(len(samples)), samples
    ).astype(np.float32)


def make_lecture(
    sections: list[Section],
    path: str | Path,
    *,
    words_per_min: int = 160,
    sentence_gap_s: float = 0.35,
    section_gap_s: float = 2.5,
    rate_hz: int = 16_000,
) -> Truth:
    """Write a WAV lecture; return the truth. A `section_gap_s` silence precedes every
    section after the first (these are the "long" silences)."""
    pieces: list[np.ndarray] = []
    starts: list[float] = []
    silences: list[tuple[float, float]] = []
    chars = 0
    t = 0.0

    def add(chunk: np.ndarray) -> None:
        nonlocal t
        pieces.append(chunk)
        t += len(chunk) / rate_hz

    for index, section in enumerate(sections):
        if index:
            silences.append((t, t + section_gap_s))
            add(np.zeros(round(section_gap_s * rate_hz), np.float32))
        starts.append(t)
        for number, sentence in enumerate(section.sentences):
            if number:
                add(np.zeros(round(sentence_gap_s * rate_hz), np.float32))
            add(_say(sentence, words_per_min, rate_hz))
            chars += len(HAN.findall(sentence))
    audio = np.concatenate(pieces)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate_hz)
        wav.writeframes((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes())
    duration = len(audio) / rate_hz
    spoken = duration - sum(b - a for a, b in silences)
    return Truth(duration, starts, chars, spoken, silences)


def cached_lecture(sections: list[Section], directory: str | Path, **options) -> tuple[Path, Truth]:
    """`make_lecture` once per content: the file and its truth are kept in `directory`."""
    key = hashlib.sha1(
        json.dumps([[asdict(s) for s in sections], options], sort_keys=True).encode()
    ).hexdigest()[:12]
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    wav_path, truth_path = directory / f"lecture-{key}.wav", directory / f"lecture-{key}.json"
    if wav_path.exists() and truth_path.exists():
        return wav_path, Truth(**json.loads(truth_path.read_text()))
    truth = make_lecture(sections, wav_path, **options)
    truth_path.write_text(json.dumps(asdict(truth)))
    return wav_path, truth


SAMPLE_SECTIONS = [
    Section(
        "党的历史",
        [
            "第一部分，党的历史。",
            "中国共产党成立于一九二一年，领导人民取得了革命的胜利。",
            "我们要学习党的历史，传承红色基因，坚定理想信念。",
            "历史告诉我们，只有坚持党的领导，才能战胜困难。",
        ],
        ["党的历史", "红色基因", "革命"],
        0.5,
    ),
    Section(
        "理论学习",
        [
            "第二部分，理论学习。",
            "党员要认真学习党的理论，用理论武装头脑，指导实践。",
            "学习要联系实际，做到学思用贯通，知信行统一。",
            "每个支部都要组织好集中学习，也要鼓励大家自学。",
            "理论学习是党员教育的基础工作，必须长期坚持。",
        ],
        ["理论学习", "武装头脑", "自学"],
        0.5,
    ),
    Section(
        "为民服务",
        [
            "第三部分，为民服务。",
            "全心全意为人民服务是党的根本宗旨。",
            "党员要深入群众，倾听群众的意见，帮助群众解决困难。",
            "我们要把服务群众的工作做细做实。",
        ],
        ["为民服务", "群众", "宗旨"],
        0.5,
    ),
]
