"""Document numbers from a pattern per document type, e.g. SO{yyyy}{mm}{seq:05}.

Allocated inside the creating transaction: if that transaction rolls back, so does the
counter, so numbers have no gaps from failed creates. The counter is bumped with one
UPDATE ... SET last_value = last_value + 1, which takes the row lock on PostgreSQL and
the write lock on SQLite, so concurrent creates never get the same number.
"""

import re
import time

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import NumberCounter, NumberSequence, pattern_cache

DEFAULT_PATTERNS = {
    "sales_order": "SO{yyyy}{mm}{seq:05}",
    "quotation": "QT{yyyy}{mm}{seq:04}",
    "shipment": "SH{yyyy}{mm}{seq:05}",
    "invoice": "INV{yyyy}{mm}{seq:05}",
    # Special VAT invoices (增值税专用发票, 专票) are counted apart: finance files and reconciles them apart.
    "invoice_special": "ZP{yyyy}{mm}{seq:05}",
    "payment": "PAY{yyyy}{mm}{seq:05}",
    "credit_note": "CN{yyyy}{mm}{seq:05}",
    "refund": "RF{yyyy}{mm}{seq:05}",
    "statement": "DZ{yyyy}{mm}{seq:04}",
    "customer": "C{seq:06}",
    "contract": "HT{yyyy}{mm}{seq:04}",
}

_TOKEN = re.compile(r"\{(yyyy|yy|mm|dd|seq(?::0?(\d+))?)\}")


def _period_of(pattern: str, now) -> str:
    parts = []
    if "{yyyy}" in pattern or "{yy}" in pattern:
        parts.append(f"{now:%Y}")
    if "{mm}" in pattern:
        parts.append(f"{now:%m}")
    if "{dd}" in pattern:
        parts.append(f"{now:%d}")
    return "".join(parts)


def format_number(pattern: str, now, seq: int) -> str:
    def substitute(match):
        token = match.group(1)
        if token == "yyyy":
            return f"{now:%Y}"
        if token == "yy":
            return f"{now:%y}"
        if token == "mm":
            return f"{now:%m}"
        if token == "dd":
            return f"{now:%d}"
        width = int(match.group(2) or 0)
        return str(seq).zfill(width)

    return _TOKEN.sub(substitute, pattern)


# How long a process keeps a pattern it read (in models.pattern_cache) before reading it again.
PATTERN_TTL = 30.0


def forget_patterns() -> None:
    pattern_cache.clear()


def pattern_for(doc_type: str) -> str:
    cached = pattern_cache.get(doc_type)
    if cached is not None and time.monotonic() - cached[1] < PATTERN_TTL:
        return cached[0]
    configured = NumberSequence.objects.filter(doc_type=doc_type).values_list("pattern", flat=True).first()
    pattern = configured or DEFAULT_PATTERNS[doc_type]
    pattern_cache[doc_type] = (pattern, time.monotonic())
    return pattern


def next_number(doc_type: str, at=None) -> str:
    """The next number for `doc_type`. Must run inside the transaction that creates the document.

    `at`: the moment the document is dated, when it records the past (an imported shipment of 2023 is numbered in
    2023's series); now by default.
    """
    pattern = pattern_for(doc_type)
    now = timezone.localtime(at)
    period = _period_of(pattern, now)
    seq = _bump(doc_type, period)
    if seq is None:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(doc_type=doc_type, period=period, last_value=1)
            seq = 1
        except IntegrityError:
            # Another transaction created the period's counter first: take the next one.
            seq = _bump(doc_type, period)
    # Uppercase whatever the pattern's letters: a search finds numbers by the prefix of the
    # uppercased term, on their unique index (core.search).
    return format_number(pattern, now, seq).upper()


# A sequence the live series could never count up to; beyond it a counter's column would overflow.
UNREACHABLE = 10**15


def _pattern_regex(pattern: str) -> re.Pattern:
    """The numbers `pattern` produces, each date token and the sequence captured by name."""
    widths = {"yyyy": 4, "yy": 2, "mm": 2, "dd": 2}
    parts, end, named = [], 0, set()
    for match in _TOKEN.finditer(pattern):
        parts.append(re.escape(pattern[end : match.start()].upper()))
        token = "seq" if match.group(1).startswith("seq") else match.group(1)
        if token in named:
            parts.append(f"(?P={token})")
        else:
            parts.append(rf"(?P<{token}>\d{{{widths[token]}}})" if token in widths else r"(?P<seq>\d+)")
            named.add(token)
        end = match.end()
    parts.append(re.escape(pattern[end:].upper()))
    return re.compile("".join(parts))


def number_taken(doc_type: str, number: str) -> None:
    """Move the counter of `doc_type` past `number`, given elsewhere (an import of the company's own numbers), if
    the pattern could produce it: the live series then never hands it out again. In the caller's transaction.

    A number the pattern cannot produce needs nothing: the series never reaches it.
    """
    pattern = pattern_for(doc_type)
    found = _pattern_regex(pattern).fullmatch(number.upper())
    if found is None or "seq" not in found.groupdict():
        return
    parts = found.groupdict()
    # The period as _period_of writes it: a four-digit year even for {yy} (a two-digit year is this century's).
    year = parts.get("yyyy") or (f"20{parts['yy']}" if parts.get("yy") else None)
    period = "".join(p for p in (year, parts.get("mm"), parts.get("dd")) if p is not None)
    seq = int(parts["seq"])
    if seq > UNREACHABLE:
        return
    if NumberCounter.objects.filter(doc_type=doc_type, period=period, last_value__lt=seq).update(last_value=seq):
        return
    if NumberCounter.objects.filter(doc_type=doc_type, period=period).exists():
        return
    try:
        with transaction.atomic():
            NumberCounter.objects.create(doc_type=doc_type, period=period, last_value=seq)
    except IntegrityError:
        # Created meanwhile by a live number of that period: raise it past ours if it is behind.
        NumberCounter.objects.filter(doc_type=doc_type, period=period, last_value__lt=seq).update(last_value=seq)


def _bump(doc_type: str, period: str) -> int | None:
    """Add one to the period's counter and read it back in one statement; None when there is no counter yet."""
    table = connection.ops.quote_name(NumberCounter._meta.db_table)
    # UPDATE ... RETURNING (PostgreSQL, SQLite >= 3.35): one round trip instead of an UPDATE and a SELECT.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE doc_type = %s AND period = %s RETURNING last_value",
            [doc_type, period],
        )
        row = cursor.fetchone()
    return row[0] if row else None
