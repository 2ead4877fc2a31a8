"""A spreadsheet's rows, whatever it came as: XLSX, or CSV the way Excel in China saves it.

A CSV's encoding is told from its bytes: a byte-order mark is UTF-8 with BOM (Excel's "CSV UTF-8"), bytes that
decode as UTF-8 are UTF-8, anything else is GB18030 (Excel's plain "CSV" on a Chinese Windows, a superset of GBK
and GB2312). The file is judged by its content, never by its name.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # the old .xls


@dataclass
class Sheet:
    headers: list[str]
    # (the row's number as the spreadsheet shows it, {header: value}); blank rows are left out.
    rows: list[tuple[int, dict]]


def _refuse(message: str):
    raise ValidationError({"file": [message]})


def read_sheet(data: bytes) -> Sheet:
    """The header row and the data rows of the file's first sheet; a field error on `file` for anything else."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        _refuse(
            _("The file is larger than %(size)s MB: split it into several.")
            % {"size": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        _refuse(_("The file is empty."))
    if data.startswith(OLE_SIGNATURE):
        _refuse(_("This is an old Excel file (.xls): save it as .xlsx or CSV and upload it again."))
    return _sheet(_xlsx_rows(data) if data.startswith(ZIP_SIGNATURE) else _csv_rows(data))


def _xlsx_rows(data: bytes):
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        _refuse(_("The file is neither an Excel workbook (.xlsx) nor a CSV file."))
    sheet = book.worksheets[0]
    # Files written by other programs may state wrong dimensions; read every row there is.
    sheet.reset_dimensions()
    try:
        rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return rows


def _cell(value):
    """A cell's value as the row handlers read it: text stripped, whole numbers without ".0", dates as dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float):
        # 13912345678 typed into a cell comes back 13912345678.0; 0.1 + 0.2 kind of floats as Excel shows them.
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        _refuse(_("The file is neither an Excel workbook (.xlsx) nor a CSV file."))


def _csv_rows(data: bytes):
    if b"\x00" in data:
        _refuse(_("The file is neither an Excel workbook (.xlsx) nor a CSV file."))
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error:
        _refuse(_("The file is neither an Excel workbook (.xlsx) nor a CSV file."))


def _blank(row) -> bool:
    return all(value == "" for value in row)


def _sheet(rows: list[list]) -> Sheet:
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if not _blank(row)]
    if not numbered:
        _refuse(_("The file is empty."))
    _number, header_row = numbered[0]
    headers = [str(value) for value in header_row]
    # Columns past the last named one carry nothing a mapping could name.
    while headers and headers[-1] == "":
        headers.pop()
    named = [h for h in headers if h]
    seen = set()
    for header in named:
        if header in seen:
            _refuse(_("Two columns are both headed “%(header)s”: rename one.") % {"header": header})
        seen.add(header)
    if len(named) != len(headers):
        _refuse(_("Every column with data needs a header in the first row."))
    data_rows = numbered[1:]
    if len(data_rows) > settings.IMPORT_MAX_ROWS:
        _refuse(
            _("The file has %(rows)s rows; one import takes at most %(most)s.")
            % {"rows": len(data_rows), "most": settings.IMPORT_MAX_ROWS}
        )
    if not data_rows:
        _refuse(_("The file has a header row but no data rows."))
    return Sheet(
        headers=headers,
        rows=[
            (number, {h: (row[i] if i < len(row) else "") for i, h in enumerate(headers)}) for number, row in data_rows
        ],
    )
