"""Checks on programme audio: mp3, m4a or wav, recognised by their first bytes (a renamed
file is refused before it is stored) and no larger than the limit."""

from django.conf import settings

AUDIO_KINDS = ("mp3", "m4a", "wav")
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


class AudioRejected(ValueError):
    pass


def max_audio_bytes() -> int:
    return getattr(settings, "BROADCAST_AUDIO_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_audio(upload) -> str:
    """The file's kind when acceptable; otherwise AudioRejected with the reason in Chinese."""
    name = (upload.name or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in AUDIO_KINDS:
        raise AudioRejected(
            f"不支持的音频类型「{extension or '无扩展名'}」，可上传：{'、'.join(AUDIO_KINDS)}"
        )
    limit = max_audio_bytes()
    if upload.size > limit:
        raise AudioRejected(
            f"文件太大（{upload.size / 1048576:.1f} MB），上限为 {limit // 1048576} MB"
        )
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if not audio_signature_matches(extension, head):
        raise AudioRejected(
            f"文件内容与扩展名「.{extension}」不符（可能改过扩展名或已损坏），请上传原始音频"
        )
    return extension


def audio_signature_matches(extension: str, head: bytes) -> bool:
    if extension == "mp3":
        return head.startswith(b"ID3") or (
            len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
        )
    if extension == "m4a":
        return head[4:8] == b"ftyp"
    if extension == "wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    return False
