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
    return next_numbers(doc_type, [at])[0]


def next_numbers(doc_type: str, moments: list) -> list[str]:
    """The next numbers for documents of `doc_type` dated at `moments` (None: now), in their order: `next_number`
    for many documents (an import's), one counter statement per period instead of one per document."""
    pattern = pattern_for(doc_type)
    dated = [timezone.localtime(at) for at in moments]
    periods = [_period_of(pattern, moment) for moment in dated]
    counts: dict[str, int] = {}
    for period in periods:
        counts[period] = counts.get(period, 0) + 1
    # The first sequence of each period's block.
    following = {period: _take(doc_type, period, count) - count + 1 for period, count in counts.items()}
    numbers = []
    for moment, period in zip(dated, periods, strict=True):
        seq, following[period] = following[period], following[period] + 1
        # Uppercase whatever the pattern's letters: a search finds numbers by the prefix of the
        # uppercased term, on their unique index (core.search).
        numbers.append(format_number(pattern, moment, seq).upper())
    return numbers


def _take(doc_type: str, period: str, count: int) -> int:
    """Move the period's counter on by `count` and return its new last value, creating it if need be."""
    last = _bump(doc_type, period, count)
    if last is None:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(doc_type=doc_type, period=period, last_value=count)
            last = count
        except IntegrityError:
            # Another transaction created the period's counter first: take the next ones.
            last = _bump(doc_type, period, count)
    return last


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
    numbers_taken(doc_type, [number])


def numbers_taken(doc_type: str, numbers) -> None:
    """number_taken for many numbers: each period's counter moved once, past the highest of them."""
    regex = _pattern_regex(pattern_for(doc_type))
    highest: dict[str, int] = {}
    for number in numbers:
        found = regex.fullmatch(number.upper())
        if found is None or "seq" not in found.groupdict():
            continue
        parts = found.groupdict()
        # The period as _period_of writes it: a four-digit year even for {yy} (a two-digit year is this century's).
        year = parts.get("yyyy") or (f"20{parts['yy']}" if parts.get("yy") else None)
        period = "".join(p for p in (year, parts.get("mm"), parts.get("dd")) if p is not None)
        seq = int(parts["seq"])
        if seq <= UNREACHABLE:
            highest[period] = max(seq, highest.get(period, 0))
    for period, seq in highest.items():
        _raise_past(doc_type, period, seq)


def _raise_past(doc_type: str, period: str, seq: int) -> None:
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


def _bump(doc_type: str, period: str, count: int = 1) -> int | None:
    """Add `count` to the period's counter and read it back in one statement; None when there is no counter yet."""
    table = connection.ops.quote_name(NumberCounter._meta.db_table)
    # UPDATE ... RETURNING (PostgreSQL, SQLite >= 3.35): one round trip instead of an UPDATE and a SELECT.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + %s WHERE doc_type = %s AND period = %s RETURNING last_value",
            [count, doc_type, period],
        )
        row = cursor.fetchone()
    return row[0] if row else None
