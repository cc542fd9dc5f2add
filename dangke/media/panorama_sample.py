"""A 360° panorama for the demo, drawn offline: an equirectangular (2:1) picture of a
memorial square among Sichuan hills — sky, a ring of ridges, terraced fields, a red
memorial hall, a flag and a stele. Every shape is periodic in longitude, so the picture
closes seamlessly behind the viewer. Same input, same bytes."""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from dangke.media.samples import _font

SKY_ZENITH = np.array([38, 92, 168], dtype=float)
SKY_HORIZON = np.array([206, 226, 240], dtype=float)
RED = (178, 24, 30)
GOLD = (250, 204, 21)


def _ridge(longitudes: np.ndarray, waves, base: float) -> np.ndarray:
    """Ridge height (degrees above the horizon) at each longitude: whole-number
    frequencies, so the ridge wraps around."""
    height = np.full_like(longitudes, base)
    for frequency, amplitude, phase in waves:
        height += amplitude * np.sin(frequency * longitudes + phase)
    return height


def panorama_jpeg(width: int = 2048, title: str = "") -> bytes:
    height = width // 2
    lon = np.linspace(-math.pi, math.pi, width, endpoint=False)
    lat = np.linspace(90, -90, height)  # degrees, top row looks straight up
    lat_grid = lat[:, None].repeat(width, axis=1)

    # Sky: deep blue overhead fading to a pale horizon.
    t = np.clip(lat_grid / 90, 0, 1)[..., None] ** 0.6
    pixels = SKY_HORIZON * (1 - t) + SKY_ZENITH * t

    # Two rings of hills: far blue-grey, near green.
    far = _ridge(lon, ((3, 2.0, 0.4), (7, 1.2, 1.9), (13, 0.5, 0.3)), 6.0)
    near = _ridge(lon, ((2, 2.5, 2.2), (5, 1.5, 0.7), (11, 0.6, 2.8)), 3.2)
    pixels[lat_grid < far[None, :]] = (120, 140, 150)
    near_mask = lat_grid < near[None, :]
    shade = (0.85 + 0.15 * np.sin(9 * lon))[None, :, None]
    pixels = np.where(near_mask[..., None], np.array([62, 118, 64]) * shade, pixels)

    # Ground: terraced fields in bands that narrow toward the horizon, a paved square
    # in front of the hall (longitude 0).
    ground = lat_grid < 0
    depth = np.log(np.tan(np.radians(-np.clip(lat_grid, -89.5, -0.2))))  # distance-ish
    band = (np.floor(depth * 6 + np.sin(3 * lon)[None, :]) % 2)[..., None]
    field = np.array([112, 150, 70]) * (1 - band) + np.array([150, 170, 80]) * band
    pixels = np.where(ground[..., None], field, pixels)
    square = ground & (np.abs(lon)[None, :] < 0.5) & (lat_grid < -20)
    pixels[square] = (196, 190, 178)

    image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)

    def x_of(longitude_degrees: float) -> int:
        return round((longitude_degrees + 180) / 360 * width)

    def y_of(latitude_degrees: float) -> int:
        return round((90 - latitude_degrees) / 180 * height)

    # The memorial hall straight ahead: a red facade, white columns, a gold star.
    left, right, top, bottom = x_of(-22), x_of(22), y_of(14), y_of(-3)
    draw.rectangle((left, top, right, bottom), fill=RED)
    draw.polygon([(left - 12, top), (right + 12, top), ((left + right) // 2, y_of(20))], fill=RED)
    for column in range(9):
        x = left + 16 + column * (right - left - 32) // 8
        draw.rectangle((x - 5, y_of(8), x + 5, bottom), fill=(245, 240, 230))
    star_x, star_y, r = (left + right) // 2, y_of(16.3), width // 200
    star = [
        (
            star_x + (r if k % 2 == 0 else r * 0.4) * math.sin(k * math.pi / 5),
            star_y - (r if k % 2 == 0 else r * 0.4) * math.cos(k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=GOLD)
    font = _font(max(10, width // 110))
    if font is not None and title:
        draw.text(((left + right) // 2, y_of(11)), title, font=font, fill=GOLD, anchor="mm")

    # A flagpole with a red flag to the right, a stele behind the viewer.
    pole = x_of(55)
    draw.rectangle((pole - 2, y_of(30), pole + 2, y_of(-6)), fill=(220, 220, 220))
    draw.polygon([(pole + 2, y_of(30)), (pole + 70, y_of(27)), (pole + 2, y_of(24))], fill=RED)
    stele = x_of(180) - 1
    draw.rectangle((stele - 24, y_of(10), stele, y_of(-4)), fill=(90, 90, 95))
    draw.rectangle((0, y_of(10), 24, y_of(-4)), fill=(90, 90, 95))

    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()
