"""CSV and XLSX downloads of exactly the rows a list shows, for every list page.

`columns` is a list of (header, accessor): an accessor is a dotted attribute path
("owner.username", "get_level_display"; a callable found on the way is called) or a
function of the row. Rows come from the page's scoped, filtered queryset, so an export
can never contain more than the user may see.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import IO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .numbers import plain_decimal

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Spreadsheet programs run a CSV cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Column = tuple[str, str | Callable]


def _value(row, accessor):
    if callable(accessor):
        return accessor(row)
    value = row
    for part in accessor.split("."):
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value):
            value = value()
    return value


def _plain(value):
    """A value a spreadsheet cell holds: numbers and dates stay typed, the rest becomes text."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        # Spreadsheets have no time zones: show the time as the user's clock reads it.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (bool, int, float, Decimal, datetime.date)):
        return value
    return str(value)


def _csv_text(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal):
        return plain_decimal(value)
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _header_and_values(rows: Iterable, columns: list[Column]):
    headers = [str(header) for header, _accessor in columns]
    table = ([_plain(_value(row, accessor)) for _header, accessor in columns] for row in rows)
    return headers, table


def write_csv(rows: Iterable, columns: list[Column], out: IO[bytes]) -> None:
    """`rows` as CSV (UTF-8 with BOM, so Excel reads Chinese) into `out`, one row at a time."""
    headers, table = _header_and_values(rows, columns)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    text.write("\ufeff")
    writer = csv.writer(text)
    writer.writerow(headers)
    for values in table:
        writer.writerow([_csv_text(v) for v in values])
    # The caller owns `out`: let go of it without closing it.
    text.detach()


def write_xlsx(rows: Iterable, columns: list[Column], out: IO[bytes]) -> None:
    """`rows` as XLSX into `out`; openpyxl's write-only mode spools the rows to disk, not memory."""
    headers, table = _header_and_values(rows, columns)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    bold = Font(bold=True)

    def header_cell(text):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        return cell

    def cell(value):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            # openpyxl would store text starting with "=" as a formula; force it to stay text.
            cell.data_type = "s"
        elif isinstance(value, datetime.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, datetime.date):
            cell.number_format = "yyyy-mm-dd"
        return cell

    sheet.append([header_cell(h) for h in headers])
    for values in table:
        sheet.append([cell(v) for v in values])
    workbook.save(out)


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_TYPE}


def export_response(rows: Iterable, columns: list[Column], fmt: str, filename: str) -> HttpResponse:
    """A download of `rows` as CSV or XLSX, built in memory: for small selections. `filename` has no extension."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    buffer = io.BytesIO()
    WRITERS[fmt](rows, columns, buffer)
    return HttpResponse(
        buffer.getvalue(),
        content_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": content_disposition_header(True, f"{filename}.{fmt}")},
    )
