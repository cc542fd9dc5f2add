"""Course packages (课程包): one course of the library carried from one Dangke installation
to another, or written by another system, as a zip of `manifest.json` and the courseware
files. The format is documented in docs/course-package.md.

Export writes the course, its outline with planned minutes, its series, every courseware
version (with its sha256) and the course's published score summary (n and interval), named
by this installation (`DANGKE_INSTALLATION_NAME`) and the course's region.

Import trusts nothing in the zip. The archive's declared contents are checked before
anything is inflated (member count, unpacked size, compression ratio: core.uploads), every
member name (no `..`, no absolute path, no symlink, nothing the manifest does not list),
the manifest field by field, and each file against its declared size and sha256 and then
by the one upload checker (core.uploads, through courses.uploads). Only when all of that
passed is anything written: the rows in one transaction, the files while it is open, and
files already stored are removed again when it fails. A refused package leaves nothing.

A course imported twice from the same origin (installation, origin region, origin course
code) into the same region is one course: a newer package updates its outline and adds
courseware the course does not have yet as new versions; the same package again changes
nothing and says so; an older one is refused."""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dangke.core.models import AuditEntry
from dangke.core.services import record_audit
from dangke.core.uploads import UploadRejected, check_zip_archive
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseOrigin, CourseSeries, Courseware, OutlineItem
from dangke.courses.uploads import KINDS, check_courseware

FORMAT = "dangke-course-package"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES_FOLDER = "courseware/"
MANIFEST_MAX_BYTES = 1024 * 1024
MAX_OUTLINE_ITEMS = 200
MAX_COURSEWARE_FILES = 200
# A zip may list its folders as members of their own; manifest + files + their folders.
MAX_MEMBERS = 1 + 2 * MAX_COURSEWARE_FILES + 1
READ_CHUNK = 1024 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")
REGION_CODE = re.compile(r"^[0-9]{2,12}$")


class PackageRejected(Exception):
    """A package refused whole, with every reason found (which file, what is wrong)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("；".join(self.problems))


class ImportOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the same package again


@dataclass
class ImportResult:
    course: Course
    outcome: ImportOutcome
    added_versions: list[int] = field(default_factory=list)
    message: str = ""


# ---------------------------------------------------------------- the published score

# The score lives in evaluation, above courses in the import order: evaluation tells this
# module how to read a course's published score (its AppConfig.ready registers
# `evaluation.scores.course_score`), so courses imports nothing from above.
_course_score = None


def read_course_scores_with(course_score) -> None:
    """Register `course_score(course) -> summary` (engines.scoring.aggregate_scores' keys)."""
    global _course_score
    _course_score = course_score


def published_score(course: Course) -> dict | None:
    """The course's published score with its n and 95 % interval; None when no lesson of it
    has a published score (or no evaluation app told us how to read one)."""
    if _course_score is None:
        return None
    summary = _course_score(course)
    if not summary or summary.get("score") is None:
        return None
    ci95 = summary.get("ci95")
    return {
        "score": summary["score"],
        "ci95": list(ci95) if ci95 else None,
        "n_responses": summary["n_responses"],
        "n_lessons": summary["n_lessons"],
        "method": summary.get("method", ""),
    }


# ---------------------------------------------------------------- export


def _instant(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _sha256_of(field_file) -> str:
    digest = hashlib.sha256()
    with field_file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(READ_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _member_path(courseware: Courseware) -> str:
    extension = courseware.original_name.rsplit(".", 1)[-1].lower()
    return f"{FILES_FOLDER}v{courseware.version}.{extension}"


def manifest_of(course: Course, *, now: datetime | None = None) -> dict:
    """The manifest of `course`'s package (reads every courseware file for its sha256).
    PackageRejected when a courseware file is no longer in storage."""
    versions = list(course.courseware.order_by("version"))
    for item in versions:
        if not item.file or not item.file.storage.exists(item.file.name):
            raise PackageRejected(
                [
                    _("课件第 %(version)d 版（%(name)s）的文件已不在存储中，无法导出课程包")
                    % {"version": item.version, "name": item.original_name}
                ]
            )
    revised = max([course.updated_at, *(item.uploaded_at for item in versions)])
    series = course.series
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": _instant(now or timezone.now()),
        "origin": {
            "installation": settings.DANGKE_INSTALLATION_NAME,
            "region": {"code": course.region_id, "name": course.region.full_name},
        },
        "course": {
            "code": course.code,
            "title": course.title,
            "category": course.category,
            "summary": course.summary,
            "duration_minutes": course.duration_minutes,
            "revised_at": _instant(revised),
        },
        "outline": [
            {
                "position": item.position,
                "title": item.title,
                "planned_minutes": item.planned_minutes,
                "keywords": item.keywords,
            }
            for item in course.outline.order_by("position")
        ],
        "series": {"name": series.name, "description": series.description} if series else None,
        "courseware": [
            {
                "version": item.version,
                "path": _member_path(item),
                "original_name": item.original_name,
                "size_bytes": item.file.size,
                "sha256": _sha256_of(item.file),
                "note": item.note,
                "uploaded_at": _instant(item.uploaded_at),
            }
            for item in versions
        ],
        "score": published_score(course),
    }


# Files that are compressed already gain nothing from deflate, which would only cost time.
STORED_KINDS = {"pptx", "docx", "xlsx", "mp4", "mp3", "jpg", "jpeg", "png"}


def write_package(course: Course, destination) -> dict:
    """Write `course`'s package to `destination` (a path or a binary file); its manifest."""
    manifest = manifest_of(course)
    by_version = {item.version: item for item in course.courseware.all()}
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        for entry in manifest["courseware"]:
            kind = entry["path"].rsplit(".", 1)[-1]
            compression = zipfile.ZIP_STORED if kind in STORED_KINDS else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(entry["path"], date_time=timezone.localtime().timetuple()[:6])
            info.compress_type = compression
            with (
                by_version[entry["version"]].file.open("rb") as source,
                archive.open(info, "w", force_zip64=True) as target,
            ):
                for chunk in iter(lambda: source.read(READ_CHUNK), b""):
                    target.write(chunk)
    return manifest


# ---------------------------------------------------------------- checking a package


def _unsafe_name_reason(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return _("是符号链接")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return _("是绝对路径")
    if "\\" in name:
        return _("含反斜杠")
    parts = name.rstrip("/").split("/")
    if any(part in ("..", ".", "") for part in parts):
        return _("含「..」或空的路径段")
    if any(ord(char) < 32 for char in name):
        return _("含控制字符")
    if info.flag_bits & 0x1:
        return _("已加密")
    return None


def _check_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's files by name, once every member name is safe; else PackageRejected."""
    try:
        check_zip_archive(
            archive, max_members=MAX_MEMBERS, max_total_bytes=settings.COURSE_PACKAGE_MAX_BYTES
        )
    except UploadRejected as error:
        raise PackageRejected([_("课程包：%(reason)s") % {"reason": error}]) from error
    files: dict[str, zipfile.ZipInfo] = {}
    problems = []
    for info in archive.infolist():
        reason = _unsafe_name_reason(info)
        if reason:
            problems.append(
                _("课程包中的「%(name)s」%(reason)s，不允许出现在课程包中")
                % {"name": info.filename[:100], "reason": reason}
            )
        elif info.filename in files:
            problems.append(_("课程包中的「%(name)s」出现了两次") % {"name": info.filename[:100]})
        elif not info.is_dir():
            files[info.filename] = info
    if problems:
        raise PackageRejected(problems)
    return files


def _read_manifest(archive: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo]) -> dict:
    info = files.get(MANIFEST)
    if info is None:
        raise PackageRejected(
            [_("课程包中没有 manifest.json（课程包清单，须在压缩包的最外层），无法导入")]
        )
    if info.file_size > MANIFEST_MAX_BYTES:
        raise PackageRejected(
            [_("manifest.json 过大（上限 %(limit)d KB）") % {"limit": MANIFEST_MAX_BYTES // 1024}]
        )
    try:
        raw = archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise PackageRejected([_("manifest.json 读取失败（课程包不完整或已损坏）")]) from error
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise PackageRejected([_("manifest.json 不是 UTF-8 编码的文本")]) from error
    except json.JSONDecodeError as error:
        raise PackageRejected(
            [
                _("manifest.json 不是有效的 JSON（第 %(line)d 行第 %(column)d 列：%(msg)s）")
                % {"line": error.lineno, "column": error.colno, "msg": error.msg}
            ]
        ) from error
    if not isinstance(manifest, dict):
        raise PackageRejected([_("manifest.json 的最外层应为对象（{…}）")])
    return manifest


class _ManifestCheck:
    """Collects every problem of a manifest, each named by its JSON path."""

    def __init__(self):
        self.problems: list[str] = []

    def fail(self, path: str, what: str) -> None:
        self.problems.append(_("manifest.json 的 %(path)s %(what)s") % {"path": path, "what": what})

    def text(self, data, key, path, *, max_length, required=True) -> str:
        value = data.get(key, None if required else "")
        if value is None and not required:
            value = ""
        if not isinstance(value, str):
            self.fail(f"{path}.{key}", _("应为文字"))
            return ""
        if required and not value.strip():
            self.fail(f"{path}.{key}", _("不能为空"))
        elif len(value) > max_length:
            self.fail(f"{path}.{key}", _("超过 %(n)d 个字符") % {"n": max_length})
        return value.strip() if required else value

    def integer(self, data, key, path, *, low, high) -> int:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(
                f"{path}.{key}",
                _("应为 %(low)d 至 %(high)d 的整数，实为 %(value)s")
                % {"low": low, "high": high, "value": json.dumps(value, ensure_ascii=False)[:40]},
            )
            return low
        return value

    def instant(self, data, key, path) -> datetime | None:
        value = data.get(key)
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.fail(
                f"{path}.{key}", _("应为带时区的 ISO 8601 时间，如 2026-12-06T09:30:00+08:00")
            )
            return None
        return moment

    def obj(self, data, key, path, *, nullable=False) -> dict | None:
        value = data.get(key)
        if value is None and nullable:
            return None
        if not isinstance(value, dict):
            self.fail(f"{path}.{key}".lstrip("."), _("应为对象（{…}）"))
            return None
        return value

    def array(self, data, key, path, *, limit) -> list:
        value = data.get(key)
        if not isinstance(value, list):
            self.fail(f"{path}.{key}".lstrip("."), _("应为列表（[…]）"))
            return []
        if len(value) > limit:
            self.fail(f"{path}.{key}".lstrip("."), _("超过 %(n)d 项") % {"n": limit})
            return []
        return value


@dataclass
class CheckedPackage:
    manifest: dict
    revised_at: datetime
    exported_at: datetime
    files: dict[str, TemporaryUploadedFile]  # by member path, each checked

    @property
    def content_sha256(self) -> str:
        """What the package says about the course, without its timestamps: the same
        digest means re-importing would change nothing."""
        manifest = self.manifest
        course = {key: value for key, value in manifest["course"].items() if key != "revised_at"}
        content = {
            "course": course,
            "outline": manifest["outline"],
            "series": manifest["series"],
            "courseware": [
                [item["sha256"], item["original_name"], item.get("note", "")]
                for item in manifest["courseware"]
            ],
            "score": manifest.get("score"),
        }
        canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_manifest(manifest: dict, files: dict[str, zipfile.ZipInfo]):
    """(revised_at, exported_at) once every field is right; else PackageRejected with all
    the problems. Normalises text fields in place."""
    if manifest.get("format") != FORMAT:
        raise PackageRejected(
            [
                _("manifest.json 的 format 应为「%(format)s」，这不是党课平台的课程包")
                % {"format": FORMAT}
            ]
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PackageRejected([_("manifest.json 的 format_version 应为正整数")])
    if version > FORMAT_VERSION:
        raise PackageRejected(
            [
                _(
                    "课程包的格式版本为 %(version)d，本平台只支持到第 %(supported)d 版："
                    "请先升级本平台，或请对方导出第 %(supported)d 版的课程包"
                )
                % {"version": version, "supported": FORMAT_VERSION}
            ]
        )
    check = _ManifestCheck()
    exported_at = check.instant(manifest, "exported_at", "")
    origin = check.obj(manifest, "origin", "") or {}
    check.text(origin, "installation", "origin", max_length=200)
    region = check.obj(origin, "region", "origin") or {}
    code = region.get("code")
    if not isinstance(code, str) or not REGION_CODE.match(code):
        check.fail("origin.region.code", _("应为 2 至 12 位数字的行政区划代码"))
    check.text(region, "name", "origin.region", max_length=200)

    course = check.obj(manifest, "course", "") or {}
    for key, limit in (("code", 32), ("title", 200)):
        course[key] = check.text(course, key, "course", max_length=limit)
    if course.get("category") not in CourseCategory.values:
        check.fail(
            "course.category",
            _("应为 %(values)s 之一") % {"values": "、".join(CourseCategory.values)},
        )
    course["summary"] = check.text(course, "summary", "course", max_length=20000, required=False)
    check.integer(course, "duration_minutes", "course", low=1, high=32767)
    revised_at = check.instant(course, "revised_at", "course")

    positions = set()
    for index, item in enumerate(check.array(manifest, "outline", "", limit=MAX_OUTLINE_ITEMS)):
        path = f"outline[{index}]"
        if not isinstance(item, dict):
            check.fail(path, _("应为对象（{…}）"))
            continue
        position = check.integer(item, "position", path, low=1, high=999)
        if position in positions:
            check.fail(f"{path}.position", _("与前面的知识点序号重复"))
        positions.add(position)
        item["title"] = check.text(item, "title", path, max_length=200)
        check.integer(item, "planned_minutes", path, low=1, high=600)
        item["keywords"] = check.text(item, "keywords", path, max_length=200, required=False)

    series = check.obj(manifest, "series", "", nullable=True)
    if series is not None:
        series["name"] = check.text(series, "name", "series", max_length=120)
        series["description"] = check.text(
            series, "description", "series", max_length=20000, required=False
        )

    listed = set()
    versions = set()
    for index, item in enumerate(
        check.array(manifest, "courseware", "", limit=MAX_COURSEWARE_FILES)
    ):
        path = f"courseware[{index}]"
        if not isinstance(item, dict):
            check.fail(path, _("应为对象（{…}）"))
            continue
        version = check.integer(item, "version", path, low=1, high=1_000_000)
        if version in versions:
            check.fail(f"{path}.version", _("与前面的课件版本号重复"))
        versions.add(version)
        name = check.text(item, "original_name", path, max_length=200)
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if name and extension not in KINDS:
            check.fail(
                f"{path}.original_name",
                _("的类型「%(ext)s」不是可导入的课件类型（%(allowed)s）")
                % {"ext": extension or _("无扩展名"), "allowed": "、".join(sorted(KINDS))},
            )
        check.integer(item, "size_bytes", path, low=1, high=max(settings.COURSEWARE_MAX_BYTES, 1))
        sha = item.get("sha256")
        if not isinstance(sha, str) or not SHA256.match(sha):
            check.fail(f"{path}.sha256", _("应为 64 位小写十六进制的 SHA-256 值"))
        item["note"] = check.text(item, "note", path, max_length=200, required=False)
        member = item.get("path")
        if not isinstance(member, str) or not member.startswith(FILES_FOLDER):
            check.fail(f"{path}.path", _("应为 courseware/ 下的文件路径"))
        elif member in listed:
            check.fail(f"{path}.path", _("与前面的课件指向同一个文件"))
        elif member not in files:
            check.fail(f"{path}.path", _("指向的文件「%(name)s」不在课程包中") % {"name": member})
        listed.add(member)

    score = check.obj(manifest, "score", "", nullable=True)
    if score is not None:
        value = score.get("score")
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 100:
            check.fail("score.score", _("应为 0 至 100 的数"))
        ci95 = score.get("ci95")
        if ci95 is not None and not (
            isinstance(ci95, list)
            and len(ci95) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in ci95)
        ):
            check.fail("score.ci95", _("应为两个数的列表 [下限, 上限] 或 null"))
        check.integer(score, "n_responses", "score", low=0, high=100_000_000)
        check.integer(score, "n_lessons", "score", low=0, high=10_000_000)

    for name in sorted(set(files) - listed - {MANIFEST}):
        check.problems.append(
            _("课程包中的「%(name)s」未列在 manifest.json 的 courseware 中") % {"name": name[:100]}
        )
    if check.problems:
        raise PackageRejected(check.problems)
    return revised_at, exported_at


def _extract_checked(archive, info: zipfile.ZipInfo, entry: dict) -> TemporaryUploadedFile:
    """The member as a temporary file once its size, sha256 and content are right."""
    label = _("课件「%(name)s」（%(path)s）") % {
        "name": entry["original_name"],
        "path": entry["path"],
    }
    if info.file_size != entry["size_bytes"]:
        raise PackageRejected(
            [
                _("%(file)s的大小为 %(size)d 字节，与清单中的 %(declared)d 字节不符")
                % {"file": label, "size": info.file_size, "declared": entry["size_bytes"]}
            ]
        )
    temporary = TemporaryUploadedFile(
        entry["original_name"], "application/octet-stream", info.file_size, None
    )
    try:
        digest = hashlib.sha256()
        written = 0
        try:
            with archive.open(info) as source:
                for chunk in iter(lambda: source.read(READ_CHUNK), b""):
                    written += len(chunk)
                    if written > entry["size_bytes"]:
                        break
                    digest.update(chunk)
                    temporary.write(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise PackageRejected(
                [_("%(file)s读取失败（课程包不完整或已损坏）") % {"file": label}]
            ) from error
        if written != entry["size_bytes"] or digest.hexdigest() != entry["sha256"]:
            raise PackageRejected(
                [
                    _("%(file)s的 SHA-256 校验值与清单不符（文件在导出后被改动或已损坏）")
                    % {"file": label}
                ]
            )
        temporary.flush()
        temporary.size = written
        temporary.seek(0)
        try:
            check_courseware(temporary)
        except UploadRejected as error:
            raise PackageRejected([f"{label}：{error}"]) from error
        temporary.seek(0)
        return temporary
    except BaseException:
        temporary.close()
        raise


@contextlib.contextmanager
def checked_package(source):
    """A CheckedPackage of `source` (a path or a binary file), its files in temporary files
    removed on leaving; PackageRejected with every reason when anything is wrong."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise PackageRejected(
            [_("文件不是有效的 zip 课程包（可能不完整、已损坏，或不是课程包）")]
        ) from error
    extracted: dict[str, TemporaryUploadedFile] = {}
    try:
        members = _check_members(archive)
        manifest = _read_manifest(archive, members)
        revised_at, exported_at = _check_manifest(manifest, members)
        problems = []
        for entry in manifest["courseware"]:
            try:
                extracted[entry["path"]] = _extract_checked(archive, members[entry["path"]], entry)
            except PackageRejected as error:
                problems.extend(error.problems)
        if problems:
            raise PackageRejected(problems)
        yield CheckedPackage(manifest, revised_at, exported_at, extracted)
    finally:
        for temporary in extracted.values():
            temporary.close()
        archive.close()


# ---------------------------------------------------------------- import


def import_package(source, *, region, actor, scope=None) -> ImportResult:
    """Import the package at `source` as a course of `region` (see the module's doc).
    `scope`, when given, must administer `region`."""
    if scope is not None and not scope.manages_region(region.code):
        raise PermissionDenied(_("只能把课程包导入到您管理的区划"))
    with checked_package(source) as package:
        stored: list[tuple] = []  # (storage, name) of files written, removed on failure
        try:
            with transaction.atomic():
                return _apply(package, region, actor, stored)
        except BaseException as error:
            for storage, name in stored:
                storage.delete(name)
            if isinstance(error, IntegrityError):
                raise PackageRejected([_("同一课程包正在被另一次导入处理，请稍后再试")]) from error
            raise


def _free_code(code: str) -> str:
    """`code` when no course of this installation has it yet, else `code-2`, `code-3`…"""
    candidate, number = code, 1
    while (
        Course.objects.unscoped("course codes are unique across the installation")
        .filter(code=candidate)
        .exists()
    ):
        number += 1
        suffix = f"-{number}"
        candidate = code[: 32 - len(suffix)] + suffix
    return candidate


def _series_for(region, data: dict | None):
    if not data:
        return None
    series = (
        CourseSeries.objects.unscoped("a series of the importing region")
        .filter(region=region, name=data["name"])
        .first()
    )
    return series or CourseSeries.objects.create(
        region=region, name=data["name"], description=data["description"]
    )


def _apply(package: CheckedPackage, region, actor, stored: list) -> ImportResult:
    manifest = package.manifest
    origin_data, data = manifest["origin"], manifest["course"]
    key = {
        "region": region,
        "installation": origin_data["installation"].strip(),
        "origin_region_code": origin_data["region"]["code"],
        "origin_code": data["code"],
    }
    origin = (
        CourseOrigin.objects.unscoped("an earlier import of this package")
        .select_for_update()
        .select_related("course")
        .filter(**key)
        .first()
    )
    digest = package.content_sha256
    revised = timezone.localtime(package.revised_at).strftime("%Y-%m-%d %H:%M")
    if origin is not None and origin.content_sha256 == digest:
        return ImportResult(
            origin.course,
            ImportOutcome.UNCHANGED,
            message=_("课程「%(title)s」已导入过这一版本（来源修订于 %(revised)s），未作任何改动")
            % {"title": origin.course.title, "revised": revised},
        )
    if origin is not None and package.revised_at < origin.revised_at:
        raise PackageRejected(
            [
                _("课程包的版本（来源修订于 %(package)s）早于已导入的版本（%(imported)s），未导入")
                % {
                    "package": revised,
                    "imported": timezone.localtime(origin.revised_at).strftime("%Y-%m-%d %H:%M"),
                }
            ]
        )
    fields = {
        "title": data["title"],
        "category": data["category"],
        "summary": data["summary"],
        "duration_minutes": data["duration_minutes"],
        "series": _series_for(region, manifest["series"]),
    }
    if origin is None:
        course = Course.objects.create(code=_free_code(data["code"]), region=region, **fields)
        origin = CourseOrigin(course=course, imported_by=actor, **key)
        known_files: set[str] = set()
    else:
        course = origin.course
        for name, value in fields.items():
            setattr(course, name, value)
        course.save()
        course.outline.all().delete()
        known_files = {_sha256_of(item.file) for item in course.courseware.all() if item.file}
    OutlineItem.objects.bulk_create(
        OutlineItem(
            course=course,
            position=item["position"],
            title=item["title"],
            planned_minutes=item["planned_minutes"],
            keywords=item["keywords"],
        )
        for item in manifest["outline"]
    )
    added = _add_courseware(course, package, known_files, actor, stored)
    origin.origin_region_name = origin_data["region"]["name"].strip()
    origin.revised_at = package.revised_at
    origin.exported_at = package.exported_at
    origin.content_sha256 = digest
    origin.format_version = manifest["format_version"]
    origin.score = manifest.get("score")
    created = origin.pk is None
    origin.save()
    source = f"{origin.installation} · {origin.origin_region_name} · {origin.origin_code}"
    record_audit(
        course,
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        field="package",
        to_value=_("课程包（来源修订于 %(revised)s）") % {"revised": revised},
        reason=source,
    )
    versions = "、".join(f"v{version}" for version in added) or _("无")
    if created:
        message = _(
            "已导入课程「%(title)s」（来源：%(source)s），知识点 %(n)d 个，课件 %(versions)s"
        )
        outcome = ImportOutcome.CREATED
    else:
        message = _(
            "已更新课程「%(title)s」（来源：%(source)s）：知识点 %(n)d 个，新增课件 %(versions)s"
        )
        outcome = ImportOutcome.UPDATED
    message %= {
        "title": course.title,
        "source": source,
        "n": len(manifest["outline"]),
        "versions": versions,
    }
    return ImportResult(course, outcome, added, message)


def _add_courseware(course, package: CheckedPackage, known_files, actor, stored) -> list[int]:
    """Add the package's files the course does not have yet, as new versions in the
    package's order; their storage names go to `stored` for the caller to remove on failure."""
    latest = course.courseware.aggregate(v=Max("version"))["v"] or 0
    added = []
    for entry in sorted(package.manifest["courseware"], key=lambda item: item["version"]):
        if entry["sha256"] in known_files:
            continue
        latest += 1
        temporary = package.files[entry["path"]]
        courseware = Courseware(
            course=course,
            version=latest,
            original_name=entry["original_name"],
            kind=entry["original_name"].rsplit(".", 1)[-1].lower(),
            size_bytes=temporary.size,
            note=entry["note"],
            uploaded_by=actor,
        )
        courseware.file.save(entry["original_name"], temporary, save=False)
        stored.append((courseware.file.storage, courseware.file.name))
        courseware.save()
        added.append(latest)
    return added
