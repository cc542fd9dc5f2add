"""Lecture delivery analysis on a generated Mandarin lecture (espeak-ng, voice
cmn-latn-pinyin): real-time factor, seconds per minute of audio, peak memory, and the
error of the speech rate and of the section boundaries against the known truth.

The issue's goal is a 45-minute lecture at a real-time factor of at most 0.3 on 2 cores;
that run takes a quarter of an hour, so the default is 10 minutes:
`BENCH_SPEECH_MINUTES=45 python -m bench speech`."""

import os
import resource
import tempfile
import time
from pathlib import Path

SENTENCES = [
    "中国共产党成立于一九二一年，领导人民取得了革命的胜利。",
    "我们要学习党的历史，传承红色基因，坚定理想信念。",
    "党员要认真学习党的理论，用理论武装头脑，指导实践。",
    "学习要联系实际，做到学思用贯通，知信行统一。",
    "全心全意为人民服务是党的根本宗旨。",
    "党员要深入群众，倾听群众的意见，帮助群众解决困难。",
    "每个支部都要组织好集中学习，也要鼓励大家自学。",
    "我们要把服务群众的工作做细做实。",
]
TITLES = ["党的历史", "理论学习", "为民服务", "基层治理", "乡村振兴"]
NUMBERS = "一二三四五"


def _sections(minutes: float):
    from engines.speech.synth import Section

    per_section_s = minutes * 60 / len(TITLES)
    sentences_per_section = max(2, round(per_section_s / 6.5))  # espeak: ~6.5 s a sentence
    return [
        Section(
            title,
            [f"第{NUMBERS[i]}部分，{title}。"]
            + [SENTENCES[(i + k) % len(SENTENCES)] for k in range(sentences_per_section - 1)],
            [title],
            round(per_section_s / 60, 1),
        )
        for i, title in enumerate(TITLES)
    ]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run() -> None:
    from engines.speech import analyse
    from engines.speech.synth import cached_lecture, espeak_available

    if not espeak_available():
        print("跳过：需要 espeak-ng（Debian 软件包）生成测试讲座")
        return
    minutes = float(os.environ.get("BENCH_SPEECH_MINUTES", "10"))
    threads = int(os.environ.get("BENCH_SPEECH_THREADS", "2"))
    cache = Path(__file__).resolve().parents[1] / "var" / "speech-models"
    sections = _sections(minutes)
    outline = [{"title": s.title, "planned_min": s.planned_min, "keywords": s.keywords}
               for s in sections]  # fmt: skip
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        path, truth = cached_lecture(sections, directory)
        made = time.perf_counter() - started
        started = time.perf_counter()
        cpu_before = _cpu_s()
        report = analyse(str(path), outline, cache_root=str(cache), cpu_threads=threads)
        elapsed = time.perf_counter() - started
        cpu = _cpu_s() - cpu_before
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    audio_min = truth.duration_s / 60
    rate_error = abs(report["speech_rate_cpm"] - truth.rate_cpm) / truth.rate_cpm
    syllable_error = abs(report["syllable_rate_spm"] - truth.rate_cpm) / truth.rate_cpm
    boundary_error = max(
        abs(p["start_s"] - s) for p, s in zip(report["points"], truth.section_starts_s, strict=True)
    )
    print(f"lecture: {audio_min:.1f} min generated in {made:.1f} s, {threads} threads")
    print(f"analysis: {elapsed:.1f} s, {elapsed / audio_min:.1f} s per audio minute, "
          f"real-time factor {elapsed / truth.duration_s:.3f} (goal ≤ 0.3)")  # fmt: skip
    print(f"CPU time: {cpu:.1f} s, {cpu / truth.duration_s:.3f} CPU-seconds per second of audio "
          f"(on {threads} free cores the real-time factor is about this / {threads})")  # fmt: skip
    print(f"peak memory (RSS): {peak_mb:.0f} MB")
    print(f"speech rate: truth {truth.rate_cpm:.1f}, text {report['speech_rate_cpm']:.1f} "
          f"({rate_error:.1%}), audio {report['syllable_rate_spm']:.1f} ({syllable_error:.1%})"
          " (goal ≤ 5 %)")  # fmt: skip
    print(f"section boundaries: largest error {boundary_error:.1f} s (goal ≤ 15 s)")


if __name__ == "__main__":
    run()
