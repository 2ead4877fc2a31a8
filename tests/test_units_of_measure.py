"""Half a 台 is refused wherever a quantity is entered: quotations, orders, shipments, invoices, stock moves.

catalog.quantities.check_quantity is the one check; these tests walk each door to it, in the API
and in the pages, and check that a refused request writes nothing.
"""

import pytest
from django.urls import reverse

from gendan.finance.models import Invoice
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.inventory.models import StockMove
from gendan.sales.models import Order, Quotation
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db

WHOLE = ["台 is counted in whole numbers."]


@pytest.fixture
def machines():
    """A product counted in 台 and one sold by the metre, in stock."""
    warehouse, [machine] = stocked_products(1, unit="台", unit_decimals=0)
    _warehouse, [cable] = stocked_products(1, warehouse=warehouse, unit="米", unit_decimals=2)
    return warehouse, machine, cable


def _document(customer, lines, **extra):
    return {
        "customer": customer.pk,
        "contact": customer.contacts.first().pk,
        "lines": [{"product": product.pk, "quantity": quantity} for product, quantity in lines],
        **extra,
    }


def test_an_order_for_half_a_machine_is_refused_on_its_line(english, personas, machines):
    _warehouse, machine, cable = machines
    customer = customer_ready_to_order(personas["rep1"])
    payload = _document(customer, [(cable, "2.5"), (machine, "0.5")], shipping_address=customer.addresses.first().pk)

    response = api_as(personas["rep1"]).post("/api/v1/orders/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {"lines": {"1": {"quantity": WHOLE}}}
    assert Order.objects.count() == 0


def test_metres_take_two_decimals_and_no_more(english, personas, machines):
    _warehouse, machine, cable = machines
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])
    address = customer.addresses.first().pk

    fine = client.post(
        "/api/v1/orders/", _document(customer, [(cable, "2.25")], shipping_address=address), format="json"
    )
    fine_grained = client.post(
        "/api/v1/orders/", _document(customer, [(cable, "2.255")], shipping_address=address), format="json"
    )

    assert fine.status_code == 201
    assert fine_grained.json() == {"lines": {"0": {"quantity": ["米 takes at most 2 decimal places."]}}}


def test_a_quotation_for_half_a_machine_is_refused(english, personas, machines):
    _warehouse, machine, _cable = machines
    customer = customer_ready_to_order(personas["rep1"])

    response = api_as(personas["rep1"]).post(
        "/api/v1/quotations/", _document(customer, [(machine, "1.5")]), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"lines": {"0": {"quantity": WHOLE}}}
    assert Quotation.objects.count() == 0


@pytest.fixture
def confirmed(personas, machines):
    _warehouse, machine, _cable = machines
    return order_submit(order=draft_order(personas["rep1"], [machine], ["2"]), actor=personas["rep1"])


def test_shipping_half_a_machine_is_refused(english, personas, confirmed):
    line = confirmed.lines.get()

    response = api_as(personas["warehouse1"]).post(
        "/api/v1/shipments/",
        {"order": confirmed.pk, "lines": [{"order_line": line.pk, "quantity": "0.5"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"lines": {"0": {"quantity": WHOLE}}}
    assert Shipment.objects.count() == 0


def test_invoicing_half_a_machine_is_refused(english, personas, confirmed):
    line = confirmed.lines.get()
    shipment = shipment_create(order=confirmed, actor=personas["warehouse1"], **COURIER)
    shipment_ship(shipment=shipment, actor=personas["warehouse1"])

    response = api_as(personas["finance1"]).post(
        "/api/v1/invoices/",
        {"order": confirmed.pk, "lines": [{"order_line": line.pk, "quantity": "1.5"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"lines": {"0": {"quantity": WHOLE}}}
    assert Invoice.objects.count() == 0


def test_receiving_half_a_machine_is_refused(english, personas, machines):
    warehouse, machine, _cable = machines

    response = api_as(personas["warehouse1"]).post(
        "/api/v1/stock-moves/",
        {"kind": "adjustment", "product": machine.pk, "warehouse": warehouse.pk, "quantity": "-0.5"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"quantity": WHOLE}
    assert StockMove.objects.count() == 0


def test_the_shipment_form_steps_by_the_unit_and_shows_the_error_on_the_line(english, client, personas, confirmed):
    line = confirmed.lines.get()
    client.force_login(personas["warehouse1"])

    page = client.get(reverse("sales:order_detail", args=[confirmed.pk]))
    refused = client.post(
        reverse("fulfillment:shipment_create", args=[confirmed.pk]),
        {f"qty_{line.pk}": "0.5", "carrier": "顺丰速运", "tracking_number": "SF1"},
    )

    assert page.context["shipment_form"].fields[f"qty_{line.pk}"].widget.attrs["step"] == "1"
    assert refused.status_code == 200
    assert refused.context["shipment_form"].errors == {f"qty_{line.pk}": WHOLE}
    assert Shipment.objects.count() == 0


def test_the_stock_move_page_shows_the_error_on_the_quantity(english, client, personas, machines):
    warehouse, machine, _cable = machines
    client.force_login(personas["warehouse1"])

    response = client.post(
        reverse("inventory:move_create"),
        {"kind": "receipt", "product": machine.pk, "warehouse": warehouse.pk, "quantity": "2.5"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"quantity": WHOLE}
    assert StockMove.objects.count() == 0


def test_the_line_editor_steps_by_the_unit_of_the_product_picked(client, personas, machines):
    warehouse, machine, cable = machines
    client.force_login(personas["rep1"])

    steps = {
        product.unit: client.get(
            reverse("sales:editor_row"), {"key": "k1", "product": product.pk, "warehouse": warehouse.pk}
        )
        .context["row"]
        .form.fields["quantity"]
        .widget.attrs["step"]
        for product in (machine, cable)
    }

    assert steps == {"台": "1", "米": "0.01"}
