"""Instalment plans (分期付款): an order's total in shares, each due some days after a step of the order —
e.g. 30 % on confirmation, 70 % thirty days after delivery.

An instalment's due date is set when its step happens (the hooks below, or at once when the plan is set
after it). What is paid of the plan is the order's money — paid on its invoices, credited, and deposits
recorded for it and not yet used on an invoice — laid over the instalments earliest first. Both are kept on
the rows, so that the rules can remind before and after a due date as they do for invoices.
"""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Min, Sum
from django.utils import timezone

from gendan.core import events
from gendan.core.models import Event
from gendan.core.money import HUNDRED, round_money
from gendan.sales.models import Order

from .models import Instalment, InstalmentBasis, InstalmentStatus, InvoiceStatus, Payment

# The step of the order each basis waits for, by the verb that records it.
BASIS_OF_VERB = {
    "order.confirmed": InstalmentBasis.CONFIRMATION,
    "order.delivered": InstalmentBasis.DELIVERY,
    "invoice.issued": InstalmentBasis.INVOICE,
}


def spread(total: Decimal, percents: list[Decimal]) -> list[Decimal]:
    """Each share of `total`, rounded to the cent; the last takes what rounding left, so they add up to it."""
    amounts = [round_money(total * percent / HUNDRED) for percent in percents[:-1]]
    return [*amounts, total - sum(amounts, Decimal("0"))] if percents else []


def prepaid(order: Order) -> Decimal:
    """Deposits recorded for the order and not yet used on an invoice or refunded."""
    left = Payment.objects.filter(order=order).aggregate(
        left=Sum(F("amount") - F("allocated_amount") - F("refunded_amount"))
    )["left"]
    return left or Decimal("0")


def instalments_settle(order: Order) -> None:
    """Bring the order's instalments up to its total and its money, earliest instalment first.

    Called, with the order locked, by whatever changes either: payments and their allocations, refunds,
    credit notes, an edit or change of the order, a new plan.
    """
    rows = list(Instalment.objects.filter(order=order).order_by("position"))
    if not rows:
        return
    covered = order.amount_paid + order.amount_credited + prepaid(order)
    changed = []
    for row, amount in zip(rows, spread(order.total, [row.percent for row in rows]), strict=True):
        paid = min(amount, max(covered, Decimal("0")))
        covered -= paid
        status = InstalmentStatus.PAID if paid >= amount else InstalmentStatus.OPEN
        if (row.amount, row.paid_amount, row.status) != (amount, paid, status):
            if status != row.status:
                verb = "instalment.paid" if status == InstalmentStatus.PAID else "instalment.reopened"
                events.record(None, verb, row, data={"amount": amount}, root=order)
            row.amount, row.paid_amount, row.status = amount, paid, status
            changed.append(row)
    Instalment.objects.bulk_update(changed, ["amount", "paid_amount", "status"])


def plan_due_date(order: Order, issued_on: datetime.date) -> datetime.date | None:
    """When an invoice of the order issued on `issued_on` falls due under its plan: the latest due date of its open
    instalments (those counting from the first invoice count from this one if none was issued before). None
    without a plan, or when no open instalment's date is known yet (the order's terms apply).

    The latest, because an invoice has one due date: the earlier instalments are chased by their own reminders.
    """
    dates = [
        row.due_date
        or (issued_on + datetime.timedelta(days=row.days) if row.basis == InstalmentBasis.INVOICE else None)
        for row in Instalment.objects.filter(order=order, status=InstalmentStatus.OPEN)
    ]
    known = [day for day in dates if day is not None]
    return max(known) if known else None


def step_dates(order: Order) -> dict[str, datetime.date | None]:
    """When each step an instalment may count from happened to the order (None: not yet)."""
    delivered = (
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Order), object_id=order.pk, verb="order.delivered"
        )
        .order_by("-pk")
        .values_list("occurred_at", flat=True)
        .first()
    )
    invoiced = order.invoices.filter(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PAID]).aggregate(
        first=Min("issued_at")
    )["first"]
    return {
        InstalmentBasis.CONFIRMATION: order.confirmed_at and timezone.localdate(order.confirmed_at),
        InstalmentBasis.DELIVERY: delivered and timezone.localdate(delivered),
        InstalmentBasis.INVOICE: invoiced and timezone.localdate(invoiced),
    }


def schedule(instalments: list[Instalment], basis: str, day: datetime.date, order: Order) -> None:
    """Set the due dates of the instalments waiting for `basis`, which happened on `day`."""
    waiting = [row for row in instalments if row.basis == basis and row.due_date is None]
    for row in waiting:
        row.due_date = day + datetime.timedelta(days=row.days)
        # The event lets the date rules (reminders) see the new due date.
        events.record(None, "instalment.scheduled", row, data={"due_date": row.due_date}, root=order)
    Instalment.objects.bulk_update(waiting, ["due_date"])


def step_happened(event, *, actor, obj) -> None:
    """A step of an order happened: the instalments counting from it become due some days on."""
    order = obj if isinstance(obj, Order) else obj.order
    instalments = list(Instalment.objects.filter(order=order, due_date__isnull=True))
    if instalments:
        schedule(instalments, BASIS_OF_VERB[event.verb], timezone.localdate(), order)


def order_total_changed(event, *, actor, obj) -> None:
    """An edit or an applied change moved the order's total: its instalments' shares follow."""
    if "total" in event.changes:
        instalments_settle(obj)
