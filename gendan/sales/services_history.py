"""Orders from the company's past (an import of its history), written as they ended up and dated when they happened.

What left in the past moves no stock (the opening stock import states what is on hand now); an order not shipped
yet is today's, and reserves its goods as a confirmed order does (`reserve`), so that it ships through the live
flow. Nothing is submitted for approval, checked against credit or told to anyone: what happened is
recorded, not decided again. Each record gets one event, `<noun>.imported`, whose data holds its historical dates; the
event itself is dated by the import, the records by their history (an order's confirmation, a shipment's shipping,
an invoice's issue, a payment's receipt), which is what the metrics and their daily figures count.

Statuses are those the live services leave: the same functions of quantities and amounts and the same road
(`derive_statuses`, `status.road_of`), walked without an event for each step. fulfillment's and finance's history
services call `orders_import_progress` after they change the orders' lines or amounts, as the live ones call
`order_refresh_progress`.

The history services take a batch of records each (an import writes a hundred orders at a time), with a statement
per table rather than per record; a refused item is named by its position (ItemErrors) and nothing of the batch is
kept, so that the caller can send the rest again.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.scoping import invisible, out_of_scope_error
from gendan.core import events
from gendan.core.bounds import date_errors
from gendan.core.errors import ApplicationError, ItemErrors
from gendan.core.numbering import numbers_taken
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


def history_number_problems(number: str, here: set[str]) -> list[str]:
    """What is wrong with an order number the company gave in its past: missing, too long, already `here`."""
    if not number:
        return [_("Give the order's number.")]
    if len(number) > NUMBER_MAX_LENGTH:
        return [_("An order number has at most %(count)s characters.") % {"count": NUMBER_MAX_LENGTH}]
    if number in here:
        return [_("An order with this number is already here.")]
    return []


def history_date_errors(moments: dict) -> dict:
    """{field: messages} for moments that lie ahead (what is recorded has happened) or off the calendar."""
    return date_errors(
        {name: timezone.localdate(moment) for name, moment in moments.items() if moment is not None},
        not_in_future=True,
    )


@events.batched
def orders_import(*, actor, orders: list[dict], warehouse: Warehouse | None = None) -> list[Order]:
    """Orders of the past, each confirmed at its `ordered_at` under the company's own `number`; their lines costed
    as products cost now (the cost they were sold at is not known). A batch (an import's), written with a statement
    per table, not per order.

    Each item of `orders`: `number`, `customer`, `lines` (as the order form's), `ordered_at`, and optionally `owner`,
    `promised_date`, `notes`, `data` (more to say in its event: the import's id) and `reserve` (the order is still
    to ship: its lines reserve today's stock in its warehouse). `warehouse`: where they are kept; by default the
    first by code, as the order form's default.

    Refused items raise ItemErrors (by position), and nothing of the batch is written. The live numbering's counter
    moves past each `number` its pattern could have produced, so no order entered later takes it.
    """
    require_perm(actor, "sales.add_order")
    warehouse = warehouse or default_warehouse()
    numbers = [(item.get("number") or "").strip() for item in orders]
    here = set(Order.objects.filter(number__in={n for n in numbers if n}).values_list("number", flat=True))
    hidden = invisible(Customer.objects, {item["customer"].pk: item["customer"] for item in orders}.values(), actor)
    refused: dict[int, Exception] = {}
    made: list[tuple[int, Order, list[OrderLine]]] = []
    for index, (item, number) in enumerate(zip(orders, numbers, strict=True)):
        errors = {}
        if problems := history_number_problems(number, here):
            errors["number"] = problems
        here.add(number)
        customer, ordered_at = item["customer"], item["ordered_at"]
        if customer.pk in hidden:
            errors["customer"] = [_("Choose one of your customers.")]
        errors |= history_date_errors({"ordered_at": ordered_at})
        errors |= date_errors({"promised_date": item.get("promised_date")}, planned=True)
        if warehouse is None:
            errors["warehouse"] = [_("Set up a warehouse first.")]
        order = Order(
            number=number,
            customer=customer,
            warehouse=warehouse,
            owner=item.get("owner") or customer.owner,
            status=OrderStatus.CONFIRMED,
            submitted_at=ordered_at,
            confirmed_at=ordered_at,
            created_by=actor,
            currency=settings.DEFAULT_CURRENCY,
            tax_rate=settings.DEFAULT_TAX_RATE,
            payment_terms_days=customer.payment_terms_days,
            promised_date=item.get("promised_date"),
            notes=item.get("notes", ""),
        )
        try:
            order_lines = build_lines(item["lines"], past=True)
            order.subtotal, order.tax_amount, order.total = checked_totals(order_lines, order.tax_rate, Order)
        except ValidationError as exc:
            errors |= exc.message_dict
        if errors:
            refused[index] = ValidationError(errors)
        else:
            made.append((index, order, order_lines))
    if refused:
        raise ItemErrors(refused)
    Order.objects.bulk_create([order for _index, order, _lines in made])
    # Entered on the day it was placed: lists sort and filter orders by when they were entered.
    Order.objects.filter(pk__in=[order.pk for _index, order, _lines in made]).update(created_at=F("confirmed_at"))
    if out_of_scope := invisible(Order.objects, [order for _index, order, _lines in made], actor):
        raise ItemErrors({index: out_of_scope_error() for index, order, _lines in made if order.pk in out_of_scope})
    for _index, order, order_lines in made:
        order.created_at = order.confirmed_at
        for line in order_lines:
            line.order = order
            line.unit_cost = line.product.cost
    OrderLine.objects.bulk_create([line for _index, _order, order_lines in made for line in order_lines])
    reserving = [(index, order_lines) for index, _order, order_lines in made if orders[index].get("reserve")]
    try:
        # All of them at once (a statement per table), in a savepoint: refused, the stock is left as it was.
        with transaction.atomic():
            stock_reserve_lines(warehouse=warehouse, lines=[ln for _i, lines in reserving for ln in lines], actor=actor)
    except ApplicationError:
        # Today's stock cannot hold them all: order by order, to name each it cannot hold.
        for index, order_lines in reserving:
            try:
                with transaction.atomic():
                    stock_reserve_lines(warehouse=warehouse, lines=order_lines, actor=actor)
            except ApplicationError as exc:
                refused[index] = exc
        if refused:
            raise ItemErrors(refused) from None
    save_all([line for _index, order_lines in reserving for line in order_lines], ["reserved_quantity"])
    numbers_taken("sales_order", [order.number for _index, order, _lines in made])
    for index, order, order_lines in made:
        events.record(
            actor,
            "order.imported",
            order,
            data={
                "ordered_at": order.confirmed_at,
                "customer": order.customer_id,
                "total": order.total,
                "lines": len(order_lines),
                **(orders[index].get("data") or {}),
            },
        )
    return [order for _index, order, _lines in made]


def orders_import_progress(steps) -> list[list[str]]:
    """Derive each order's statuses and move it along the road as far as its lines and amounts take it, without an
    event for each step (the caller's `*.imported` event tells them); the orders saved with one statement. Returns
    the statuses each passed through.

    `steps`: [(order, its lines, when the step happened)]; an order paid in full after delivery closes then. Called
    by the history services of the apps under the orders' lock (`lock_orders_with_lines`), after they saved the
    lines and before saving the orders' amounts (saved here with the statuses).
    """
    passed_all, orders = [], []
    for order, lines, at in steps:
        derive_statuses(order, lines)
        passed = []
        for status, _verb in road_of(order.status, order.delivery_status, order.payment_status):
            ORDER_STATES.check(order, status)
            order.status = status
            passed.append(status)
        if order.status == OrderStatus.CLOSED and passed:
            order.closed_at = at
        order.version += len(passed)
        passed_all.append(passed)
        orders.append(order)
    save_all(orders, [*DERIVED_FIELDS, "status", "version", "closed_at"])
    return passed_all
