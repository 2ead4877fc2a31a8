"""Credit notes (红字发票 / 贷项通知单): an amount taken off an issued invoice, for a quantity of some of its lines
or as one sum, with a reason.

A credit note never takes more than is open on its invoice (its total less what is paid and credited) nor more
of a line than the line holds less what other credit notes took of it. Issued, it lowers what is open on the
invoice (settled in full, the invoice is paid), what the order and the customer owe, the ageing and the credit
exposure; it is a document of its own from then on, never edited. Locks follow every order service: the order,
then the invoice, then the credit note.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.scoping import ensure_in_scope, require_visible
from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.money import HUNDRED, percent_of, round_money
from gendan.core.numbering import next_number
from gendan.core.services import require_perm, required_text, row_errors
from gendan.sales.models import Order
from gendan.sales.services import lock_order_with_lines, order_refresh_progress

from .instalments import instalments_settle
from .models import (
    INVOICE_STATES,
    CreditNote,
    CreditNoteLine,
    CreditNoteStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from .selectors import credited_quantities

CREATE_PERMISSION = "finance.add_creditnote"
ISSUE_PERMISSION = "finance.issue_invoice"
REASON_MAX_LENGTH = 400


def _lock(invoice_id: int, order_id: int, actor) -> tuple[Invoice, Order, list]:
    order, order_lines = lock_order_with_lines(Order(pk=order_id), actor=actor)
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice_id)
    require_visible(Invoice.objects, invoice, actor)
    return invoice, order, order_lines


def _line_items(invoice: Invoice, rows) -> list[CreditNoteLine]:
    """The credited lines of `rows` [{"invoice_line": InvoiceLine, "quantity": Decimal}], or field errors by row."""
    invoice_lines = {line.pk: line for line in InvoiceLine.objects.filter(invoice=invoice)}
    credited = credited_quantities(invoice)
    items, errors, seen = [], [], set()
    for row in rows:
        given = row.get("invoice_line")
        line = invoice_lines.get(getattr(given, "pk", given))
        problems = {}
        try:
            quantity = Decimal(str(row.get("quantity")))
        except (InvalidOperation, ValueError):
            quantity = None
        if line is None:
            problems["invoice_line"] = [_("Choose a line of this invoice.")]
        elif line.pk in seen:
            problems["invoice_line"] = [_("Each line may appear once.")]
        elif quantity is None or not quantity.is_finite() or quantity <= 0:
            problems["quantity"] = [_("Enter a quantity above zero.")]
        else:
            left = line.quantity - credited.get(line.pk, Decimal("0"))
            if quantity > left:
                problems["quantity"] = [
                    _("Only %(qty)s of this line is left to credit.") % {"qty": f"{left.normalize():f}"}
                ]
        errors.append(problems)
        if problems:
            continue
        seen.add(line.pk)
        amount = round_money(quantity * line.unit_price * (HUNDRED - line.discount_percent) / HUNDRED)
        items.append(CreditNoteLine(invoice_line=line, quantity=quantity, amount=amount))
    if any(errors):
        raise row_errors("lines", errors)
    if not items:
        raise ValidationError({"lines": [_("Choose at least one line to credit.")]})
    return items


def _require_open(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.ISSUED:
        raise ApplicationError(
            _("Invoice %(number)s is %(status)s: only an issued invoice with something open is credited.")
            % {"number": invoice.number, "status": invoice.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": invoice.status},
        )


def _refuse_over(invoice: Invoice, total: Decimal) -> None:
    if total > invoice.open_amount:
        raise ApplicationError(
            _("Invoice %(number)s has only %(open)s open; a credit note of %(amount)s is too much.")
            % {"number": invoice.number, "open": invoice.open_amount, "amount": total},
            ErrorCode.OVER_AMOUNT,
            {"invoice": invoice.pk, "open_amount": str(invoice.open_amount)},
        )


@events.batched
def credit_note_create(
    *, actor, invoice: Invoice, reason: str, lines=None, amount=None, issue: bool = False
) -> CreditNote:
    """A credit note of `invoice`: for `lines` ([{"invoice_line", "quantity"}], their net amounts plus the invoice's
    tax) or for `amount` (tax included, split at the invoice's rate), never both. `issue`: issued at once too."""
    require_perm(actor, CREATE_PERMISSION)
    if issue:
        require_perm(actor, ISSUE_PERMISSION)
    reason = required_text(
        reason, field="reason", missing=_("Say why the customer is credited."), max_length=REASON_MAX_LENGTH
    )
    if (lines is None) == (amount is None):
        raise ValidationError({"amount": [_("Give the lines credited or an amount, one of the two.")]})
    invoice, order, order_lines = _lock(invoice.pk, invoice.order_id, actor)
    _require_open(invoice)
    items = []
    if lines is not None:
        items = _line_items(invoice, lines)
        subtotal = round_money(sum((item.amount for item in items), Decimal("0")))
        tax = percent_of(subtotal, invoice.tax_rate)
        total = subtotal + tax
    else:
        total = round_money(amount)
        if total <= 0:
            raise ValidationError({"amount": [_("Enter an amount above zero.")]})
        subtotal = round_money(total * HUNDRED / (HUNDRED + invoice.tax_rate))
        tax = total - subtotal
    _refuse_over(invoice, total)
    note = CreditNote(
        number=next_number("credit_note"),
        invoice=invoice,
        order=order,
        customer_id=invoice.customer_id,
        owner_id=invoice.owner_id,
        reason=reason,
        currency=invoice.currency,
        tax_rate=invoice.tax_rate,
        subtotal=subtotal,
        tax_amount=tax,
        total=total,
        created_by=actor,
    )
    note.save(force_insert=True)
    ensure_in_scope(CreditNote.objects, note, actor)
    for item in items:
        item.credit_note = note
    CreditNoteLine.objects.bulk_create(items)
    events.record(
        actor,
        "credit_note.created",
        note,
        data={"invoice": invoice.number, "total": total, "reason": reason, "lines": len(items)},
        root=order,
    )
    if issue:
        _issue(note, invoice, order, order_lines, actor)
    return note


@events.batched
def credit_note_issue(*, credit_note: CreditNote, actor) -> CreditNote:
    """Issue a draft: what is open on its invoice is checked again (a payment may have come in since)."""
    require_perm(actor, ISSUE_PERMISSION)
    invoice, order, order_lines = _lock(credit_note.invoice_id, credit_note.order_id, actor)
    note = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
    require_visible(CreditNote.objects, note, actor)
    if note.status != CreditNoteStatus.DRAFT:
        raise ApplicationError(
            _("Credit note %(number)s is already issued.") % {"number": note.number},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": note.status},
        )
    _require_open(invoice)
    _issue(note, invoice, order, order_lines, actor)
    return note


def _issue(note: CreditNote, invoice: Invoice, order: Order, order_lines, actor) -> None:
    """Take the credit note off its invoice, order and customer; the caller holds the order's and invoice's locks."""
    _refuse_over(invoice, note.total)
    note.status = CreditNoteStatus.ISSUED
    note.issued_at = timezone.now()
    note.save(update_fields=["status", "issued_at", "updated_at"])
    events.record(
        actor,
        "credit_note.issued",
        note,
        data={"invoice": invoice.number, "total": note.total, "reason": note.reason},
        root=order,
    )
    invoice.amount_credited += note.total
    if invoice.open_amount > 0:
        invoice.save(update_fields=["amount_credited", "updated_at"])
    else:
        INVOICE_STATES.move(
            invoice,
            InvoiceStatus.PAID,
            actor=actor,
            verb="invoice.paid",
            extra_fields=["amount_credited"],
            data={"credit_note": note.number},
            root=order,
        )
    order.amount_credited += note.total
    order_refresh_progress(order=order, actor=actor, lines=order_lines)
    instalments_settle(order)
