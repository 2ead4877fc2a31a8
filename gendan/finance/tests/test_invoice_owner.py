"""An invoice keeps its order's owner (Invoice.owner), so that a rep's lists read one index: who sees which
invoice, in which order and how many, is what the order's owner says, as before.

rep1 and rep2 sell in East team, rep3 in North team; manager1 leads sales, finance1 sees everything.
"""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from gendan.accounts.scoping import owner_filter
from gendan.finance.models import Invoice, Payment, PaymentAllocation
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.finance.tables import InvoiceTable
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import Order, OrderStatus
from gendan.sales.services import order_submit, order_update
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ROLES = ["rep1", "rep2", "rep3", "manager1", "follower1", "finance1", "admin"]


@pytest.fixture
def invoiced(personas):
    """Shipped and invoiced orders of rep1, rep2 and rep3, one of them rep2's for a customer of rep1's."""
    clerk, finance = personas["warehouse1"], personas["finance1"]
    _warehouse, products = stocked_products(1)
    made = []
    # (the customer's owner, who enters the order, its owner if not the customer's)
    for rep, seller, owner in [
        ("rep1", "rep1", None),
        ("rep1", "manager1", "rep2"),
        ("rep2", "rep2", None),
        ("rep3", "rep3", None),
        ("rep1", "rep1", None),
    ]:
        seller = personas[seller]
        customer = customer_ready_to_order(personas[rep])
        order = draft_order(seller, products, customer=customer, owner=personas[owner] if owner else None)
        order = order_submit(order=order, actor=seller)
        shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
        invoice = invoice_create(order=order, actor=finance)
        if len(made) % 2 == 0:
            invoice = invoice_issue(invoice=invoice, actor=finance)
        made.append(invoice)
    return made


def paid_in_full(invoice, finance):
    """A payment of the whole of an issued invoice, allocated to it."""
    return payment_record(
        actor=finance,
        customer=invoice.customer,
        amount=invoice.total,
        received_on=invoice.issued_at.date(),
        allocations=[{"invoice": invoice, "amount": invoice.total}],
    )


def through_the_order(model, user):
    """The rows `user` saw before the owner was kept on them: those of the orders in the user's scope."""
    condition = owner_filter(user, "order__owner")
    rows = model.objects.all()
    return rows if condition is None else rows.filter(condition)


def test_invoices_and_shipments_are_created_with_their_orders_owner(invoiced, personas):
    assert {invoice.order.owner_id for invoice in invoiced} == {personas[r].pk for r in ("rep1", "rep2", "rep3")}
    for model in (Invoice, Shipment):
        for row in model.objects.select_related("order"):
            assert row.owner_id == row.order.owner_id


@pytest.mark.parametrize("role", ROLES)
def test_each_sees_the_invoices_and_shipments_of_the_orders_they_see(invoiced, personas, role):
    user = personas[role]
    for model in (Invoice, Shipment):
        expected = list(through_the_order(model, user).values_list("pk", flat=True))
        assert list(model.objects.visible_to(user).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("role", ["rep1", "rep2", "manager1", "finance1"])
@pytest.mark.parametrize("sort", ["", "number", "-total", "customer"])
def test_the_invoice_list_shows_the_same_rows_in_the_same_order(client, invoiced, personas, role, sort):
    user = personas[role]
    client.force_login(user)
    page = client.get(reverse("finance:invoice_list"), {"sort": sort} if sort else {}).context["page_obj"]
    expected = InvoiceTable.order(through_the_order(Invoice, user), InvoiceTable.sort_key(sort))
    assert [invoice.pk for invoice in page.object_list] == [invoice.pk for invoice in expected]
    assert page.paginator.count == expected.count()


@pytest.mark.parametrize("role", ["rep1", "rep2", "manager1"])
def test_the_api_lists_show_the_same_rows_in_the_same_order(invoiced, personas, role):
    user = personas[role]
    for path, model in (("/api/v1/invoices/", Invoice), ("/api/v1/shipments/", Shipment)):
        body = api_as(user).get(path, {"ordering": "-number"}).json()
        expected = through_the_order(model, user).order_by("-number", "-pk")
        assert [row["id"] for row in body["results"]] == [row.pk for row in expected]
        assert body["count"] == expected.count()


def test_a_payment_is_seen_with_the_invoices_it_pays_as_before(invoiced, personas):
    rep2s = next(invoice for invoice in invoiced if invoice.order.owner == personas["rep2"] and invoice.issued_at)
    payment = paid_in_full(rep2s, personas["finance1"])
    assert list(Payment.objects.visible_to(personas["rep2"])) == [payment]
    assert [allocation.owner for allocation in payment.allocations.all()] == [personas["rep2"]]
    # rep2's order, for a customer of rep1's: rep1 does not see what paid it.
    assert payment not in Payment.objects.visible_to(personas["rep1"])


def test_a_new_owner_of_the_order_is_the_new_owner_of_its_invoices_shipments_and_allocations(invoiced, personas):
    # Only a draft's owner can change today, and a draft has no invoice or shipment yet; whatever path
    # changes the owner of an order that has some, they follow it in the same transaction.
    invoice = invoiced[0]
    payment = paid_in_full(invoice, personas["finance1"])
    order = invoice.order
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DRAFT)
    order.refresh_from_db()
    order_update(order=order, actor=personas["manager1"], owner=personas["rep3"])
    assert Invoice.objects.get(pk=invoice.pk).owner == personas["rep3"]
    assert [allocation.owner for allocation in payment.allocations.all()] == [personas["rep3"]]
    assert payment in Payment.objects.visible_to(personas["rep3"])
    assert payment not in Payment.objects.visible_to(personas["rep1"])
    assert set(Shipment.objects.filter(order=order).values_list("owner", flat=True)) == {personas["rep3"].pk}
    assert invoice in Invoice.objects.visible_to(personas["rep3"])
    assert invoice not in Invoice.objects.visible_to(personas["rep1"])


@pytest.mark.parametrize(
    ("app", "migration", "model"),
    [("finance", "0007_invoice_owner", Invoice), ("fulfillment", "0006_shipment_owner", Shipment)],
)
def test_the_migration_fills_each_rows_owner_from_its_order(invoiced, personas, app, migration, model):
    model.objects.update(owner=personas["admin"])
    importlib.import_module(f"gendan.{app}.migrations.{migration}").fill_owner(apps, None)
    for row in model.objects.select_related("order"):
        assert row.owner_id == row.order.owner_id


def test_the_migration_fills_each_allocations_owner_from_its_invoice(invoiced, personas):
    issued = [invoice for invoice in invoiced if invoice.issued_at]
    for invoice in issued:
        paid_in_full(invoice, personas["finance1"])
    PaymentAllocation.objects.update(owner=personas["admin"])
    importlib.import_module("gendan.finance.migrations.0010_allocation_owner").fill_owner(apps, None)
    rows = list(PaymentAllocation.objects.values_list("invoice__owner", "owner"))
    assert len(rows) == len(issued) and len({owner for owner, _ in rows}) > 1
    assert all(invoice_owner == owner for invoice_owner, owner in rows)
