"""What a customer's statement of account (对账单) says, defined once: for the statement written, its page, PDF,
spreadsheet and API.

The opening balance is what the customer owed before the period: every invoice issued before it, less every
credit note issued and every payment received before it, plus every refund paid before it. The lines are the
same documents dated in the period, by date (invoices, then credit notes, refunds and payments of one day), each
with the running balance; the closing balance is the opening plus the debits (invoices, refunds) less the credits
(credit notes, payments). Prepayments count when received, so a balance may be below zero: the customer is in
credit. Money is Decimal from the database to the line.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from gendan.core.money import SummedMoney

from .models import CreditNote, CreditNoteStatus, Invoice, InvoiceStatus, Payment, Refund

ZERO = Decimal("0.00")
_MONEY = SummedMoney()


# The kinds of line, in the order a day's lines are listed; their names as the statement shows them.
KINDS = {
    "invoice": pgettext_lazy("statement line", "Invoice"),
    "credit_note": pgettext_lazy("statement line", "Credit note"),
    "refund": pgettext_lazy("statement line", "Refund"),
    "payment": pgettext_lazy("statement line", "Payment"),
}
DEBIT_KINDS = {"invoice", "refund"}


@dataclass(frozen=True)
class StatementFigures:
    opening_balance: Decimal
    lines: list[dict]
    debit_total: Decimal
    credit_total: Decimal
    closing_balance: Decimal


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _sum(queryset, field: str) -> Decimal:
    return queryset.aggregate(total=Sum(field, output_field=_MONEY))["total"] or ZERO


def _issued_invoices(customer_id):
    # Issued and maybe paid since; a draft or cancelled invoice was never owed.
    return Invoice.objects.filter(
        customer_id=customer_id, issued_at__isnull=False, status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PAID]
    )


def _issued_credit_notes(customer_id):
    return CreditNote.objects.filter(customer_id=customer_id, status=CreditNoteStatus.ISSUED)


def opening_balance(customer_id: int, before: datetime.date) -> Decimal:
    start = _day_start(before)
    return (
        _sum(_issued_invoices(customer_id).filter(issued_at__lt=start), "total")
        - _sum(_issued_credit_notes(customer_id).filter(issued_at__lt=start), "total")
        - _sum(Payment.objects.filter(customer_id=customer_id, received_on__lt=before), "amount")
        + _sum(Refund.objects.filter(customer_id=customer_id, refunded_on__lt=before), "amount")
    )


def _documents(customer_id: int, start: datetime.date, end: datetime.date) -> list[tuple]:
    """(date, kind order, number, kind, amount) of every document dated in the period."""
    since, until = _day_start(start), _day_start(end + datetime.timedelta(days=1))
    order = {kind: position for position, kind in enumerate(KINDS)}
    rows = []
    for issued_at, number, total in (
        _issued_invoices(customer_id)
        .filter(issued_at__gte=since, issued_at__lt=until)
        .values_list("issued_at", "number", "total")
    ):
        rows.append((timezone.localdate(issued_at), order["invoice"], number, "invoice", total))
    for issued_at, number, total in (
        _issued_credit_notes(customer_id)
        .filter(issued_at__gte=since, issued_at__lt=until)
        .values_list("issued_at", "number", "total")
    ):
        rows.append((timezone.localdate(issued_at), order["credit_note"], number, "credit_note", total))
    for day, number, amount in Refund.objects.filter(
        customer_id=customer_id, refunded_on__gte=start, refunded_on__lte=end
    ).values_list("refunded_on", "number", "amount"):
        rows.append((day, order["refund"], number, "refund", amount))
    for day, number, amount in Payment.objects.filter(
        customer_id=customer_id, received_on__gte=start, received_on__lte=end
    ).values_list("received_on", "number", "amount"):
        rows.append((day, order["payment"], number, "payment", amount))
    return sorted(rows)


def statement_figures(customer_id: int, start: datetime.date, end: datetime.date) -> StatementFigures:
    """The statement of `customer_id` from `start` to `end`, both days included."""
    opening = opening_balance(customer_id, start)
    balance, debits, credits, lines = opening, ZERO, ZERO, []
    for index, (day, _order, number, kind, amount) in enumerate(_documents(customer_id, start, end), start=1):
        amount = Decimal(amount)
        debit, credit = (amount, ZERO) if kind in DEBIT_KINDS else (ZERO, amount)
        balance += debit - credit
        debits += debit
        credits += credit
        lines.append(
            {
                "index": index,
                "date": day.isoformat(),
                "kind": kind,
                "document": number,
                "debit": str(debit),
                "credit": str(credit),
                "balance": str(balance),
            }
        )
    return StatementFigures(opening, lines, debits, credits, opening + debits - credits)


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))
