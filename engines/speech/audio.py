"""Decode any recording (mp3, m4a, wav, mp4, mov …) to mono 16 kHz float32 with PyAV.

PyAV bundles FFmpeg, so no system codec is needed. Video streams are noted but not decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000


class AudioError(ValueError):
    """The file holds no audio stream we can decode; the message says why, in Chinese."""


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32 mono, SAMPLE_RATE
    has_video: bool

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def decode(path: str) -> Audio:
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as error:
        raise AudioError(f"无法打开录音文件：{error}") from error
    with container:
        if not container.streams.audio:
            raise AudioError("文件中没有音轨，无法分析")
        has_video = bool(container.streams.video)
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as error:
            raise AudioError(f"录音解码失败：{error}") from error
    if not chunks:
        raise AudioError("音轨为空，无法分析")
    samples = np.concatenate(chunks).astype(np.float32, copy=False)
    return Audio(samples=samples, has_video=has_video)
