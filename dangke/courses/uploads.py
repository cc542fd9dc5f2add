"""Which courseware files we accept (slides, documents, spreadsheets, videos, audio and
pictures) and how large they may be (`COURSEWARE_MAX_BYTES`); the checking itself is
core.uploads."""

from django.conf import settings

from dangke.core.uploads import check_upload

KINDS = {
    "pdf": "PDF",
    "pptx": "PPT",
    "ppt": "PPT",
    "docx": "Word",
    "doc": "Word",
    "xlsx": "Excel",
    "mp4": "视频",
    "mp3": "音频",
    "jpg": "图片",
    "jpeg": "图片",
    "png": "图片",
}


def check_courseware(upload) -> str:
    """The file's kind (its extension) when it is acceptable; otherwise UploadRejected."""
    return check_upload(upload, sorted(KINDS), settings.COURSEWARE_MAX_BYTES)
