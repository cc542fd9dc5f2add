"""Checks on courseware files: the extension must be one we accept and the first bytes
must match it, so a renamed text or executable file is refused before it is stored."""

import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OFFICE_PARTS = {"pptx": "ppt/", "docx": "word/", "xlsx": "xl/"}
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


class UploadRejected(ValueError):
    pass


def check_courseware(upload) -> str:
    """The file's kind (its extension) when it is acceptable; otherwise UploadRejected."""
    name = upload.name.lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in KINDS:
        raise UploadRejected(
            _("不支持的文件类型「%(ext)s」，可上传：%(allowed)s")
            % {"ext": extension or "无扩展名", "allowed": "、".join(sorted(set(KINDS)))}
        )
    if upload.size > settings.COURSEWARE_MAX_BYTES:
        raise UploadRejected(
            _("文件太大（%(size).1f MB），上限为 %(limit)d MB")
            % {"size": upload.size / 1048576, "limit": settings.COURSEWARE_MAX_BYTES // 1048576}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _content_matches(extension, head, upload):
        raise UploadRejected(
            _("文件内容与扩展名「.%(ext)s」不符（可能改过扩展名或已损坏），请上传原始文件")
            % {"ext": extension}
        )
    return extension


def _content_matches(extension: str, head: bytes, upload) -> bool:
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in ("ppt", "doc"):
        return head.startswith(OLE)
    if extension in OFFICE_PARTS:
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return False
        finally:
            upload.seek(0)
        return "[Content_Types].xml" in names and any(
            n.startswith(OFFICE_PARTS[extension]) for n in names
        )
    if extension == "mp4":
        return head[4:8] == b"ftyp"
    if extension == "mp3":
        return head.startswith(b"ID3") or (
            len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
        )
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    return False
