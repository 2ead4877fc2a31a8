"""A shipment not yet shipped can be cancelled, with a reason; its quantities are free again."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from gendan.core.models import Event
from gendan.fulfillment.models import Shipment, ShipmentStatus
from gendan.fulfillment.services import pending_quantities, shipment_cancel, shipment_create, shipment_ship
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.services import order_cancel, order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.stages import order_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def order(personas):
    _warehouse, products = stocked_products(1)
    return order_submit(order=draft_order(personas["rep1"], products, ["3"]), actor=personas["rep1"])


@pytest.fixture
def pending(personas, order):
    line = order.lines.get()
    return shipment_create(
        order=order, actor=personas["warehouse1"], lines=[{"order_line": line, "quantity": Decimal("2")}]
    )


def _stock():
    return list(StockLevel.objects.values_list("on_hand", "reserved")), StockMove.objects.count()


def _order_and_stock(order):
    """The order's quantities and amounts and the stock, all a cancelled shipment must leave alone."""
    state = order_state(order)
    return {key: state[key] for key in ("status", "version", "derived", "amounts", "lines")}, _stock()


def test_cancelling_a_pending_shipment_frees_its_quantities_and_leaves_the_orders_reservation(personas, order, pending):
    # given: the order reserved its 3 units when confirmed; the shipment set 2 of them aside
    before = _order_and_stock(order)
    assert pending_quantities(order) == {order.lines.get().pk: Decimal("2")}

    # when
    cancelled = shipment_cancel(shipment=pending, actor=personas["warehouse1"], reason="  客户改期  ")

    # then
    assert Shipment.objects.get(pk=pending.pk).status == ShipmentStatus.CANCELLED == cancelled.status
    assert pending_quantities(order) == {}
    # Creating it moved no stock, so cancelling it moves none: the order still holds its reservation.
    assert _order_and_stock(order) == before
    event = Event.objects.get(verb="shipment.cancelled")
    assert (event.root_id, event.actor, event.changes, event.data) == (
        order.pk,
        personas["warehouse1"],
        {"status": ["pending", "cancelled"]},
        {"reason": "客户改期"},
    )
    again = shipment_create(order=order, actor=personas["warehouse1"])
    assert [sl.quantity for sl in again.lines.all()] == [Decimal("3")]


def test_the_api_cancels_a_pending_shipment_with_its_reason(personas, pending):
    response = api_as(personas["warehouse1"]).post(
        f"/api/v1/shipments/{pending.pk}/cancel/", {"reason": "客户改期"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_a_reason_is_needed(personas, pending):
    client = api_as(personas["warehouse1"])

    blank = client.post(f"/api/v1/shipments/{pending.pk}/cancel/", {"reason": " "}, format="json")
    missing = client.post(f"/api/v1/shipments/{pending.pk}/cancel/", {}, format="json")

    assert (blank.status_code, blank.json()) == (400, {"reason": ["Give a reason."]})
    assert missing.status_code == 400 and set(missing.json()) == {"reason"}
    assert Shipment.objects.get(pk=pending.pk).status == ShipmentStatus.PENDING


def test_a_shipped_shipment_cannot_be_cancelled(personas, order, pending):
    shipment_ship(shipment=pending, actor=personas["warehouse1"], **COURIER)
    before, stock = order_state(order), _stock()

    response = api_as(personas["warehouse1"]).post(
        f"/api/v1/shipments/{pending.pk}/cancel/", {"reason": "客户改期"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert Shipment.objects.get(pk=pending.pk).status == ShipmentStatus.SHIPPED
    assert (order_state(order), _stock()) == (before, stock)
    assert not Event.objects.filter(verb="shipment.cancelled").exists()


def test_a_role_without_the_right_is_refused(personas, pending):
    response = api_as(personas["rep1"]).post(f"/api/v1/shipments/{pending.pk}/cancel/", {"reason": "x"}, format="json")

    assert response.status_code == 403
    assert Shipment.objects.get(pk=pending.pk).status == ShipmentStatus.PENDING


def test_a_cancelled_order_cancels_its_pending_shipments_the_same_way(personas, order, pending):
    order_cancel(order=order, actor=personas["rep1"], reason="客户取消")

    event = Event.objects.get(verb="shipment.cancelled")
    assert Shipment.objects.get(pk=pending.pk).status == ShipmentStatus.CANCELLED
    assert (event.object_id, event.root_id, event.data) == (pending.pk, order.pk, {"reason": "客户取消"})


def test_the_order_page_cancels_a_pending_shipment_with_a_reason(client, personas, order, pending):
    client.force_login(personas["warehouse1"])
    url = reverse("fulfillment:shipment_cancel", args=[pending.pk])

    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    without_reason = client.post(url, {"reason": ""})
    status_after_refusal = Shipment.objects.get(pk=pending.pk).status
    cancelled = client.post(url, {"reason": "客户改期"})

    assert f'data-testid="cancel-{pending.number}"' in page and 'name="reason"' in page
    assert [str(m) for m in get_messages(without_reason.wsgi_request)] == ["Reason: Give a reason."]
    assert status_after_refusal == ShipmentStatus.PENDING
    assert cancelled.status_code == 302
    assert [str(m) for m in get_messages(cancelled.wsgi_request)][-1] == f"Shipment {pending.number} cancelled."
    assert Shipment.objects.get(pk=pending.pk).status == ShipmentStatus.CANCELLED
    after = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert f'data-testid="cancel-{pending.number}"' not in after
