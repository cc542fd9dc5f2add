"""Which recordings we decode for analysis and how large they may be (`INSIGHTS_MAX_BYTES`,
default 2 GB: a 90-minute video of a lesson); the checking itself is core.uploads."""

from django.conf import settings

from dangke.core.uploads import check_upload

DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024
EXTENSIONS = ("mp3", "m4a", "wav", "mp4", "mov")


def max_recording_bytes() -> int:
    return getattr(settings, "INSIGHTS_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_recording(upload) -> str:
    """The file's format when acceptable; otherwise UploadRejected saying why."""
    return check_upload(upload, EXTENSIONS, max_recording_bytes())
