"""Frames of a recording, a few a second, decoded by PyAV (the FFmpeg inside the `av` wheel).

Only the sampled frames are converted to pictures, scaled down on the way (swscale), and
none is kept: each is handed on and dropped.
"""

from __future__ import annotations

from collections.abc import Iterator

import av
import numpy as np
from av.stream import Disposition

MAX_SIDE = 640  # BlazePose looks at 224–256 pixels; larger frames only cost time


class VideoError(ValueError):
    pass


def has_video(path: str) -> bool:
    """Whether the file has moving pictures (an mp3's or m4a's cover picture is none)."""
    try:
        with av.open(path) as container:
            return any(
                not (stream.disposition & Disposition.attached_pic)
                for stream in container.streams.video
            )
    except (av.error.FFmpegError, OSError):
        return False


def duration_s(path: str) -> float:
    with av.open(path) as container:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / av.time_base
    return 0.0


def sample_frames(path: str, per_second: float) -> Iterator[tuple[float, np.ndarray]]:
    """(time in seconds, RGB array) about `per_second` times a second of video."""
    step = 1.0 / per_second
    try:
        container = av.open(path)
    except (av.error.FFmpegError, OSError) as error:
        raise VideoError(f"无法打开视频：{error}") from error
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width, stream.codec_context.height
        scale = min(1.0, MAX_SIDE / max(width, height, 1))
        size = (max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2))
        next_at = 0.0
        try:
            for frame in container.decode(stream):
                if frame.time is None or frame.time + 1e-6 < next_at:
                    continue
                picture = frame.reformat(width=size[0], height=size[1], format="rgb24")
                yield float(frame.time), picture.to_ndarray()
                next_at += step * max(1, int((frame.time - next_at) // step) + 1)
        except av.error.FFmpegError as error:
            raise VideoError(f"视频解码出错：{error}") from error
