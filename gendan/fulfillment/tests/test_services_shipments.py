"""Shipments: partial and several per order, never more than is left, stock out, delivery."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.fulfillment.models import Shipment, ShipmentLine
from gendan.fulfillment.services import shipment_cancel, shipment_create, shipment_deliver, shipment_ship
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.models import Order
from gendan.sales.services import order_submit
from tests.backbone import COURIER, draft_order, stocked_products
from tests.stages import order_at, order_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def confirmed(personas):
    """rep1's confirmed order for 10 and 4 units, 100 of each in stock."""
    _warehouse, products = stocked_products(2)
    order = order_submit(order=draft_order(personas["rep1"], products, ["10", "4"]), actor=personas["rep1"])
    first, second = order.lines.order_by("position")
    return order, first, second


def levels():
    return list(StockLevel.objects.order_by("product__sku").values_list("on_hand", "reserved"))


def test_a_partial_shipment_sets_quantities_aside_without_moving_stock(personas, confirmed):
    # given
    clerk = personas["warehouse1"]
    order, first, second = confirmed

    # when
    shipment = shipment_create(
        order=order,
        actor=clerk,
        lines=[{"order_line": first, "quantity": Decimal("6")}],
        carrier="顺丰",
        tracking_number="SF100",
    )

    # then
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == ("pending", "顺丰", "SF100")
    assert shipment.number.startswith("SH")
    assert shipment.ship_to == order.shipping_address_text
    assert list(shipment.lines.values_list("order_line", "quantity")) == [(first.pk, Decimal("6"))]
    assert levels() == [(Decimal("100"), Decimal("10")), (Decimal("100"), Decimal("4"))]
    event = Event.objects.get(verb="shipment.created")
    assert (event.object_id, event.root_id, event.actor) == (shipment.pk, order.pk, clerk)
    assert event.data == {"lines": {str(first.pk): "6"}}


def test_shipping_moves_stock_out_consumes_the_reservation_and_writes_the_ledger(personas, confirmed):
    # given
    clerk = personas["warehouse1"]
    order, first, second = confirmed
    shipment = shipment_create(
        order=order,
        actor=clerk,
        lines=[{"order_line": first, "quantity": Decimal("6")}, {"order_line": second, "quantity": Decimal("4")}],
    )

    # when
    shipment_ship(shipment=shipment, actor=clerk, carrier="京东物流", tracking_number="JD1")

    # then
    shipment.refresh_from_db()
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == ("shipped", "京东物流", "JD1")
    assert shipment.shipped_at is not None
    assert levels() == [(Decimal("94"), Decimal("4")), (Decimal("96"), Decimal("0"))]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.shipped_quantity, first.reserved_quantity) == (Decimal("6"), Decimal("4"))
    assert (second.shipped_quantity, second.reserved_quantity) == (Decimal("4"), Decimal("0"))
    moves = StockMove.objects.filter(kind="shipment").order_by("order_line__position")
    assert [(m.order_line_id, m.shipment_id, m.quantity, m.actor) for m in moves] == [
        (first.pk, shipment.pk, Decimal("-6"), clerk),
        (second.pk, shipment.pk, Decimal("-4"), clerk),
    ]
    order.refresh_from_db()
    assert (order.status, order.delivery_status) == ("partially_shipped", "partially_shipped")
    shipped = Event.objects.get(verb="shipment.shipped")
    assert (shipped.root_id, shipped.changes, shipped.data) == (
        order.pk,
        {"status": ["pending", "shipped"]},
        {"delivery_method": "courier", "carrier": "京东物流", "tracking_number": "JD1"},
    )
    assert Event.objects.get(verb="order.partially_shipped").changes == {"status": ["confirmed", "partially_shipped"]}


def test_several_shipments_complete_an_order(personas, confirmed):
    # given
    clerk = personas["warehouse1"]
    order, first, second = confirmed
    one = shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("4")}])
    shipment_ship(shipment=one, actor=clerk, **COURIER)

    # when: the rest, without naming lines
    two = shipment_create(order=order, actor=clerk)

    # then
    assert sorted(two.lines.values_list("order_line", "quantity")) == [
        (first.pk, Decimal("6")),
        (second.pk, Decimal("4")),
    ]
    shipment_ship(shipment=two, actor=clerk, **COURIER)
    order.refresh_from_db()
    assert (order.status, order.delivery_status) == ("shipped", "shipped")
    assert levels() == [(Decimal("90"), Decimal("0")), (Decimal("96"), Decimal("0"))]
    assert list(Event.objects.filter(verb__startswith="order.").order_by("id").values_list("verb", flat=True))[-2:] == [
        "order.partially_shipped",
        "order.shipped",
    ]


def test_never_more_than_ordered_and_not_yet_shipped_counting_pending_shipments(personas, confirmed):
    # given: 3 of 10 shipped, 5 more on a pending shipment: 2 left
    clerk = personas["warehouse1"]
    order, first, _second = confirmed
    shipped = shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("3")}])
    shipment_ship(shipment=shipped, actor=clerk, **COURIER)
    shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("5")}])
    before = order_state(order)

    # when
    with pytest.raises(ValidationError) as exc:
        shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("3")}])

    # then
    assert exc.value.message_dict == {"lines.0.quantity": ["Only 2 left to ship on this line."]}
    assert order_state(order) == before

    # and exactly what is left is fine
    shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("2")}])


def test_bad_rows_are_refused_per_row(personas, confirmed):
    clerk = personas["warehouse1"]
    order, first, second = confirmed
    other_line = order_at("confirmed", personas).lines.get()
    before = order_state(order)

    with pytest.raises(ValidationError) as exc:
        shipment_create(
            order=order,
            actor=clerk,
            lines=[
                {"order_line": first, "quantity": Decimal("1")},
                {"order_line": other_line, "quantity": Decimal("1")},
                {"order_line": second, "quantity": Decimal("0")},
                {"order_line": None, "quantity": Decimal("1")},
            ],
        )

    assert exc.value.message_dict == {
        "lines.1.order_line": ["Not a line of this order."],
        "lines.2.quantity": ["Enter a quantity above zero."],
        "lines.3.order_line": ["Not a line of this order."],
    }
    assert order_state(order) == before


def test_a_line_may_appear_once_per_shipment(personas, confirmed):
    order, first, _second = confirmed

    with pytest.raises(ValidationError) as exc:
        shipment_create(
            order=order,
            actor=personas["warehouse1"],
            lines=[{"order_line": first, "quantity": Decimal("6")}, {"order_line": first, "quantity": Decimal("4")}],
        )

    assert exc.value.message_dict == {"lines": ["Each order line may appear once."]}
    assert Shipment.objects.count() == 0


def test_an_empty_list_of_lines_is_refused(personas, confirmed):
    with pytest.raises(ValidationError) as exc:
        shipment_create(order=confirmed[0], actor=personas["warehouse1"], lines=[])

    assert exc.value.message_dict == {"lines": ["Add at least one line."]}


def test_nothing_left_to_ship_is_refused(personas, confirmed):
    order = confirmed[0]
    shipment_create(order=order, actor=personas["warehouse1"])

    with pytest.raises(ApplicationError) as exc:
        shipment_create(order=order, actor=personas["warehouse1"])

    assert exc.value.code == ErrorCode.OVER_QUANTITY
    assert Shipment.objects.count() == 1


@pytest.mark.parametrize(
    "status", ["draft", "pending_approval", "shipped", "delivered", "closed", "cancelled", "on_hold"]
)
def test_goods_leave_only_for_confirmed_or_partially_shipped_orders(personas, status):
    order = order_at(status, personas)
    before = order_state(order)

    with pytest.raises(ApplicationError) as exc:
        shipment_create(order=order, actor=personas["warehouse1"])

    assert (exc.value.code, exc.value.extra) == (ErrorCode.TRANSITION_NOT_ALLOWED, {"status": status})
    assert order_state(order) == before


def test_a_shipment_ships_only_once(personas, confirmed):
    # given: 8 of 10 shipped, so 2 stay reserved
    clerk = personas["warehouse1"]
    order, first, _second = confirmed
    shipment = shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("8")}])
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    before = order_state(order)

    # when
    with pytest.raises(ApplicationError) as exc:
        shipment_ship(shipment=shipment, actor=clerk, **COURIER)

    # then
    assert (exc.value.code, exc.value.extra) == (
        ErrorCode.TRANSITION_NOT_ALLOWED,
        {"status": "shipped", "target": "shipped"},
    )
    assert order_state(order) == before


def test_a_cancelled_shipment_cannot_ship_and_frees_its_quantities(personas, confirmed):
    clerk = personas["warehouse1"]
    order, first, _second = confirmed
    shipment = shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("10")}])

    shipment_cancel(shipment=shipment, actor=clerk, reason="客户改为自提")
    before = order_state(order)
    with pytest.raises(ApplicationError) as exc:
        shipment_ship(shipment=shipment, actor=clerk, **COURIER)

    assert exc.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert order_state(order) == before
    assert Event.objects.get(verb="shipment.cancelled").root_id == order.pk
    again = shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("10")}])
    assert again.status == "pending"


def test_delivery_needs_who_signed(personas, confirmed):
    clerk = personas["warehouse1"]
    order = confirmed[0]
    shipment = shipment_create(order=order, actor=clerk)
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    before = order_state(order)

    for signed_by in ["", "  ", None]:
        with pytest.raises(ValidationError) as exc:
            shipment_deliver(shipment=shipment, actor=clerk, signed_by=signed_by)
        assert exc.value.message_dict == {"signed_by": ["Enter who signed for the goods."]}

    assert order_state(order) == before


def test_delivery_cannot_predate_shipping(personas, confirmed):
    clerk = personas["warehouse1"]
    shipment = shipment_create(order=confirmed[0], actor=clerk)
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)

    with pytest.raises(ValidationError) as exc:
        shipment_deliver(
            shipment=shipment, actor=clerk, signed_by="王经理", delivered_at=timezone.now() - datetime.timedelta(days=1)
        )

    assert list(exc.value.message_dict) == ["delivered_at"]
    assert Shipment.objects.get().status == "shipped"


def test_a_pending_shipment_cannot_be_delivered(personas, confirmed):
    clerk = personas["warehouse1"]
    shipment = shipment_create(order=confirmed[0], actor=clerk)

    with pytest.raises(ApplicationError) as exc:
        shipment_deliver(shipment=shipment, actor=clerk, signed_by="王经理")

    assert (exc.value.code, exc.value.extra) == (
        ErrorCode.TRANSITION_NOT_ALLOWED,
        {"status": "pending", "target": "delivered"},
    )


def test_delivering_everything_delivers_the_order(personas, confirmed):
    # given: two shipments, both shipped
    clerk = personas["logistics1"]
    order, first, second = confirmed
    one = shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("10")}])
    two = shipment_create(order=order, actor=clerk, lines=[{"order_line": second, "quantity": Decimal("4")}])
    shipment_ship(shipment=one, actor=clerk, **COURIER)
    shipment_ship(shipment=two, actor=clerk, **COURIER)

    # when / then: one delivery leaves the order shipped, the second delivers it
    shipment_deliver(shipment=one, actor=clerk, signed_by="王经理")
    order.refresh_from_db()
    assert (order.status, order.delivery_status) == ("shipped", "shipped")
    assert [ln.delivered_quantity for ln in order.lines.all()] == [Decimal("10"), Decimal("0")]

    shipment_deliver(shipment=two, actor=clerk, signed_by=" 李四 ")
    order.refresh_from_db()
    assert (order.status, order.delivery_status, order.payment_status) == ("delivered", "delivered", "unpaid")
    two.refresh_from_db()
    assert (two.status, two.signed_by) == ("delivered", "李四")
    event = Event.objects.filter(verb="shipment.delivered").latest("id")
    assert (event.root_id, event.data) == (order.pk, {"signed_by": "李四"})
    assert Event.objects.filter(verb="order.delivered").get().changes == {"status": ["shipped", "delivered"]}


@pytest.mark.parametrize(
    ("service", "who", "perm"),
    [
        ("create", "rep1", "fulfillment.add_shipment"),
        ("create", "finance1", "fulfillment.add_shipment"),
        ("ship", "follower1", "fulfillment.ship_shipment"),
        ("ship", "rep1", "fulfillment.ship_shipment"),
        ("deliver", "finance1", "fulfillment.deliver_shipment"),
    ],
)
def test_roles_without_the_right_cannot_ship(personas, confirmed, service, who, perm):
    order = confirmed[0]
    shipment = shipment_create(order=order, actor=personas["warehouse1"])
    if service == "deliver":
        shipment_ship(shipment=shipment, actor=personas["warehouse1"], **COURIER)
    before = order_state(order)
    actor = personas[who]

    with pytest.raises(ApplicationError) as exc:
        if service == "create":
            shipment_create(order=order, actor=actor)
        elif service == "ship":
            shipment_ship(shipment=shipment, actor=actor, **COURIER)
        else:
            shipment_deliver(shipment=shipment, actor=actor, signed_by="王经理")

    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"permission": perm})
    assert order_state(order) == before
    assert ShipmentLine.objects.filter(shipment__order=order).count() == 2
    assert Order.objects.get(pk=order.pk).status == ("shipped" if service == "deliver" else "confirmed")


def test_a_quantity_that_is_not_a_number_is_a_field_error_and_writes_nothing(personas):
    order = order_at("confirmed", personas)
    line = order.lines.first()

    with pytest.raises(ValidationError) as refused:
        shipment_create(order=order, actor=personas["warehouse1"], lines=[{"order_line": line, "quantity": "三个"}])

    assert refused.value.message_dict == {"lines.0.quantity": ["Enter a quantity above zero."]}
    assert not Shipment.objects.exists()
