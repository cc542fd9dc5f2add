"""Keys a transaction's writes touched, recounted from the raw rows once, when it commits.

What the rollups share (issue #18): a write names the keys it touches (a county, a county
and year…), before the write too when it may move a row to another key; at commit the keys
are recounted from the raw rows, never by increment arithmetic, under a lock per key
(`core.locks`). A reader inside the same transaction asks for `flush` first, so it sees its
own writes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from django.db import transaction

from dangke.core.locks import hold_locks


class RecountOnCommit:
    """`recount(keys)` of the keys noted since the last flush, in one transaction holding a
    lock on each key (`lock_namespace`, `str(key)`)."""

    def __init__(self, lock_namespace: str, recount: Callable[[set], None]):
        self.lock_namespace = lock_namespace
        self._recount = recount
        self._local = threading.local()

    def _keys(self) -> set:
        if not hasattr(self._local, "keys"):
            self._local.keys = set()
        return self._local.keys

    def note(self, keys: Iterable) -> None:
        noted = self._keys()
        before = len(noted)
        noted.update(keys)
        if len(noted) > before:
            transaction.on_commit(self.flush)  # every call registers; the first empties the set

    def flush(self) -> None:
        """Recount what was noted (idempotent, cheap when nothing was)."""
        keys = set(self._keys())
        self._keys().clear()
        if not keys:
            return
        with transaction.atomic():
            hold_locks((self.lock_namespace, str(key)) for key in sorted(keys, key=str))
            self._recount(keys)

    def noted(self) -> frozenset:
        """What this thread's writes noted and no flush has recounted yet."""
        return frozenset(self._keys())

    def forget(self) -> None:
        """Drop what was noted: a rebuild is about to recount everything."""
        self._keys().clear()
