"""Reading numbers from junk-prone request fields: an id or a year typed into a URL or a
POST field answers "not found" or the default, never a 500 (issue #17). `str.isdigit`
alone is not enough: it accepts "²" (which int() refuses) and 30-digit numbers (which
SQLite refuses to compare with a 64-bit column)."""

from dangke.core.apicontract import MAX_DB_INT


def db_id(value) -> int | None:
    """A primary key from a request field, or None when it cannot name a row."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_DB_INT else None


def bounded_year(value, default: int) -> int:
    """A year from a request field within 2000–2100, else `default`."""
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return default
