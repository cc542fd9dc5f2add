"""Loading millions of rows: PostgreSQL's COPY, with a table's secondary indexes and
constraints set aside during the load and rebuilt once after it.

`CopyRows` has the interface of `members.demo.BulkRows` (`add` returns the row's id,
`finish` writes the rest and moves the sequence on); on SQLite (tests, `make demo`)
`rows_for` hands out a `BulkRows` instead, so the same generator runs on both.

Rows are buffered and written one COPY statement per batch, so several tables can be
filled in the same pass (a connection holds only one COPY at a time). Values go in COPY's
text format, formatted here: the generators write no tab, newline or backslash (their JSON
is `ensure_ascii=False` Chinese and digits), which is checked per batch rather than escaped
per value.
"""

from __future__ import annotations

import datetime
import decimal
import json
import time
from collections import defaultdict

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

BATCH = 50_000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def move_sequence_past_rows(model) -> None:
    """Ids were given in Python: the table's sequence (PostgreSQL) must start after them."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)


def rows_for(model, fields: list[str], *, with_id: bool = True, timings=None):
    if is_postgresql():
        return CopyRows(model, fields, with_id=with_id, timings=timings)
    return BulkRows(model, fields, with_id=with_id)


def _text(value, memo: dict) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):  # a TextChoices member: its value
        return str(value)
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date):  # datetimes too; aware ones keep their offset
        text = memo.get(value)
        if text is None:
            text = memo[value] = value.isoformat()
        return text
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"no COPY text for {type(value).__name__}")


class CopyRows:
    def __init__(self, model, fields: list[str], *, with_id: bool = True, timings=None):
        self.model = model
        self.columns = (["id"] if with_id else []) + [
            model._meta.get_field(name).column for name in fields
        ]
        self.with_id = with_id
        self.rows: list[tuple] = []
        self.next_id = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 if with_id else 0
        self.written = 0
        self.memo: dict = {}
        # Seconds spent in COPY itself, per table (the rest of a phase is generating rows).
        self.timings = timings if timings is not None else defaultdict(float)
        quote = connection.ops.quote_name
        self.sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(c) for c in self.columns)
        )

    def add(self, *values) -> int:
        if self.with_id:
            row_id = self.next_id
            self.next_id += 1
            self.rows.append((row_id, *values))
        else:
            row_id = 0
            self.rows.append(values)
        if len(self.rows) >= BATCH:
            self.flush()
        return row_id

    def flush(self) -> None:
        if not self.rows:
            return
        memo = self.memo
        if len(memo) > 200_000:
            memo.clear()
        lines = []
        for row in self.rows:
            lines.append("\t".join([v if type(v) is str else _text(v, memo) for v in row]))
        block = "\n".join(lines) + "\n"
        tabs, newlines = block.count("\t"), block.count("\n")
        # The only backslashes allowed are those of NULL (\N).
        stray = block.count("\\") != block.count("\\N") or "\r" in block
        if stray or newlines != len(lines) or tabs != len(lines) * (len(self.columns) - 1):
            raise ValueError(f"{self.model._meta.db_table}: a value holds a tab, newline or \\")
        started = time.monotonic()
        with connection.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
            copy.write(block)
        self.timings[self.model._meta.db_table] += time.monotonic() - started
        self.written += len(self.rows)
        self.rows = []

    def finish(self) -> int:
        self.flush()
        if self.with_id:
            move_sequence_past_rows(self.model)
        return self.written


class IndexesAside:
    """The secondary indexes, unique and foreign-key constraints of some tables, dropped
    for a bulk load and rebuilt after it (one sort per index instead of millions of
    inserts, one join per foreign key instead of a trigger per row). Primary keys stay
    (other tables refer to them). Nothing happens outside PostgreSQL."""

    def __init__(self, models):
        self.tables = [model._meta.db_table for model in models]
        self.constraints: list[tuple[str, str, str, str]] = []  # table, name, type, definition
        self.indexes: list[str] = []

    def drop(self) -> None:
        if not is_postgresql():
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT rel.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
                   FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
                   WHERE rel.relname = ANY(%s) AND con.contype IN ('u', 'f')
                   ORDER BY rel.relname, con.conname""",
                [self.tables],
            )
            self.constraints = list(cursor.fetchall())
            cursor.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
                   ORDER BY i.indexname""",
                [self.tables],
            )
            indexes = cursor.fetchall()
            self.indexes = [definition for _name, definition in indexes]
            quote = connection.ops.quote_name
            # Rows written earlier in this transaction leave deferred foreign-key checks
            # pending, and PostgreSQL alters no table with checks pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name, _type, _definition in self.constraints:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")

    def restore(self) -> None:
        if not is_postgresql():
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # Unique constraints first: a foreign key may need the index one of them makes.
            for table, name, _kind, definition in sorted(
                self.constraints, key=lambda c: c[2] != "u"
            ):
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            for definition in self.indexes:
                cursor.execute(definition)
            for table in self.tables:
                cursor.execute(f"ANALYZE {quote(table)}")


BATCH = 10_000
PREPARED_TYPES = {"DateField", "DateTimeField", "DecimalField", "BooleanField"}


class BulkRows:
    """Rows of one table as tuples, written with `executemany`. Ids are assigned from the
    table's current maximum (the demo builds inside one transaction), and PostgreSQL's
    sequence is moved past them afterwards. Dates, decimals and booleans go through the
    field's own database preparation, once per distinct value."""

    def __init__(self, model, fields: list[str], *, with_id: bool = True):
        self.model = model
        self.fields = [model._meta.get_field(name) for name in fields]
        self.with_id = with_id
        self.rows: list[tuple] = []
        self.next_id = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        # Only these columns need the database's own form of a value (text and integers
        # go as they are); each distinct value is prepared once.
        self.prepared = {
            index: {}
            for index, field in enumerate(self.fields)
            if field.get_internal_type() in PREPARED_TYPES
        }
        self.written = 0

    def add(self, *values) -> int:
        row_id = self.next_id
        self.next_id += 1
        if self.prepared:
            values = list(values)
            for index, cache in self.prepared.items():
                value = values[index]
                if value is not None:
                    if value not in cache:
                        cache[value] = self.fields[index].get_db_prep_save(value, connection)
                    values[index] = cache[value]
        self.rows.append((row_id, *values) if self.with_id else tuple(values))
        if len(self.rows) >= BATCH:
            self.flush()
        return row_id

    def flush(self) -> None:
        if not self.rows:
            return
        columns = (["id"] if self.with_id else []) + [field.column for field in self.fields]
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(self.model._meta.db_table),
            ", ".join(quote(column) for column in columns),
            ", ".join(["%s"] * len(columns)),
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, self.rows)
        self.written += len(self.rows)
        self.rows = []

    def finish(self) -> int:
        self.flush()
        if self.with_id:
            move_sequence_past_rows(self.model)
        return self.written
