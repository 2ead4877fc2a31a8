"""A payment follows the invoices it pays: who sees one of them sees the payment, and only their part of it.

rep1 and rep2 sell in East team (each sees only their own records), rep3 in North team,
manager1 leads the sales department, finance1 sees everything. The customer is rep2's now, but
one of its orders is still rep1's: the money applied to that order's invoice is rep1's business.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gendan.crm.models import Customer
from gendan.finance.models import Invoice, Payment, PaymentAllocation
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import Order
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def money(personas):
    """Invoices of rep1's and rep2's orders for rep2's customer; three payments from that customer."""
    rep1, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    customer = customer_ready_to_order(rep1)
    _warehouse, products = stocked_products(1)
    invoices = []
    for _ in range(2):
        order = order_submit(order=draft_order(rep1, products, customer=customer), actor=rep1)
        shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
        invoices.append(invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance))
    rep1s, rep2s = invoices
    today = timezone.localdate()

    def pay(amount, *allocations):
        return payment_record(
            actor=finance,
            customer=customer,
            amount=Decimal(amount),
            received_on=today,
            allocations=[{"invoice": invoice, "amount": Decimal(part)} for invoice, part in allocations],
        )

    payments = {
        "rep1s_invoice": pay("100.00", (rep1s, "100.00")),
        "both_invoices": pay("53.00", (rep1s, "13.00"), (rep2s, "40.00")),
        "on_account": pay("10.00"),
    }
    # The customer and the second order passed to rep2 afterwards.
    Customer.objects.filter(pk=customer.pk).update(owner=personas["rep2"])
    Order.objects.filter(pk=rep2s.order_id).update(owner=personas["rep2"])
    # With the order's owner go its invoice's and their allocations' copies of it (finance.reactions).
    Invoice.objects.filter(order_id=rep2s.order_id).update(owner=personas["rep2"])
    PaymentAllocation.objects.filter(invoice__order_id=rep2s.order_id).update(owner=personas["rep2"])
    return {"invoices": {"rep1": rep1s, "rep2": rep2s}, "payments": payments}


def seen(user, money) -> dict[str, list[str]]:
    """{payment: the invoice numbers of its allocations} as the API shows them to `user`."""
    names = {payment.pk: name for name, payment in money["payments"].items()}
    rows = api_as(user).get("/api/v1/payments/").json()["results"]
    return {names[row["id"]]: [a["invoice_number"] for a in row["allocations"]] for row in rows}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rep1", {"rep1s_invoice": ["rep1"], "both_invoices": ["rep1"]}),
        ("rep2", {"both_invoices": ["rep2"], "on_account": []}),
        ("rep3", {}),
        ("follower1", {"rep1s_invoice": ["rep1"], "both_invoices": ["rep1", "rep2"], "on_account": []}),
        ("manager1", {"rep1s_invoice": ["rep1"], "both_invoices": ["rep1", "rep2"], "on_account": []}),
        ("finance1", {"rep1s_invoice": ["rep1"], "both_invoices": ["rep1", "rep2"], "on_account": []}),
    ],
)
def test_the_payment_list_follows_the_invoices_and_shows_only_their_allocations(personas, money, role, expected):
    numbers = {owner: invoice.number for owner, invoice in money["invoices"].items()}

    assert seen(personas[role], money) == {
        payment: [numbers[owner] for owner in owners] for payment, owners in expected.items()
    }
    assert {p.pk for p in Payment.objects.visible_to(personas[role])} == {
        money["payments"][name].pk for name in expected
    }


def test_a_payment_of_an_invoice_out_of_sight_is_not_found(personas, money):
    rep2 = api_as(personas["rep2"])
    payment = money["payments"]["rep1s_invoice"]

    assert rep2.get(f"/api/v1/payments/{payment.pk}/").status_code == 404
    assert rep2.get(f"/api/v1/payments/{payment.pk}/events/").status_code == 404
    assert api_as(personas["rep1"]).get(f"/api/v1/payments/{payment.pk}/").status_code == 200


def test_the_detail_hides_the_amounts_applied_to_others_invoices(personas, money):
    payment = money["payments"]["both_invoices"]

    body = api_as(personas["rep2"]).get(f"/api/v1/payments/{payment.pk}/").json()

    assert [(a["invoice"], a["amount"]) for a in body["allocations"]] == [(money["invoices"]["rep2"].pk, "40.00")]
    assert "13.00" not in str(body["allocations"])


def test_the_timeline_leaves_out_allocations_to_orders_out_of_sight(personas, money):
    payment = money["payments"]["both_invoices"]

    def allocated_to(role):
        events = api_as(personas[role]).get(f"/api/v1/payments/{payment.pk}/events/").json()["results"]
        return sorted(e["data"]["invoice"] for e in events if e["verb"] == "payment.allocated")

    assert allocated_to("rep2") == [money["invoices"]["rep2"].pk]
    assert allocated_to("rep1") == [money["invoices"]["rep1"].pk]
    assert allocated_to("finance1") == sorted(invoice.pk for invoice in money["invoices"].values())


def test_the_order_page_shows_only_what_was_applied_to_its_own_invoices(client, personas, money):
    rep1s = money["invoices"]["rep1"]
    client.force_login(personas["rep1"])

    body = client.get(reverse("sales:order_detail", args=[rep1s.order_id])).content.decode()

    assert body.count('data-testid="payment"') == 2
    assert money["payments"]["rep1s_invoice"].number in body
    assert money["payments"]["both_invoices"].number in body
    assert money["invoices"]["rep2"].number not in body
    assert money["payments"]["on_account"].number not in body
