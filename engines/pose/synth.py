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


def render(placement: Placement, portrait: Image.Image | None = None) -> np.ndarray:
    portrait = portrait or photo()
    stage = Image.new("RGB", STAGE, STAGE_COLOUR)
    if placement.hidden:
        return np.asarray(stage)
    height = round(STAGE[1] * PHOTO_HEIGHT * placement.scale)
    width = round(portrait.width * height / portrait.height)
    person = portrait.resize((width, height), Image.BILINEAR)
    if placement.mirror:
        person = ImageOps.mirror(person)
    mask = Image.new("L", person.size, 255)
    if placement.angle:
        person = person.rotate(placement.angle, Image.BILINEAR, expand=True)
        mask = mask.rotate(placement.angle, Image.BILINEAR, expand=True)
    for x in (placement.x, placement.second_x):
        if x is None:
            continue
        left = round(x * STAGE[0] - person.width / 2)
        top = round(placement.y * STAGE[1] - person.height / 2)
        stage.paste(person, (left, top), mask)
    return np.asarray(stage)


def write_video(
    path: str | Path,
    duration_s: float,
    placement_at: Callable[[float], Placement],
    *,
    fps: int = 10,
    audio: str | Path | None = None,
) -> Path:
    """An H.264 MP4 of `duration_s` seconds; `placement_at(t)` says where the person is.
    With `audio` (a WAV file), its sound becomes the video's audio track (AAC)."""
    path = Path(path)
    portrait = photo()
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = STAGE
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "28"}
        sound = _add_audio(container, audio) if audio else None
        for index in range(round(duration_s * fps)):
            picture = render(placement_at(index / fps), portrait)
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
