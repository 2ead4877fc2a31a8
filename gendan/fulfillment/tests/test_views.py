from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from gendan.fulfillment.models import Shipment, ShipmentStatus
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import OrderStatus
from tests.backbone import COURIER
from tests.stages import order_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def logged_in(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_shipment_form_offers_what_is_left_to_ship(client, personas):
    # given a confirmed order for 2, one of them already on a pending shipment
    order = order_at(OrderStatus.CONFIRMED, personas)
    line = order.lines.get()
    shipment_create(order=order, actor=personas["warehouse1"], lines=[{"order_line": line, "quantity": Decimal("1")}])

    response = logged_in(client, personas["warehouse1"]).get(reverse("sales:order_detail", args=[order.pk]))

    form = response.context["shipment_form"]
    assert [(ln, left) for ln, left, _field in form.quantity_rows] == [(line, Decimal("1"))]
    assert form[f"qty_{line.pk}"].value() == Decimal("1")
    assert 'data-testid="shipment-form"' in response.content.decode()


def test_roles_without_shipping_rights_get_no_shipment_form(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)

    response = logged_in(client, personas["rep1"]).get(reverse("sales:order_detail", args=[order.pk]))
    refused = client.post(reverse("fulfillment:shipment_create", args=[order.pk]), {})

    assert response.context["shipment_form"] is None
    assert 'data-testid="shipment-form"' not in response.content.decode()
    assert refused.status_code == 403


def test_a_draft_order_gets_no_shipment_form(client, personas):
    order = order_at(OrderStatus.DRAFT, personas)

    response = logged_in(client, personas["warehouse1"]).get(reverse("sales:order_detail", args=[order.pk]))

    assert response.context["shipment_form"] is None


def test_creating_a_shipment_from_the_order_page(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    line = order.lines.get()

    response = logged_in(client, personas["warehouse1"]).post(
        reverse("fulfillment:shipment_create", args=[order.pk]),
        {f"qty_{line.pk}": "1.5", "carrier": "顺丰", "tracking_number": "SF123"},
    )

    assert response.status_code == 302
    assert response.url == reverse("sales:order_detail", args=[order.pk])
    shipment = Shipment.objects.get()
    assert (shipment.carrier, shipment.tracking_number, shipment.status) == ("顺丰", "SF123", ShipmentStatus.PENDING)
    assert [(sl.order_line, sl.quantity) for sl in shipment.lines.all()] == [(line, Decimal("1.5"))]
    assert messages_of(response) == [f"Shipment {shipment.number} created."]


def test_shipping_more_than_is_left_shows_the_error_on_the_line_and_writes_nothing(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    line = order.lines.get()

    response = logged_in(client, personas["warehouse1"]).post(
        reverse("fulfillment:shipment_create", args=[order.pk]), {f"qty_{line.pk}": "3", "carrier": "顺丰"}
    )

    assert response.status_code == 200
    assert response.context["shipment_form"].errors == {f"qty_{line.pk}": ["Only 2 left to ship on this line."]}
    assert "Only 2 left to ship on this line." in response.content.decode()
    assert Shipment.objects.count() == 0


def test_a_shipment_with_no_quantities_is_refused(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    line = order.lines.get()

    response = logged_in(client, personas["warehouse1"]).post(
        reverse("fulfillment:shipment_create", args=[order.pk]), {f"qty_{line.pk}": "0"}
    )

    assert response.context["shipment_form"].non_field_errors() == ["Add at least one line."]
    assert Shipment.objects.count() == 0


def test_shipping_and_delivering_from_the_order_page(client, personas):
    # given a pending shipment of the whole order
    order = order_at(OrderStatus.CONFIRMED, personas)
    shipment = shipment_create(order=order, actor=personas["warehouse1"])
    client = logged_in(client, personas["warehouse1"])
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert f'data-testid="ship-{shipment.number}"' in page

    # when
    client.post(reverse("fulfillment:shipment_ship", args=[shipment.pk]), COURIER)
    unsigned = client.post(reverse("fulfillment:shipment_deliver", args=[shipment.pk]), {"signed_by": " "})
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED
    assert messages_of(unsigned)[-1] == "Enter who signed for the goods."
    client.post(reverse("fulfillment:shipment_deliver", args=[shipment.pk]), {"signed_by": "王经理"})

    # then
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert (shipment.status, shipment.signed_by) == (ShipmentStatus.DELIVERED, "王经理")
    assert (order.status, order.delivery_status) == (OrderStatus.DELIVERED, "delivered")


def test_the_ship_button_shows_only_to_who_may_ship(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    shipment = shipment_create(order=order, actor=personas["warehouse1"])

    follower = logged_in(client, personas["follower1"]).get(reverse("sales:order_detail", args=[order.pk]))
    refused = client.post(reverse("fulfillment:shipment_ship", args=[shipment.pk]))

    assert f'data-testid="ship-{shipment.number}"' not in follower.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PENDING
    assert messages_of(refused) == ["You are not allowed to do this."]


def test_a_shipment_outside_the_users_scope_is_not_found(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    shipment = shipment_create(order=order, actor=personas["warehouse1"])
    shipment_ship(shipment=shipment, actor=personas["warehouse1"], **COURIER)

    response = logged_in(client, personas["rep3"]).post(
        reverse("fulfillment:shipment_deliver", args=[shipment.pk]), {"signed_by": "x"}
    )

    assert response.status_code == 404
