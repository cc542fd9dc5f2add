"""Issue #29 (5): an .xlsx whose archive declares far more than it weighs is refused, with a
message, before openpyxl inflates anything (a 2 MB workbook expanding to 2 GB passed)."""

import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangke.core import uploads
from dangke.imports.models import ImportJob
from dangke.imports.registry import sheet_for
from dangke.imports.sheets import WorkbookError, read_rows
from tests.test_imports import ORG_HEADERS, shown_messages, upload, workbook


def bomb(megabytes=64, extra_members=0) -> bytes:
    """A real workbook plus one member of `megabytes` of zeros (about 1000:1 deflated)."""
    buffer = BytesIO(workbook(ORG_HEADERS, [["x"] * 7]))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/padding.xml", "w") as member:
            chunk = b"0" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
        for index in range(extra_members):
            archive.writestr(f"xl/media/part{index}.xml", b"")
    return buffer.getvalue()


@pytest.fixture
def county_a(client, world):
    client.force_login(world.county_a_admin)
    return client


def test_a_generated_bomb_is_small_and_declares_far_more():
    content = bomb()
    assert len(content) < 1024 * 1024
    with zipfile.ZipFile(BytesIO(content)) as archive:
        assert sum(m.file_size for m in archive.infolist()) > 64 * 1024 * 1024


def test_upload_of_a_bomb_is_refused_before_it_is_opened(county_a):
    response = upload(county_a, "organizations", bomb())
    assert not ImportJob.objects.exists()
    assert "压缩比异常" in shown_messages(response)


def test_total_size_and_member_count_are_limited(county_a, monkeypatch):
    monkeypatch.setattr(uploads, "ZIP_MAX_TOTAL_BYTES", 8 * 1024 * 1024)
    response = upload(county_a, "organizations", bomb(megabytes=16))
    assert "解压后过大" in shown_messages(response)
    monkeypatch.setattr(uploads, "ZIP_MAX_MEMBERS", 50)
    response = upload(county_a, "organizations", bomb(megabytes=0, extra_members=60))
    assert "部件过多" in shown_messages(response)
    assert not ImportJob.objects.exists()


def test_an_ordinary_workbook_still_passes(county_a):
    upload(county_a, "organizations", workbook(ORG_HEADERS, [["x"] * 7]))
    assert ImportJob.objects.count() == 1


def test_the_import_task_checks_the_stored_file_again(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb())
    with pytest.raises(WorkbookError, match="压缩比异常"):
        read_rows(path, sheet_for("organizations"))


def test_office_files_of_other_uploads_are_checked_the_same_way():
    upload_file = SimpleUploadedFile("sheet.xlsx", bomb())
    with pytest.raises(uploads.UploadRejected, match="压缩比异常"):
        uploads.check_upload(upload_file, ["xlsx"], 50 * 1024 * 1024)
