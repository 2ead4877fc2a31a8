"""Invoices and payments from the company's past (an import of its history): see sales.services_history.

A historical invoice bills everything shipped of its order and is issued when it was; a historical payment pays it,
received on its day, allocated to it in full. Their amounts are the live services': the same line amounts, tax and
settling (an invoice paid to the cent is paid, an order delivered and paid closes, on the payment's moment).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.scoping import ensure_all_in_scope, out_of_sight_error
from gendan.core import events
from gendan.core.bounds import decimal_problems
from gendan.core.errors import ApplicationError, ErrorCode, ItemErrors
from gendan.core.money import round_money
from gendan.core.numbering import next_numbers, numbers_taken
from gendan.core.services import require_perm, save_all
from gendan.sales.services import lock_orders_with_lines
from gendan.sales.services_history import history_date_errors, orders_import_progress

from .models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from .services import INVOICE_NUMBER_SERIES, invoice_lines_for, invoices_lines_save

NUMBER_MAX_LENGTH = Invoice._meta.get_field("number").max_length


@events.batched
def invoices_import(*, actor, invoices: list[dict]) -> list[Invoice]:
    """For each item's `order`, an issued invoice of everything shipped and not invoiced, issued at its `issued_at`,
    due after the order's terms. `number`: the company's own; none, the next of its kind's series in the month it
    was issued (and a given one the series could produce moves its counter past it). A batch (an import's): refused
    items raise ItemErrors (by position); nothing of the batch is kept."""
    require_perm(actor, "finance.add_invoice")
    require_perm(actor, "finance.issue_invoice")
    numbers = [(item.get("number") or "").strip() for item in invoices]
    here = set(Invoice.objects.filter(number__in={n for n in numbers if n}).values_list("number", flat=True))
    locked = lock_orders_with_lines([item["order"].pk for item in invoices], actor=actor, related=["customer"])
    refused: dict[int, Exception] = {}
    made = []
    invoiced_here = set()
    for index, (item, number) in enumerate(zip(invoices, numbers, strict=True)):
        issued_at = item["issued_at"]
        errors = history_date_errors({"issued_at": issued_at})
        if len(number) > NUMBER_MAX_LENGTH:
            errors["number"] = [_("An invoice number has at most %(count)s characters.") % {"count": NUMBER_MAX_LENGTH}]
        elif number in here:
            errors["number"] = [_("An invoice with this number is already here.")]
        elif number:
            here.add(number)
        order, lines = locked[item["order"].pk]
        if order.confirmed_at and issued_at < order.confirmed_at and "issued_at" not in errors:
            errors["issued_at"] = [_("An invoice cannot be issued before its order was placed.")]
        items = [(line, line.shipped_quantity - line.invoiced_quantity) for line in lines]
        items = [(line, quantity) for line, quantity in items if quantity > 0]
        if errors:
            refused[index] = ValidationError(errors)
        elif not items or order.pk in invoiced_here:
            refused[index] = ApplicationError(
                _("Nothing on this order is shipped and not yet invoiced."), ErrorCode.OVER_QUANTITY
            )
        else:
            invoiced_here.add(order.pk)
            made.append((number, issued_at, order, lines, items))
    if refused:
        raise ItemErrors(refused)
    # Of the kind the customer gets, as issued then: a special VAT invoice's buyer details are not asked for again,
    # the tax office took it as it was. Numbered in the kind's series, unless the company gave its own.
    by_kind: dict[str, list] = {}
    for entry in made:
        by_kind.setdefault(entry[2].customer.invoice_kind, []).append(entry)
    saved_by_order = {}
    for kind, entries in by_kind.items():
        series = INVOICE_NUMBER_SERIES[kind]
        given = [number for number, *_rest in entries if number]
        numbered = iter(next_numbers(series, [issued_at for number, issued_at, *_rest in entries if not number]))
        numbers_taken(series, given)
        for number, issued_at, order, _lines, items in entries:
            invoice_lines, subtotal, tax = invoice_lines_for(items, order)
            customer = order.customer
            invoice = Invoice(
                number=number or next(numbered),
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
                due_date=timezone.localdate(issued_at) + datetime.timedelta(days=order.payment_terms_days),
                created_by=actor,
                **{f"buyer_{detail}": value for detail, value in customer.invoice_buyer().items()},
            )
            saved_by_order[order.pk] = (invoice, invoice_lines, items, order)
    # In the order of the batch, whatever their kinds.
    saved = [saved_by_order[order.pk] for _number, _at, order, _lines, _items in made]
    Invoice.objects.bulk_create([invoice for invoice, *_rest in saved])
    # Made when issued: the invoice lists sort by when invoices were made.
    Invoice.objects.filter(pk__in=[invoice.pk for invoice, *_rest in saved]).update(created_at=F("issued_at"))
    invoices_lines_save(saved)
    lines_of = {order.pk: lines for _number, _at, order, lines, _items in made}
    passed = orders_import_progress([(order, lines_of[order.pk], invoice.issued_at) for invoice, *_r, order in saved])
    for (invoice, _invoice_lines, _items, order), order_status in zip(saved, passed, strict=True):
        invoice.created_at = invoice.issued_at
        events.record(
            actor,
            "invoice.imported",
            invoice,
            data={
                "issued_at": invoice.issued_at,
                "due_date": invoice.due_date,
                "total": invoice.total,
                "order_status": order_status,
            },
            root=order,
        )
    return [invoice for invoice, *_rest in saved]


@events.batched
def payments_import(*, actor, payments: list[dict]) -> list[Payment]:
    """For each item, money received at its `received_at` for its `invoice` (issued, of an order from history),
    allocated to it in full: `amount`, and optionally `method` and `completes_at` (when the order's history ends,
    should this payment close it: the money may have come before the goods were signed for (款到发货), and an order
    closes on the later of the two; `received_at` by default). A batch (an import's): refused items raise ItemErrors
    (by position); nothing of the batch is kept."""
    require_perm(actor, "finance.add_payment")
    # The orders first, then their invoices: the lock order of every service.
    locked = lock_orders_with_lines([item["invoice"].order_id for item in payments], actor=actor)
    invoices = Invoice.objects.select_for_update(of=("self",)).in_bulk([item["invoice"].pk for item in payments])
    refused: dict[int, Exception] = {}
    made = []
    for index, item in enumerate(payments):
        received_at, method = item["received_at"], item.get("method", Payment.Method.BANK_TRANSFER)
        errors = history_date_errors({"received_at": received_at})
        try:
            amount = round_money(item["amount"])
        except (TypeError, ArithmeticError):
            amount = None
        if amount is None or amount <= 0:
            errors["amount"] = [_("Enter an amount above zero.")]
        elif problems := decimal_problems(Payment, "amount", amount):
            errors["amount"] = problems
        invoice = invoices.get(item["invoice"].pk)
        if invoice is None or invoice.order_id != item["invoice"].order_id:
            refused[index] = out_of_sight_error()
            continue
        order, lines = locked[invoice.order_id]
        if order.confirmed_at and received_at < order.confirmed_at and "received_at" not in errors:
            errors["received_at"] = [_("Money cannot be received for an order before it was placed.")]
        if "amount" not in errors and invoice.status == InvoiceStatus.ISSUED and amount > invoice.open_amount:
            errors["amount"] = [_("Only %(open)s of the invoice is open.") % {"open": invoice.open_amount}]
        if errors:
            refused[index] = ValidationError(errors)
        elif invoice.status != InvoiceStatus.ISSUED:
            refused[index] = ApplicationError(
                _("Invoice %(number)s is %(status)s; only issued invoices take payments.")
                % {"number": invoice.number, "status": invoice.get_status_display()},
                ErrorCode.TRANSITION_NOT_ALLOWED,
            )
        else:
            # Applied as it is checked: a second payment of the invoice in the batch finds what the first left open.
            invoice.amount_paid += amount
            if invoice.open_amount <= 0:
                invoice.status = InvoiceStatus.PAID
            order.amount_paid += amount
            payment = Payment(
                customer_id=invoice.customer_id,
                amount=amount,
                currency=invoice.currency,
                method=method,
                received_on=timezone.localdate(received_at),
                allocated_amount=amount,
                created_by=actor,
            )
            at = max(received_at, item.get("completes_at") or received_at)
            made.append((payment, received_at, invoice, order, lines, at))
    if refused:
        raise ItemErrors(refused)
    numbers = next_numbers("payment", [received_at for _payment, received_at, *_rest in made])
    for number, (payment, *_rest) in zip(numbers, made, strict=True):
        payment.number = number
    Payment.objects.bulk_create([payment for payment, *_rest in made])
    for payment, received_at, *_rest in made:
        payment.created_at = received_at
    # Received when it came: the payment lists sort by when payments were entered (a batch's payments of one day
    # share their moment: save_all's CASE has a branch per day, not per payment).
    save_all([payment for payment, *_rest in made], ["created_at"])
    PaymentAllocation.objects.bulk_create(
        [
            PaymentAllocation(
                payment=payment,
                invoice=invoice,
                amount=payment.amount,
                owner_id=invoice.owner_id,
                received_on=payment.received_on,
            )
            for payment, _received_at, invoice, *_rest in made
        ]
    )
    ensure_all_in_scope(Payment.objects, [payment for payment, *_rest in made], actor)
    save_all({invoice.pk: invoice for _p, _r, invoice, *_rest in made}.values(), ["amount_paid", "status"])
    passed = orders_import_progress([(order, lines, at) for _p, _r, _i, order, lines, at in made])
    for (payment, _received_at, invoice, order, *_rest), order_status in zip(made, passed, strict=True):
        events.record(
            actor,
            "payment.imported",
            payment,
            data={
                "received_on": payment.received_on,
                "amount": payment.amount,
                "method": payment.method,
                "invoice": invoice.pk,
                "invoice_status": invoice.status,
                "order_status": order_status,
            },
            root=order,
        )
    return [payment for payment, *_rest in made]
