from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet, Sum

from gendan.accounts.roles import DataScope
from gendan.core.models import Event
from gendan.core.selectors import TIMELINE_LENGTH
from gendan.sales.models import Order

from .models import (
    CreditNote,
    CreditNoteLine,
    Instalment,
    InstalmentBasis,
    InstalmentStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
)


def order_invoices(*, order) -> QuerySet[Invoice]:
    """An order's invoices; the caller already checked the order is in scope."""
    return Invoice.objects.filter(order=order).order_by("created_at", "id")


def invoice_detail_queryset(*, user) -> QuerySet[Invoice]:
    """The invoices `user` sees, as their page and PDF show them."""
    return Invoice.objects.visible_to(user).select_related("order", "customer")


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.select_related("order_line__product").order_by("id"))


def credited_quantities(invoice: Invoice) -> dict[int, Decimal]:
    """What the invoice's credit notes (drafts too) took of each of its lines, by line id."""
    rows = (
        CreditNoteLine.objects.filter(credit_note__invoice=invoice)
        .values("invoice_line")
        .annotate(quantity=Sum("quantity"))
        .values_list("invoice_line", "quantity")
    )
    return {line_id: Decimal(quantity) for line_id, quantity in rows}


def invoice_lines_left_to_credit(invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's lines, each with `left`: its quantity less what credit notes took of it."""
    lines = invoice_lines(invoice)
    credited = credited_quantities(invoice)
    for line in lines:
        line.left = line.quantity - credited.get(line.pk, Decimal("0"))
    return lines


def invoice_credit_notes(invoice: Invoice) -> list[CreditNote]:
    return list(invoice.credit_notes.select_related("created_by").order_by("created_at", "id"))


def invoice_timeline(invoice: Invoice, credit_notes: list[CreditNote]) -> QuerySet[Event]:
    """The invoice's history with its credit notes' (theirs belong to the order, so the invoice's own misses them),
    newest first."""
    invoices, notes = (ContentType.objects.get_for_model(model) for model in (Invoice, CreditNote))
    return Event.objects.filter(
        Q(content_type=invoices, object_id=invoice.pk)
        | Q(root_type=invoices, root_id=invoice.pk)
        | Q(content_type=notes, object_id__in=[note.pk for note in credit_notes])
    ).select_related("actor")[:TIMELINE_LENGTH]


def invoice_allocations(invoice: Invoice) -> QuerySet[PaymentAllocation]:
    """The payments put against the invoice (whoever sees the invoice sees these parts of them), oldest first."""
    return invoice.allocations.select_related("payment").order_by("received_on", "id")


def order_payment_allocations(*, order) -> QuerySet[PaymentAllocation]:
    """The parts of payments applied to the order's invoices, with their payment and invoice."""
    return (
        PaymentAllocation.objects.filter(invoice__order=order)
        .select_related("payment", "invoice")
        .order_by("payment__received_on", "id")
    )


def order_deposits(*, order) -> list[Payment]:
    """Payments recorded for the order (deposits), with what is still unused of each."""
    return list(Payment.objects.filter(order=order).order_by("received_on", "id"))


def payment_queryset(*, user) -> QuerySet[Payment]:
    """The payments the user may see, each with only the allocations to invoices the user may see."""
    allocations = PaymentAllocation.objects.visible_to(user).select_related("invoice")
    return (
        Payment.objects.visible_to(user)
        .select_related("customer", "created_by")
        .prefetch_related(Prefetch("allocations", queryset=allocations), "refunds")
    )


def payment_timeline(*, payment: Payment, user) -> QuerySet[Event]:
    """The payment's events, less its allocations to orders the user may not see (which invoice, how much)."""
    events = Event.objects.for_object(payment)
    if user.data_scope == DataScope.ALL:
        return events
    seen_orders = Order.objects.visible_to(user).values("pk")
    return events.exclude(Q(verb="payment.allocated") & ~Q(root_id__in=seen_orders))


def oldest_overdue_invoice(customer_id: int, due_before) -> dict | None:
    """sales.credit.oldest_overdue_invoice: the customer's earliest issued invoice due before `due_before`, read
    from invoice_open_customer_idx (issued means something is still open)."""
    row = (
        Invoice.objects.filter(customer_id=customer_id, status=InvoiceStatus.ISSUED, due_date__lt=due_before)
        .order_by("due_date", "pk")
        .values_list("number", "due_date", "total", "amount_paid", "amount_credited")
        .first()
    )
    if row is None:
        return None
    number, due_date, total, paid, credited = row
    return {"invoice": number, "due_date": due_date, "open_amount": total - paid - credited}


def unpaid_deposit(order_id: int, today) -> dict | None:
    """sales.credit.unpaid_deposit: the order's first open instalment counted from its confirmation, due by `today`."""
    row = (
        Instalment.objects.filter(
            order_id=order_id, basis=InstalmentBasis.CONFIRMATION, status=InstalmentStatus.OPEN, due_date__lte=today
        )
        .select_related("order")
        .order_by("position")
        .first()
    )
    if row is None:
        return None
    return {"instalment": row.number, "due_date": row.due_date, "open_amount": row.open_amount}


def order_instalments(*, order) -> list[Instalment]:
    """An order's payment plan, earliest instalment first; the caller already checked the order is in scope."""
    return list(Instalment.objects.filter(order=order).order_by("position"))
