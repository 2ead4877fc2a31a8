"""Invoices and payments from the company's past (an import of its history): see sales.services_history.

A historical invoice bills everything shipped of its order and is issued when it was; a historical payment pays it,
received on its day, allocated to it in full. Their amounts are the live services': the same line amounts, tax and
settling (an invoice paid to the cent is paid, an order delivered and paid closes, on the payment's moment).
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.scoping import ensure_in_scope
from gendan.core import events
from gendan.core.bounds import decimal_problems
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.money import round_money
from gendan.core.numbering import next_number, number_taken
from gendan.core.services import require_perm
from gendan.sales.services import lock_order_with_lines
from gendan.sales.services_history import history_date_errors, order_import_progress

from .models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from .services import INVOICE_NUMBER_SERIES, invoice_lines_for, invoice_lines_save

NUMBER_MAX_LENGTH = Invoice._meta.get_field("number").max_length


@events.batched
def invoice_import(*, actor, order, issued_at: datetime.datetime, number: str = "") -> Invoice:
    """An issued invoice of everything shipped and not invoiced on `order`, issued at `issued_at`, due after the
    order's terms. `number`: the company's own; none, the next of its kind's series in the month it was issued (and
    a given one the series could produce moves its counter past it)."""
    require_perm(actor, "finance.add_invoice")
    require_perm(actor, "finance.issue_invoice")
    number = (number or "").strip()
    errors = history_date_errors({"issued_at": issued_at})
    if len(number) > NUMBER_MAX_LENGTH:
        errors["number"] = [_("An invoice number has at most %(count)s characters.") % {"count": NUMBER_MAX_LENGTH}]
    elif number and Invoice.objects.filter(number=number).exists():
        errors["number"] = [_("An invoice with this number is already here.")]
    order, lines = lock_order_with_lines(order, actor=actor, related=["customer"])
    if order.confirmed_at and issued_at < order.confirmed_at and "issued_at" not in errors:
        errors["issued_at"] = [_("An invoice cannot be issued before its order was placed.")]
    if errors:
        raise ValidationError(errors)
    items = [(line, line.shipped_quantity - line.invoiced_quantity) for line in lines]
    items = [(line, quantity) for line, quantity in items if quantity > 0]
    if not items:
        raise ApplicationError(_("Nothing on this order is shipped and not yet invoiced."), ErrorCode.OVER_QUANTITY)
    invoice_lines, subtotal, tax = invoice_lines_for(items, order)
    customer = order.customer
    # Of the kind the customer gets, as issued then: a special VAT invoice's buyer details are not asked for again,
    # the tax office took it as it was.
    kind = customer.invoice_kind
    issued_on = timezone.localdate(issued_at)
    invoice = Invoice(
        number=number or next_number(INVOICE_NUMBER_SERIES[kind], at=issued_at),
        kind=kind,
        order=order,
        owner_id=order.owner_id,
        customer=customer,
        currency=order.currency,
        tax_rate=order.tax_rate,
        subtotal=subtotal,
        tax_amount=tax,
        total=subtotal + tax,
        status=InvoiceStatus.ISSUED,
        issued_at=issued_at,
        due_date=issued_on + datetime.timedelta(days=order.payment_terms_days),
        created_by=actor,
        **{f"buyer_{detail}": value for detail, value in customer.invoice_buyer().items()},
    )
    invoice.save(force_insert=True)
    Invoice.objects.filter(pk=invoice.pk).update(created_at=issued_at)
    invoice.created_at = issued_at
    if number:
        number_taken(INVOICE_NUMBER_SERIES[kind], number)
    invoice_lines_save(invoice, invoice_lines, items, order)
    passed = order_import_progress(order=order, lines=lines, at=issued_at)
    events.record(
        actor,
        "invoice.imported",
        invoice,
        data={"issued_at": issued_at, "due_date": invoice.due_date, "total": invoice.total, "order_status": passed},
        root=order,
    )
    return invoice


@events.batched
def payment_import(
    *,
    actor,
    invoice: Invoice,
    amount,
    received_at: datetime.datetime,
    method: str = Payment.Method.BANK_TRANSFER,
    completes_at: datetime.datetime | None = None,
) -> Payment:
    """Money received at `received_at` for `invoice` (issued, of an order from history), allocated to it in full.

    `completes_at`: when the order's history ends, should this payment close it: the money may have come before the
    goods were signed for (款到发货), and an order closes on the later of the two. `received_at` by default.
    """
    require_perm(actor, "finance.add_payment")
    errors = history_date_errors({"received_at": received_at})
    try:
        amount = round_money(amount)
    except (TypeError, ArithmeticError):
        amount = None
    if amount is None or amount <= 0:
        errors["amount"] = [_("Enter an amount above zero.")]
    elif problems := decimal_problems(Payment, "amount", amount):
        errors["amount"] = problems
    # The order first, then its invoice: the lock order of every service.
    order, lines = lock_order_with_lines(invoice.order, actor=actor)
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk, order=order)
    if order.confirmed_at and received_at < order.confirmed_at and "received_at" not in errors:
        errors["received_at"] = [_("Money cannot be received for an order before it was placed.")]
    if "amount" not in errors and invoice.status == InvoiceStatus.ISSUED and amount > invoice.open_amount:
        errors["amount"] = [_("Only %(open)s of the invoice is open.") % {"open": invoice.open_amount}]
    if errors:
        raise ValidationError(errors)
    if invoice.status != InvoiceStatus.ISSUED:
        raise ApplicationError(
            _("Invoice %(number)s is %(status)s; only issued invoices take payments.")
            % {"number": invoice.number, "status": invoice.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
        )
    received_on = timezone.localdate(received_at)
    payment = Payment(
        number=next_number("payment", at=received_at),
        customer_id=invoice.customer_id,
        amount=amount,
        currency=invoice.currency,
        method=method,
        received_on=received_on,
        allocated_amount=amount,
        created_by=actor,
    )
    payment.save(force_insert=True)
    Payment.objects.filter(pk=payment.pk).update(created_at=received_at)
    payment.created_at = received_at
    PaymentAllocation.objects.create(
        payment=payment, invoice=invoice, amount=amount, owner_id=invoice.owner_id, received_on=received_on
    )
    ensure_in_scope(Payment.objects, payment, actor)
    invoice.amount_paid += amount
    if invoice.open_amount <= 0:
        invoice.status = InvoiceStatus.PAID
    invoice.save(update_fields=["amount_paid", "status", "updated_at"])
    order.amount_paid += amount
    passed = order_import_progress(order=order, lines=lines, at=max(received_at, completes_at or received_at))
    events.record(
        actor,
        "payment.imported",
        payment,
        data={
            "received_on": received_on,
            "amount": amount,
            "method": method,
            "invoice": invoice.pk,
            "invoice_status": invoice.status,
            "order_status": passed,
        },
        root=order,
    )
    return payment
