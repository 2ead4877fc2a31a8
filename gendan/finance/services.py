import datetime
import re
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.scoping import ensure_in_scope, require_visible
from gendan.core import events
from gendan.core.bounds import decimal_problems, ensure_dates
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.money import percent_of, round_money
from gendan.core.numbering import next_number
from gendan.core.services import require_perm, row_errors, save_all
from gendan.crm.models import InvoiceKind
from gendan.sales.credit import CreditStage, credit_check
from gendan.sales.lines import line_amount, order_line_quantities
from gendan.sales.models import Order, OrderLine, OrderStatus
from gendan.sales.services import lock_order_with_lines, order_refresh_progress

from .instalments import instalments_settle, plan_due_date
from .models import INVOICE_STATES, Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentAllocation
from .selectors_worklists import invoices_unpaid

# The number series (core.numbering) of each kind of invoice: normal ones keep the series invoices always had.
INVOICE_NUMBER_SERIES = {InvoiceKind.NORMAL: "invoice", InvoiceKind.SPECIAL: "invoice_special"}
# 发票号码: 8 digits on a paper fapiao (its 发票代码 apart), 20 on a fully digital one (数电票).
FAPIAO_NUMBER = re.compile(r"[0-9]{8,20}")


def _invoiceable(line: OrderLine) -> Decimal:
    return line.shipped_quantity - line.invoiced_quantity


def invoice_lines_for(items, order) -> tuple[list[InvoiceLine], Decimal, Decimal]:
    """The invoice lines of `items` ([(order line, quantity)]) at their order line's price and discount, their
    subtotal and its tax at the order's rate."""
    invoice_lines = [
        InvoiceLine(
            order_line=line,
            quantity=quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            amount=line_amount(quantity, line.unit_price, line.discount_percent),
        )
        for line, quantity in items
    ]
    subtotal = round_money(sum((il.amount for il in invoice_lines), Decimal("0")))
    return invoice_lines, subtotal, percent_of(subtotal, order.tax_rate)


def invoices_lines_save(invoices) -> None:
    """Each saved invoice's lines written, its order lines' invoiced quantities saved with them, and its order's
    amount invoiced moved (saved by the caller, with the order's statuses). `invoices`: [(invoice, its lines, its
    items [(order line, quantity)], its order)], one or a batch (an import's), saved together."""
    for invoice, invoice_lines, _items, _order in invoices:
        for il in invoice_lines:
            il.invoice = invoice
    InvoiceLine.objects.bulk_create(
        [il for _invoice, invoice_lines, _items, _order in invoices for il in invoice_lines]
    )
    # Each line invoiced up to what has shipped (the usual invoice): one plain UPDATE, not a CASE per line.
    in_full, in_part = [], []
    for _invoice, _lines, items, _order in invoices:
        everything = all(quantity == _invoiceable(line) for line, quantity in items)
        (in_full if everything else in_part).extend(line for line, _q in items)
        for line, quantity in items:
            line.invoiced_quantity += quantity
    if in_full:
        now = timezone.now()
        OrderLine.objects.filter(pk__in=[line.pk for line in in_full]).update(
            invoiced_quantity=F("shipped_quantity"), updated_at=now
        )
        for line in in_full:
            line.updated_at = now
    save_all(in_part, ["invoiced_quantity"])
    for invoice, _lines, _items, order in invoices:
        order.amount_invoiced += invoice.total


@events.batched
def invoice_create(
    *,
    order: Order,
    actor,
    lines=None,
    issue: bool = False,
    due_date: datetime.date | None = None,
    kind: str | None = None,
) -> Invoice:
    """An invoice for shipped, not yet invoiced quantities. Without lines: all of them.

    lines: [{"order_line": OrderLine, "quantity": Decimal}].
    issue: issue it at once too ("create and issue"), in the same transaction: both or neither.
    kind: an InvoiceKind, numbered by its own series; None: the kind the customer gets.
    """
    require_perm(actor, "finance.add_invoice")
    if issue:
        require_perm(actor, "finance.issue_invoice")
    elif due_date is not None:
        raise ValidationError({"due_date": [_("A due date is set when the invoice is issued.")]})
    if kind is not None and kind not in InvoiceKind.values:
        raise ValidationError({"kind": [_("Choose a kind of invoice.")]})
    # The invoice's customer comes joined, and chosen lines' products (their unit says whether a quantity may be
    # fractional).
    order, lines_of_order = lock_order_with_lines(
        order, actor=actor, related=["customer"], line_related=["product"] if lines is not None else ()
    )
    order_lines = {line.pk: line for line in lines_of_order}
    if lines is None:
        items = [(line, _invoiceable(line)) for line in order_lines.values() if _invoiceable(line) > 0]
        if not items:
            raise ApplicationError(_("Nothing on this order is shipped and not yet invoiced."), ErrorCode.OVER_QUANTITY)
    else:
        items = order_line_quantities(
            order_lines=order_lines,
            rows=lines,
            available=_invoiceable,
            too_much=_("Only %(qty)s shipped and not yet invoiced on this line."),
        )
    invoice_lines, subtotal, tax = invoice_lines_for(items, order)
    kind = kind or order.customer.invoice_kind
    invoice = Invoice(
        number=next_number(INVOICE_NUMBER_SERIES[kind]),
        kind=kind,
        order=order,
        owner_id=order.owner_id,
        customer=order.customer,
        currency=order.currency,
        tax_rate=order.tax_rate,
        subtotal=subtotal,
        tax_amount=tax,
        total=subtotal + tax,
        created_by=actor,
    )
    invoice.save(force_insert=True)
    invoices_lines_save([(invoice, invoice_lines, items, order)])
    events.record(actor, "invoice.created", invoice, data={"total": invoice.total}, root=order)
    order_refresh_progress(order=order, actor=actor, lines=list(order_lines.values()))
    if issue:
        _issue(invoice, actor, due_date)
    return invoice


@transaction.atomic
def invoice_issue(
    *, invoice: Invoice, actor, due_date: datetime.date | None = None, fapiao_number: str = ""
) -> Invoice:
    """Send the invoice: from now on the customer owes it. `fapiao_number`: the tax control system's, if known."""
    require_perm(actor, "finance.issue_invoice")
    given = invoice
    # Issuing may use the order's deposits (a payment), so it locks as payments do: the order, then the invoice.
    # The customer is read for the buyer's details.
    Order.objects.select_for_update().filter(pk=given.order_id).values_list("pk").first()
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("order", "customer").get(pk=given.pk)
    require_visible(Invoice.objects, invoice, actor)
    if Invoice.order.is_cached(given) and given.order_id == invoice.order_id:
        invoice.order = given.order
    _issue(invoice, actor, due_date, fapiao_number)
    return invoice


def _issue(invoice: Invoice, actor, due_date, fapiao_number: str = "") -> None:
    ensure_dates({"due_date": due_date}, planned=True)
    # Refused as a step first: an issued invoice asked again is that, whatever its details say.
    INVOICE_STATES.check(invoice, InvoiceStatus.ISSUED)
    errors = {}
    buyer = invoice.customer.invoice_buyer()
    if invoice.kind == InvoiceKind.SPECIAL and not all(
        buyer[detail] for detail in ("tax_id", "address_phone", "bank_account")
    ):
        errors["kind"] = [
            _(
                "A special VAT invoice needs the customer's tax id, address and phone, bank and account: fill them "
                "in on the customer."
            )
        ]
    fapiao_number, problems = _fapiao_number_problems(invoice, fapiao_number, required=False)
    if problems:
        errors["fapiao_number"] = problems
    if errors:
        raise ValidationError(errors)
    credit_check(invoice.order, actor=actor, stage=CreditStage.INVOICING)
    invoice.issued_at = timezone.now()
    issued_on = timezone.localdate(invoice.issued_at)
    # The order's plan, if it has one; else its terms: the customer's, unless agreed otherwise for the order.
    invoice.due_date = (
        due_date
        or plan_due_date(invoice.order, issued_on)
        or issued_on + datetime.timedelta(days=invoice.order.payment_terms_days)
    )
    for detail, value in buyer.items():
        setattr(invoice, f"buyer_{detail}", value)
    invoice.fapiao_number = fapiao_number
    with _unique_fapiao_number(fapiao_number):
        INVOICE_STATES.move(
            invoice,
            InvoiceStatus.ISSUED,
            actor=actor,
            verb="invoice.issued",
            extra_fields=["issued_at", "due_date", "fapiao_number", *(f"buyer_{detail}" for detail in buyer)],
            data={"due_date": invoice.due_date, **({"fapiao_number": fapiao_number} if fapiao_number else {})},
            root=invoice.order,
        )
    _use_deposits(invoice, actor)


def _fapiao_number_problems(invoice: Invoice, value, *, required: bool) -> tuple[str, list[str]]:
    """The fapiao number as given (spaces dropped), and what is wrong with it: missing when `required`, not a
    fapiao's number, or another invoice's of the same kind."""
    number = "".join(value.split()) if isinstance(value, str) else ""
    if not number:
        return number, [_("Enter the fapiao number.")] if required else []
    if not FAPIAO_NUMBER.fullmatch(number):
        return number, [_("A fapiao number is 8 to 20 digits.")]
    # Blank left out as invoice_fapiao_number_unique leaves it out, so that its index answers (on SQLite too).
    taken = Invoice.objects.filter(kind=invoice.kind, fapiao_number=number).exclude(fapiao_number="")
    if taken.exclude(pk=invoice.pk).exists():
        return number, [_fapiao_number_taken_message(number)]
    return number, []


def _fapiao_number_taken_message(number: str) -> str:
    return _("Fapiao number %(number)s is already on another invoice of this kind.") % {"number": number}


@contextmanager
def _unique_fapiao_number(number: str):
    """Around the write of a fapiao number: one given to another invoice meanwhile (the check saw neither) fails the
    database's unique constraint, and is told as the check tells it."""
    if not number:
        yield
        return
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ValidationError({"fapiao_number": [_fapiao_number_taken_message(number)]}) from exc


@transaction.atomic
def invoice_set_fapiao_number(*, invoice: Invoice, actor, fapiao_number: str) -> Invoice:
    """Enter or correct the fapiao number of an issued (or paid) invoice, as the tax control system printed it."""
    require_perm(actor, "finance.issue_invoice")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    require_visible(Invoice.objects, invoice, actor)
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PAID):
        raise ApplicationError(
            _("A fapiao number is entered on an issued invoice: issue this one first."), ErrorCode.NOT_EDITABLE
        )
    number, problems = _fapiao_number_problems(invoice, fapiao_number, required=True)
    if problems:
        raise ValidationError({"fapiao_number": problems})
    if number == invoice.fapiao_number:
        return invoice
    before = invoice.fapiao_number
    invoice.fapiao_number = number
    with _unique_fapiao_number(number):
        invoice.save(update_fields=["fapiao_number", "updated_at"])
    events.record(
        actor,
        "invoice.fapiao_number_set",
        invoice,
        changes={"fapiao_number": [before, number]},
        root=Order(pk=invoice.order_id),
    )
    return invoice


def _use_deposits(invoice: Invoice, actor) -> None:
    """Deposits paid for the order pay its invoice as it is issued, the earliest received first.

    A deposit locked by another transaction (being allocated or refunded now) is left for finance to allocate:
    those lock the payment before the order, this the order before the payment, and waiting could deadlock.
    """
    deposits = Payment.objects.select_for_update(skip_locked=True).filter(
        order_id=invoice.order_id, allocated_amount__lt=F("amount") - F("refunded_amount")
    )
    for payment in deposits.order_by("received_on", "pk"):
        take = min(payment.unallocated_amount, invoice.open_amount)
        if take <= 0:
            break
        cleaned, total, orders = _clean_allocations(payment, [{"invoice": invoice, "amount": take}], actor)
        Payment.objects.filter(pk=payment.pk).update(allocated_amount=F("allocated_amount") + total)
        _apply_allocations(payment, cleaned, orders, actor, new_payment=False)
        # The allocation paid a copy of the invoice read under its lock: this one tells the caller.
        invoice.refresh_from_db(fields=["amount_paid", "status"])


def _clean_allocations(payment: Payment, allocations, actor) -> tuple[list[tuple[Invoice, Decimal]], Decimal, dict]:
    """Check allocations [{"invoice": Invoice, "amount": Decimal}] of `payment` against every limit.

    Locks what the allocations will change, in the order every service follows: the invoices'
    orders, then the invoices, each in id order. Returns the (invoice read under its lock,
    amount) pairs, their total and the locked orders with their lines by id, or raises
    field-keyed errors.
    """
    # An invoice's customer and order never change: the caller's copy tells them. Its status
    # and what is paid of it may have, so those are read again under the lock.
    ours = [
        row["invoice"]
        for row in allocations
        if row.get("invoice") is not None and row["invoice"].customer_id == payment.customer_id
    ]
    orders = {
        order_id: lock_order_with_lines(Order(pk=order_id), actor=actor)
        for order_id in sorted({invoice.order_id for invoice in ours})
    }
    locked = Invoice.objects.select_for_update(of=("self",)).filter(pk__in=[invoice.pk for invoice in ours])
    fresh = {invoice.pk: invoice for invoice in locked.order_by("pk")}
    errors, any_error, total = [], False, Decimal("0")
    cleaned = []
    for row in allocations:
        invoice = fresh.get(row["invoice"].pk) if row.get("invoice") is not None else None
        amount = round_money(row.get("amount") or 0)
        problems = {}
        if invoice is None or invoice.customer_id != payment.customer_id:
            problems["invoice"] = [_("Choose an invoice of this customer.")]
        elif invoice.status != InvoiceStatus.ISSUED:
            problems["invoice"] = [
                _("Invoice %(number)s is %(status)s; only issued invoices take payments.")
                % {"number": invoice.number, "status": invoice.get_status_display()}
            ]
        elif amount <= 0:
            problems["amount"] = [_("Enter an amount above zero.")]
        errors.append(problems)
        if problems:
            any_error = True
        else:
            cleaned.append((invoice, amount))
            total += amount
    if any_error:
        raise row_errors("allocations", errors)
    if len({inv.pk for inv, _a in cleaned}) != len(cleaned):
        raise ValidationError({"allocations": [_("Each invoice may appear once.")]})
    if total > payment.unallocated_amount:
        raise ValidationError(
            {
                "allocations": [
                    _("The allocations (%(total)s) exceed what is left of the payment (%(left)s).")
                    % {"total": total, "left": payment.unallocated_amount}
                ]
            }
        )
    return cleaned, total, orders


def _pay_invoice(invoice: Invoice, amount: Decimal, *, actor, order: Order) -> None:
    """Add `amount` to what is paid of an issued invoice, never beyond what is open (its total less what is paid
    and credited); nothing left open → status paid.

    `invoice` was read under the caller's lock, so two payments racing for the same invoice take
    turns and the second sees what the first paid. The sums are Decimals in Python: money is
    never compared by the database (SQLite keeps decimals as binary floating point).
    """
    if invoice.status != InvoiceStatus.ISSUED or amount > invoice.open_amount:
        raise ApplicationError(
            _("Invoice %(number)s has only %(open)s open; %(amount)s is too much.")
            % {"number": invoice.number, "open": invoice.open_amount, "amount": amount},
            ErrorCode.OVER_AMOUNT,
            {"invoice": invoice.pk, "open_amount": str(invoice.open_amount)},
        )
    invoice.amount_paid += amount
    if invoice.open_amount > 0:
        invoice.save(update_fields=["amount_paid", "updated_at"])
        return
    INVOICE_STATES.move(
        invoice, InvoiceStatus.PAID, actor=actor, verb="invoice.paid", extra_fields=["amount_paid"], root=order
    )


def _apply_allocations(payment: Payment, cleaned, orders, actor, *, new_payment: bool) -> None:
    """Allocate the cleaned (invoice, amount) pairs: invoices paid, orders moved along, all on record.

    `cleaned` and `orders` as _clean_allocations returns them, locked.
    """
    # A later allocation to an invoice this payment already covers adds to that allocation
    # (one row per payment and invoice). A new payment, or one with nothing allocated, has none.
    earlier = (
        {} if new_payment or not payment.allocated_amount else {a.invoice_id: a.pk for a in payment.allocations.all()}
    )
    new_allocations = []
    for invoice, amount in sorted(cleaned, key=lambda item: item[0].pk):
        order, _lines = orders[invoice.order_id]
        invoice.order = order
        _pay_invoice(invoice, amount, actor=actor, order=order)
        if invoice.pk in earlier:
            PaymentAllocation.objects.filter(pk=earlier[invoice.pk]).update(amount=F("amount") + amount)
        else:
            new_allocations.append(
                PaymentAllocation(
                    payment=payment,
                    invoice=invoice,
                    amount=amount,
                    owner_id=invoice.owner_id,
                    received_on=payment.received_on,
                )
            )
        order.amount_paid += amount
        events.record(actor, "payment.allocated", payment, data={"invoice": invoice.pk, "amount": amount}, root=order)
    PaymentAllocation.objects.bulk_create(new_allocations)
    for order, lines in orders.values():
        order_refresh_progress(order=order, actor=actor, lines=lines)
        instalments_settle(order)


def oldest_first_allocations(*, customer_id: int, amount: Decimal, actor) -> list[dict]:
    """Allocations of `amount` to the customer's open invoices that `actor` sees, the earliest due first (then the
    earliest issued): each takes what is open of it until the money runs out. What is left stays unallocated.

    Read without locks: the allocation that follows locks and checks every invoice again, and refuses, with
    nothing written, an invoice paid meanwhile.
    """
    # In the order of finance's "unpaid invoices" worklist: the longest overdue first.
    invoices = invoices_unpaid(user=actor).filter(customer_id=customer_id)
    allocations, left = [], amount
    for invoice in invoices.iterator(chunk_size=100):
        if left <= 0:
            break
        take = min(left, invoice.open_amount)
        if take > 0:
            allocations.append({"invoice": invoice, "amount": take})
            left -= take
    return allocations


def _allocations_or_oldest_first(allocations, oldest_first: bool, *, customer_id, amount, actor):
    if not oldest_first:
        return allocations
    if allocations:
        raise ValidationError(
            {"allocations": [_("Give the allocations or ask for the oldest invoices first, not both.")]}
        )
    return oldest_first_allocations(customer_id=customer_id, amount=amount, actor=actor)


@events.batched
def payment_record(
    *,
    actor,
    customer,
    amount,
    received_on,
    method=Payment.Method.BANK_TRANSFER,
    reference="",
    allocations=(),
    oldest_first: bool = False,
    order: Order | None = None,
) -> Payment:
    """Money received from `customer`: put against `allocations`, or against their open invoices the oldest first
    (`oldest_first`); what is not allocated stays on account (a prepayment) until allocated or refunded.

    `order`: the order the money was paid for (a deposit): what is not allocated counts for its instalments, and
    its invoices use it when they are issued.
    """
    require_perm(actor, "finance.add_payment")
    if customer is None:
        raise ValidationError({"customer": [_("Choose a customer.")]})
    ensure_dates({"received_on": received_on}, not_in_future=True)
    try:
        amount = round_money(amount) if amount is not None else None
    except InvalidOperation as exc:
        # Too many digits even to round; one that can be rounded is checked against its column below.
        raise ValidationError({"amount": decimal_problems(Payment, "amount", amount)}) from exc
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("Enter an amount above zero.")]})
    order = _deposit_order(order, customer, actor)
    payment = Payment(
        number="pending",
        customer=customer,
        amount=amount,
        method=method,
        received_on=received_on,
        reference=reference,
        order=order,
        created_by=actor,
    )
    # The customer and the actor are objects in hand: validating them would re-read both rows.
    payment.full_clean(exclude=["number", "customer", "created_by"], validate_unique=False, validate_constraints=False)
    allocations = _allocations_or_oldest_first(
        allocations, oldest_first, customer_id=customer.pk, amount=amount, actor=actor
    )
    cleaned, payment.allocated_amount, orders = (
        _clean_allocations(payment, allocations, actor) if allocations else ([], Decimal("0"), {})
    )
    payment.number = next_number("payment")
    payment.save(force_insert=True)
    ensure_in_scope(Payment.objects, payment, actor)
    events.record(
        actor,
        "payment.received",
        payment,
        data={"amount": amount, "method": method, **({"order": order.number} if order is not None else {})},
        root=order,
    )
    _apply_allocations(payment, cleaned, orders, actor, new_payment=True)
    if order is not None and order.pk not in orders:
        instalments_settle(order)
    return payment


def _deposit_order(order: Order | None, customer, actor) -> Order | None:
    """The order a payment is for, locked for its instalments: the customer's, seen by `actor`, still open."""
    if order is None:
        return None
    locked = Order.objects.select_for_update().filter(pk=order.pk).first()
    if (
        locked is None
        or locked.customer_id != customer.pk
        or not Order.objects.visible_to(actor).filter(pk=order.pk).exists()
    ):
        raise ValidationError({"order": [_("Choose an order of this customer.")]})
    if locked.status in (OrderStatus.CANCELLED, OrderStatus.CLOSED):
        raise ValidationError(
            {
                "order": [
                    _("Order %(number)s is %(status)s.")
                    % {"number": locked.number, "status": locked.get_status_display()}
                ]
            }
        )
    return locked


@events.batched
def payment_allocate(*, payment: Payment, actor, allocations=(), oldest_first: bool = False) -> Payment:
    """Allocate what is left of an earlier payment to invoices: those given, or the oldest open ones first."""
    require_perm(actor, "finance.add_payment")
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    allocations = _allocations_or_oldest_first(
        allocations, oldest_first, customer_id=payment.customer_id, amount=payment.unallocated_amount, actor=actor
    )
    if not allocations:
        if oldest_first:
            raise ValidationError({"allocations": [_("This customer has no open invoice to allocate to.")]})
        raise ValidationError({"allocations": [_("Add at least one invoice.")]})
    cleaned, total, orders = _clean_allocations(payment, allocations, actor)
    # Stored before the orders' instalments count their money: a deposit used is no longer one.
    Payment.objects.filter(pk=payment.pk).update(allocated_amount=F("allocated_amount") + total)
    _apply_allocations(payment, cleaned, orders, actor, new_payment=False)
    payment.allocated_amount += total
    if payment.order_id is not None and payment.order_id not in orders:
        instalments_settle(Order.objects.select_for_update().get(pk=payment.order_id))
    return payment
