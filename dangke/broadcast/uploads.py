"""Which programme audio we accept (mp3, m4a or wav) and how large it may be
(`BROADCAST_AUDIO_MAX_BYTES`, default 200 MB); the checking itself is core.uploads."""

from django.conf import settings

from dangke.core.uploads import check_upload

AUDIO_KINDS = ("mp3", "m4a", "wav")
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


def max_audio_bytes() -> int:
    return getattr(settings, "BROADCAST_AUDIO_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_audio(upload) -> str:
    """The file's kind when acceptable; otherwise UploadRejected with the reason in Chinese."""
    return check_upload(upload, AUDIO_KINDS, max_audio_bytes())
