"""The one check every uploaded file goes through before it is stored: its extension must be
one the caller accepts, its size under the caller's limit (known before any content is
read), its first bytes must match the extension, and then the file must really parse as
that type: a PDF has its header and its trailer, an Office file is a zip (checked against
zip bombs) with its main part and no web page inside, audio and video are probed with
PyAV (the container it finds must be the claimed one, with a stream whose first frame
decodes), pictures are opened by Pillow under a pixel limit. Legacy Office (.ppt, .doc)
is judged by its OLE header only. Apps keep their own list of extensions and their own
limit; the checks live here only. Files still go out as attachments or with their own
media type and `nosniff` (issue #29: HTML behind a `%PDF-` or `ID3` header was accepted)."""

import zipfile
from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _

HEAD_BYTES = 16  # enough for every signature below (WAVE sits at bytes 8–12)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (.ppt, .doc)
# An ISO media file (mp4, m4a, mov) starts with a box; cameras and phones do not always put
# `ftyp` first, so the other top-level boxes they write first are accepted as well.
ISO_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free")
OFFICE_PART_FOLDERS = {"pptx": "ppt/", "docx": "word/", "xlsx": "xl/"}
OFFICE_MAIN_PARTS = {
    "pptx": "ppt/presentation.xml",
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
}
# Members no Office file needs and a browser would run if one were ever served inline.
ACTIVE_CONTENT = (".htm", ".html", ".xhtml", ".js", ".hta", ".exe", ".bat", ".cmd", ".ps1")
PDF_TRAILER_BYTES = 2048  # "%%EOF" (and "startxref" before it) sit at the end of a PDF
# The demuxer PyAV must find for each claimed type (FFmpeg's names).
MEDIA_DEMUXERS = {"mp4": "mp4", "m4a": "m4a", "mov": "mov", "mp3": "mp3", "wav": "wav"}
IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}
MAX_IMAGE_PIXELS = 50_000_000  # a 50-megapixel photo; beyond that, Pillow is not asked


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


def check_zip_archive(
    archive: zipfile.ZipFile, *, max_members: int | None = None, max_total_bytes: int | None = None
) -> None:
    """Refuse an archive whose declared contents are too many, too large or compressed too
    far, before any member is inflated. The limits default to those of an Office file; an
    archive of other files (a course package of videos) passes its own."""
    max_members = ZIP_MAX_MEMBERS if max_members is None else max_members
    max_total_bytes = ZIP_MAX_TOTAL_BYTES if max_total_bytes is None else max_total_bytes
    members = archive.infolist()
    if len(members) > max_members:
        raise UploadRejected(
            _("文件中的部件过多（%(count)d 个，上限 %(limit)d 个），无法安全打开")
            % {"count": len(members), "limit": max_members}
        )
    total = sum(member.file_size for member in members)
    if total > max_total_bytes:
        raise UploadRejected(
            _("文件解压后过大（%(size)d MB，上限 %(limit)d MB），可能是恶意压缩文件，已拒绝")
            % {"size": total // 1048576, "limit": max_total_bytes // 1048576}
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


def _local_path_or_file(upload):
    path = getattr(upload, "temporary_file_path", None)
    return path() if path else upload


def _parses_as_pdf(extension: str, upload) -> bool:
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(max(0, size - PDF_TRAILER_BYTES))
    tail = upload.read()
    return b"%%EOF" in tail and b"startxref" in tail


def _parses_as_office(extension: str, upload) -> bool:
    try:
        with open_checked_zip(upload) as archive:
            names = archive.namelist()
    except UploadRejected:
        if zipfile.is_zipfile(upload):
            raise
        return False
    if OFFICE_MAIN_PARTS[extension] not in names:
        return False
    return not any(name.lower().endswith(ACTIVE_CONTENT) for name in names)


def _parses_as_media(extension: str, upload) -> bool:
    import av  # PyAV bundles FFmpeg; imported here so pages that take no media skip it

    try:
        with av.open(_local_path_or_file(upload), mode="r") as container:
            if MEDIA_DEMUXERS[extension] not in container.format.name.split(","):
                return False
            streams = [s for s in container.streams if s.type in ("audio", "video")]
            if not streams:
                return False
            for packet in container.demux(streams[0]):
                for _frame in packet.decode():
                    return True
            return False
    except (av.FFmpegError, ValueError, OSError, EOFError):
        return False


def _parses_as_image(extension: str, upload) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            if image.format != IMAGE_FORMATS[extension]:
                return False
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UploadRejected(
                    _("图片过大（%(w)d×%(h)d 像素），请缩小到 %(limit)d 万像素以内")
                    % {"w": width, "h": height, "limit": MAX_IMAGE_PIXELS // 10_000}
                )
            image.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()  # verify() reads the structure; load() decodes the pixels
        return True
    except UploadRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False


PARSERS: dict[str, Callable[[str, object], bool]] = {
    "pdf": _parses_as_pdf,
    "pptx": _parses_as_office,
    "docx": _parses_as_office,
    "xlsx": _parses_as_office,
    "mp4": _parses_as_media,
    "m4a": _parses_as_media,
    "mov": _parses_as_media,
    "mp3": _parses_as_media,
    "wav": _parses_as_media,
    "jpg": _parses_as_image,
    "jpeg": _parses_as_image,
    "png": _parses_as_image,
}


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
    """Whether the upload's first bytes are those of an `extension` file and it parses as
    one. The read position is back at 0 afterwards."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    try:
        if not SIGNATURES[extension](head, upload):
            return False
        upload.seek(0)
        parse = PARSERS.get(extension)
        return parse is None or parse(extension, upload)
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
