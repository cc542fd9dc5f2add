"""Small real files of every type the uploads accept, made offline in the test (PyAV encodes
the audio, Pillow the pictures, the demo's hand-written H.264 the video)."""

import io
import wave
import zipfile
from functools import cache

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504

PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj
xref
0 3
0000000000 65535 f
0000000009 00000 n
0000000058 00000 n
trailer << /Size 3 /Root 1 0 R >>
startxref
110
%%EOF
"""

OFFICE_MAIN_PARTS = {
    "pptx": "ppt/presentation.xml",
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
}


def office(extension: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(OFFICE_MAIN_PARTS[extension], "<x/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def wav(seconds: float = 0.2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x10\x00\xf0\xff" * int(4000 * seconds))
    return buffer.getvalue()


@cache
def encoded_audio(container_format: str, codec: str) -> bytes:
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_format) as out:
        stream = out.add_stream(codec, rate=44100, layout="mono")
        samples = (np.sin(np.arange(44100 // 2) / 10) * 8000).astype("int16").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 44100
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def mp3() -> bytes:
    return encoded_audio("mp3", "mp3")


def m4a() -> bytes:
    return encoded_audio("ipod", "aac")


@cache
def mp4() -> bytes:
    from PIL import Image

    from dangke.media.samples import slideshow_mp4

    return slideshow_mp4([Image.new("RGB", (64, 48), (200, 22, 29))], 1)


def picture(fmt: str, size=(8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 22, 29)).save(buffer, fmt)
    return buffer.getvalue()


def genuine() -> dict[str, bytes]:
    """One real file per accepted extension."""
    return {
        "pdf": PDF, "ppt": OLE, "doc": OLE,
        "pptx": office("pptx"), "docx": office("docx"), "xlsx": office("xlsx"),
        "mp4": mp4(), "m4a": m4a(), "mov": mp4(), "mp3": mp3(), "wav": wav(),
        "jpg": picture("JPEG"), "jpeg": picture("JPEG"), "png": picture("PNG"),
    }  # fmt: skip
