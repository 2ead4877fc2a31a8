"""Submitting an order: completeness, the price rules, and confirmation with its stock reservation."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.models import ApprovalRequest, Order, OrderLine
from gendan.sales.services import order_create, order_submit, order_update
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import CustomerFactory, ProductFactory, StockLevelFactory, customer_ready_to_order
from tests.stages import order_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def stock_of(product):
    level = StockLevel.objects.get(product=product)
    return level.on_hand, level.reserved


def priced_order(rep, product, *, unit_price="100", discount="0", quantity="2"):
    customer = customer_ready_to_order(rep)
    return order_create(
        actor=rep,
        customer=customer,
        contact=customer.contacts.first(),
        shipping_address=customer.addresses.first(),
        lines=[
            {
                "product": product,
                "quantity": Decimal(quantity),
                "unit_price": Decimal(unit_price),
                "discount_percent": Decimal(discount),
            }
        ],
    )


@pytest.fixture
def product():
    _warehouse, (product,) = stocked_products(1)  # list 100, floor 80, 100 on hand
    return product


def test_an_order_within_the_rules_is_confirmed_at_once_with_its_stock_reserved(personas):
    # given
    rep = personas["rep1"]
    _warehouse, products = stocked_products(2)
    order = draft_order(rep, products, ["2", "5"])

    # when
    order = order_submit(order=order, actor=rep)

    # then
    order.refresh_from_db()
    assert (order.status, order.version) == ("confirmed", 2)
    assert order.submitted_at is not None and order.confirmed_at is not None
    assert order.shipping_address_text == "上海市上海市浦东新区张江路100号 王经理 13800000000"
    assert [ln.reserved_quantity for ln in order.lines.all()] == [Decimal("2"), Decimal("5")]
    assert [stock_of(p) for p in products] == [(Decimal("100"), Decimal("2")), (Decimal("100"), Decimal("5"))]
    moves = StockMove.objects.order_by("order_line__position")
    assert [(m.kind, m.product, m.quantity, m.actor) for m in moves] == [
        ("reservation", products[0], Decimal("2"), rep),
        ("reservation", products[1], Decimal("5"), rep),
    ]
    assert ApprovalRequest.objects.count() == 0
    verbs = list(Event.objects.filter(object_id=order.pk).order_by("id").values_list("verb", "changes"))
    assert verbs == [
        ("order.created", {}),
        ("order.submitted", {}),
        ("order.confirmed", {"status": ["draft", "confirmed"]}),
    ]


@pytest.mark.parametrize(
    ("missing", "field", "message"),
    [
        ("contact", "contact", "Choose a contact before submitting."),
        ("shipping_address", "shipping_address", "Choose a shipping address before submitting."),
        ("lines", "lines", "Add at least one line."),
    ],
)
def test_an_incomplete_order_is_refused_on_the_missing_field_and_nothing_changes(
    personas, product, missing, field, message
):
    # given
    rep = personas["rep1"]
    order = draft_order(rep, [product])
    if missing == "lines":
        OrderLine.objects.filter(order=order).delete()
    else:
        order = order_update(order=order, actor=rep, **{missing: None})
    before = order_state(order)

    # when
    with pytest.raises(ValidationError) as exc:
        order_submit(order=order, actor=rep)

    # then
    assert exc.value.message_dict == {field: [message]}
    assert order_state(order) == before
    assert Order.objects.get(pk=order.pk).submitted_at is None


def test_every_missing_part_is_named_at_once(personas, product):
    rep = personas["rep1"]
    customer = CustomerFactory(owner=rep)  # no contact, no address
    order = order_create(actor=rep, customer=customer, lines=[{"product": product, "quantity": 1}])
    OrderLine.objects.filter(order=order).delete()

    with pytest.raises(ValidationError) as exc:
        order_submit(order=order, actor=rep)

    assert set(exc.value.message_dict) == {"contact", "shipping_address", "lines"}


def test_a_price_below_floor_goes_to_approval_with_its_reason_and_reserves_nothing(personas, product):
    # given: net price 79.00 against a floor of 80.00
    rep = personas["rep1"]
    order = priced_order(rep, product, unit_price="79")

    # when
    order = order_submit(order=order, actor=rep)

    # then
    order.refresh_from_db()
    assert (order.status, order.version) == ("pending_approval", 2)
    approval = ApprovalRequest.objects.get(order=order)
    assert (approval.status, approval.requested_by) == ("pending", rep)
    assert approval.reasons == [
        {"code": "below_floor_price", "line": 1, "product": product.sku, "net_price": "79.00", "floor_price": "80.00"}
    ]
    assert stock_of(product) == (Decimal("100"), Decimal("0"))
    assert StockMove.objects.count() == 0
    event = Event.objects.get(verb="order.submitted")
    assert event.changes == {"status": ["draft", "pending_approval"]}
    assert event.data == {"approval_reasons": approval.reasons, "approval_levels": 1}


def test_a_discount_that_takes_the_net_price_below_floor_needs_approval(personas, product):
    rep = personas["rep1"]
    # 100 less 10% is 90, within a rep's limit; 85 less 10% is 76.50, under the floor of 80.
    order = order_submit(order=priced_order(rep, product, unit_price="85", discount="10"), actor=rep)

    assert order.status == "pending_approval"
    assert [r["code"] for r in ApprovalRequest.objects.get().reasons] == ["below_floor_price"]


def test_exactly_the_floor_price_is_allowed(personas, product):
    rep = personas["rep1"]

    order = order_submit(order=priced_order(rep, product, unit_price="80"), actor=rep)

    assert order.status == "confirmed"


def test_a_discount_above_the_reps_limit_goes_to_approval(personas):
    # given: a product whose floor leaves room for the discount, so only the limit is at stake
    rep = personas["rep1"]
    product = ProductFactory(floor_price=Decimal("50"))
    StockLevelFactory(product=product, on_hand=Decimal("10"))

    # when
    order = order_submit(order=priced_order(rep, product, discount="10.01"), actor=rep)

    # then
    assert order.status == "pending_approval"
    assert ApprovalRequest.objects.get().reasons == [
        {"code": "discount_above_limit", "line": 1, "product": product.sku, "discount_percent": "10.01", "limit": "10"}
    ]


def test_a_discount_at_the_reps_limit_is_confirmed(personas):
    rep = personas["rep1"]
    product = ProductFactory(floor_price=Decimal("50"))
    StockLevelFactory(product=product, on_hand=Decimal("10"))

    order = order_submit(order=priced_order(rep, product, discount="10"), actor=rep)

    assert order.status == "confirmed"
    assert stock_of(product) == (Decimal("10"), Decimal("2"))


def test_a_manager_submits_within_his_own_higher_limit(personas):
    manager = personas["manager1"]
    product = ProductFactory(floor_price=Decimal("50"))
    StockLevelFactory(product=product, on_hand=Decimal("10"))

    within = order_submit(order=priced_order(manager, product, discount="30"), actor=manager)
    above = order_submit(order=priced_order(manager, product, discount="30.5"), actor=manager)

    assert (within.status, above.status) == ("confirmed", "pending_approval")
    assert ApprovalRequest.objects.get().reasons[0]["limit"] == "30"


def test_a_personal_limit_overrides_the_roles(personas):
    rep = personas["rep1"]
    rep.max_discount_percent = Decimal("20")
    rep.save()
    product = ProductFactory(floor_price=Decimal("50"))
    StockLevelFactory(product=product, on_hand=Decimal("10"))

    order = order_submit(order=priced_order(rep, product, discount="20"), actor=rep)

    assert order.status == "confirmed"


def test_both_reasons_are_listed_per_line(personas):
    rep = personas["rep1"]
    _warehouse, (first, second) = stocked_products(2)
    customer = customer_ready_to_order(rep)
    order = order_create(
        actor=rep,
        customer=customer,
        contact=customer.contacts.first(),
        shipping_address=customer.addresses.first(),
        lines=[
            {"product": first, "quantity": 1},
            {"product": second, "quantity": 1, "discount_percent": Decimal("25")},
        ],
    )

    order_submit(order=order, actor=rep)

    assert [(r["code"], r["line"]) for r in ApprovalRequest.objects.get().reasons] == [
        ("below_floor_price", 2),
        ("discount_above_limit", 2),
    ]


def test_not_enough_stock_refuses_the_submission_names_the_product_and_reserves_nothing(personas):
    # given: enough of the first product, too little of the second
    rep = personas["rep1"]
    _warehouse, (plenty,) = stocked_products(1, on_hand="10")
    _warehouse, (scarce,) = stocked_products(1, on_hand="3")
    order = draft_order(rep, [plenty, scarce], ["5", "4"])
    before = order_state(order)

    # when
    with pytest.raises(ApplicationError) as exc:
        order_submit(order=order, actor=rep)

    # then
    assert exc.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert exc.value.extra == {"product": scarce.pk, "requested": "4.000", "available": "3.000"}
    assert str(scarce) in exc.value.message and "3 available" in exc.value.message
    assert order_state(order) == before
    assert (stock_of(plenty), stock_of(scarce)) == ((Decimal("10"), Decimal("0")), (Decimal("3"), Decimal("0")))


def test_a_product_never_stocked_in_the_warehouse_has_nothing_available(personas):
    rep = personas["rep1"]
    stocked_products(1)
    never_stocked = ProductFactory()
    order = draft_order(rep, [never_stocked])

    with pytest.raises(ApplicationError) as exc:
        order_submit(order=order, actor=rep)

    assert (exc.value.code, exc.value.extra["available"]) == (ErrorCode.INSUFFICIENT_STOCK, "0")


@pytest.mark.parametrize("who", ["warehouse1", "finance1", "service1", "boss1"])
def test_roles_without_the_right_cannot_submit(personas, product, who):
    order = draft_order(personas["rep1"], [product])
    before = order_state(order)

    with pytest.raises(ApplicationError) as exc:
        order_submit(order=order, actor=personas[who])

    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"permission": "sales.submit_order"})
    assert order_state(order) == before


def test_two_lines_of_one_product_need_their_sum_in_stock(personas):
    rep = personas["rep1"]
    _warehouse, (product,) = stocked_products(1, on_hand="5")
    too_much = draft_order(rep, [product, product], ["3", "3"])

    with pytest.raises(ApplicationError) as exc:
        order_submit(order=too_much, actor=rep)

    assert exc.value.extra == {"product": product.pk, "requested": "6.000", "available": "5.000"}
    assert stock_of(product) == (Decimal("5"), Decimal("0"))

    fits = order_submit(order=draft_order(rep, [product, product], ["3", "2"]), actor=rep)

    assert stock_of(product) == (Decimal("5"), Decimal("5"))
    assert sorted(fits.lines.values_list("reserved_quantity", flat=True)) == [Decimal("2"), Decimal("3")]
    assert sorted(StockMove.objects.filter(kind="reservation").values_list("quantity", flat=True)) == [
        Decimal("2"),
        Decimal("3"),
    ]


def test_shipping_two_lines_of_one_product_takes_their_sum_out_of_stock(personas):
    from gendan.fulfillment.services import shipment_create, shipment_ship

    rep, clerk = personas["rep1"], personas["warehouse1"]
    _warehouse, (product,) = stocked_products(1, on_hand="10")
    order = order_submit(order=draft_order(rep, [product, product], ["3", "2"]), actor=rep)

    shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)

    assert stock_of(product) == (Decimal("5"), Decimal("0"))
    assert sorted(OrderLine.objects.filter(order=order).values_list("shipped_quantity", "reserved_quantity")) == [
        (Decimal("2"), Decimal("0")),
        (Decimal("3"), Decimal("0")),
    ]
