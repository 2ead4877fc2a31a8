"""Blank templates to fill in: the header row in the chosen language and an example row; an XLSX adds a second
sheet saying what each column takes. A CSV is written in UTF-8 with a byte-order mark, which Excel opens right."""

import csv
import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .columns import FILE_NAMES, NOTES, columns_of

LANGUAGES = ("zh-hans", "en")
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def template_name(kind: str, lang: str, fmt: str) -> str:
    zh, en = FILE_NAMES[kind]
    return f"{zh if lang == 'zh-hans' else en}.{fmt}"


def template_file(kind: str, lang: str, fmt: str) -> bytes:
    columns = columns_of(kind)
    headers = [c.header(lang) for c in columns]
    example = [c.example(lang) for c in columns]
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerow(example)
        return out.getvalue().encode("utf-8-sig")
    book = Workbook()
    sheet = book.active
    with translation.override(lang):
        sheet.title = _("Data")
        sheet.append(headers)
        sheet.append(example)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(header) * 2)
        notes = book.create_sheet(_("Columns"))
        notes.append([_("Column"), _("Required"), _("What it takes")])
        for cell in notes[1]:
            cell.font = Font(bold=True)
        for column in columns:
            notes.append([column.header(lang), _("Yes") if column.required else "", str(column.help)])
        notes.append([])
        notes.append(
            [
                _(
                    "Fill in the first sheet from its second row on (replace the example). Columns may be in any order; a column left out is empty for every row. Columns marked * are needed in every row."
                )
            ]
        )
        if kind in NOTES:
            notes.append([str(NOTES[kind])])
        notes.column_dimensions["A"].width = 24
        notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
