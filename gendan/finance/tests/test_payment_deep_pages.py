"""A rep's payments far down the list: their keys read from the allocations' and customers' indexes of owner and
date (Payment.objects.deep_page_keys), the same rows in the same order as the list read plainly."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gendan.core.lists import ListPaginator, capped_count
from gendan.finance.models import Payment, PaymentAllocation
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.services import order_submit
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def issued_invoice(personas, rep, customer, products):
    clerk, finance = personas["warehouse1"], personas["finance1"]
    order = order_submit(order=draft_order(personas[rep], products, customer=customer), actor=personas[rep])
    shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
    return invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)


@pytest.fixture
def payments(personas):
    """rep1's payments over four days (several on each): allocated, one of them to two invoices, and on account;
    and rep3's, which rep1 does not see."""
    finance = personas["finance1"]
    _warehouse, products = stocked_products(1)
    mine = customer_ready_to_order(personas["rep1"])
    first, second = (issued_invoice(personas, "rep1", mine, products) for _ in range(2))
    theirs = customer_ready_to_order(personas["rep3"])
    other = issued_invoice(personas, "rep3", theirs, products)
    today = timezone.localdate()

    def pay(customer, day, allocations=()):
        amount = sum((share for _invoice, share in allocations), Decimal("0")) or Decimal("5")
        return payment_record(
            actor=finance,
            customer=customer,
            amount=amount,
            received_on=today - datetime.timedelta(days=day % 4),
            allocations=[{"invoice": invoice, "amount": share} for invoice, share in allocations],
        )

    for day in range(12):
        pay(mine, day, [(first, Decimal("1"))])
    pay(mine, 1, [(first, Decimal("1")), (second, Decimal("1"))])
    for day in range(6):
        pay(mine, day)
    for day in range(5):
        pay(theirs, day, [(other, Decimal("1"))])
    return personas


def test_every_deep_page_holds_the_rows_of_the_list_read_plainly(payments):
    rows = Payment.objects.visible_to(payments["rep1"])
    plainly = list(rows.values_list("pk", flat=True))
    assert len(plainly) == 19

    for bottom in range(len(plainly) + 1):
        assert rows.deep_page_keys(bottom, bottom + 3) == plainly[bottom : bottom + 3]


def test_the_paginator_reads_a_deep_pages_keys_from_the_owners_indexes(payments, settings):
    settings.LIST_KEYSET_FROM_PAGE = 1
    rows = Payment.objects.visible_to(payments["rep1"])
    plainly = list(rows)
    paginator = ListPaginator(rows, 4)

    for number in paginator.page_range:
        with CaptureQueriesContext(connection) as queries:
            page = list(paginator.page(number).object_list)

        assert page == plainly[(number - 1) * 4 : number * 4]
        assert any("UNION" in query["sql"] for query in queries.captured_queries)


def test_a_filtered_or_otherwise_ordered_list_is_read_plainly(payments):
    rep1 = payments["rep1"]
    mine = Payment.objects.visible_to(rep1)

    assert mine.filter(allocated_amount=0).deep_page_keys(0, 3) is None
    assert mine.order_by("amount", "pk").deep_page_keys(0, 3) is None
    assert mine.order_by().deep_page_keys(0, 3) is None
    assert mine[:5].deep_page_keys(0, 3) is None
    # The same order spelt out, as the API does, is still the lists' order.
    assert mine.order_by("-received_on", "-pk").deep_page_keys(0, 3) == list(mine.values_list("pk", flat=True)[:3])
    assert Payment.objects.filter(allocated_amount=0).visible_to(rep1).deep_page_keys(0, 3) is None
    # Those who see every payment walk the list's own index.
    assert Payment.objects.visible_to(payments["admin"]).deep_page_keys(0, 3) is None


def test_a_new_allocation_keeps_its_payments_date(payments):
    for payment in Payment.objects.prefetch_related("allocations"):
        assert {allocation.received_on for allocation in payment.allocations.all()} <= {payment.received_on}


def test_the_migration_fills_each_allocations_date_from_its_payment(payments):
    PaymentAllocation.objects.update(received_on=datetime.date(2000, 1, 1))

    importlib.import_module("gendan.finance.migrations.0013_allocation_received_on").fill_received_on(apps, None)

    rows = list(PaymentAllocation.objects.values_list("payment__received_on", "received_on"))
    assert len(rows) == 19 and all(paid == kept for paid, kept in rows)


def test_a_scopes_whole_list_is_counted_from_the_owners_indexes_the_same_as_plainly(payments):
    mine = Payment.objects.visible_to(payments["rep1"])

    for cap in (0, 5, 18, 19, 100):
        with CaptureQueriesContext(connection) as queries:
            counted = capped_count(mine.order_by("customer__name", "pk"), cap)
        assert counted == min(mine.count(), cap + 1)
        assert "UNION" in queries.captured_queries[0]["sql"]
    # Narrowed otherwise, or seen whole, the list counts itself.
    assert mine.filter(allocated_amount=0).narrow_count(100) is None
    assert Payment.objects.visible_to(payments["admin"]).narrow_count(100) is None
    assert capped_count(mine.filter(allocated_amount=0), 100) == 6
