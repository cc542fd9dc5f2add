"""Serve a stored file with HTTP Range support, so a phone can seek in a video.

Django's FileResponse always sends the whole file; browsers (Safari on iPhone in
particular) need `206 Partial Content` answers to seek or even to start a video."""

from __future__ import annotations

import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

CONTENT_TYPES = {
    "mp4": "video/mp4",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "jpg": "image/jpeg",
    "png": "image/png",
}
CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(start, end) inclusive for one satisfiable range; None when there is no usable
    Range header (send the whole file); False when the range cannot be satisfied."""
    match = _RANGE.match((header or "").strip())
    if not match or (not match[1] and not match[2]):
        return None  # absent, malformed or several ranges: answer with the whole file
    if match[1]:
        start = int(match[1])
        end = int(match[2]) if match[2] else size - 1
    else:
        start, end = max(0, size - int(match[2])), size - 1
    end = min(end, size - 1)
    if size == 0 or start >= size or start > end:
        return False
    return start, end


def _chunks(handle, start: int, length: int):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(request, field_file, file_kind: str):
    content_type = CONTENT_TYPES.get(file_kind, "application/octet-stream")
    size = field_file.size
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(
            field_file.storage.open(field_file.name, "rb"), content_type=content_type
        )
    else:
        start, end = wanted
        handle = field_file.storage.open(field_file.name, "rb")
        response = StreamingHttpResponse(
            _chunks(handle, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response
