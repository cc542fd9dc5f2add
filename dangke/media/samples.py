"""Small, real media files for the demo, made offline and deterministically.

* Video: a silent slideshow in MP4 that every browser's <video> plays. There is no video
  encoder among our dependencies (no PyAV, no ffmpeg), so the H.264 stream is written by
  hand in its simplest legal form: Constrained Baseline, every macroblock I_PCM (raw
  samples, no prediction, no transform, no entropy coding). Each slide is one IDR picture
  held for several seconds by its sample duration in the MP4 track, so a 20-second video
  of four 320×180 slides is about 370 KB. Slides are drawn with Pillow.
* Audio: text read by espeak-ng (`dangke.broadcast.speech`), halved to 11,025 Hz mono
  16-bit WAV, which every browser's <audio> plays.

Same input, same bytes: nothing here depends on the clock or on randomness."""

from __future__ import annotations

import io
import re
import struct
import wave
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 320, 180
MB = 16
TIMESCALE = 1000  # MP4 track ticks per second
RED = (200, 22, 29)
CREAM = (247, 244, 240)
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


# ---- slides -----------------------------------------------------------------------------


@cache
def _font_path() -> str | None:
    return next((path for path in FONT_CANDIDATES if Path(path).exists()), None)


def _font(size: int):
    path = _font_path()
    return ImageFont.truetype(path, size) if path else None


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=font) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line] if line else lines


def slide(title: str, text: str, number: int, total: int) -> Image.Image:
    """One 320×180 slide: the work's title in a red band, a line or two of text, and the
    slide's place shown as a progress bar. Without a CJK font the text is left out (boxes
    would be worse than nothing) and the shapes remain."""
    image = Image.new("RGB", (WIDTH, HEIGHT), CREAM)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 40), fill=RED)
    draw.polygon([(12, 12), (12, 28), (26, 20)], fill=(255, 215, 0))  # a small "play" mark
    title_font, body_font = _font(17), _font(20)
    if title_font is not None:
        draw.text((34, 9), _wrap(draw, title, title_font, WIDTH - 44)[0], font=title_font,
                  fill="white")  # fmt: skip
        y = 56
        for line in _wrap(draw, text, body_font, WIDTH - 36)[:4]:
            draw.text((18, y), line, font=body_font, fill=(40, 40, 40))
            y += 28
    bar = round((WIDTH - 36) * number / total)
    draw.rectangle((18, HEIGHT - 16, WIDTH - 18, HEIGHT - 12), fill=(225, 215, 205))
    draw.rectangle((18, HEIGHT - 16, 18 + bar, HEIGHT - 12), fill=RED)
    return image


# ---- H.264 (I_PCM) ----------------------------------------------------------------------


class _Bits:
    def __init__(self):
        self.bits: list[int] = []

    def u(self, count: int, value: int) -> None:
        self.bits.extend((value >> shift) & 1 for shift in range(count - 1, -1, -1))

    def ue(self, value: int) -> None:
        code = value + 1
        self.u(code.bit_length() - 1, 0)
        self.u(code.bit_length(), code)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align_zero(self) -> None:
        while len(self.bits) % 8:
            self.bits.append(0)

    def trailing(self) -> None:
        self.bits.append(1)
        self.align_zero()

    def to_bytes(self) -> bytes:
        assert len(self.bits) % 8 == 0
        packed = np.packbits(np.array(self.bits, dtype=np.uint8))
        return packed.tobytes()


_EMULATION = re.compile(b"\x00\x00(?=[\x00-\x03])")


def _nal(ref_idc: int, kind: int, rbsp: bytes) -> bytes:
    """A NAL unit (header + payload with emulation prevention bytes), no start code."""
    return bytes([(ref_idc << 5) | kind]) + _EMULATION.sub(b"\x00\x00\x03", rbsp)


def _padded_size() -> tuple[int, int]:
    return -(-WIDTH // MB) * MB, -(-HEIGHT // MB) * MB


def _sps() -> bytes:
    padded_w, padded_h = _padded_size()
    b = _Bits()
    b.u(8, 66)  # profile_idc: Baseline
    b.u(8, 0b11000000)  # constraint_set0 and 1: Constrained Baseline
    b.u(8, 30)  # level 3.0
    b.ue(0)  # seq_parameter_set_id
    b.ue(0)  # log2_max_frame_num_minus4
    b.ue(2)  # pic_order_cnt_type 2: output order is decoding order
    b.ue(1)  # max_num_ref_frames
    b.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    b.ue(padded_w // MB - 1)
    b.ue(padded_h // MB - 1)
    b.u(1, 1)  # frame_mbs_only_flag
    b.u(1, 1)  # direct_8x8_inference_flag
    crop_right, crop_bottom = (padded_w - WIDTH) // 2, (padded_h - HEIGHT) // 2
    if crop_right or crop_bottom:
        b.u(1, 1)  # frame_cropping_flag (units of 2 pixels in 4:2:0)
        for offset in (0, crop_right, 0, crop_bottom):
            b.ue(offset)
    else:
        b.u(1, 0)
    b.u(1, 0)  # vui_parameters_present_flag
    b.trailing()
    return _nal(3, 7, b.to_bytes())


def _pps() -> bytes:
    b = _Bits()
    b.ue(0)  # pic_parameter_set_id
    b.ue(0)  # seq_parameter_set_id
    b.u(1, 0)  # entropy_coding_mode_flag: CAVLC
    b.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    b.ue(0)  # num_slice_groups_minus1
    b.ue(0)  # num_ref_idx_l0_default_active_minus1
    b.ue(0)  # num_ref_idx_l1_default_active_minus1
    b.u(1, 0)  # weighted_pred_flag
    b.u(2, 0)  # weighted_bipred_idc
    b.se(0)  # pic_init_qp_minus26
    b.se(0)  # pic_init_qs_minus26
    b.se(0)  # chroma_qp_index_offset
    b.u(1, 0)  # deblocking_filter_control_present_flag
    b.u(1, 0)  # constrained_intra_pred_flag
    b.u(1, 0)  # redundant_pic_cnt_present_flag
    b.trailing()
    return _nal(3, 8, b.to_bytes())


def _yuv420(image: Image.Image) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.601 limited range (what a decoder assumes without VUI), padded to whole
    macroblocks, samples kept within 1..254 so the raw bytes never form a start code."""
    padded_w, padded_h = _padded_size()
    canvas = Image.new("RGB", (padded_w, padded_h), CREAM)
    canvas.paste(image.convert("RGB"), (0, 0))
    rgb = np.asarray(canvas, dtype=np.float64) / 255.0
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    cb = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    cr = 128 + 112.0 * r - 93.786 * g - 18.214 * b

    def half(plane):
        return plane.reshape(padded_h // 2, 2, padded_w // 2, 2).mean(axis=(1, 3))

    def to_bytes(plane):
        return np.clip(np.rint(plane), 1, 254).astype(np.uint8)

    return to_bytes(y), to_bytes(half(cb)), to_bytes(half(cr))


def _idr_slice(image: Image.Image, idr_pic_id: int) -> bytes:
    luma, cb, cr = _yuv420(image)
    padded_w, padded_h = _padded_size()
    header = _Bits()
    header.ue(0)  # first_mb_in_slice
    header.ue(7)  # slice_type: I (all slices of the picture)
    header.ue(0)  # pic_parameter_set_id
    header.u(4, 0)  # frame_num (log2_max_frame_num = 4)
    header.ue(idr_pic_id)
    header.u(1, 0)  # no_output_of_prior_pics_flag
    header.u(1, 0)  # long_term_reference_flag
    header.se(0)  # slice_qp_delta
    # Every macroblock: mb_type I_PCM (ue 25), zero bits to the byte boundary, then 256
    # luma and 2×64 chroma samples. The header above is not byte-aligned, so the first
    # macroblock's bits decide where its samples start; later ones start aligned.
    mb_prefix = _Bits()
    mb_prefix.ue(25)
    prefix_bits = mb_prefix.bits
    out = bytearray()
    pending = header.bits
    for row in range(padded_h // MB):
        for col in range(padded_w // MB):
            bits = _Bits()
            bits.bits = [*pending, *prefix_bits]
            bits.align_zero()
            out += bits.to_bytes()
            pending = []
            out += luma[row * 16 : row * 16 + 16, col * 16 : col * 16 + 16].tobytes()
            out += cb[row * 8 : row * 8 + 8, col * 8 : col * 8 + 8].tobytes()
            out += cr[row * 8 : row * 8 + 8, col * 8 : col * 8 + 8].tobytes()
    out += b"\x80"  # rbsp_slice_trailing_bits: a stop bit, then alignment
    return _nal(3, 5, bytes(out))


# ---- MP4 --------------------------------------------------------------------------------


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def _u32s(values) -> bytes:
    return b"".join(struct.pack(">I", value) for value in values)


MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _moov(sample_sizes, durations, sps, pps, mdat_offset: int) -> bytes:
    total = sum(durations)
    avcc = _box(
        b"avcC",
        bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]),
        struct.pack(">H", len(sps)) + sps,
        bytes([1]) + struct.pack(">H", len(pps)) + pps,
    )
    avc1 = _box(
        b"avc1",
        b"\0" * 6 + struct.pack(">H", 1),  # reserved, data_reference_index
        b"\0" * 16,  # pre_defined, reserved
        struct.pack(">HH", WIDTH, HEIGHT),
        struct.pack(">II", 0x480000, 0x480000),  # 72 dpi
        struct.pack(">IH", 0, 1),  # reserved, frame_count
        bytes([0]) + b"\0" * 31,  # compressorname
        struct.pack(">Hh", 0x18, -1),
        avcc,
    )
    stts_entries = b"".join(struct.pack(">II", 1, d) for d in durations)
    offsets, position = [], mdat_offset
    for size in sample_sizes:
        offsets.append(position)
        position += size
    stbl = _box(
        b"stbl",
        _full(b"stsd", 0, 0, struct.pack(">I", 1), avc1),
        _full(b"stts", 0, 0, struct.pack(">I", len(durations)), stts_entries),
        _full(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, 1, 1)),
        _full(b"stsz", 0, 0, struct.pack(">II", 0, len(sample_sizes)), _u32s(sample_sizes)),
        _full(b"stco", 0, 0, struct.pack(">I", len(offsets)), _u32s(offsets)),
    )
    minf = _box(
        b"minf",
        _full(b"vmhd", 0, 1, b"\0" * 8),
        _box(b"dinf", _full(b"dref", 0, 0, struct.pack(">I", 1), _full(b"url ", 0, 1))),
        stbl,
    )
    mdia = _box(
        b"mdia",
        _full(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, TIMESCALE, total, 0x55C4, 0)),
        _full(b"hdlr", 0, 0, b"\0" * 4, b"vide", b"\0" * 12, b"VideoHandler" + b"\0"),
        minf,
    )
    tkhd = _full(
        b"tkhd", 0, 3,
        struct.pack(">IIIII", 0, 0, 1, 0, total),  # times, track_ID, reserved, duration
        b"\0" * 8, struct.pack(">hhhH", 0, 0, 0, 0), MATRIX,
        struct.pack(">II", WIDTH << 16, HEIGHT << 16),
    )  # fmt: skip
    mvhd = _full(
        b"mvhd", 0, 0,
        struct.pack(">IIII", 0, 0, TIMESCALE, total),
        struct.pack(">IH", 0x10000, 0x100), b"\0" * 10, MATRIX, b"\0" * 24,
        struct.pack(">I", 2),  # next_track_ID
    )  # fmt: skip
    return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))


def slideshow_mp4(slides: list[Image.Image], seconds_per_slide: float) -> bytes:
    """An MP4 (moov before mdat, so a phone starts playing at once) showing each slide for
    `seconds_per_slide` seconds."""
    sps, pps = _sps(), _pps()
    samples = []
    for index, image in enumerate(slides):
        nals = [sps, pps] if index == 0 else []
        nals.append(_idr_slice(image, idr_pic_id=index % 2))
        samples.append(b"".join(struct.pack(">I", len(nal)) + nal for nal in nals))
    durations = [round(seconds_per_slide * TIMESCALE)] * len(samples)
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso2avc1mp41")
    sizes = [len(sample) for sample in samples]
    moov_size = len(_moov(sizes, durations, sps, pps, 0))
    mdat_offset = len(ftyp) + moov_size + 8
    moov = _moov(sizes, durations, sps, pps, mdat_offset)
    return ftyp + moov + _box(b"mdat", *samples)


def lesson_video(title: str, points: list[str], seconds_per_slide: int = 5) -> bytes:
    total = len(points)
    return slideshow_mp4(
        [slide(title, text, number, total) for number, text in enumerate(points, start=1)],
        seconds_per_slide,
    )


# ---- audio ------------------------------------------------------------------------------


def spoken_wav(text: str) -> tuple[bytes, int]:
    """`text` read aloud by espeak-ng as 11,025 Hz mono 16-bit WAV, and its whole seconds.
    Raises `SpeechUnavailable` when espeak-ng is not installed."""
    from dangke.broadcast.speech import synthesise

    audio, _ = synthesise(text)
    with wave.open(io.BytesIO(audio)) as reader:
        rate, width = reader.getframerate(), reader.getsampwidth()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    if width != 2:
        raise ValueError("espeak-ng gave an unexpected sample width")
    if rate >= 22050:  # halve the rate: average pairs (a gentle low-pass), then keep one
        samples = samples[: len(samples) // 2 * 2].astype(np.int32)
        samples = ((samples[0::2] + samples[1::2]) // 2).astype("<i2")
        rate //= 2
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())
    return out.getvalue(), max(1, round(len(samples) / rate))
