"""Orders from the company's past (an import of its history), written as they ended up and dated when they happened.

What left in the past moves no stock (the opening stock import states what is on hand now); an order not shipped
yet is today's, and reserves its goods as a confirmed order does (`reserve`), so that it ships through the live
flow. Nothing is submitted for approval, checked against credit or told to anyone: what happened is
recorded, not decided again. Each record gets one event, `<noun>.imported`, whose data holds its historical dates; the
event itself is dated by the import, the records by their history (an order's confirmation, a shipment's shipping,
an invoice's issue, a payment's receipt), which is what the metrics and their daily figures count.

Statuses are those the live services leave: the same functions of quantities and amounts and the same road
(`derive_statuses`, `status.road_of`), walked without an event for each step. fulfillment's and finance's history
services call `order_import_progress` after they change the order's lines or amounts, as the live ones call
`order_refresh_progress`.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.scoping import ensure_in_scope, is_visible
from gendan.core import events
from gendan.core.bounds import date_errors
from gendan.core.numbering import number_taken
from gendan.core.services import require_perm, save_all
from gendan.crm.models import Customer
from gendan.inventory.models import Warehouse
from gendan.inventory.selectors import default_warehouse
from gendan.inventory.services import stock_reserve_lines

from .lines import build_lines, checked_totals
from .models import ORDER_STATES, Order, OrderLine, OrderStatus
from .services import DERIVED_FIELDS, derive_statuses
from .status import road_of

NUMBER_MAX_LENGTH = Order._meta.get_field("number").max_length


def history_number_problems(number: str) -> list[str]:
    """What is wrong with an order number the company gave in its past: missing, too long, already here."""
    if not number:
        return [_("Give the order's number.")]
    if len(number) > NUMBER_MAX_LENGTH:
        return [_("An order number has at most %(count)s characters.") % {"count": NUMBER_MAX_LENGTH}]
    if Order.objects.filter(number=number).exists():
        return [_("An order with this number is already here.")]
    return []


def history_date_errors(moments: dict) -> dict:
    """{field: messages} for moments that lie ahead (what is recorded has happened) or off the calendar."""
    return date_errors(
        {name: timezone.localdate(moment) for name, moment in moments.items() if moment is not None},
        not_in_future=True,
    )


@events.batched
def order_import(
    *,
    actor,
    number: str,
    customer: Customer,
    lines,
    ordered_at: datetime.datetime,
    owner=None,
    promised_date: datetime.date | None = None,
    notes: str = "",
    data: dict | None = None,
    reserve: bool = False,
    warehouse: Warehouse | None = None,
) -> Order:
    """An order of the past, confirmed at `ordered_at` under the company's own `number`; its lines costed as products
    cost now (the cost it was sold at is not known). `data`: more to say in its event (the import's id). `reserve`:
    the order is still to ship, and its lines reserve today's stock in the order's warehouse. `warehouse`: where it
    is kept; by default the first by code, as the order form's default (an import reads it once for all its orders).

    The live numbering's counter moves past `number` if its pattern could have produced it, so no order entered later
    takes it.
    """
    require_perm(actor, "sales.add_order")
    number = (number or "").strip()
    errors = {}
    if problems := history_number_problems(number):
        errors["number"] = problems
    if not is_visible(Customer.objects, customer, actor):
        errors["customer"] = [_("Choose one of your customers.")]
    errors |= history_date_errors({"ordered_at": ordered_at})
    errors |= date_errors({"promised_date": promised_date}, planned=True)
    warehouse = warehouse or default_warehouse()
    if warehouse is None:
        errors["warehouse"] = [_("Set up a warehouse first.")]
    try:
        order_lines = build_lines(lines, past=True)
    except ValidationError as exc:
        errors |= exc.message_dict
    if errors:
        raise ValidationError(errors)
    order = Order(
        number=number,
        customer=customer,
        warehouse=warehouse,
        owner=owner or customer.owner,
        status=OrderStatus.CONFIRMED,
        submitted_at=ordered_at,
        confirmed_at=ordered_at,
        created_by=actor,
        currency=settings.DEFAULT_CURRENCY,
        tax_rate=settings.DEFAULT_TAX_RATE,
        payment_terms_days=customer.payment_terms_days,
        promised_date=promised_date,
        notes=notes,
    )
    order.subtotal, order.tax_amount, order.total = checked_totals(order_lines, order.tax_rate, Order)
    order.save(force_insert=True)
    # Entered on the day it was placed: lists sort and filter orders by when they were entered.
    Order.objects.filter(pk=order.pk).update(created_at=ordered_at)
    order.created_at = ordered_at
    ensure_in_scope(Order.objects, order, actor)
    for line in order_lines:
        line.order = order
        line.unit_cost = line.product.cost
    OrderLine.objects.bulk_create(order_lines)
    if reserve:
        # Refused when today's stock cannot hold it: the caller's transaction rolls back, nothing written.
        stock_reserve_lines(warehouse=warehouse, lines=order_lines, actor=actor)
        save_all(order_lines, ["reserved_quantity"])
    number_taken("sales_order", number)
    events.record(
        actor,
        "order.imported",
        order,
        data={
            "ordered_at": ordered_at,
            "customer": customer.pk,
            "total": order.total,
            "lines": len(order_lines),
            **(data or {}),
        },
    )
    return order


def order_import_progress(*, order: Order, lines, at: datetime.datetime) -> list[str]:
    """Derive the order's statuses and move it along the road as far as its lines and amounts take it, without an
    event for each step (the caller's `*.imported` event tells them). `at`: when the step happened; an order paid in
    full after delivery closes then. Returns the statuses it passed through.

    Called by the history services of the apps after the order, under the order's lock (`lock_order_with_lines`),
    after they saved its lines and before saving its amounts (saved here with the statuses).
    """
    derive_statuses(order, lines)
    passed = []
    for status, _verb in road_of(order.status, order.delivery_status, order.payment_status):
        ORDER_STATES.check(order, status)
        order.status = status
        passed.append(status)
    fields = [*DERIVED_FIELDS, "status", "version", "updated_at"]
    if order.status == OrderStatus.CLOSED and passed:
        order.closed_at = at
        fields.append("closed_at")
    order.version += len(passed)
    order.save(update_fields=fields)
    return passed
