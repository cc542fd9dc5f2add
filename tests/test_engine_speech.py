"""The speech engine on generated Mandarin lectures of known text, timing and silences.

espeak-ng (Debian package, voice cmn-latn-pinyin) speaks a three-part lecture; the real
model path runs once per module (Whisper base int8 on 2 threads, Silero VAD, Praat) and
every figure is checked against what was spoken.
"""

import itertools
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from engines.speech import AudioError, analyse, apply_boundaries
from engines.speech import outline as outline_rules
from engines.speech.advice import advise
from engines.speech.analysis import pitch_summary
from engines.speech.audio import SAMPLE_RATE, decode
from engines.speech.model import whisper_model_dir
from engines.speech.prosody import PitchTrack, syllable_nuclei
from engines.speech.synth import SAMPLE_SECTIONS, Section, cached_lecture, espeak_available
from engines.speech.text import (
    collapse_loops,
    count_chars,
    find_fillers,
    find_markers,
    to_simplified,
)

CACHE = Path(__file__).resolve().parents[1] / "var" / "speech-models"
needs_espeak = pytest.mark.skipif(
    not espeak_available(), reason="espeak-ng (Debian package) makes the test lectures"
)
OUTLINE = [
    {"title": s.title, "planned_min": s.planned_min, "keywords": s.keywords}
    for s in SAMPLE_SECTIONS
]


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    if not espeak_available():
        pytest.skip("espeak-ng (Debian package) makes the test lectures")
    return cached_lecture(SAMPLE_SECTIONS, tmp_path_factory.mktemp("lectures"))


@pytest.fixture(scope="module")
def report(lecture):
    path, _truth = lecture
    seen = []
    result = analyse(
        str(path), OUTLINE, cache_root=str(CACHE), progress=lambda f, label: seen.append(f)
    )
    result["_progress"] = seen
    return result


def test_report_is_json_with_the_promised_keys(report, lecture):
    _path, truth = lecture
    data = json.loads(json.dumps({k: v for k, v in report.items() if k != "_progress"}))
    for key in (
        "duration_s", "speech_rate_cpm", "syllable_rate_spm", "transcript", "pauses",
        "pitch", "points", "advice",
    ):  # fmt: skip
        assert key in data
    assert data["duration_s"] == pytest.approx(truth.duration_s, abs=0.05)
    assert {"range_semitones", "monotone_spans"} <= set(data["pitch"])
    assert data["body_language"] == {"analysed": False, "reason": data["body_language"]["reason"]}
    assert "未分析肢体语言" in data["body_language"]["reason"]
    progress = report["_progress"]
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_speech_rate_from_text_and_from_audio_match_what_was_spoken(report, lecture):
    _path, truth = lecture
    assert report["speaking_s"] == pytest.approx(truth.spoken_s, abs=1.0)
    # The goal is 5 %, held by the rate measured from the audio itself. Whisper recognises
    # synthetic speech poorly and not identically from run to run (threaded int8
    # arithmetic flips a token here and there; 141–190 against 188 was seen before the
    # sampling was seeded, 186–194 since), so the
    # transcript's count only has to agree roughly — which is why the report keeps both.
    assert report["syllable_rate_spm"] == pytest.approx(truth.rate_cpm, rel=0.05)
    assert report["speech_rate_cpm"] == pytest.approx(truth.rate_cpm, rel=0.2)
    assert report["transcript_agrees"] is True
    low, high = report["comfortable_cpm"]
    assert low < truth.rate_cpm < high
    assert not any(e["fast"] or e["slow"] for e in report["timeline"])


def test_transcript_is_simplified_timed_and_in_order(report, lecture):
    _path, truth = lecture
    segments = report["transcript"]
    assert segments
    starts = [s["start_s"] for s in segments]
    assert starts == sorted(starts)
    assert all(0 <= s["start_s"] <= s["end_s"] <= truth.duration_s + 0.5 for s in segments)
    text = "".join(s["text"] for s in segments)
    assert to_simplified(text) == text
    assert count_chars(text) == report["chars"]


def test_section_boundaries_found_within_seconds(report, lecture):
    _path, truth = lecture
    points = report["points"]
    assert [p["title"] for p in points] == [s.title for s in SAMPLE_SECTIONS]
    for point, start in zip(points, truth.section_starts_s, strict=True):
        assert point["start_s"] == pytest.approx(start, abs=5.0)  # goal: 15 s
        assert point["source"] == "auto"
    assert points[-1]["end_s"] == pytest.approx(truth.duration_s, abs=0.05)


def test_inserted_silences_are_the_long_pauses(report, lecture):
    _path, truth = lecture
    long = [p for p in report["pauses"] if p["end_s"] - p["start_s"] >= report["long_pause_s"]]
    assert len(long) == len(truth.silences)
    for pause, (start, end) in zip(long, truth.silences, strict=True):
        assert pause["start_s"] == pytest.approx(start, abs=0.3)
        assert pause["end_s"] == pytest.approx(end, abs=0.3)


def test_timeline_covers_the_recording(report, lecture):
    _path, truth = lecture
    timeline = report["timeline"]
    assert timeline[0]["start_s"] == 0
    assert timeline[-1]["end_s"] == pytest.approx(truth.duration_s, abs=0.05)
    assert all(a["end_s"] == b["start_s"] for a, b in itertools.pairwise(timeline))
    assert report["pitch"]["range_semitones"] > 1


def test_hand_set_boundary_recomputes_points_and_advice(report):
    moved = apply_boundaries(report, [None, 40.0, None])
    assert [p["start_s"] for p in moved["points"]][1] == 40.0
    assert moved["points"][0]["end_s"] == 40.0
    assert {p["source"] for p in moved["points"]} == {"manual"}
    assert report["points"][1]["start_s"] != 40.0  # the original is left as it was
    with pytest.raises(ValueError, match="依次递增"):
        apply_boundaries(report, [None, 60.0, 50.0])
    with pytest.raises(ValueError, match="数量"):
        apply_boundaries(report, [None, 40.0])


@needs_espeak
def test_syllable_rate_follows_a_faster_speaker(tmp_path):
    sections = [Section("快", ["学习党的理论，坚定理想信念，服务人民群众，推动乡村振兴。"] * 3)]
    path, truth = cached_lecture(sections, tmp_path, words_per_min=240)
    audio = decode(str(path))
    nuclei = syllable_nuclei(audio.samples)
    spm = len(nuclei) / (truth.spoken_s / 60)
    assert spm == pytest.approx(truth.rate_cpm, rel=0.08)
    assert truth.rate_cpm > 240  # faster than the comfortable range


def test_decodes_m4a_and_refuses_a_file_without_audio(tmp_path):
    import av

    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(SAMPLE_RATE * 2) / SAMPLE_RATE)).astype(
        np.float32
    )
    target = tmp_path / "tone.m4a"
    with av.open(str(target), "w") as out:
        stream = out.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    audio = decode(str(target))
    assert audio.duration_s == pytest.approx(2.0, abs=0.15)  # AAC adds priming samples
    assert not audio.has_video
    bogus = tmp_path / "notes.mp3"
    bogus.write_text("这不是录音")
    with pytest.raises(AudioError):
        decode(str(bogus))


def test_model_parts_are_joined_once(tmp_path):
    directory = whisper_model_dir(tmp_path)
    model = directory / "model.bin"
    assert {"config.json", "tokenizer.json", "vocabulary.txt", "model.bin"} <= {
        p.name for p in directory.iterdir()
    }
    stamp = model.stat().st_mtime_ns
    assert whisper_model_dir(tmp_path) == directory
    assert model.stat().st_mtime_ns == stamp


def test_monotone_spans_from_pitch_variability():
    times = np.arange(0, 60, 0.02)
    flat = PitchTrack(times, 120 * 2 ** (np.random.default_rng(1).normal(0, 0.5, len(times)) / 12))
    lively = PitchTrack(times, 120 * 2 ** (4 * np.sin(2 * np.pi * times / 3) / 12))
    flat_summary = pitch_summary(flat)
    assert flat_summary["monotone_spans"] == [{"start_s": 0.0, "end_s": 60.0}]
    assert flat_summary["std_semitones"] < 1
    lively_summary = pitch_summary(lively)
    assert lively_summary["monotone_spans"] == []
    assert lively_summary["range_semitones"] > 6


def test_fillers_only_where_they_stand_alone():
    text = "嗯，这个，这个问题啊，就是说那个那个。好啊"
    assert [word for word, _ in find_fillers(text)] == ["嗯", "这个", "就是说", "那个", "那个"]


def test_markers_include_whisper_spellings():
    assert find_markers("第五分,党的历史 第二分, 第三部分 第十二讲") == [
        (0, 5), (9, 2), (14, 3), (19, 12),
    ]  # fmt: skip


def test_alignment_by_key_terms_without_markers():
    outline = [
        {"title": "历史", "planned_min": 1, "keywords": ["红色基因"]},
        {"title": "学习", "planned_min": 1, "keywords": ["理论学习", "武装头脑"]},
    ]
    segments = [
        {"start_s": 0, "end_s": 10, "text": "传承红色基因"},
        {"start_s": 10, "end_s": 20, "text": "红色基因代代相传"},
        {"start_s": 20, "end_s": 30, "text": "红色基因"},
        {"start_s": 30, "end_s": 40, "text": "理论学习很重要"},
        {"start_s": 40, "end_s": 50, "text": "用理论武装头脑"},
    ]
    assert outline_rules.align(outline, segments, 50) == [0.0, 30]
    # nothing to go by: the planned minutes share out the time
    assert outline_rules.align(
        [{"title": "甲", "planned_min": 1}, {"title": "乙", "planned_min": 3}], [], 80
    ) == [0.0, 20.0]


def _long_lecture(minutes: float, unannounced=()):
    """Segments of a lecture of five parts whose sentences all recur in every part (the
    lecture's theme), each part opened by 第N部分 unless in `unannounced`."""
    sentences = ["我们要学习党的历史，传承红色基因。", "党员要认真学习党的理论。",
                 "全心全意为人民服务。", "每个支部都要组织好集中学习。"]  # fmt: skip
    titles = ["党的历史", "理论学习", "为民服务", "基层治理", "乡村振兴"]
    per_part = round(minutes * 60 / 5 / 5)
    segments, starts, t = [], [], 0.0
    for index, title in enumerate(titles):
        starts.append(t)
        opening = title if index in unannounced else f"第{'一二三四五'[index]}部分，{title}。"
        for text in [opening] + [sentences[(index + k) % 4] for k in range(per_part - 1)]:
            segments.append({"start_s": t, "end_s": t + 5, "text": text})
            t += 5
    outline = [{"title": title, "planned_min": minutes / 5, "keywords": []} for title in titles]
    return outline, segments, t, starts


@pytest.mark.parametrize("minutes", [10, 45, 90])
def test_announced_parts_are_the_boundaries_however_long(minutes):
    outline, segments, duration, truth = _long_lecture(minutes)
    assert outline_rules.align(outline, segments, duration) == truth


@pytest.mark.parametrize("minutes", [45, 90])
def test_a_theme_heard_throughout_does_not_pull_the_boundaries(minutes):
    outline, segments, duration, truth = _long_lecture(minutes, unannounced={2})
    found = outline_rules.align(outline, segments, duration)
    assert max(abs(a - b) for a, b in zip(found, truth, strict=True)) <= 15


def test_points_inside_a_part_are_not_parts():
    outline = [{"title": "历史", "planned_min": 1}, {"title": "理论", "planned_min": 1}]
    segments = [
        {"start_s": 0, "end_s": 10, "text": "第一部分，历史。第一点，建党。"},
        {"start_s": 10, "end_s": 20, "text": "第二点，长征。"},
        {"start_s": 20, "end_s": 30, "text": "第二部分，理论。"},
        {"start_s": 30, "end_s": 40, "text": "学习理论。"},
    ]
    assert outline_rules.align(outline, segments, 40) == [0.0, 20]
    assert find_markers("第二点，第二部分", major_only=True) == [(4, 2)]


def test_advice_from_figures():
    report = {
        "bin_s": 60,
        "comfortable_cpm": [160, 240],
        "speech_rate_cpm": 230,
        "syllable_rate_spm": 228,
        "transcript_agrees": True,
        "timeline_flags_any": True,
        "points": [
            {"title": "党的历史", "planned_min": 10, "over_min": 0.4},
            {"title": "理论学习", "planned_min": 15, "over_min": 6.2},
            {"title": "为民服务", "planned_min": 10, "over_min": -3.0},
        ],
        "timeline": [
            {"start_s": s, "end_s": s + 60, "fast": 720 <= s < 1080, "slow": False}
            for s in range(0, 1800, 60)
        ],
        "pitch": {"monotone_spans": [{"start_s": 600, "end_s": 720}]},
        "pauses": [{"start_s": 100, "end_s": 108}],
        "fillers": {"per_min": 5.0, "counts": {"那个": 40, "嗯": 20}},
    }
    advice = advise(report)
    assert "「理论学习」用时超出计划 6 分钟" in advice
    assert "「为民服务」用时少于计划 3 分钟" in advice
    assert not any("党的历史" in line for line in advice)
    assert any(line.startswith("语速在 12–18分钟 偏快") for line in advice)
    assert any(line.startswith("10–12分钟 语调平淡") for line in advice)
    assert "有 1 处停顿超过 5 秒，注意衔接" in advice
    assert any("「那个」40 次" in line for line in advice)


def test_advice_uses_the_audio_rate_when_the_transcript_disagrees():
    base = {"comfortable_cpm": [160, 240], "timeline": [], "timeline_flags_any": False}
    assert "整体语速每分钟 280 字，偏快" in advise(
        {**base, "speech_rate_cpm": 90, "syllable_rate_spm": 280, "transcript_agrees": False}
    )


def test_wav_written_by_the_generator_is_16_bit_mono(lecture):
    path, truth = lecture
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        assert wav.getnframes() / wav.getframerate() == pytest.approx(truth.duration_s, abs=0.01)


def test_decoding_loops_are_collapsed_but_real_repetition_kept():
    assert collapse_loops("仲理以为,仲理以为,仲理以为,好") == "仲理以为,好"
    assert collapse_loops("学习、学习、再学习") == "学习、学习、再学习"
    assert count_chars(collapse_loops("知可知力。知可知力。知可知力。")) == 4


def test_video_file_is_decoded_for_its_sound(tmp_path):
    import av

    target = tmp_path / "lesson.mp4"
    rate = SAMPLE_RATE
    with av.open(str(target), "w") as out:
        video = out.add_stream("mpeg4", rate=5)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("aac", rate=rate, layout="mono")
        for index in range(10):  # two seconds of grey frames
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), 128, np.uint8), format="rgb24"
            ).reformat(format="yuv420p")
            frame.pts = index
            for packet in video.encode(frame):
                out.mux(packet)
        tone = (0.3 * np.sin(2 * np.pi * 200 * np.arange(rate * 2) / rate)).astype(np.float32)
        chunk = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="flt", layout="mono")
        chunk.sample_rate = rate
        for packet in [*sound.encode(chunk), *sound.encode(None), *video.encode(None)]:
            out.mux(packet)
    audio = decode(str(target))
    assert audio.has_video
    assert audio.duration_s == pytest.approx(2.0, abs=0.15)
