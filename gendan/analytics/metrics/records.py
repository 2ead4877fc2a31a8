"""The records behind the metrics: each set starts from its model's `visible_to(user)` and holds every condition but
the period, which the metric's part applies to the date it names."""

import datetime

from django.db.models import F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from gendan.accounts.scoping import owner_filter
from gendan.automation.models import Task
from gendan.crm.models import Customer
from gendan.finance.models import (
    CreditNote,
    CreditNoteStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    Refund,
)
from gendan.finance.receivables import DSO_DAYS, open_invoices
from gendan.fulfillment.models import Shipment, ShipmentStatus
from gendan.sales.models import DeliveryStatus, Order, OrderLine, OrderStatus, PaymentStatus, Quotation

from .periods import company_today, company_zone

# Touched records read at a time.
_CHUNK = 5_000


def _confirmed(order: str = "") -> Q:
    """Orders (through the path `order`) confirmed at some time and not cancelled since (a cancelled order keeps its
    confirmed_at)."""
    return Q(**{f"{order}confirmed_at__isnull": False}) & ~Q(**{f"{order}status": OrderStatus.CANCELLED})


def confirmed_orders(user):
    return Order.objects.visible_to(user).filter(_confirmed())


def confirmed_lines(user):
    """The lines of `confirmed_orders`, their conditions on the joined order: as `order IN (those orders)`, SQLite
    (without statistics) listed every order ever confirmed and walked the list for a month's chart. The period comes
    as such a list (`lines_confirmed_within`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return OrderLine.objects.none()
    scope = owner_filter(user, "order__owner")
    # A line a change removed stays at quantity 0 for its stock ledger: nothing was sold on it.
    lines = OrderLine.objects.filter(_confirmed("order__"), quantity__gt=0)
    return lines if scope is None else lines.filter(scope)


def lines_confirmed_within(lines, period):
    """The lines of orders confirmed in `period`, as `order IN (those orders)`: SQLite, without statistics, read a
    chart by customer or by owner by scanning every line and looking up its order; through the list of the period's
    orders (order_confirmed_idx) it reads their lines alone."""
    first, after = period.moments()
    return lines.filter(order__in=Order.objects.filter(confirmed_at__gte=first, confirmed_at__lt=after).values("pk"))


def issued_invoices(user):
    # An invoice is cancelled only as a draft, and a draft has no issued_at.
    return Invoice.objects.visible_to(user).filter(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PAID])


def issued_credit_notes(user):
    return CreditNote.objects.visible_to(user).filter(status=CreditNoteStatus.ISSUED)


def owed_invoices(user):
    """finance.receivables' open invoices: issued and not paid in full, as the ageing reads them."""
    return open_invoices(user=user)


def allocations(user):
    return PaymentAllocation.objects.visible_to(user)


def unallocated_payments(user):
    """Payments with money applied to no invoice, seen with their customer (as money on account is)."""
    return Payment.objects.filter(customer__in=Customer.objects.visible_to(user).values("pk")).exclude(
        allocated_amount=F("amount")
    )


def refunds(user):
    # Paid back of what a payment left unallocated: the customer's money, seen with the customer.
    return Refund.objects.filter(customer__in=Customer.objects.visible_to(user).values("pk"))


def sent_quotations(user):
    """The live version of each quotation (a revision supersedes the one before), once sent."""
    return Quotation.objects.visible_to(user).current().filter(sent_at__isnull=False)


def quoted_orders(user):
    """Quotations sent and accepted whose order was confirmed and not cancelled."""
    return (
        Quotation.objects.visible_to(user)
        .filter(sent_at__isnull=False, order__confirmed_at__isnull=False)
        .exclude(order__status=OrderStatus.CANCELLED)
    )


def sent_shipments(user):
    return Shipment.objects.visible_to(user).filter(
        status__in=[ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED], order__confirmed_at__isnull=False
    )


def paid_orders(user):
    """Orders paid in full, with the day their first shipment left (`shipped_on`, on the company's calendar) and the
    day the last payment applied to their invoices was received (`paid_on`)."""
    # MIN and MAX over the order's rows, not the first row in order: ordered with LIMIT 1, PostgreSQL may walk the
    # index of every allocation by day, newest first, until one of the order's comes up — for every order.
    first_shipped = (
        Shipment.objects.filter(order=OuterRef("pk"), shipped_at__isnull=False)
        .values("order")
        .annotate(first=Min("shipped_at"))
        .values("first")
    )
    last_paid = (
        PaymentAllocation.objects.filter(invoice__order=OuterRef("pk"))
        .values("invoice__order")
        .annotate(last=Max("received_on"))
        .values("last")
    )
    return (
        Order.objects.visible_to(user)
        .filter(payment_status=PaymentStatus.PAID)
        .annotate(
            shipped_on=TruncDate(Subquery(first_shipped), tzinfo=company_zone()),
            paid_on=Subquery(last_paid),
        )
        .filter(shipped_on__isnull=False, paid_on__isnull=False)
    )


def paid_days(touched: dict) -> set:
    """The days touched records may have placed paid orders on (metrics.rollups): every day a payment was applied to
    the invoices of a touched order (or of a touched invoice's order), its last payment's day among them, whatever it
    was before the change; and each touched payment's day, where the orders it paid were counted if it was taken off
    them."""
    orders = list(touched.get(Order, ()))
    invoices = touched.get(Invoice, ())
    for start in range(0, len(invoices), _CHUNK):
        orders += Invoice._base_manager.filter(pk__in=invoices[start : start + _CHUNK]).values_list(
            "order_id", flat=True
        )
    days = set()
    for start in range(0, len(orders), _CHUNK):
        applied = PaymentAllocation._base_manager.filter(invoice__order__in=orders[start : start + _CHUNK])
        days.update(applied.values_list("received_on", flat=True).distinct().order_by())
    payments = touched.get(Payment, ())
    for start in range(0, len(payments), _CHUNK):
        chunk = payments[start : start + _CHUNK]
        days.update(Payment._base_manager.filter(pk__in=chunk).values_list("received_on", flat=True))
    return days


def paid_within(orders, period):
    """The `orders` with a payment received in `period` applied to their invoices: each order whose last payment
    falls in the period is one of them."""
    received = PaymentAllocation.objects.filter(received_on__gte=period.start, received_on__lte=period.end)
    return orders.filter(pk__in=received.values("invoice__order"))


def delivered_orders(user):
    """Orders delivered in full that had a promised date, with the moment their last shipment was signed for."""
    # MAX over the order's shipments, not the first in order: with LIMIT 1 PostgreSQL may walk the index of every
    # shipment by delivery, newest first, until one of the order's comes up (as paid_orders says of payments).
    last_delivered = (
        Shipment.objects.filter(order=OuterRef("pk"), status=ShipmentStatus.DELIVERED)
        .values("order")
        .annotate(last=Max("delivered_at"))
        .values("last")
    )
    delivered = Order.objects.visible_to(user).filter(
        delivery_status=DeliveryStatus.DELIVERED, promised_date__isnull=False
    )
    return delivered.annotate(delivered_at=Subquery(last_delivered)).annotate(
        delivered_on=TruncDate("delivered_at", tzinfo=company_zone())
    )


def delivered_within(orders, period):
    """The `orders` with a shipment signed for in `period` (shipment_delivered_idx): each order whose last delivery
    falls in the period is one of them."""
    first, after = period.moments()
    signed = Shipment.objects.filter(delivered_at__gte=first, delivered_at__lt=after)
    return orders.filter(pk__in=signed.values("order"))


def delivered_days(touched: dict) -> set:
    """The days touched records may have placed delivered orders on (metrics.rollups): every day a shipment of a
    touched order, or of a touched shipment's order, was signed for, its last among them, whatever it was before."""
    orders = list(touched.get(Order, ()))
    shipments = touched.get(Shipment, ())
    for start in range(0, len(shipments), _CHUNK):
        chunk = shipments[start : start + _CHUNK]
        orders += Shipment._base_manager.filter(pk__in=chunk).values_list("order_id", flat=True)
    days = set()
    for start in range(0, len(orders), _CHUNK):
        signed = Shipment._base_manager.filter(order__in=orders[start : start + _CHUNK], delivered_at__isnull=False)
        day = TruncDate("delivered_at", tzinfo=company_zone())
        days.update(signed.annotate(signed_on=day).values_list("signed_on", flat=True).distinct().order_by())
    return days


def overdue_tasks(user):
    return Task.objects.visible_to(user).open().filter(due_at__lt=timezone.now())


def dso_invoices(user):
    """The invoices DSO reads: those owed now and those issued in its last DSO_DAYS days."""
    since = company_today() - datetime.timedelta(days=DSO_DAYS)
    first = datetime.datetime.combine(since, datetime.time(), tzinfo=company_zone())
    return Invoice.objects.visible_to(user).filter(Q(status=InvoiceStatus.ISSUED) | Q(issued_at__gte=first))
