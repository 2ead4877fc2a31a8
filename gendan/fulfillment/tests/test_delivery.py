"""Shipping needs a carrier and its tracking number, unless the customer picks up (自提) or we deliver (送货上门)."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from gendan.fulfillment.models import Shipment, ShipmentStatus
from gendan.fulfillment.services import shipment_create
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.stages import order_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NO_CARRIER = {"carrier": ["Enter the carrier, or choose customer pickup (自提) or own delivery (送货上门)."]}


@pytest.fixture
def order(personas):
    _warehouse, products = stocked_products(1)
    return order_submit(order=draft_order(personas["rep1"], products, ["3"]), actor=personas["rep1"])


@pytest.fixture
def pending(personas, order):
    return shipment_create(order=order, actor=personas["warehouse1"])


def _ship(personas, shipment, body):
    return api_as(personas["warehouse1"]).post(f"/api/v1/shipments/{shipment.pk}/ship/", body, format="json")


def _stock():
    return list(StockLevel.objects.values_list("on_hand", "reserved")), StockMove.objects.count()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, NO_CARRIER),
        ({"carrier": "  "}, NO_CARRIER),
        ({"delivery_method": "courier", "tracking_number": "SF1"}, NO_CARRIER),
        ({"carrier": "顺丰速运"}, {"tracking_number": ["Enter the tracking number the carrier gave."]}),
        (
            {"carrier": "顺丰速运", "tracking_number": "SF#123"},
            {"tracking_number": ["A tracking number has only letters, digits and dashes."]},
        ),
        (
            {"carrier": "顺丰速运", "tracking_number": "SF" + "1" * 63},
            {"tracking_number": ["Ensure this field has no more than 64 characters."]},
        ),
        ({"delivery_method": "by_air", "carrier": "顺丰速运", "tracking_number": "SF1"}, None),
    ],
)
def test_shipping_without_what_it_needs_is_refused_on_the_field_and_moves_nothing(
    personas, order, pending, body, errors
):
    before, stock = order_state(order), _stock()

    response = _ship(personas, pending, body)

    assert response.status_code == 400
    if errors is not None:
        assert response.json() == errors
    else:
        assert set(response.json()) == {"delivery_method"}
    pending.refresh_from_db()
    assert (pending.status, order_state(order), _stock()) == (ShipmentStatus.PENDING, before, stock)


@pytest.mark.parametrize(
    ("body", "method", "carrier"),
    [
        ({"delivery_method": "pickup"}, "pickup", ""),
        ({"delivery_method": "own_delivery", "carrier": "自有货车"}, "own_delivery", "自有货车"),
        # Clients from before the choice typed these as the carrier.
        ({"carrier": "自提"}, "pickup", "自提"),
        ({"carrier": " 送货上门 "}, "own_delivery", "送货上门"),
    ],
)
def test_pickup_and_own_delivery_need_no_tracking_number(personas, pending, body, method, carrier):
    response = _ship(personas, pending, body)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["delivery_method"], response.json()["carrier"]) == (
        "shipped",
        method,
        carrier,
    )


def test_a_tracking_number_is_trimmed_and_loses_the_spaces_it_was_pasted_with(personas, pending):
    response = _ship(personas, pending, {"carrier": " 顺丰速运 ", "tracking_number": " SF 1234 5678-1 "})

    assert response.status_code == 200
    assert (response.json()["delivery_method"], response.json()["carrier"], response.json()["tracking_number"]) == (
        "courier",
        "顺丰速运",
        "SF12345678-1",
    )


def test_create_and_ship_without_a_carrier_creates_nothing(personas, order):
    response = api_as(personas["warehouse1"]).post(
        "/api/v1/shipments/", {"order": order.pk, "ship": True}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == NO_CARRIER
    assert Shipment.objects.count() == 0


def test_a_pending_shipment_may_wait_for_its_carrier(personas, order):
    response = api_as(personas["warehouse1"]).post("/api/v1/shipments/", {"order": order.pk}, format="json")

    assert response.status_code == 201
    assert (response.json()["delivery_method"], response.json()["carrier"]) == ("", "")


def test_the_order_page_ships_a_pickup_and_says_what_is_missing_otherwise(client, personas, order, pending):
    client.force_login(personas["warehouse1"])
    url = reverse("fulfillment:shipment_ship", args=[pending.pk])

    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    refused = client.post(url, {"delivery_method": "courier", "carrier": "顺丰速运", "tracking_number": ""})
    pending.refresh_from_db()
    status_after_refusal = pending.status
    shipped = client.post(url, {"delivery_method": "pickup", "carrier": "", "tracking_number": ""})
    pending.refresh_from_db()

    assert f'data-testid="ship-form-{pending.number}"' in page and 'name="tracking_number"' in page
    assert [str(m) for m in get_messages(refused.wsgi_request)] == [
        "Tracking number: Enter the tracking number the carrier gave."
    ]
    assert status_after_refusal == ShipmentStatus.PENDING
    assert (pending.status, pending.delivery_method) == (ShipmentStatus.SHIPPED, "pickup")
    assert shipped.status_code == 302


def test_the_new_shipment_form_puts_the_error_on_its_field(client, personas, order):
    line = order.lines.get()
    client.force_login(personas["warehouse1"])

    response = client.post(
        reverse("fulfillment:shipment_create", args=[order.pk]),
        {f"qty_{line.pk}": "1", "delivery_method": "courier", "carrier": "顺丰速运", "ship": "1"},
    )

    assert response.status_code == 200
    assert response.context["shipment_form"].errors == {
        "tracking_number": ["Enter the tracking number the carrier gave."]
    }
    assert Shipment.objects.count() == 0
    assert order.lines.get().shipped_quantity == Decimal("0")
