"""Test videos of known motion, made from a real photograph of a person.

The photograph is scikit-image's bundled `astronaut.png` (a development dependency): a real
upper body with head, shoulders and hands in view, so the real model sees a real person.
Without scikit-image (a production install) the demo falls back to matplotlib's bundled
portrait `grace_hopper.jpg`, whose hands are out of the picture.
Each frame places the photograph on a plain stage as `Placement` says (shifted, scaled,
rotated, mirrored, hidden, or twice), so every measure has a truth it was built with.
Used by the tests, the benchmark and the demo's sample video.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageOps

STAGE = (640, 360)
STAGE_COLOUR = (200, 200, 196)
PHOTO_HEIGHT = 0.8  # of the stage's height, at scale 1


@dataclass(frozen=True)
class Placement:
    x: float = 0.5  # the photograph's centre, as a share of the stage's width …
    y: float = 0.55  # … and height
    scale: float = 1.0
    angle: float = 0.0  # degrees, anticlockwise
    mirror: bool = False
    hidden: bool = False  # nobody on the stage (the lecturer stepped out, or is covered)
    second_x: float | None = None  # a second person at this x, same size


# Where the astronaut's nose and shoulders are, as shares of the photograph (checked by eye
# and by the real-model test): the truths the generated videos are measured against.
ASTRONAUT_NOSE = (0.435, 0.27)
ASTRONAUT_SHOULDERS = ((0.20, 0.44), (0.59, 0.48))  # her right (picture left), her left
ASTRONAUT_SHOULDER_WIDTH = 0.39  # of the photograph's width


def photo() -> Image.Image:
    try:
        from skimage import data

        return Image.fromarray(data.astronaut())
    except ImportError:
        from matplotlib import cbook

        with cbook.get_sample_data("grace_hopper.jpg") as stream:
            return Image.open(stream).convert("RGB")


def shoulder_width_px(scale: float = 1.0) -> float:
    """The astronaut's shoulder width on the stage at `scale`, in pixels."""
    return ASTRONAUT_SHOULDER_WIDTH * STAGE[1] * PHOTO_HEIGHT * scale


def _person(portrait: Image.Image, height: int, placement: Placement, cache: dict):
    """The photograph sized, mirrored and turned as placed, with its mask (kept in `cache`:
    a long video repeats the same few placements)."""
    key = (height, placement.scale, placement.angle, placement.mirror)
    if key not in cache:
        if len(cache) > 256:
            cache.clear()
        scaled = round(height * PHOTO_HEIGHT * placement.scale)
        width = round(portrait.width * scaled / portrait.height)
        person = portrait.resize((width, scaled), Image.BILINEAR)
        if placement.mirror:
            person = ImageOps.mirror(person)
        mask = None
        if placement.angle:
            turned = Image.new("L", person.size, 255).rotate(placement.angle, expand=True)
            mask = (np.asarray(turned) > 127)[:, :, None]
            person = person.rotate(placement.angle, Image.BILINEAR, expand=True)
        cache[key] = (np.asarray(person), mask)
    return cache[key]


def render(
    placement: Placement,
    portrait: Image.Image | None = None,
    *,
    stage_size: tuple[int, int] = STAGE,
    cache: dict | None = None,
) -> np.ndarray:
    stage = np.empty((stage_size[1], stage_size[0], 3), dtype=np.uint8)
    stage[:] = STAGE_COLOUR
    if placement.hidden:
        return stage
    cache = {} if cache is None else cache
    person, mask = _person(portrait or photo(), stage_size[1], placement, cache)
    for x in (placement.x, placement.second_x):
        if x is None:
            continue
        left = round(x * stage_size[0] - person.shape[1] / 2)
        top = round(placement.y * stage_size[1] - person.shape[0] / 2)
        # The part of the photograph that falls on the stage.
        x0, y0 = max(left, 0), max(top, 0)
        x1 = min(left + person.shape[1], stage_size[0])
        y1 = min(top + person.shape[0], stage_size[1])
        if x1 <= x0 or y1 <= y0:
            continue
        piece = person[y0 - top : y1 - top, x0 - left : x1 - left]
        if mask is None:
            stage[y0:y1, x0:x1] = piece
        else:
            keep = mask[y0 - top : y1 - top, x0 - left : x1 - left]
            stage[y0:y1, x0:x1] = np.where(keep, piece, stage[y0:y1, x0:x1])
    return stage


def write_video(
    path: str | Path,
    duration_s: float,
    placement_at: Callable[[float], Placement],
    *,
    fps: int = 10,
    stage_size: tuple[int, int] = STAGE,
    audio: str | Path | None = None,
) -> Path:
    """An H.264 MP4 of `duration_s` seconds; `placement_at(t)` says where the person is.
    With `audio` (a WAV file), its sound becomes the video's audio track (AAC)."""
    path = Path(path)
    portrait, cache = photo(), {}
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = stage_size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "28"}
        sound = _add_audio(container, audio) if audio else None
        for index in range(round(duration_s * fps)):
            placement = placement_at(index / fps)
            picture = render(placement, portrait, stage_size=stage_size, cache=cache)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if sound:
            sound()
    return path


def _add_audio(container, wav: str | Path):
    source = av.open(str(wav))
    rate = source.streams.audio[0].rate
    stream = container.add_stream("aac", rate=rate)
    stream.layout = "mono"

    def copy() -> None:
        with source:
            for frame in source.decode(audio=0):
                frame.pts = None
                container.mux(stream.encode(frame))
            container.mux(stream.encode())

    return copy
