"""A statement (对账单) as files: the PDF printed from its page's document, and a spreadsheet of the same lines.

WeasyPrint is imported when a PDF is made, so a machine without Pango still serves every other page.
"""

import datetime
import io
from decimal import Decimal

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from gendan.core.exports import XLSX_TYPE

from .models import Statement
from .statements import kind_label


def statement_rows(statement: Statement) -> list[dict]:
    """Its lines as the documents show them: with the kind's name, and the customer's comment on a disputed one."""
    disputed = {dispute.line_index: dispute.comment for dispute in statement.disputes.all()}
    return [
        {**line, "kind_label": kind_label(line["kind"]), "dispute": disputed.get(line["index"])}
        for line in statement.lines
    ]


def statement_pdf(statement: Statement) -> bytes:
    from weasyprint import HTML

    context = {"statement": statement, "rows": statement_rows(statement), "printed_on": timezone.localdate()}
    return HTML(string=render_to_string("finance/statement_pdf.html", context)).write_pdf()


def statement_xlsx(statement: Statement) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = statement.label[:31]
    bold = Font(bold=True)
    sheet.append([_("Statement of account"), statement.label])
    sheet.append([_("Customer"), statement.customer.name])
    sheet.append([_("Period"), statement.period_start, statement.period_end])
    sheet.append([])
    header = [
        _("Date"),
        _("Kind"),
        _("Document"),
        pgettext("statement column", "Debit"),
        pgettext("statement column", "Credit"),
        pgettext("statement column", "Balance"),
    ]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.append([statement.period_start, _("Opening balance"), "", None, None, statement.opening_balance])
    for row in statement_rows(statement):
        sheet.append(
            [
                datetime.date.fromisoformat(row["date"]),
                row["kind_label"],
                row["document"],
                Decimal(row["debit"]),
                Decimal(row["credit"]),
                Decimal(row["balance"]),
            ]
        )
    sheet.append([None, _("Totals"), "", statement.debit_total, statement.credit_total, None])
    sheet.append([statement.period_end, _("Closing balance"), "", None, None, statement.closing_balance])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def statement_file_response(statement: Statement, fmt: str) -> HttpResponse:
    """The PDF shown in the browser, or the spreadsheet downloaded; the page and the API serve the same."""
    if fmt == "pdf":
        response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(False, f"{statement.label}.pdf")
        return response
    response = HttpResponse(statement_xlsx(statement), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{statement.label}.xlsx")
    return response
