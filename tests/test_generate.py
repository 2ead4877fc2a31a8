"""The generated data set (bench/generate.py) is what the services would have left, and the app works on it."""

import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, Max, Sum
from django.utils import timezone

from bench import generate
from gendan.accounts.models import User
from gendan.core.models import Event, LastActivity, NumberCounter
from gendan.crm.models import Customer
from gendan.finance.models import Invoice, InvoiceLine, Payment, PaymentAllocation
from gendan.fulfillment.models import Shipment, ShipmentLine
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.lines import line_amount, order_totals
from gendan.sales.models import ApprovalRequest, Order, OrderLine
from gendan.sales.services import order_create, order_submit
from gendan.sales.status import billing_status_of, delivery_status_of, payment_status_of
from tests.api_client import api_as

ROOT = Path(__file__).resolve().parent.parent
ORDERS = 300


@pytest.fixture
def generated(db):
    # Small chunks, so the data crosses several transactions and id ranges.
    return generate.generate(ORDERS, password="pw-generated", seed=7, years=2, chunk=70, progress=lambda line: None)


def test_the_data_set_has_every_kind_of_row_and_the_constraints_hold(generated):
    # then: the figures count what is there
    assert generated["tables"]["sales.Order"] == Order.objects.count() == ORDERS
    assert generated["tables"]["core.Event"] == Event.objects.count()
    assert Customer.objects.count() == 30  # at least 30, else one per ten orders
    assert 2.5 <= OrderLine.objects.count() / ORDERS <= 3.5
    for model in (Shipment, ShipmentLine, Invoice, InvoiceLine, Payment, PaymentAllocation, ApprovalRequest):
        assert model.objects.exists(), model
    assert (generated["admin"], generated["rep"]) == ("admin", "rep1")
    assert User.objects.get(username="rep1").check_password("pw-generated")
    # CHECK and unique constraints were enforced as the rows went in; foreign keys are checked here
    # (SQLite defers them to the commit a test never reaches).
    connection.check_constraints()
    # Orders over the years, in every status, mostly closed.
    statuses = Counter(Order.objects.values_list("status", flat=True))
    assert statuses.most_common(1)[0][0] == "closed"
    assert set(statuses) >= {"closed", "delivered", "cancelled", "confirmed", "on_hold"}
    first, last = Order.objects.order_by("created_at")[0], Order.objects.order_by("-created_at")[0]
    assert (last.created_at - first.created_at).days > 600
    # Customers spread across reps and regions.
    assert len(set(Customer.objects.values_list("owner_id", flat=True))) >= 3
    assert len(set(Customer.objects.values_list("region", flat=True))) >= 2
    # Every order's last activity is its timeline's last event (written around events.record, taken from the log).
    order_type = ContentType.objects.get_for_model(Order)
    last = dict(LastActivity.objects.filter(content_type=order_type).values_list("object_id", "occurred_at"))
    for order in Order.objects.all():
        assert last[order.pk] == Event.objects.for_object(order).aggregate(last=Max("occurred_at"))["last"]


def test_every_order_agrees_with_its_lines_shipments_invoices_and_payments(generated):
    shipped = defaultdict(Decimal)
    for line_id, quantity in ShipmentLine.objects.filter(shipment__status__in=["shipped", "delivered"]).values_list(
        "order_line_id", "quantity"
    ):
        shipped[line_id] += quantity
    invoiced = defaultdict(Decimal)
    for line_id, quantity in InvoiceLine.objects.exclude(invoice__status="cancelled").values_list(
        "order_line_id", "quantity"
    ):
        invoiced[line_id] += quantity
    lines = defaultdict(list)
    for line in OrderLine.objects.select_related("product"):
        lines[line.order_id].append(line)
    invoices = defaultdict(list)
    for invoice in Invoice.objects.all():
        invoices[invoice.order_id].append(invoice)
    # Who sees a payment's allocation: its invoice's owner (PaymentAllocation.owner).
    assert not PaymentAllocation.objects.exclude(owner=F("invoice__owner")).exists()
    allocated = dict(
        PaymentAllocation.objects.values_list("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )

    for order in Order.objects.all():
        own = lines[order.id]
        for line in own:
            assert line.amount == line_amount(line.quantity, line.unit_price, line.discount_percent)
            assert line.shipped_quantity == shipped[line.id]
            assert line.invoiced_quantity == invoiced[line.id]
            open_quantity = line.quantity - line.shipped_quantity
            expected_reserved = open_quantity if order.status in ("confirmed", "partially_shipped", "on_hold") else 0
            assert line.reserved_quantity == expected_reserved, order.number
        assert (order.subtotal, order.tax_amount, order.total) == order_totals([x.amount for x in own], order.tax_rate)
        assert order.delivery_status == delivery_status_of(
            (x.quantity, x.shipped_quantity, x.delivered_quantity) for x in own
        )
        assert order.billing_status == billing_status_of((x.quantity, x.invoiced_quantity) for x in own)
        assert order.amount_invoiced == sum((i.total for i in invoices[order.id]), Decimal("0"))
        assert order.amount_paid == sum((i.amount_paid for i in invoices[order.id]), Decimal("0"))
        assert order.payment_status == payment_status_of(order.billing_status, order.amount_invoiced, order.amount_paid)
        for invoice in invoices[order.id]:
            assert invoice.amount_paid == allocated.get(invoice.id, Decimal("0"))
            # Who sees them: the order's owner, kept on its documents as the services keep it.
            assert invoice.owner_id == order.owner_id
            assert invoice.status == ("paid" if invoice.amount_paid == invoice.total else "issued")
        if order.status == "closed":
            assert order.payment_status == "paid" and order.delivery_status == "delivered" and order.closed_at
        if order.status in ("draft", "cancelled", "pending_approval", "confirmed", "on_hold"):
            assert order.delivery_status == "not_shipped"
        assert (order.status == "pending_approval") == order.approvals.filter(status="pending").exists()
    for payment in Payment.objects.all():
        assert payment.allocated_amount == payment.allocations.aggregate(total=Sum("amount"))["total"]

    # The stock ledger explains every level, and the levels hold what the open orders reserve.
    moves = Counter()
    for product_id, warehouse_id, kind, quantity in StockMove.objects.values_list(
        "product_id", "warehouse_id", "kind", "quantity"
    ):
        moves[(product_id, warehouse_id, kind)] += quantity
    reserved = Counter()
    for product_id, warehouse_id, quantity in OrderLine.objects.values_list(
        "product_id", "order__warehouse_id", "reserved_quantity"
    ):
        reserved[(product_id, warehouse_id)] += quantity
    for level in StockLevel.objects.all():
        key = (level.product_id, level.warehouse_id)
        assert level.on_hand == moves[(*key, "receipt")] + moves[(*key, "shipment")]
        assert level.reserved == moves[(*key, "reservation")] + moves[(*key, "shipment")] == reserved[key]


def test_numbers_follow_the_patterns_and_events_tell_each_order_s_story(generated):
    # then: numbers in the project's formats, each document's from its own month
    for model, prefix in ((Order, "SO"), (Shipment, "SH"), (Invoice, "INV"), (Payment, "PAY")):
        numbers = list(model.objects.values_list("number", flat=True))
        assert all(re.fullmatch(prefix + r"\d{11}", number) for number in numbers), prefix
    assert all(re.fullmatch(r"C\d{6}", code) for code in Customer.objects.values_list("code", flat=True))
    # every order's events, by the services' verbs, on its timeline
    verbs = defaultdict(set)
    for object_id, verb in Event.objects.filter(content_type__model="order").values_list("object_id", "verb"):
        verbs[object_id].add(verb)
    for order in Order.objects.all():
        assert "order.created" in verbs[order.id]
        if order.status == "closed":
            assert {"order.delivered", "order.paid", "order.closed"} <= verbs[order.id]
            assert verbs[order.id] & {"order.confirmed", "order.approved"}
    closed = Order.objects.filter(status="closed").first()
    timeline = list(Event.objects.for_object(closed).order_by("occurred_at", "id").values_list("verb", flat=True))
    assert timeline[0] == "order.created" and timeline[-1] == "order.closed"
    assert {"shipment.shipped", "invoice.issued", "payment.allocated"} <= set(timeline)
    times = list(Event.objects.order_by("id").values_list("occurred_at", flat=True))
    assert max(times) <= timezone.now()


def test_pages_and_the_api_answer_for_admin_and_a_rep(generated, client):
    for username in (generated["admin"], generated["rep"]):
        user = User.objects.get(username=username)
        client.force_login(user)
        for path in ("/orders/", "/customers/"):
            assert client.get(path).status_code == 200, (username, path)
        response = api_as(user).get("/api/v1/orders/")
        assert response.status_code == 200, username
        assert response.json()["results"]


def test_a_new_order_through_the_services_takes_the_next_number(generated):
    # given
    rep = User.objects.get(username="rep1")
    customer = Customer.objects.filter(owner=rep).first()
    line = OrderLine.objects.select_related("order__warehouse", "product").filter(order__customer=customer).first()
    counter = NumberCounter.objects.filter(doc_type="sales_order").order_by("-period").first()

    # when
    order = order_create(
        actor=rep,
        customer=customer,
        contact=customer.contacts.first(),
        shipping_address=customer.addresses.first(),
        warehouse=line.order.warehouse,
        lines=[{"product": line.product, "quantity": Decimal("1")}],
    )
    order = order_submit(order=order, actor=rep)

    # then: the month's counter went on from the generated orders, no number taken twice
    assert order.number == f"SO{counter.period}{counter.last_value + 1:05d}"
    assert Order.objects.filter(number=order.number).count() == 1
    assert order.status in ("confirmed", "pending_approval")


def test_the_command_fills_a_fresh_database_and_writes_its_figures(tmp_path):
    # when
    output = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate.py"),
            "--orders",
            "40",
            "--var-dir",
            str(tmp_path / "var"),
            "--json",
            str(tmp_path / "figures.json"),
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "GENDAN_DEMO_PASSWORD": "pw-cli", "HOME": str(tmp_path)},
        timeout=300,
    )

    # then
    assert output.returncode == 0, output.stderr
    figures = json.loads((tmp_path / "figures.json").read_text())
    assert figures["tables"]["sales.Order"] == 40
    assert (figures["admin"], figures["rep"]) == ("admin", "rep1")
    assert figures["database_url"] == f"sqlite:///{tmp_path / 'var' / 'gendan.sqlite3'}"
    assert figures["sqlite_file"] == str(tmp_path / "var" / "gendan.sqlite3")
    assert (tmp_path / "var" / "gendan.sqlite3").exists()
    assert "password: pw-cli" in output.stdout and "rows/s" in output.stdout
