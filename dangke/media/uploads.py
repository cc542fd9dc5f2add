"""Checks on media files: the extension must suit the work's kind and the first bytes must
match it, so a renamed file is refused before it is stored; the size has a limit
(`MEDIA_WORK_MAX_BYTES`, default 500 MB)."""

from django.conf import settings
from django.utils.translation import gettext as _

from dangke.media.models import MediaKind

DEFAULT_MAX_BYTES = 500 * 1024 * 1024
EXTENSIONS_BY_KIND = {
    MediaKind.VIDEO: ("mp4",),
    MediaKind.ANIMATION: ("mp4",),
    MediaKind.AUDIO: ("mp3", "m4a", "wav"),
    MediaKind.ARTICLE: ("jpg", "jpeg", "png"),
}


class MediaRejected(ValueError):
    pass


def max_media_bytes() -> int:
    return getattr(settings, "MEDIA_WORK_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_media_file(upload, kind: str) -> str:
    """The file's format ("mp4", "mp3", "m4a", "wav", "jpg", "png") when acceptable for `kind`;
    otherwise MediaRejected with the reason in Chinese."""
    name = (upload.name or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    allowed = EXTENSIONS_BY_KIND.get(kind, ())
    if extension not in allowed:
        raise MediaRejected(
            _("不支持的文件类型「%(ext)s」，%(kind)s可上传：%(allowed)s")
            % {
                "ext": extension or _("无扩展名"),
                "kind": MediaKind(kind).label if kind in MediaKind.values else "",
                "allowed": "、".join(allowed),
            }
        )
    limit = max_media_bytes()
    if upload.size > limit:
        raise MediaRejected(
            _("文件太大（%(size).1f MB），上限为 %(limit)d MB")
            % {"size": upload.size / 1048576, "limit": limit // 1048576}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not signature_matches(extension, head):
        raise MediaRejected(
            _("文件内容与扩展名「.%(ext)s」不符（可能改过扩展名或已损坏），请上传原始文件")
            % {"ext": extension}
        )
    return "jpg" if extension == "jpeg" else extension


def signature_matches(extension: str, head: bytes) -> bool:
    if extension in ("mp4", "m4a"):
        return head[4:8] == b"ftyp"
    if extension == "mp3":
        return head.startswith(b"ID3") or (
            len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
        )
    if extension == "wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    return False
