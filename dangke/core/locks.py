"""Transaction locks by name, for upkeep that recounts a key from raw rows (the rollups).

Two transactions recounting one key at once would each delete the key's rows and insert their
own; under READ COMMITTED the second DELETE does not see the first one's rows, so the figures
would double. On PostgreSQL each key is held by a transaction-level advisory lock, released at
commit or rollback; SQLite writes one transaction at a time anyway.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from django.db import connection


def lock_key(namespace: str, key: str) -> int:
    """A signed 64-bit advisory-lock key: the namespace's CRC in the high half, the key's in
    the low (Python's own hash() differs from process to process)."""
    high = zlib.crc32(namespace.encode()) & 0x7FFFFFFF
    return (high << 32) | zlib.crc32(key.encode())


def hold_locks(keys: Iterable[tuple[str, str]]) -> None:
    """Hold a lock on each (namespace, key) until the transaction ends. Taken in one order,
    so two transactions wanting overlapping keys wait rather than deadlock. Call it inside
    `transaction.atomic()`."""
    if connection.vendor != "postgresql":
        return
    ordered = sorted({lock_key(namespace, key) for namespace, key in keys})
    with connection.cursor() as cursor:
        for key in ordered:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
