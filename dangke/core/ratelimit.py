"""A rate limit with a true window: at most `limit` hits per key in each fixed window of
`seconds` (by the clock: 12:00:00–12:00:59, 12:01:00–…).

The count is one atomic SQL upsert (`INSERT … ON CONFLICT DO UPDATE SET count = count + 1
RETURNING count`, SQLite ≥ 3.35 and PostgreSQL), so concurrent requests in several
threads or processes never lose a hit. It used Django's cache before, whose `incr` reads
and writes again with the default timeout: the "minute" was five, every request — refused
ones too — re-armed it, and 29 of 380 concurrent counts were lost (issue #29). A window
here ends at its boundary whatever happens in it; old windows are deleted as new ones
start. Keys are opaque (callers hash addresses with the secret key); nothing else is kept."""

import time

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from dangke.core.models import RateWindow

KEEP_SECONDS = 600  # windows older than this are deleted when a new one starts


def hit(
    key: str, *, limit: int, seconds: int = 60, now: float | None = None, using=DEFAULT_DB_ALIAS
) -> bool:
    """Count one hit for `key`; True while the window's count is within `limit`."""
    with transaction.atomic(using=using):
        return count_hit(key, seconds=seconds, now=now, using=using) <= limit


def count_hit(
    key: str, *, seconds: int = 60, now: float | None = None, using=DEFAULT_DB_ALIAS
) -> int:
    """Count one hit for `key` in the caller's transaction and return the window's count
    so far. A caller that writes anyway (a phone's answer sheet) counts in its own
    transaction, so SQLite's write lock is taken once per request instead of twice; a
    refusal must then still commit, so the refused hit stays counted."""
    connection = connections[using]
    now = time.time() if now is None else now
    window_start = int(now // seconds) * seconds
    quote = connection.ops.quote_name
    table, key_, start, count_ = (
        quote(name) for name in (RateWindow._meta.db_table, "key", "window_start", "count")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_}, {start}, {count_}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({key_}, {start}) DO UPDATE SET {count_} = {table}.{count_} + 1 "
            f"RETURNING {count_}",
            [key, window_start],
        )
        (count,) = cursor.fetchone()
    if count == 1:
        RateWindow.objects.using(using).filter(
            window_start__lt=window_start - KEEP_SECONDS
        ).delete()
    return count
