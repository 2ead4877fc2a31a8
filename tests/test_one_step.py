"""One click for two steps: "save and submit", "create and ship", "create and issue".

Each is the two services' rules in one transaction: both happen or neither, with the same
refusals and the same record as the two steps one after the other.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.finance.models import Invoice, InvoiceStatus
from gendan.finance.services import invoice_create
from gendan.fulfillment.models import Shipment, ShipmentStatus
from gendan.fulfillment.services import shipment_create
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.models import Order, OrderStatus
from gendan.sales.services import order_create
from gendan.sales.tests.test_views import editor_post
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order
from tests.stages import order_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def verbs_of(record) -> list[str]:
    return list(Event.objects.for_object(record).order_by("id").values_list("verb", flat=True))


# --- save and submit --------------------------------------------------------------------------


def test_save_and_submit_confirms_and_reserves_in_one_go(personas):
    _warehouse, products = stocked_products(2)

    order = draft_order(personas["rep1"], products, ["3", "1"], submit=True)

    assert order.status == OrderStatus.CONFIRMED and order.submitted_at is not None
    assert sorted(line.reserved_quantity for line in order.lines.all()) == [Decimal("1"), Decimal("3")]
    assert verbs_of(order) == ["order.created", "order.submitted", "order.confirmed"]


def test_save_and_submit_goes_to_approval_like_submit_does(personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep)

    order = order_create(
        actor=rep,
        customer=customer,
        contact=customer.contacts.get(),
        shipping_address=customer.addresses.get(),
        # 15% is above a rep's own limit of 10%.
        lines=[{"product": products[0], "quantity": Decimal("1"), "discount_percent": Decimal("15")}],
        submit=True,
    )

    assert order.status == OrderStatus.PENDING_APPROVAL
    assert order.lines.get().reserved_quantity == 0


def test_save_and_submit_short_of_stock_saves_nothing(personas):
    _warehouse, products = stocked_products(1, on_hand="2")

    with pytest.raises(ApplicationError) as refused:
        draft_order(personas["rep1"], products, ["5"], submit=True)

    assert refused.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert Order.objects.count() == 0 and StockMove.objects.count() == 0
    assert StockLevel.objects.get().reserved == 0


def test_the_api_creates_and_submits_with_submit_true(personas):
    _warehouse, products = stocked_products(1, on_hand="1")
    customer = customer_ready_to_order(personas["rep1"])
    body = {
        "customer": customer.pk,
        "contact": customer.contacts.get().pk,
        "shipping_address": customer.addresses.get().pk,
        "lines": [{"product": products[0].pk, "quantity": "1"}],
        "submit": True,
    }

    created = api_as(personas["rep1"]).post("/api/v1/orders/", body, format="json")
    # The same order again, said to be meant (a duplicate needs a reason): the last unit is gone
    refused = api_as(personas["rep1"]).post(
        "/api/v1/orders/", {**body, "duplicate_reason": "客户再要一件"}, format="json"
    )

    assert created.status_code == 201 and created.json()["status"] == "confirmed"
    assert created.json()["lines"][0]["reserved_quantity"] == "1.000"
    assert refused.status_code == 409 and refused.json()["code"] == "insufficient_stock"
    assert Order.objects.count() == 1


def test_the_order_form_offers_save_and_submit_and_does_both(client, personas):
    rep = personas["rep1"]
    warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep)
    client.force_login(rep)

    page = client.get(reverse("sales:order_create"))
    data = editor_post(customer, warehouse, {"a1": {"product": products[0].pk, "quantity": "2"}}, submit="1")
    response = client.post(reverse("sales:order_create"), data)

    assert 'data-testid="save-and-submit-order"' in page.content.decode()
    order = Order.objects.get()
    assert response.status_code == 302 and order.status == OrderStatus.CONFIRMED
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Order {order.number} created and submitted: Confirmed."
    ]


def test_editing_an_order_offers_no_save_and_submit(client, personas):
    order = order_at(OrderStatus.DRAFT, personas)
    client.force_login(personas["rep1"])

    page = client.get(reverse("sales:order_edit", args=[order.pk]))

    assert 'data-testid="save-and-submit-order"' not in page.content.decode()


# --- create and ship --------------------------------------------------------------------------


def test_create_and_ship_takes_the_goods_out_of_stock_at_once(personas):
    order = order_at(OrderStatus.CONFIRMED, personas)  # 2 units reserved of 100

    shipment = shipment_create(
        order=order, actor=personas["warehouse1"], carrier="顺丰", tracking_number="SF9", ship=True
    )

    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED and shipment.shipped_at is not None
    assert (order.status, order.delivery_status) == (OrderStatus.SHIPPED, "shipped")
    level = StockLevel.objects.get()
    assert (level.on_hand, level.reserved) == (Decimal("98"), Decimal("0"))
    assert verbs_of(shipment) == ["shipment.created", "shipment.shipped"]


def test_create_and_ship_needs_the_right_to_ship_and_then_creates_nothing(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    follower = personas["follower1"]  # may put goods on a shipment, not send them off
    assert follower.has_perm("fulfillment.add_shipment") and not follower.has_perm("fulfillment.ship_shipment")

    with pytest.raises(ApplicationError) as refused:
        shipment_create(order=order, actor=follower, ship=True, **COURIER)
    client.force_login(follower)
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()

    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert Shipment.objects.count() == 0
    assert 'data-testid="create-shipment"' in page and 'data-testid="create-and-ship"' not in page


def test_the_api_creates_and_ships_with_ship_true(personas):
    order = order_at(OrderStatus.CONFIRMED, personas)

    response = api_as(personas["warehouse1"]).post(
        "/api/v1/shipments/",
        {"order": order.pk, "carrier": "顺丰", "tracking_number": "SF7", "ship": True},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "shipped" and response.json()["shipped_at"] is not None


def test_the_order_page_offers_create_and_ship_and_does_both(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    line = order.lines.get()
    client.force_login(personas["warehouse1"])

    page = client.get(reverse("sales:order_detail", args=[order.pk]))
    response = client.post(
        reverse("fulfillment:shipment_create", args=[order.pk]),
        {f"qty_{line.pk}": "2", "carrier": "顺丰", "tracking_number": "SF8", "ship": "1"},
    )

    assert 'data-testid="create-and-ship"' in page.content.decode()
    shipment = Shipment.objects.get()
    assert response.status_code == 302 and shipment.status == ShipmentStatus.SHIPPED
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"Shipment {shipment.number} created and shipped."]


# --- create and issue -------------------------------------------------------------------------


def test_create_and_issue_issues_the_new_invoice(personas):
    order = order_at(OrderStatus.SHIPPED, personas)

    invoice = invoice_create(order=order, actor=personas["finance1"], issue=True)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.issued_at is not None and invoice.due_date is not None
    assert verbs_of(invoice) == ["invoice.created", "invoice.issued"]


def test_a_due_date_without_issuing_is_refused_and_nothing_is_created(personas):
    order = order_at(OrderStatus.SHIPPED, personas)

    with pytest.raises(ValidationError) as refused:
        invoice_create(order=order, actor=personas["finance1"], due_date=datetime.date(2027, 1, 31))

    assert list(refused.value.message_dict) == ["due_date"]
    assert Invoice.objects.count() == 0


def test_the_api_creates_and_issues_with_issue_true_and_a_due_date_only_with_it(personas):
    order = order_at(OrderStatus.SHIPPED, personas)
    client = api_as(personas["finance1"])

    lone_due_date = client.post("/api/v1/invoices/", {"order": order.pk, "due_date": "2027-01-31"}, format="json")
    issued = client.post(
        "/api/v1/invoices/", {"order": order.pk, "issue": True, "due_date": "2027-01-31"}, format="json"
    )

    assert lone_due_date.status_code == 400 and "due_date" in lone_due_date.json()
    assert issued.status_code == 201
    assert (issued.json()["status"], issued.json()["due_date"]) == ("issued", "2027-01-31")
    assert Invoice.objects.count() == 1


def test_the_order_page_offers_create_and_issue_and_does_both(client, personas):
    order = order_at(OrderStatus.SHIPPED, personas)
    line = order.lines.get()
    client.force_login(personas["finance1"])

    page = client.get(reverse("sales:order_detail", args=[order.pk]))
    response = client.post(reverse("finance:invoice_create", args=[order.pk]), {f"qty_{line.pk}": "2", "issue": "1"})

    assert 'data-testid="create-and-issue"' in page.content.decode()
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and invoice.status == InvoiceStatus.ISSUED
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"Invoice {invoice.number} created and issued."]
