"""A customer's credit exposure (FIN-3): open invoices and confirmed orders not yet invoiced, defined once
(sales.credit) and shown on the customer's page and API with what is still available under the limit."""

from decimal import Decimal

import pytest
from django.urls import reverse

from gendan.crm.models import Customer
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.credit import customer_exposure
from gendan.sales.services import order_cancel, order_hold, order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# An order of one unit at 100 with 13% tax.
ORDER_TOTAL = Decimal("113.00")


@pytest.fixture
def customer(personas):
    return customer_ready_to_order(personas["rep1"], credit_limit=Decimal("1000.00"))


def confirmed(personas, customer, products):
    rep = personas["rep1"]
    return order_submit(order=draft_order(rep, products, customer=customer), actor=rep)


def test_exposure_is_every_confirmed_order_not_yet_paid_and_nothing_of_drafts_cancelled_or_paid(personas, customer):
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    _warehouse, products = stocked_products(1)
    assert customer_exposure(customer.pk) == 0

    draft_order(rep, products, customer=customer)
    shipped = confirmed(personas, customer, products)
    on_hold = order_hold(order=confirmed(personas, customer, products), actor=rep, reason="customer asked to wait")
    order_cancel(order=confirmed(personas, customer, products), actor=rep, reason="customer changed their mind")
    # A draft, a cancelled order: nothing. Two confirmed (one on hold): both.
    assert customer_exposure(customer.pk) == 2 * ORDER_TOTAL

    shipment_ship(shipment=shipment_create(order=shipped, actor=clerk), actor=clerk, **COURIER)
    invoice = invoice_issue(invoice=invoice_create(order=shipped, actor=finance), actor=finance)
    # Invoiced, not paid: still owed.
    assert customer_exposure(customer.pk) == 2 * ORDER_TOTAL
    payment_record(
        actor=finance,
        customer=customer,
        amount=Decimal("13.00"),
        received_on=invoice.issued_at.date(),
        allocations=[{"invoice": invoice, "amount": Decimal("13.00")}],
    )
    assert customer_exposure(customer.pk) == 2 * ORDER_TOTAL - Decimal("13.00")
    # The caller that adds an order's own amount leaves it out.
    assert customer_exposure(customer.pk, excluding=on_hold) == ORDER_TOTAL - Decimal("13.00")


def test_the_customer_api_and_page_show_the_limit_what_is_used_and_what_is_available(client, personas, customer):
    _warehouse, products = stocked_products(1)
    confirmed(personas, customer, products)
    unlimited = customer_ready_to_order(personas["rep1"])

    body = api_as(personas["rep1"]).get(f"/api/v1/customers/{customer.pk}/").json()
    assert (body["credit_limit"], body["credit_exposure"], body["credit_available"]) == ("1000.00", "113.00", "887.00")
    listed = api_as(personas["rep1"]).get("/api/v1/customers/").json()["results"]
    assert {row["id"]: row["credit_available"] for row in listed} == {customer.pk: "887.00", unlimited.pk: None}

    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("100.00"))
    client.force_login(personas["rep1"])
    page = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert 'data-testid="credit-exposure">¥113.00' in page
    assert "¥-13.00 available" in page
    assert "Not limited" in client.get(reverse("crm:customer_detail", args=[unlimited.pk])).content.decode()
