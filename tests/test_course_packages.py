"""Course packages (课程包, issue #20): a course exported by one installation imports into
another with its outline, series, courseware bytes, published score and origin; a bad
package — tampered, truncated, oversized, a path out of the folder, a wrong file type, no
manifest, a future format — is refused whole, with the reason, and leaves no row and no
file behind; re-importing updates the same course instead of making a second one."""

import io
import json
import stat
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from dangke.accounts.scoping import scope_for_user
from dangke.core.models import AuditEntry
from dangke.courses import packages
from dangke.courses.models import (
    Course,
    CourseOrigin,
    CourseSeries,
    CourseStatus,
    Courseware,
    OutlineItem,
)
from dangke.courses.services import add_courseware
from dangke.evaluation import services as evaluation
from tests import samplefiles
from tests.test_evaluation import make_lesson, trainee_answers

OUTLINE = [
    (1, "村级治理的新要求", 30, "治理,基层"),
    (2, "党建引领的做法", 40, ""),
    (3, "案例研讨", 20, ""),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "upload-tmp"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    settings.DANGKE_INSTALLATION_NAME = "乐山市党员教育平台"
    return settings.MEDIA_ROOT


@pytest.fixture
def course(world, media):
    course = world.course_a
    course.summary = "以党建引领破解村级治理难题"
    course.series = CourseSeries.objects.create(
        name="嘉州红色文化", region=world.county_a, description="本地红色资源系列"
    )
    course.save()
    for position, title, minutes, keywords in OUTLINE:
        OutlineItem.objects.create(
            course=course, position=position, title=title, planned_minutes=minutes,
            keywords=keywords,
        )  # fmt: skip
    add_courseware(
        course, SimpleUploadedFile("讲稿.pdf", samplefiles.PDF), kind="pdf", note="初稿",
        actor=world.county_a_admin,
    )  # fmt: skip
    add_courseware(
        course, SimpleUploadedFile("课件.docx", samplefiles.office("docx")), kind="docx",
        note="修订", actor=world.county_a_admin,
    )  # fmt: skip
    return course


def package_of(course) -> bytes:
    buffer = io.BytesIO()
    packages.write_package(course, buffer)
    return buffer.getvalue()


def members_of(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rebuild(content: bytes, *, manifest=None, files=None, extra=()) -> bytes:
    """The package with its manifest changed by `manifest(dict)`, members replaced by
    `files` ({name: bytes}, None drops one) and `extra` ZipInfo/bytes pairs added."""
    members = members_of(content)
    data = json.loads(members.pop(packages.MANIFEST))
    if manifest:
        manifest(data)
    members = {packages.MANIFEST: json.dumps(data, ensure_ascii=False).encode(), **members}
    for name, value in (files or {}).items():
        if value is None:
            members.pop(name, None)
        else:
            members[name] = value
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, value in members.items():
            archive.writestr(name, value)
        for info, value in extra:
            archive.writestr(info, value)
    return buffer.getvalue()


def import_as(user, content: bytes, region):
    return packages.import_package(
        io.BytesIO(content), region=region, actor=user, scope=scope_for_user(user)
    )


def footprint(media):
    """Every row and file an import could leave behind."""
    files = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())
    counts = [
        model.objects.count()
        for model in (Course, OutlineItem, Courseware, CourseSeries, CourseOrigin, AuditEntry)
    ]
    return counts, files


def outline_of(course):
    return list(course.outline.values_list("position", "title", "planned_minutes", "keywords"))


def courseware_of(course):
    return [
        (item.version, item.original_name, item.kind, item.note, item.file.read())
        for item in course.courseware.order_by("version")
    ]


# ---------------------------------------------------------------- export → import


def test_a_course_round_trips_with_its_files_score_and_origin(pinned_clock, world, course):
    for days_ago, values in ((3, [5, 5, 5, 5, 5]), (1, [3] * 10)):
        survey = evaluation.open_survey(
            make_lesson(world, days_ago=days_ago), actor=world.county_a_admin
        )
        trainee_answers(survey, values)
    content = package_of(course)
    manifest = json.loads(members_of(content)["manifest.json"])
    assert manifest["format"] == "dangke-course-package" and manifest["format_version"] == 1
    assert manifest["origin"] == {
        "installation": "乐山市党员教育平台",
        "region": {"code": "511102", "name": "四川省乐山市市中区"},
    }
    assert manifest["score"]["n_responses"] == 15 and manifest["score"]["n_lessons"] == 2
    assert manifest["score"]["score"] == pytest.approx((5 * 100 + 10 * 50) / 15, abs=0.05)
    assert len(manifest["score"]["ci95"]) == 2

    # Imported under another region of this installation: a second, separate course.
    result = import_as(world.county_b_admin, content, world.county_b)
    copy = result.course
    assert result.outcome == "created" and result.added_versions == [1, 2]
    assert copy.pk != course.pk and copy.region == world.county_b
    assert copy.code == "C-A-001-2"  # the origin's code is taken here by the original
    assert copy.status == CourseStatus.DRAFT
    for field in ("title", "category", "summary", "duration_minutes"):
        assert getattr(copy, field) == getattr(course, field), field
    assert outline_of(copy) == outline_of(course) == [(p, t, m, k) for p, t, m, k in OUTLINE]
    assert (copy.series.name, copy.series.description) == ("嘉州红色文化", "本地红色资源系列")
    assert copy.series.region == world.county_b
    assert courseware_of(copy) == courseware_of(course)
    assert courseware_of(copy)[0][4] == samplefiles.PDF
    origin = copy.origin
    assert (origin.installation, origin.origin_region_code, origin.origin_code) == (
        "乐山市党员教育平台", "511102", "C-A-001",
    )  # fmt: skip
    assert origin.origin_region_name == "四川省乐山市市中区"
    assert origin.score == manifest["score"]
    assert AuditEntry.objects.filter(
        object_id=str(copy.pk), action=AuditEntry.Action.IMPORT
    ).exists()


def test_commands_carry_a_course_into_a_wiped_library(world, course, media, tmp_path):
    expected = (outline_of(course), courseware_of(course), course.title)
    path = tmp_path / "课程包.zip"
    out = io.StringIO()
    call_command("course_export", "C-A-001", output=str(path), stdout=out)
    assert "课件 2 个版本" in out.getvalue() and "尚无公布的评价" in out.getvalue()
    # A fresh library: the course, its series and its files gone.
    series = course.series
    course.delete()
    series.delete()
    for file in media.rglob("*"):
        if file.is_file():
            file.unlink()
    out = io.StringIO()
    call_command("course_import", str(path), region="511102", stdout=out)
    copy = Course.objects.get(code="C-A-001")
    assert "已导入课程「坚持党建引领激活村级治理新动能」" in out.getvalue()
    assert (outline_of(copy), courseware_of(copy), copy.title) == expected
    assert copy.region == world.county_a and copy.origin.origin_code == "C-A-001"


def test_the_import_command_refuses_with_every_reason_and_exit_code_2(world, course, tmp_path):
    path = tmp_path / "bad.zip"
    path.write_bytes(
        rebuild(
            package_of(course), files={"courseware/v1.pdf": samplefiles.PDF.replace(b"1.4", b"1.7")}
        )
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="没有写入任何内容") as raised:
        call_command("course_import", str(path), region="511123", stderr=err)
    assert raised.value.returncode == 2
    assert "课件「讲稿.pdf」（courseware/v1.pdf）的 SHA-256 校验值与清单不符" in err.getvalue()


# ---------------------------------------------------------------- versions


def test_the_same_package_again_changes_nothing_and_says_so(world, course, media):
    content = package_of(course)
    first = import_as(world.county_b_admin, content, world.county_b)
    before = footprint(media)
    again = import_as(world.county_b_admin, content, world.county_b)
    assert again.outcome == "unchanged" and again.course == first.course
    assert "已导入过这一版本" in again.message and "未作任何改动" in again.message
    assert footprint(media) == before


def test_a_newer_package_updates_the_same_course_and_adds_only_new_courseware(world, course, media):
    copy = import_as(world.county_b_admin, package_of(course), world.county_b).course
    # At the origin: the outline changes and a third courseware version is uploaded.
    course.outline.filter(position=3).delete()
    OutlineItem.objects.create(course=course, position=3, title="新案例", planned_minutes=25)
    add_courseware(
        course, SimpleUploadedFile("讲稿二.pdf", samplefiles.PDF.replace(b"1.4", b"1.5")),
        kind="pdf", note="第三版", actor=world.county_a_admin,
    )  # fmt: skip
    courses_before = Course.objects.count()
    result = import_as(world.county_b_admin, package_of(course), world.county_b)
    assert result.outcome == "updated" and result.course == copy
    assert result.added_versions == [3]
    assert Course.objects.count() == courses_before and CourseOrigin.objects.count() == 1
    assert outline_of(copy)[-1] == (3, "新案例", 25, "")
    assert courseware_of(copy) == courseware_of(course)
    assert "新增课件 v3" in result.message


def test_an_older_package_is_refused_and_changes_nothing(world, course, media):
    old = package_of(course)
    OutlineItem.objects.create(course=course, position=4, title="补充", planned_minutes=10)
    newer = rebuild(
        package_of(course),
        manifest=lambda m: m["course"].update(revised_at="2099-01-01T08:00:00+08:00"),
    )
    import_as(world.county_b_admin, newer, world.county_b)
    before = footprint(media)
    with pytest.raises(packages.PackageRejected, match="早于已导入的版本"):
        import_as(world.county_b_admin, old, world.county_b)
    assert footprint(media) == before


# ---------------------------------------------------------------- refused packages


def _symlink(name):
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _drop_manifest(content):
    members = members_of(content)
    members.pop("manifest.json")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in members.items():
            archive.writestr(name, value)
    return buffer.getvalue()


def _bomb(content):
    """A member of 64 MB of zeros (about 1000:1) declared beside the real files."""
    buffer = io.BytesIO(content)
    with (
        zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("courseware/padding.pdf", "w") as member,
    ):
        for _ in range(64):
            member.write(b"\0" * 1024 * 1024)
    return buffer.getvalue()


def _set_courseware(index, **values):
    return lambda m: m["courseware"][index].update(values)


BAD_PACKAGES = {
    "tampered": (
        lambda c: rebuild(c, files={"courseware/v1.pdf": samplefiles.PDF.replace(b"1.4", b"1.7")}),
        "课件「讲稿.pdf」（courseware/v1.pdf）的 SHA-256 校验值与清单不符",
    ),
    "truncated": (lambda c: c[: len(c) * 2 // 3], "不是有效的 zip 课程包"),
    "size-differs": (
        lambda c: rebuild(c, manifest=_set_courseware(0, size_bytes=len(samplefiles.PDF) + 1)),
        f"的大小为 {len(samplefiles.PDF)} 字节，与清单中的 {len(samplefiles.PDF) + 1} 字节不符",
    ),
    "zip-bomb": (_bomb, "压缩比异常"),
    "path-traversal": (
        lambda c: rebuild(c, extra=[(zipfile.ZipInfo("../../etc/cron.d/x"), b"* * * * *")]),
        "课程包中的「../../etc/cron.d/x」含「..」或空的路径段，不允许出现在课程包中",
    ),
    "absolute-path": (
        lambda c: rebuild(c, extra=[(zipfile.ZipInfo("/tmp/evil.pdf"), samplefiles.PDF)]),
        "课程包中的「/tmp/evil.pdf」是绝对路径",
    ),
    "symlink": (
        lambda c: rebuild(c, extra=[(_symlink("courseware/link.pdf"), b"/etc/passwd")]),
        "课程包中的「courseware/link.pdf」是符号链接",
    ),
    "unlisted-member": (
        lambda c: rebuild(c, extra=[(zipfile.ZipInfo("courseware/extra.pdf"), samplefiles.PDF)]),
        "课程包中的「courseware/extra.pdf」未列在 manifest.json 的 courseware 中",
    ),
    "wrong-type-by-name": (
        lambda c: rebuild(c, manifest=_set_courseware(0, original_name="setup.exe")),
        "manifest.json 的 courseware[0].original_name 的类型「exe」不是可导入的课件类型",
    ),
    "missing-manifest": (_drop_manifest, "课程包中没有 manifest.json"),
    "future-format": (
        lambda c: rebuild(c, manifest=lambda m: m.update(format_version=2)),
        "课程包的格式版本为 2，本平台只支持到第 1 版",
    ),
    "bad-fields": (
        lambda c: rebuild(
            c,
            manifest=lambda m: (
                m["outline"][0].update(planned_minutes=0),
                m["course"].update(category="cooking"),
            ),
        ),
        "manifest.json 的 outline[0].planned_minutes 应为 1 至 600 的整数，实为 0",
    ),
    "not-json": (
        lambda c: rebuild(c, files={"manifest.json": b'{"format": '}),
        "manifest.json 不是有效的 JSON",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_PACKAGES))
def test_a_bad_package_is_refused_whole_and_leaves_nothing(world, course, media, settings, kind):
    make, reason = BAD_PACKAGES[kind]
    content = make(package_of(course))
    before = footprint(media)
    with pytest.raises(packages.PackageRejected) as refused:
        import_as(world.county_b_admin, content, world.county_b)
    assert any(reason in problem for problem in refused.value.problems), refused.value.problems
    assert footprint(media) == before
    assert not any(settings.FILE_UPLOAD_TEMP_DIR.iterdir())  # no extracted file left either


def test_a_file_of_the_wrong_type_is_named_by_the_upload_checker(world, course, media):
    import hashlib

    html = b"<html><script>alert(1)</script></html>"
    content = rebuild(
        package_of(course),
        files={"courseware/v1.pdf": html},
        manifest=_set_courseware(0, size_bytes=len(html), sha256=hashlib.sha256(html).hexdigest()),
    )
    before = footprint(media)
    with pytest.raises(packages.PackageRejected) as refused:
        import_as(world.county_b_admin, content, world.county_b)
    assert refused.value.problems == [
        "课件「讲稿.pdf」（courseware/v1.pdf）：文件内容与扩展名「.pdf」不符"
        "（可能改过扩展名或已损坏），请上传原始文件"
    ]
    assert footprint(media) == before


def test_oversized_packages_and_files_are_refused(world, course, media, settings, monkeypatch):
    content = package_of(course)
    before = footprint(media)
    settings.COURSE_PACKAGE_MAX_BYTES = 1024
    with pytest.raises(packages.PackageRejected, match="解压后过大"):
        import_as(world.county_b_admin, content, world.county_b)
    settings.COURSE_PACKAGE_MAX_BYTES = 100 * 1024 * 1024
    settings.COURSEWARE_MAX_BYTES = 100
    with pytest.raises(packages.PackageRejected, match=r"courseware\[0\].size_bytes 应为 1 至 100"):
        import_as(world.county_b_admin, content, world.county_b)
    settings.COURSEWARE_MAX_BYTES = 10 * 1024 * 1024
    monkeypatch.setattr(packages, "MAX_MEMBERS", 2)
    with pytest.raises(packages.PackageRejected, match="部件过多"):
        import_as(world.county_b_admin, content, world.county_b)
    assert footprint(media) == before


@pytest.mark.logs_errors
def test_a_failure_while_writing_removes_the_files_already_stored(
    world, course, media, monkeypatch
):
    content = package_of(course)
    before = footprint(media)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(packages, "record_audit", fail)
    with pytest.raises(RuntimeError):
        import_as(world.county_b_admin, content, world.county_b)
    assert footprint(media) == before


# ---------------------------------------------------------------- pages and permissions


def test_the_course_page_exports_for_the_office_that_manages_it(client, world, course):
    client.force_login(world.county_a_admin)
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "导出课程包" in page and f"/courses/{course.pk}/package/" in page
    response = client.get(f"/courses/{course.pk}/package/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert json.loads(members_of(content)["manifest.json"])["course"]["code"] == "C-A-001"
    client.force_login(world.county_b_admin)  # another county: the course does not exist
    assert client.get(f"/courses/{course.pk}/package/").status_code == 404
    client.force_login(world.organiser)  # sees the city's courses, manages none
    assert client.get(f"/courses/{course.pk}/package/").status_code == 403
    assert "导出课程包" not in client.get(f"/courses/{course.pk}/").content.decode()


def test_the_upload_page_imports_and_shows_the_origin(client, world, course):
    content = package_of(course)
    client.force_login(world.county_b_admin)
    assert "导入课程包" in client.get("/courses/").content.decode()
    response = client.post(
        "/courses/packages/import/",
        {"file": SimpleUploadedFile("课程包.zip", content), "region": world.county_b.code},
        follow=True,
    )
    page = response.content.decode()
    copy = CourseOrigin.objects.get().course
    assert response.redirect_chain[-1][0] == f"/courses/{copy.pk}/"
    assert "已导入课程「坚持党建引领激活村级治理新动能」" in page
    assert "乐山市党员教育平台 · 四川省乐山市市中区 · 原编号 C-A-001" in page
    assert "来源平台尚无公布的评价" in page


def test_the_upload_page_shows_why_a_package_was_refused(client, world, course, media):
    bad = rebuild(package_of(course), manifest=lambda m: m.update(format_version=3))
    before = footprint(media)
    client.force_login(world.county_b_admin)
    response = client.post(
        "/courses/packages/import/",
        {"file": SimpleUploadedFile("眉山课程包.zip", bad), "region": world.county_b.code},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "课程包「眉山课程包.zip」未导入，本平台没有写入任何内容" in page
    assert "课程包的格式版本为 3，本平台只支持到第 1 版" in page
    assert footprint(media) == before


def test_only_a_region_admin_imports_and_only_into_their_own_region(client, world, course):
    content = package_of(course)
    for user in (world.organiser, world.teacher_user, world.liaison, world.group_leader):
        client.force_login(user)
        assert client.get("/courses/packages/import/").status_code == 403, user
        assert "导入课程包" not in client.get("/courses/").content.decode()
    client.force_login(world.county_b_admin)
    response = client.post(
        "/courses/packages/import/",
        {"file": SimpleUploadedFile("课程包.zip", content), "region": world.county_a.code},
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not CourseOrigin.objects.exists()
    with pytest.raises(PermissionDenied, match="只能把课程包导入到您管理的区划"):
        import_as(world.county_b_admin, content, world.county_a)
    assert not CourseOrigin.objects.exists()


def test_a_non_zip_upload_is_refused_by_the_form(client, world):
    client.force_login(world.county_a_admin)
    response = client.post(
        "/courses/packages/import/",
        {"file": SimpleUploadedFile("课程.pdf", samplefiles.PDF), "region": world.county_a.code},
    )
    assert "课程包应为 .zip 文件" in response.content.decode()


def test_a_course_whose_file_is_gone_is_not_exported_half(client, world, course, tmp_path):
    course.courseware.get(version=1).file.delete(save=False)
    client.force_login(world.county_a_admin)
    response = client.get(f"/courses/{course.pk}/package/", follow=True)
    assert response.redirect_chain[-1][0] == f"/courses/{course.pk}/"
    assert "课件第 1 版（讲稿.pdf）的文件已不在存储中，无法导出课程包" in response.content.decode()
    output = tmp_path / "out.zip"
    with pytest.raises(CommandError, match="课件第 1 版"):
        call_command("course_export", "C-A-001", output=str(output))
    assert not output.exists() and not (tmp_path / "out.zip.part").exists()
