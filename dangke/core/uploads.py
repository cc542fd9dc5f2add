"""The one check every uploaded file goes through before it is stored: its extension must be
one the caller accepts, its size under the caller's limit, and its first bytes must match
the extension, so a renamed text or executable file is refused. Apps keep their own list
of extensions and their own limit; the file signatures live here only."""

import zipfile
from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _

HEAD_BYTES = 16  # enough for every signature below (WAVE sits at bytes 8–12)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (.ppt, .doc)
# An ISO media file (mp4, m4a, mov) starts with a box; cameras and phones do not always put
# `ftyp` first, so the other top-level boxes they write first are accepted as well.
ISO_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free")
OFFICE_PART_FOLDERS = {"pptx": "ppt/", "docx": "word/", "xlsx": "xl/"}


# What an Office file may unpack to before anything opens it (a zip bomb: a 2 MB .xlsx that
# expands to 2 GB took the import check's worker from 0.3 to 2 GB, issue #29). Python's
# zipfile never inflates a member past its declared size (it stops there and fails the CRC),
# so checking the central directory's declared sizes bounds what openpyxl can inflate.
# A real workbook of the largest import (a 20 MB file, 10,000 rows) declares ~100 MB and
# compresses ~10:1; XML compresses at most ~30:1 in practice.
ZIP_MAX_MEMBERS = 5_000
ZIP_MAX_TOTAL_BYTES = 400 * 1024 * 1024
ZIP_MAX_RATIO = 150  # per member, counted for members past 1 MB unpacked
ZIP_RATIO_FLOOR = 1024 * 1024


class UploadRejected(ValueError):
    """Why a file is refused, in words the uploader can act on."""


def check_zip_archive(archive: zipfile.ZipFile) -> None:
    """Refuse an archive whose declared contents are too many, too large or compressed too
    far, before any member is inflated."""
    members = archive.infolist()
    if len(members) > ZIP_MAX_MEMBERS:
        raise UploadRejected(
            _("文件中的部件过多（%(count)d 个，上限 %(limit)d 个），无法安全打开")
            % {"count": len(members), "limit": ZIP_MAX_MEMBERS}
        )
    total = sum(member.file_size for member in members)
    if total > ZIP_MAX_TOTAL_BYTES:
        raise UploadRejected(
            _("文件解压后过大（%(size)d MB，上限 %(limit)d MB），可能是恶意压缩文件，已拒绝")
            % {"size": total // 1048576, "limit": ZIP_MAX_TOTAL_BYTES // 1048576}
        )
    for member in members:
        if member.file_size > ZIP_RATIO_FLOOR and (
            member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1)
        ):
            raise UploadRejected(
                _("文件中的「%(name)s」压缩比异常（%(ratio)d 倍），可能是恶意压缩文件，已拒绝")
                % {
                    "name": member.filename[:60],
                    "ratio": member.file_size // max(member.compress_size, 1),
                }
            )


def open_checked_zip(source) -> zipfile.ZipFile:
    """A ZipFile over `source` (a path or a file) whose declared contents passed
    `check_zip_archive`; UploadRejected when it is not a zip or fails the check."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UploadRejected(_("文件不是有效的压缩格式（可能已损坏或改过扩展名）")) from error
    try:
        check_zip_archive(archive)
    except UploadRejected:
        archive.close()
        raise
    return archive


def _is_iso_media(head: bytes, upload) -> bool:
    return head[4:8] in ISO_FIRST_BOXES


def _is_mp3(head: bytes, upload) -> bool:
    # An ID3 tag, or straight into an MPEG audio frame (11 sync bits set).
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _is_office_zip(extension: str) -> Callable[[bytes, object], bool]:
    """A pptx/docx/xlsx is a zip with a content-types part and its own part folder; a
    renamed plain zip or a file of another Office kind is not."""

    def matches(head: bytes, upload) -> bool:
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
                check_zip_archive(archive)  # raises with its own message
        except zipfile.BadZipFile:
            return False
        folder = OFFICE_PART_FOLDERS[extension]
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return matches


SIGNATURES: dict[str, Callable[[bytes, object], bool]] = {
    "pdf": lambda head, upload: head.startswith(b"%PDF-"),
    "ppt": lambda head, upload: head.startswith(OLE),
    "doc": lambda head, upload: head.startswith(OLE),
    "pptx": _is_office_zip("pptx"),
    "docx": _is_office_zip("docx"),
    "xlsx": _is_office_zip("xlsx"),
    "mp4": _is_iso_media,
    "m4a": _is_iso_media,
    "mov": _is_iso_media,
    "mp3": _is_mp3,
    "wav": lambda head, upload: head[:4] == b"RIFF" and head[8:12] == b"WAVE",
    "jpg": lambda head, upload: head.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda head, upload: head.startswith(b"\xff\xd8\xff"),
    "png": lambda head, upload: head.startswith(b"\x89PNG\r\n\x1a\n"),
}


def extension_of(upload) -> str:
    """The lower-case extension of the upload's name, "" when it has none."""
    name = (upload.name or "").lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def content_matches(extension: str, upload) -> bool:
    """Whether the upload's first bytes are those of an `extension` file. The read position
    is back at 0 afterwards."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    try:
        return SIGNATURES[extension](head, upload)
    finally:
        upload.seek(0)


def check_upload(upload, allowed: Sequence[str], max_bytes: int) -> str:
    """The upload's extension when it is one of `allowed`, at most `max_bytes` long, not
    empty and its content matches the extension; otherwise UploadRejected saying why."""
    extension = extension_of(upload)
    if extension not in allowed:
        raise UploadRejected(
            _("不支持的文件类型「%(ext)s」，可上传：%(allowed)s")
            % {"ext": extension or _("无扩展名"), "allowed": "、".join(allowed)}
        )
    if upload.size > max_bytes:
        raise UploadRejected(
            _("文件太大（%(size).1f MB），上限为 %(limit)d MB")
            % {"size": upload.size / 1048576, "limit": max_bytes // 1048576}
        )
    if upload.size == 0:
        raise UploadRejected(_("文件是空的"))
    if not content_matches(extension, upload):
        raise UploadRejected(
            _("文件内容与扩展名「.%(ext)s」不符（可能改过扩展名或已损坏），请上传原始文件")
            % {"ext": extension}
        )
    return extension
