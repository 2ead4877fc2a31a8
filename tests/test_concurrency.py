"""Races, with real threads and real transactions: the last units, document numbers, payments.

Each scenario runs on the database the suite runs on: PostgreSQL (marked `postgres`, row
locks and conditional UPDATEs) or SQLite (IMMEDIATE transactions queue writers up).
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.numbering import next_number
from gendan.finance.models import Invoice, Payment
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.credit import customer_exposure
from gendan.sales.models import ApprovalRequest, ApprovalStep, ChangeRequest, Order, OrderLine
from gendan.sales.services import order_approve, order_submit
from gendan.sales.services_approvals import approval_rule_create
from gendan.sales.services_changes import change_request_create, change_request_submit
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order
from tests.stages import order_at

pytestmark = pytest.mark.django_db(transaction=True)

on_each_database = pytest.mark.parametrize(
    "vendor", [pytest.param("postgresql", marks=pytest.mark.postgres), pytest.param("sqlite")]
)


def require(vendor):
    if connection.vendor != vendor:
        pytest.skip(f"runs when the suite runs on {vendor}")


def race(work, count):
    """Run work(i) in `count` threads released at the same moment; [("ok", result) | ("error", exc)]."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", work(i))
        except Exception as exc:  # every outcome, refusal or crash, is asserted by the caller
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@on_each_database
def test_orders_for_the_last_units_submitted_at_once_confirm_exactly_one(personas, vendor):
    # given: 5 units left, five orders of 3 units each, from two reps
    require(vendor)
    _warehouse, (product,) = stocked_products(1, on_hand="5")
    reps = [personas["rep1"], personas["rep2"]]
    orders = [draft_order(reps[i % 2], [product], ["3"]) for i in range(5)]

    # when
    results = race(lambda i: order_submit(order=orders[i], actor=reps[i % 2]), len(orders))

    # then
    errors = [value for outcome, value in results if outcome == "error"]
    assert sum(outcome == "ok" for outcome, _value in results) == 1, errors
    assert len(errors) == 4
    assert all(isinstance(e, ApplicationError) and e.code == ErrorCode.INSUFFICIENT_STOCK for e in errors), errors
    assert all(e.extra == {"product": product.pk, "requested": "3.000", "available": "2.000"} for e in errors)
    assert sorted(Order.objects.values_list("status", flat=True)) == ["confirmed"] + ["draft"] * 4
    level = StockLevel.objects.get(product=product)
    assert (level.on_hand, level.reserved) == (Decimal("5"), Decimal("3"))
    confirmed_reserved = OrderLine.objects.filter(order__status="confirmed").values_list("reserved_quantity", flat=True)
    assert list(confirmed_reserved) == [level.reserved]
    assert list(StockMove.objects.values_list("kind", "quantity")) == [("reservation", Decimal("3"))]


@on_each_database
def test_many_orders_racing_for_some_stock_never_oversell(personas, vendor):
    # given: 10 units, eight orders of 2 to 3 units
    require(vendor)
    _warehouse, (product,) = stocked_products(1, on_hand="10")
    rep = personas["rep1"]
    orders = [draft_order(rep, [product], [str(2 + i % 2)]) for i in range(8)]

    # when
    results = race(lambda i: order_submit(order=orders[i], actor=rep), len(orders))

    # then
    assert all(
        outcome == "ok" or (isinstance(value, ApplicationError) and value.code == ErrorCode.INSUFFICIENT_STOCK)
        for outcome, value in results
    ), results
    level = StockLevel.objects.get(product=product)
    reserved = sum(OrderLine.objects.filter(order__status="confirmed").values_list("reserved_quantity", flat=True))
    assert level.reserved == reserved <= level.on_hand == Decimal("10")
    # Whatever is left is too little for every refused order (with all four 2-unit orders
    # confirmed, 2 units are left and only 3-unit orders were refused: a valid outcome).
    refused = [orders[i] for i, (outcome, _value) in enumerate(results) if outcome == "error"]
    assert all(level.on_hand - level.reserved < order.lines.get().quantity for order in refused)


@on_each_database
def test_concurrent_numbering_hands_out_distinct_consecutive_numbers(db, vendor):
    # given: no counter yet for this month, so the first ones also race to create it
    require(vendor)

    def draw(_i):
        with transaction.atomic():
            return [next_number("sales_order") for _ in range(5)]

    # when
    results = race(draw, 6)

    # then
    assert all(outcome == "ok" for outcome, _value in results), results
    numbers = [number for _outcome, batch in results for number in batch]
    prefix = timezone.localtime().strftime("SO%Y%m")
    assert sorted(numbers) == [f"{prefix}{seq:05d}" for seq in range(1, 31)]


@on_each_database
def test_orders_created_at_once_get_distinct_numbers(personas, vendor):
    require(vendor)
    _warehouse, products = stocked_products(1)
    rep = personas["rep1"]

    results = race(lambda _i: draft_order(rep, products).number, 6)

    assert all(outcome == "ok" for outcome, _value in results), results
    assert len({number for _outcome, number in results}) == 6 == Order.objects.count()


@on_each_database
def test_two_payments_against_one_invoice_at_once_never_overpay(personas, vendor):
    # given: an issued invoice of 226.00; two payments of 150 each try to settle it
    require(vendor)
    finance = personas["finance1"]
    order = order_at("shipped", personas)
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)

    def pay(_i):
        return payment_record(
            actor=finance,
            customer=order.customer,
            amount=Decimal("150"),
            received_on=timezone.localdate(),
            allocations=[{"invoice": invoice, "amount": Decimal("150")}],
        )

    # when
    results = race(pay, 2)

    # then
    outcomes = sorted(outcome for outcome, _value in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for outcome, value in results if outcome == "error")
    assert isinstance(error, ApplicationError) and error.code == ErrorCode.OVER_AMOUNT
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == ("issued", Decimal("150.00"))
    assert Payment.objects.count() == 1  # the refused payment left nothing behind
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status) == (Decimal("150.00"), "partially_paid")
    assert Invoice.objects.get().open_amount == Decimal("76.00")


@on_each_database
@pytest.mark.parametrize("mode", ["any", "all"])
def test_two_approvers_of_one_level_deciding_at_once_confirm_the_order_once(personas, vendor, mode):
    # given: a level of two named approvers, and an order waiting for it
    require(vendor)
    deciders = [personas["manager1"], personas["boss1"]]
    approval_rule_create(
        actor=personas["admin"],
        name="Both or either",
        conditions=[{"type": "total_above", "amount": "0"}],
        levels=[{"approvers": [f"user:{user.pk}" for user in deciders], "mode": mode}],
    )
    _warehouse, products = stocked_products(1, on_hand="10")
    order = order_submit(order=draft_order(personas["rep1"], products, ["4"]), actor=personas["rep1"])
    assert order.status == "pending_approval"

    # when
    results = race(lambda i: order_approve(order=order, actor=deciders[i]).status, 2)

    # then: "all of them" takes both approvals, "any one of them" the first; the stock is reserved once
    outcomes = sorted(outcome for outcome, _value in results)
    if mode == "all":
        assert outcomes == ["ok", "ok"], results
    else:
        assert outcomes == ["error", "ok"], results
        (error,) = [value for outcome, value in results if outcome == "error"]
        assert isinstance(error, ApplicationError) and error.code == ErrorCode.TRANSITION_NOT_ALLOWED, error
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert StockLevel.objects.get(product=products[0]).reserved == Decimal("4")
    approval = ApprovalRequest.objects.get(order=order)
    assert approval.status == "approved"
    decided = sorted(
        ApprovalStep.objects.filter(request=approval).exclude(decision="").values_list("decision", flat=True)
    )
    assert decided == ["approved"] * (2 if mode == "all" else 1)


@on_each_database
def test_two_changes_of_one_order_applied_at_once_one_wins_the_other_goes_stale(personas, vendor):
    # given: a confirmed order and two draft changes of it, each raising another line
    require(vendor)
    rep = personas["rep1"]
    _warehouse, products = stocked_products(2, on_hand="100")
    order = order_submit(order=draft_order(rep, products, ["10", "10"]), actor=rep)
    first, second = order.lines.order_by("position")
    changes = [
        change_request_create(
            order=order,
            actor=rep,
            reason=f"change {i}",
            lines=[
                {"line": first.pk, "quantity": Decimal("15") if i == 0 else first.quantity},
                {"line": second.pk, "quantity": Decimal("18") if i == 1 else second.quantity},
            ],
        )
        for i in range(2)
    ]

    # when: both are submitted at once, from two connections
    results = race(lambda i: change_request_submit(change=changes[i], actor=rep), 2)

    # then: one applied, the other refused as stale with nothing of it applied
    errors = [value for outcome, value in results if outcome == "error"]
    assert sum(outcome == "ok" for outcome, _value in results) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError), errors
    assert errors[0].code == ErrorCode.STALE_CHANGE
    order.refresh_from_db()
    assert order.revision == 2
    statuses = sorted(ChangeRequest.objects.filter(order=order).values_list("status", flat=True))
    assert statuses == ["applied", "stale"]
    lines = list(order.lines.order_by("position"))
    assert sorted(line.quantity for line in lines) in ([Decimal("10"), Decimal("15")], [Decimal("10"), Decimal("18")])
    # Reservations exact: each line holds its quantity, each level what the lines hold.
    assert all(line.reserved_quantity == line.quantity for line in lines)
    for line in lines:
        assert StockLevel.objects.get(product=line.product_id).reserved == line.quantity


@on_each_database
def test_orders_racing_for_the_last_of_a_customers_credit_confirm_one(personas, vendor):
    # given: a customer with room for one order of 113 and four orders of 113, from two reps
    require(vendor)
    reps = [personas["rep1"], personas["follower1"]]
    customer = customer_ready_to_order(reps[0], credit_limit=Decimal("200.00"))
    _warehouse, products = stocked_products(1, on_hand="100")
    orders = [draft_order(reps[i % 2], products, customer=customer) for i in range(4)]

    # when: all four are submitted at once
    results = race(lambda i: order_submit(order=orders[i], actor=reps[i % 2]), len(orders))

    # then: one confirmed; the rest refused for credit, each counting the one that won
    errors = [value for outcome, value in results if outcome == "error"]
    assert sum(outcome == "ok" for outcome, _value in results) == 1, errors
    assert all(isinstance(e, ApplicationError) and e.code == ErrorCode.CREDIT_LIMIT_EXCEEDED for e in errors), errors
    assert {e.extra["exposure"] for e in errors} == {"226.00"}
    assert (
        sorted(Order.objects.filter(customer=customer).values_list("status", flat=True))
        == ["confirmed"] + ["draft"] * 3
    )
    assert StockLevel.objects.get(product=products[0]).reserved == Decimal("1")


@on_each_database
def test_an_order_confirmed_while_another_ships_or_grows_never_takes_the_customer_past_the_limit(personas, vendor):
    # given: two confirmed orders of 113 under a limit of 400, a change raising one by 113, a new order of 113
    require(vendor)
    rep, clerk = personas["rep1"], personas["warehouse1"]
    customer = customer_ready_to_order(rep, credit_limit=Decimal("400.00"))
    _warehouse, products = stocked_products(1, on_hand="100")
    shipping = order_submit(order=draft_order(rep, products, customer=customer), actor=rep)
    growing = order_submit(order=draft_order(rep, products, customer=customer), actor=rep)
    (line,) = growing.lines.all()
    change = change_request_create(
        order=growing, actor=rep, reason="one more", lines=[{"line": line.pk, "quantity": Decimal("2")}]
    )
    shipment = shipment_create(order=shipping, actor=clerk)
    newcomer = draft_order(rep, products, customer=customer)

    # when: the change is applied, the new order submitted and the shipment shipped, at once
    work = [
        lambda: change_request_submit(change=change, actor=rep),
        lambda: order_submit(order=newcomer, actor=rep),
        lambda: shipment_ship(shipment=shipment, actor=clerk, **COURIER),
    ]
    results = race(lambda i: work[i](), 3)

    # then: what the customer owes never passes the limit, whichever of the two that add to it won
    errors = [value for outcome, value in results if outcome == "error"]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ApplicationError) and errors[0].code == ErrorCode.CREDIT_LIMIT_EXCEEDED
    assert results[2][0] == "ok"  # shipping adds nothing: it passes either way
    assert customer_exposure(customer.pk) == Decimal("339.00")
