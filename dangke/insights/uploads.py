"""Checks on uploaded recordings: the extension must be one we decode and the first bytes
must match it, so a renamed file is refused before it is stored; the size has a limit
(`INSIGHTS_MAX_BYTES`, default 2 GB: a 90-minute video of a lesson)."""

from django.conf import settings
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024
EXTENSIONS = ("mp3", "m4a", "wav", "mp4", "mov")


class RecordingRejected(ValueError):
    pass


def max_recording_bytes() -> int:
    return getattr(settings, "INSIGHTS_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_recording(upload) -> str:
    """The file's format when acceptable; otherwise RecordingRejected saying why."""
    name = (upload.name or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in EXTENSIONS:
        raise RecordingRejected(
            _("不支持的文件类型「%(ext)s」，可上传：%(allowed)s")
            % {"ext": extension or _("无扩展名"), "allowed": "、".join(EXTENSIONS)}
        )
    limit = max_recording_bytes()
    if upload.size > limit:
        raise RecordingRejected(
            _("文件太大（%(size).1f MB），上限为 %(limit)d MB")
            % {"size": upload.size / 1048576, "limit": limit // 1048576}
        )
    if upload.size == 0:
        raise RecordingRejected(_("文件是空的"))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not signature_matches(extension, head):
        raise RecordingRejected(
            _("文件内容与扩展名「.%(ext)s」不符（可能改过扩展名或已损坏），请上传原始文件")
            % {"ext": extension}
        )
    return extension


def signature_matches(extension: str, head: bytes) -> bool:
    if extension in ("mp4", "m4a", "mov"):
        return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
    if extension == "mp3":
        return head.startswith(b"ID3") or (
            len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
        )
    if extension == "wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    return False
