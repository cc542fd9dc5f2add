"""Which files suit each kind of media work and how large they may be
(`MEDIA_WORK_MAX_BYTES`, default 500 MB); the checking itself is core.uploads."""

from django.conf import settings
from django.utils.translation import gettext as _

from dangke.core.uploads import UploadRejected, check_upload, extension_of
from dangke.media.models import MediaKind

DEFAULT_MAX_BYTES = 500 * 1024 * 1024
EXTENSIONS_BY_KIND = {
    MediaKind.VIDEO: ("mp4",),
    MediaKind.ANIMATION: ("mp4",),
    MediaKind.AUDIO: ("mp3", "m4a", "wav"),
    MediaKind.ARTICLE: ("jpg", "jpeg", "png"),
    # Equirectangular (2:1) pictures and videos, as 360° cameras export them.
    MediaKind.PANORAMA: ("jpg", "jpeg", "png"),
    MediaKind.PANORAMA_VIDEO: ("mp4",),
}


def max_media_bytes() -> int:
    return getattr(settings, "MEDIA_WORK_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_media_file(upload, kind: str) -> str:
    """The file's format ("mp4", "mp3", "m4a", "wav", "jpg", "png") when acceptable for `kind`;
    otherwise UploadRejected with the reason in Chinese."""
    allowed = EXTENSIONS_BY_KIND.get(kind, ())
    extension = extension_of(upload)
    if extension not in allowed:
        # Said here rather than by check_upload: the uploader should learn what this
        # kind of work takes (an audio file offered as a video, say).
        raise UploadRejected(
            _("不支持的文件类型「%(ext)s」，%(kind)s可上传：%(allowed)s")
            % {
                "ext": extension or _("无扩展名"),
                "kind": MediaKind(kind).label if kind in MediaKind.values else "",
                "allowed": "、".join(allowed),
            }
        )
    extension = check_upload(upload, allowed, max_media_bytes())
    return "jpg" if extension == "jpeg" else extension
