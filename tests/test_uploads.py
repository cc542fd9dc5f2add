"""The shared upload check: each accepted format is recognised by its first bytes, and a
renamed, too large, empty or unknown file is refused with the sentence the uploader sees."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangke.core.uploads import SIGNATURES, UploadRejected, check_upload

ALL = tuple(SIGNATURES)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 32


def office_zip(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


GENUINE = {
    "pdf": b"%PDF-1.7\n" + b"x" * 32,
    "ppt": OLE,
    "doc": OLE,
    "pptx": office_zip("ppt/"),
    "docx": office_zip("word/"),
    "xlsx": office_zip("xl/"),
    "mp4": b"\0\0\0\x20ftypisom" + b"\0" * 16,
    "m4a": b"\0\0\0\x20ftypM4A " + b"\0" * 16,
    "mov": b"\0\0\0\x08wide" + b"\0" * 16,
    "mp3": b"ID3\x04\x00" + b"\0" * 16,
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\0" * 16,
    "jpg": b"\xff\xd8\xff\xe0" + b"\0" * 16,
    "jpeg": b"\xff\xd8\xff\xe1" + b"\0" * 16,
    "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 16,
}


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_every_format_is_recognised_and_the_file_is_left_at_its_start():
    assert set(GENUINE) == set(SIGNATURES)
    for extension, content in GENUINE.items():
        file = upload(f"课件.{extension.upper()}", content)
        assert check_upload(file, ALL, 1024 * 1024) == extension
        assert file.tell() == 0
        assert file.read() == content


@pytest.mark.parametrize(
    "content",
    [
        b"\0\0\0\x20moov" + b"\0" * 16,
        b"\0\0\0\x20mdat" + b"\0" * 16,
        b"\0\0\0\x20free" + b"\0" * 16,
    ],
)
def test_a_video_may_start_with_another_box_than_ftyp(content):
    assert check_upload(upload("录像.mp4", content), ["mp4"], 1024) == "mp4"


def test_an_mp3_without_a_tag_starts_with_a_frame():
    assert check_upload(upload("a.mp3", b"\xff\xfb\x90\x64" + b"\0" * 16), ["mp3"], 1024) == "mp3"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("讲稿.pdf", b"MZ\x90\x00 an executable"),
        ("讲稿.pptx", b"plain text renamed"),
        ("讲稿.docx", office_zip("ppt/")),  # a presentation renamed to .docx
        ("讲稿.xlsx", b"PK\x03\x04 not really a zip"),
        ("录音.wav", b"RIFF\x24\x00\x00\x00AVI LIST" + b"\0" * 8),
        ("照片.png", GENUINE["jpg"]),
    ],
)
def test_a_renamed_file_is_refused_and_left_at_its_start(name, content):
    file = upload(name, content)
    extension = name.rsplit(".", 1)[1]
    with pytest.raises(UploadRejected) as refused:
        check_upload(file, ALL, 1024 * 1024)
    assert str(refused.value) == (
        f"文件内容与扩展名「.{extension}」不符（可能改过扩展名或已损坏），请上传原始文件"
    )
    assert file.tell() == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    file = upload("课件.pdf", GENUINE["pdf"] + b"x" * (3 * 1048576))
    with pytest.raises(UploadRejected) as refused:
        check_upload(file, ["pdf"], 2 * 1048576)
    assert str(refused.value) == "文件太大（3.0 MB），上限为 2 MB"
    assert file.tell() == 0


def test_an_empty_file_is_refused():
    with pytest.raises(UploadRejected) as refused:
        check_upload(upload("课件.pdf", b""), ["pdf"], 1024)
    assert str(refused.value) == "文件是空的"


def test_an_extension_the_caller_does_not_take_is_refused_with_the_list():
    with pytest.raises(UploadRejected) as refused:
        check_upload(upload("setup.exe", b"MZ\x90\x00"), ["mp3", "wav"], 1024)
    assert str(refused.value) == "不支持的文件类型「exe」，可上传：mp3、wav"
    with pytest.raises(UploadRejected) as refused:
        check_upload(upload("录音", GENUINE["mp3"]), ["mp3"], 1024)
    assert str(refused.value) == "不支持的文件类型「无扩展名」，可上传：mp3"
    # Known to the checker is not enough: the caller's list decides.
    with pytest.raises(UploadRejected, match="不支持的文件类型「pdf」"):
        check_upload(upload("课件.pdf", GENUINE["pdf"]), ["mp3"], 1024)
