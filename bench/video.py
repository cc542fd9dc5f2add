"""Body language from a lesson video (issue #23): a generated 1280×720, 25 frames-a-second
H.264 video of the astronaut photograph standing, pacing and stepping out of the picture
(engines/pose/synth.py), read by `engines.pose.read_video` at 2 frames a second.

Prints the seconds, the real-time factor, the CPU seconds per second of video and the peak
memory. With `BENCH_VIDEO_WITH_SPEECH=1` the video gets a spoken lecture (espeak-ng, as in
bench.speech) and the whole analysis runs as the task runs it: the sound analysed by
`engines.speech.analyse` while a second thread reads the picture. The goal for a
45-minute lesson is ≤ 0.5 × real time on 2 cores, peak memory < 2 GB:
`BENCH_VIDEO_MINUTES=45 BENCH_VIDEO_WITH_SPEECH=1 python -m bench video`."""

import os
import resource
import tempfile
import threading
import time
from pathlib import Path

STAGE_720P = (1280, 720)
FPS = 25


def _lecturer(t: float):
    """Still for two minutes, paces for one, out of the picture for ten seconds, repeat."""
    from engines.pose.synth import Placement

    cycle = t % 190
    if cycle < 120:
        return Placement(x=0.35, scale=0.7)
    if cycle < 180:
        phase = ((cycle - 120) / 4) % 2
        return Placement(x=0.35 + 0.3 * (1 - abs(phase - 1)), scale=0.7)
    return Placement(hidden=True)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run() -> None:
    from engines.pose import read_video, report_from_frames
    from engines.pose.synth import write_video

    minutes = float(os.environ.get("BENCH_VIDEO_MINUTES", "5"))
    with_speech = os.environ.get("BENCH_VIDEO_WITH_SPEECH") == "1"
    root = Path(__file__).resolve().parents[1] / "var"
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        sound, outline = None, []
        if with_speech:
            from bench.speech import _sections
            from engines.speech.synth import cached_lecture, espeak_available

            if not espeak_available():
                print("跳过：需要 espeak-ng（Debian 软件包）生成测试讲座")
                return
            sections = _sections(minutes)
            sound, truth = cached_lecture(sections, directory)
            minutes = truth.duration_s / 60
            outline = [{"title": s.title, "planned_min": s.planned_min, "keywords": s.keywords}
                       for s in sections]  # fmt: skip
        path = write_video(
            Path(directory) / "lesson.mp4", minutes * 60, _lecturer,
            fps=FPS, stage_size=STAGE_720P, audio=sound,
        )  # fmt: skip
        made = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
        video_s: dict[str, float] = {}

        def read():
            begun = time.perf_counter()
            video_s["samples"] = read_video(str(path), model_dir=str(root / "pose-model"))
            video_s["elapsed"] = time.perf_counter() - begun

        started, cpu_before = time.perf_counter(), _cpu_s()
        reader = threading.Thread(target=read)
        reader.start()
        if with_speech:
            from engines.speech import analyse

            analyse(str(path), outline, cache_root=str(root / "speech-models"), cpu_threads=2)
        reader.join()
        samples, length = video_s["samples"]
        body = report_from_frames(samples, length, bin_s=60)
        elapsed, cpu = time.perf_counter() - started, _cpu_s() - cpu_before
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds = minutes * 60
    print(f"video: {minutes:.1f} min, {STAGE_720P[0]}×{STAGE_720P[1]} at {FPS} fps, "
          f"{size_mb:.0f} MB, generated in {made:.1f} s")  # fmt: skip
    print(f"picture read: {video_s['elapsed']:.1f} s, {len(samples)} frames sampled, "
          f"real-time factor {video_s['elapsed'] / seconds:.3f}")  # fmt: skip
    what = "sound and picture together" if with_speech else "picture only"
    print(f"whole analysis ({what}): {elapsed:.1f} s, real-time factor {elapsed / seconds:.3f} "
          f"(goal ≤ 0.5), CPU {cpu / seconds:.3f} s per second of video")  # fmt: skip
    print(f"peak memory (RSS): {peak_mb:.0f} MB (goal < 2048)")
    truth = [_lecturer(i / 2) for i in range(round(seconds * 2))]
    seen = [p for p in truth if not p.hidden]
    pacing = sum(1 for p in seen if p.x != 0.35) / max(len(seen), 1)
    shares = body["shares"]
    print(f"measured: walking {shares['walking']:.1%} (truth {pacing:.1%} of the seen time, "
          f"±1 s at each change), nobody {shares['nobody']:.1%} "
          f"(truth {1 - len(seen) / len(truth):.1%})")  # fmt: skip


if __name__ == "__main__":
    run()
