"""The shared upload check: each accepted format is recognised by its first bytes, and a
renamed, too large, empty or unknown file is refused with the sentence the uploader sees."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangke.core.uploads import SIGNATURES, UploadRejected, check_upload
from tests import samplefiles

ALL = tuple(SIGNATURES)
GENUINE = samplefiles.genuine()
HTML = b"<html><script>alert(1)</script></html>" * 8


def office_zip(folder: str, part: str = "document.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}{part}", "<x/>")
    return buffer.getvalue()


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
    ("name", "content"),
    [
        ("讲稿.pdf", b"MZ\x90\x00 an executable"),
        ("讲稿.pptx", b"plain text renamed"),
        ("讲稿.docx", office_zip("ppt/")),  # a presentation renamed to .docx
        ("讲稿.xlsx", b"PK\x03\x04 not really a zip"),
        ("录音.wav", b"RIFF\x24\x00\x00\x00AVI LIST" + b"\0" * 8),
        ("照片.png", GENUINE["jpg"]),
        # Issue #29: the right first bytes with a web page behind them.
        ("讲稿.pdf", b"%PDF-1.7\n" + HTML),
        ("录音.mp3", b"ID3\x04\x00" + bytes(10) + HTML),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + HTML),
        ("录像.mp4", b"\0\0\0\x18ftypmp42" + HTML),
        ("录像.mov", b"\0\0\0\x08wide" + HTML),
        ("录音.m4a", b"\0\0\0\x20ftypM4A " + HTML),
        ("录音.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + HTML),
        ("照片.png", b"\x89PNG\r\n\x1a\n" + HTML),
        ("讲稿.pptx", samplefiles.office("pptx", {"ppt/slides/slide1.html": HTML})),
        ("讲稿.docx", office_zip("word/", part="styles.xml")),  # no main document
        ("录音.mp3", GENUINE["wav"]),  # a real file of another type
        ("录像.mp4", GENUINE["mp3"]),
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


def test_a_picture_over_the_pixel_limit_is_refused_before_it_is_decoded(monkeypatch):
    from dangke.core import uploads

    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 10_000)
    big = samplefiles.picture("PNG", size=(200, 100))
    with pytest.raises(UploadRejected) as refused:
        check_upload(upload("照片.png", big), ["png"], 1024 * 1024)
    assert str(refused.value) == "图片过大（200×100 像素），请缩小到 1 万像素以内"


def test_a_photo_over_its_limit_is_refused_without_reading_it(client, world, monkeypatch):
    """The teacher form checks the size first: Pillow is never handed a large file."""
    from PIL import Image

    from tests.conftest import PASSWORD

    opened = []
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(1))
    client.login(username="county-a", password=PASSWORD)
    big = upload("照片.jpg", GENUINE["jpg"] + b"\0" * (5 * 1024 * 1024))
    response = client.post(
        f"/faculty/{world.teacher_a.pk}/edit/",
        {"code": "T-A-001", "name": "王红梅", "level": "county", "region": world.county_a.pk,
         "max_travel_km": 50, "photo": big},
    )  # fmt: skip
    assert response.status_code == 200
    assert "文件太大（5.0 MB），上限为 5 MB" in response.content.decode()
    assert opened == []


def test_a_real_photo_is_stored(client, world):
    from tests.conftest import PASSWORD

    client.login(username="county-a", password=PASSWORD)
    response = client.post(
        f"/faculty/{world.teacher_a.pk}/edit/",
        {"code": "T-A-001", "name": "王红梅", "level": "county", "region": world.county_a.pk,
         "max_travel_km": 50, "photo": upload("照片.png", GENUINE["png"])},
    )  # fmt: skip
    assert response.status_code == 302
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.photo.name.endswith(".png")


def test_a_body_over_the_request_limit_gets_a_page_not_a_reset(client, world, settings):
    from tests.conftest import PASSWORD

    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    client.login(username="county-a", password=PASSWORD)
    response = client.post(
        f"/faculty/{world.teacher_a.pk}/edit/",
        {"photo": upload("照片.jpg", b"\0" * (2 * 1024 * 1024))},
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert "提交的内容太大" in text and "超过了系统一次能接收的 1 MB" in text


@pytest.mark.logs_errors  # Django's security log records the oversized body, as it should
def test_form_fields_over_djangos_limit_get_the_same_page(client, world, settings):
    from tests.conftest import PASSWORD

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.login(username="county-a", password=PASSWORD)
    response = client.post(f"/faculty/{world.teacher_a.pk}/edit/", {"bio": "长" * 2000})
    assert response.status_code == 413
    assert "提交的内容太大" in response.content.decode()
