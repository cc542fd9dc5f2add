"""`dangke backup` / `dangke restore`: the database, every stored file and a manifest.

A backup directory holds `database.dump` (PostgreSQL, `pg_dump --format=custom`) or
`database.sqlite3` (SQLite, the online backup API: consistent while the site runs),
`files/` (everything in the default storage, read through Django's storage API so disk and
S3 back up alike) and `manifest.json`: the row count of every table and the SHA-256 of
every file, checked before anything is restored and compared again after."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from dangke.ops.health import HEALTH_FILE_PREFIX

MANIFEST = "manifest.json"
FORMAT = 1
# Tables `migrate` fills by itself: a database holding only these counts as empty.
MIGRATE_FILLS = {"contenttypes.contenttype", "auth.permission"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


def _tables() -> dict[str, str]:
    return {
        model._meta.label_lower: model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def row_counts(cursor=None) -> dict[str, int]:
    """Rows per table, read through `cursor` (a DB-API cursor on a backup file, or the
    snapshot a dump is taken from) or the default connection."""
    own = cursor is None
    cursor = connection.cursor() if own else cursor
    quote = connection.ops.quote_name
    try:
        counts = {}
        for label, table in _tables().items():
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[label] = cursor.fetchone()[0]
        return counts
    finally:
        if own:
            cursor.close()


def database_is_empty() -> bool:
    return not any(count for label, count in row_counts().items() if label not in MIGRATE_FILLS)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stored_names(prefix: str = "") -> list[str]:
    """Every file name in the default storage, walked through the storage API."""
    try:
        directories, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    names = [f"{prefix}{name}" for name in files]
    for directory in directories:
        names.extend(stored_names(f"{prefix}{directory}/"))
    return sorted(name for name in names if not name.startswith(HEALTH_FILE_PREFIX))


def pg_tool(name: str) -> str:
    """The newest `pg_dump`/`pg_restore` of Debian's packages (a dump needs a client at
    least as new as the server), else the one on PATH."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    found = str(candidates[-1]) if candidates else shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：请安装 postgresql-client")
    return found


def _pg_environment() -> tuple[dict, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", str(db.get("PORT") or "")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
    ):
        if value:
            env[key] = value
    return env, db["NAME"]


def _run(command: list[str], env: dict) -> None:
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} 失败：{finished.stderr.strip()[-2000:]}")


def backup(output: Path) -> dict:
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"目录 {output} 不是空的：请给一个新的备份目录")
    if connection.in_atomic_block:
        raise BackupError("备份要在事务之外运行（它读取的是已提交的数据）")
    output.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        database_file = output / "database.dump"
        env, name = _pg_environment()
        # The counts and the dump read one snapshot, so a busy site's backup still matches
        # its manifest exactly.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            counts = row_counts(cursor)
            _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                  "-f", str(database_file), name], env)  # fmt: skip
    elif connection.vendor == "sqlite":
        database_file = output / "database.sqlite3"
        target = sqlite3.connect(database_file)
        try:
            connection.connection.backup(target)
            counts = row_counts(target.cursor())
        finally:
            target.close()
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    files = {}
    for name in stored_names():
        destination = output / "files" / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, destination.open("wb") as target:
            shutil.copyfileobj(source, target)
        files[name] = sha256(destination)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "database": {
            "vendor": connection.vendor,
            "file": database_file.name,
            "sha256": sha256(database_file),
        },
        "row_counts": counts,
        "files": files,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def read_manifest(source: Path) -> dict:
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (FileNotFoundError, json.JSONDecodeError) as error:
        raise BackupError(f"{source} 不是 dangke 备份目录（{MANIFEST} 缺失或损坏）") from error
    database_file = source / manifest["database"]["file"]
    if not database_file.exists() or sha256(database_file) != manifest["database"]["sha256"]:
        raise BackupError(f"数据库文件 {database_file.name} 缺失或校验和不符")
    for name, digest in manifest["files"].items():
        path = source / "files" / name
        if not path.exists() or sha256(path) != digest:
            raise BackupError(f"文件 {name} 缺失或校验和不符")
    return manifest


def restore(source: Path, *, force: bool = False) -> dict:
    """Restore a backup; returns the tables whose row counts differ afterwards (none when
    it worked)."""
    source = Path(source)
    manifest = read_manifest(source)
    connection.ensure_connection()
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError(
            f"备份来自 {manifest['database']['vendor']}，当前数据库是 {connection.vendor}"
        )
    if not force and not database_is_empty():
        raise BackupError("当前数据库不是空的：恢复会覆盖现有数据。确认无误后加 --force 再运行")
    database_file = source / manifest["database"]["file"]
    if connection.vendor == "postgresql":
        env, name = _pg_environment()
        connection.close()
        _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
              "--single-transaction", "-d", name, str(database_file)], env)  # fmt: skip
    else:
        backup_db = sqlite3.connect(database_file)
        try:
            backup_db.backup(connection.connection)
        finally:
            backup_db.close()
    for name in manifest["files"]:
        if default_storage.exists(name):
            default_storage.delete(name)
        with (source / "files" / name).open("rb") as handle:
            saved = default_storage.save(name, File(handle))
        if saved != name:
            raise BackupError(f"文件 {name} 恢复后名称变为 {saved}")
    counts = row_counts()
    return {
        label: (expected, counts.get(label))
        for label, expected in manifest["row_counts"].items()
        if counts.get(label) != expected
    }
