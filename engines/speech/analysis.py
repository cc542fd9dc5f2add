"""From a recording (and optionally the outline) to a plain-data delivery report.

`analyse(path, outline, cache_root=…)` returns a JSON-ready dict; `apply_boundaries`
recomputes the per-point timing and the advice after a teacher moves a boundary by hand.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable

import numpy as np

from engines.speech import advice as advice_rules
from engines.speech import outline as outline_rules
from engines.speech import prosody, text
from engines.speech.audio import SAMPLE_RATE, decode
from engines.speech.model import MODEL_LICENCE, MODEL_NAME, load_whisper, reseed_sampling

VERSION = 1
COMFORTABLE_CPM = (160, 240)  # characters (= syllables) per minute, lecture pace
PAUSE_MIN_S = 0.5  # silences shorter than this are part of speaking
LONG_PAUSE_S = 2.0  # silences at least this long are left out of the speaking time
TRANSCRIPT_AGREEMENT = 0.25  # |cpm − spm| within this share of spm: transcript counts fit
MONOTONE_WINDOW_S = 10.0
MONOTONE_STD_ST = 1.5  # pitch standard deviation under this (semitones) reads as flat
MONOTONE_MIN_S = 30.0
BODY_LANGUAGE_REASON = (
    "未分析肢体语言：没有随软件包离线提供、可直接使用的姿态识别模型，本版本只分析声音。"
)

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, label: str) -> None:
    pass


JUDGE_SPOKEN_SHARE = 0.6  # of a timeline bin, for its rate to be called fast or slow


def bin_size(duration_s: float) -> int:
    if duration_s >= 600:
        return 60
    if duration_s >= 180:
        return 30
    return 10


def speech_spans(
    samples: np.ndarray, min_silence_s: float = PAUSE_MIN_S
) -> list[tuple[float, float]]:
    """Voiced stretches from the Silero VAD model bundled in faster-whisper's package."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=int(min_silence_s * 1000), speech_pad_ms=30)
    return [
        (s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE)
        for s in get_speech_timestamps(samples, options)
    ]


def pauses_between(spans: list[tuple[float, float]]) -> list[dict]:
    return [
        {"start_s": round(a_end, 2), "end_s": round(b_start, 2)}
        for (_, a_end), (b_start, _) in itertools.pairwise(spans)
        if b_start - a_end >= PAUSE_MIN_S
    ]


CHUNK_MAX_S = 28.0  # one Whisper window is 30 s
# Greedy decoding; a window is decoded again at a higher temperature only when its text
# repeats itself (compression ratio above 2.4). Whisper's log-probability trigger is off:
# on the test lectures it fired on almost every window, tripled the time and changed
# nothing for the better.
TEMPERATURES = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
DECODE_OPTIONS: dict = {"log_prob_threshold": None}


def chunks_from_spans(
    spans: list[tuple[float, float]], duration: float
) -> list[tuple[float, float]]:
    """Stretches of at most CHUNK_MAX_S seconds, cut between the VAD's speech spans and
    always at a long pause: each is transcribed as one Whisper window, so timestamps
    cannot drift far and no window is skipped."""
    chunks: list[tuple[float, float]] = []
    previous_end = None
    for start, end in spans:
        start, end = max(0.0, start - 0.1), min(duration, end + 0.1)
        joins = (
            chunks
            and previous_end is not None
            and start - previous_end < LONG_PAUSE_S
            and end - chunks[-1][0] <= CHUNK_MAX_S
        )
        previous_end = end
        if joins:
            chunks[-1] = (chunks[-1][0], end)
            continue
        while end - start > CHUNK_MAX_S:  # half a minute of speech without any pause
            chunks.append((start, start + CHUNK_MAX_S))
            start += CHUNK_MAX_S
        chunks.append((start, end))
    return chunks


def transcribe(
    samples: np.ndarray,
    cache_root,
    cpu_threads: int = 2,
    progress=None,
):
    """Segments (start_s, end_s, simplified text) of the speech in the recording.

    Whisper's own VAD filter and running it over the whole recording both lost whole
    sentences of the test lectures (and let timestamps drift by up to 20 s); one window per
    pause-bounded chunk of speech kept them."""
    model = load_whisper(cache_root, cpu_threads)
    # When greedy decoding fails its checks Whisper samples again at a higher temperature;
    # seeded, that sampling repeats itself: one test lecture's transcript rate ranged
    # 141–190 (against 188 spoken) unseeded over runs, 186–194 seeded.
    reseed_sampling()
    duration = len(samples) / SAMPLE_RATE
    result = []
    # fine spans (pauses from 0.15 s) give the chunks more places to be cut
    for start, end in chunks_from_spans(speech_spans(samples, 0.15), duration):
        piece = samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
        segments, _info = model.transcribe(
            piece,
            language="zh",
            beam_size=1,
            vad_filter=False,
            condition_on_previous_text=False,
            # the VAD already found speech here; Whisper's own no-speech guess dropped
            # whole sentences of clear (synthetic) speech
            no_speech_threshold=None,
            temperature=TEMPERATURES,
            **DECODE_OPTIONS,
        )
        for segment in segments:
            content = text.collapse_loops(text.to_simplified(segment.text).strip())
            if content and not _repeats_previous(result, content):
                result.append(
                    {
                        "start_s": round(start + segment.start, 2),
                        "end_s": round(min(start + segment.end, end), 2),
                        "text": content,
                    }
                )
        if progress:
            progress(min(end / max(duration, 1), 1.0))
    return result


def _repeats_previous(result: list[dict], content: str, times: int = 2) -> bool:
    """True when the last `times` segments already said exactly this (a decoding loop)."""
    return len(result) >= times and all(r["text"] == content for r in result[-times:])


def _overlap(a: float, b: float, spans) -> float:
    return sum(max(0.0, min(b, y) - max(a, x)) for x, y in spans)


def analyse(
    path: str,
    outline: list[dict] | None = None,
    *,
    cache_root: str,
    cpu_threads: int = 2,
    progress: Progress = _no_progress,
) -> dict:
    started = time.monotonic()
    progress(0.02, "解码录音")
    audio = decode(path)
    samples, duration = audio.samples, audio.duration_s
    progress(0.05, "检测停顿")
    spans = speech_spans(samples)
    pauses = pauses_between(spans)
    progress(0.08, "语音识别")
    segments = transcribe(
        samples, cache_root, cpu_threads, lambda f: progress(0.08 + 0.77 * f, "语音识别")
    )
    progress(0.86, "分析音高与音节")
    pitch = prosody.pitch_track(samples)
    nuclei = prosody.syllable_nuclei(samples, pitch)
    progress(0.94, "对照提纲")

    first = spans[0][0] if spans else 0.0
    last = spans[-1][1] if spans else duration
    # not speaking: before the first word, after the last, and every long pause
    silent = [(0.0, first), (last, duration)] + [
        (p["start_s"], p["end_s"]) for p in pauses if p["end_s"] - p["start_s"] >= LONG_PAUSE_S
    ]
    speaking_s = max(duration - sum(b - a for a, b in silent), 0.0)
    chars = sum(text.count_chars(s["text"]) for s in segments)
    speaking_min = speaking_s / 60
    rate_cpm = chars / speaking_min if speaking_min else 0.0
    syllable_spm = len(nuclei) / speaking_min if speaking_min else 0.0

    filler_hits = []
    for segment in segments:
        length = max(len(segment["text"]), 1)
        for word, offset in text.find_fillers(segment["text"]):
            at = segment["start_s"] + (segment["end_s"] - segment["start_s"]) * offset / length
            filler_hits.append({"word": word, "at_s": round(at, 2)})
    counts = Counter(hit["word"] for hit in filler_hits)

    bin_s = bin_size(duration)
    semitones = pitch.semitones()
    timeline = []
    low, high = COMFORTABLE_CPM
    for a in np.arange(0, duration, bin_s):
        b = min(a + bin_s, duration)
        spoken = (b - a) - _overlap(a, b, silent)
        bin_chars = 0.0
        for s in segments:
            length = s["end_s"] - s["start_s"]
            if length > 0:
                bin_chars += (
                    text.count_chars(s["text"])
                    * max(0.0, min(b, s["end_s"]) - max(a, s["start_s"]))
                    / length
                )
        in_bin = (pitch.times >= a) & (pitch.times < b)
        st = semitones[in_bin]
        enough = spoken >= 0.3 * (b - a)
        cpm = bin_chars / (spoken / 60) if enough else None
        entry = {
            "start_s": round(float(a), 2),
            "end_s": round(float(b), 2),
            "cpm": round(cpm, 1) if cpm is not None else None,
            "spm": round(int(((nuclei >= a) & (nuclei < b)).sum()) / (spoken / 60), 1)
            if enough
            else None,
            "pitch_hz": round(float(np.median(pitch.hz[in_bin])), 1) if len(st) else None,
            "pitch_range_st": round(float(np.percentile(st, 95) - np.percentile(st, 5)), 2)
            if len(st) > 5
            else None,
            "pitch_std_st": round(float(np.std(st)), 2) if len(st) > 5 else None,
            "pause_s": round(_overlap(a, b, [(p["start_s"], p["end_s"]) for p in pauses]), 2),
            "fillers": sum(1 for h in filler_hits if a <= h["at_s"] < b),
        }
        judged = judged_rate(cpm, entry["spm"])
        entry["rate"] = round(judged, 1) if judged is not None else None
        # A rate over a few seconds of speech at the edge of a pause is noise: only a
        # stretch that is mostly speech is called fast or slow.
        judgeable = judged is not None and spoken >= JUDGE_SPOKEN_SHARE * (b - a)
        entry["fast"] = bool(judgeable and judged > high)
        entry["slow"] = bool(judgeable and judged < low)
        timeline.append(entry)

    report = {
        "version": VERSION,
        "duration_s": round(duration, 2),
        "speaking_s": round(speaking_s, 2),
        "has_video": audio.has_video,
        "model": {"asr": MODEL_NAME, "licence": MODEL_LICENCE, "vad": "silero-vad v6 (MIT)"},
        "chars": chars,
        "syllables": len(nuclei),
        "speech_rate_cpm": round(rate_cpm, 1),
        "syllable_rate_spm": round(syllable_spm, 1),
        "comfortable_cpm": list(COMFORTABLE_CPM),
        "bin_s": bin_s,
        "timeline": timeline,
        "transcript": segments,
        "pauses": pauses,
        "long_pause_s": LONG_PAUSE_S,
        "fillers": {
            "counts": dict(counts),
            "total": len(filler_hits),
            "per_min": round(len(filler_hits) / speaking_min, 2) if speaking_min else 0.0,
            "hits": filler_hits,
        },
        "pitch": pitch_summary(pitch),
        "body_language": {"analysed": False, "reason": BODY_LANGUAGE_REASON},
        "outline": outline or [],
        "points": [],
    }
    report["timeline_flags_any"] = any(e["fast"] or e["slow"] for e in timeline)
    # the transcript is trusted for the rate only when it agrees with the syllable count
    report["transcript_agrees"] = bool(
        syllable_spm and abs(rate_cpm - syllable_spm) <= TRANSCRIPT_AGREEMENT * syllable_spm
    )
    if outline:
        starts = outline_rules.align(outline, segments, duration)
        report["points"] = outline_rules.points_from_starts(
            outline, starts, duration, segments, "auto"
        )
    report["advice"] = advice_rules.advise(report)
    report["elapsed_s"] = round(time.monotonic() - started, 2)
    report["real_time_factor"] = round(report["elapsed_s"] / max(duration, 0.001), 3)
    progress(1.0, "完成")
    return report


def judged_rate(cpm: float | None, spm: float | None) -> float | None:
    """The rate used for advice: the mean of the text's and the audio's counts when they
    agree; the audio's own syllable count when they do not (a poor transcript then does
    not spoil the judgement)."""
    if spm is None:
        return cpm
    if cpm is not None and abs(cpm - spm) <= TRANSCRIPT_AGREEMENT * max(spm, 1.0):
        return (cpm + spm) / 2
    return spm


def pitch_summary(pitch: prosody.PitchTrack) -> dict:
    if len(pitch.hz) < 10:
        return {
            "median_hz": None,
            "range_semitones": None,
            "std_semitones": None,
            "monotone_spans": [],
        }
    st = pitch.semitones()
    spans: list[dict] = []
    end = float(pitch.times[-1])
    for a in np.arange(0, end, MONOTONE_WINDOW_S):
        window = st[(pitch.times >= a) & (pitch.times < a + MONOTONE_WINDOW_S)]
        if len(window) < 50:  # under one second of voice: not judged
            continue
        if float(np.std(window)) < MONOTONE_STD_ST:
            b = float(a + MONOTONE_WINDOW_S)
            if spans and abs(spans[-1]["end_s"] - a) < 1e-6:
                spans[-1]["end_s"] = b
            else:
                spans.append({"start_s": float(a), "end_s": b})
    return {
        "median_hz": round(float(np.median(pitch.hz)), 1),
        "range_semitones": round(float(np.percentile(st, 95) - np.percentile(st, 5)), 2),
        "std_semitones": round(float(np.std(st)), 2),
        "monotone_spans": [s for s in spans if s["end_s"] - s["start_s"] >= MONOTONE_MIN_S],
    }


def apply_boundaries(report: dict, starts: list[float | None]) -> dict:
    """A copy of `report` whose points start where the teacher set them (None keeps the
    computed start), with the advice recomputed. Starts must rise; the first is 0."""
    outline = report.get("outline") or []
    if len(starts) != len(outline):
        raise ValueError("边界数量与提纲条目数量不一致")
    computed = [p["start_s"] for p in report.get("points", [])] or [0.0] * len(outline)
    merged = [float(s) if s is not None else computed[i] for i, s in enumerate(starts)]
    merged[0] = 0.0
    duration = report["duration_s"]
    for a, b in itertools.pairwise(merged):
        if not a < b:
            raise ValueError("各部分的开始时间必须依次递增")
    if merged and merged[-1] >= duration:
        raise ValueError("开始时间不能超过录音长度")
    changed = any(s is not None for s in starts[1:])
    new = dict(report)
    new["points"] = outline_rules.points_from_starts(
        outline, merged, duration, report["transcript"], "manual" if changed else "auto"
    )
    new["advice"] = advice_rules.advise(new)
    return new
