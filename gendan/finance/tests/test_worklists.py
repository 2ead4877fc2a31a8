"""Finance's worklists: to invoice, unpaid invoices, payments to allocate — pages, counts, the steps from their rows, API."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gendan.core import worklists
from gendan.finance.models import Invoice, InvoiceStatus, Payment
from gendan.finance.selectors_worklists import invoices_unpaid, orders_to_invoice, payments_unallocated
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import Order, OrderStatus
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.stages import order_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def shipped(rep, clerk, quantity="2", shipped_quantity=None):
    """An order of `rep`'s with `shipped_quantity` (all by default) of `quantity` units shipped."""
    _warehouse, products = stocked_products(1)
    order = order_submit(order=draft_order(rep, products, [quantity]), actor=rep)
    line = order.lines.get()
    shipment = shipment_create(
        order=order, actor=clerk, lines=[{"order_line": line, "quantity": Decimal(shipped_quantity or quantity)}]
    )
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    return Order.objects.get(pk=order.pk)


def issued(order, finance, due):
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance, due_date=due)
    return Invoice.objects.get(pk=invoice.pk)


def pay(finance, customer, amount, invoice=None, allocated=None):
    allocations = [{"invoice": invoice, "amount": Decimal(allocated or amount)}] if invoice else []
    return payment_record(
        actor=finance, customer=customer, amount=Decimal(amount), received_on=TODAY, allocations=allocations
    )


@pytest.fixture
def world(personas):
    rep1, rep3, clerk, finance = personas["rep1"], personas["rep3"], personas["warehouse1"], personas["finance1"]
    w = {
        "shipped": shipped(rep1, clerk),
        "partly": shipped(rep1, clerk, "2", "1"),
        "carol": shipped(rep3, clerk),
        "confirmed": order_at(OrderStatus.CONFIRMED, personas),
    }
    w["draft_invoice"] = invoice_create(order=shipped(rep1, clerk), actor=finance)
    w["overdue"] = issued(shipped(rep1, clerk), finance, days(-5))
    w["due_later"] = issued(shipped(rep1, clerk), finance, days(10))
    w["carol_overdue"] = issued(shipped(rep3, clerk), finance, days(-30))
    w["half_paid"] = issued(shipped(rep1, clerk), finance, days(-1))
    w["half_payment"] = pay(finance, w["half_paid"].customer, "100.00", w["half_paid"])
    paid = issued(shipped(rep1, clerk), finance, days(-2))
    w["full_payment"] = pay(finance, paid.customer, paid.total, paid)
    w["unallocated"] = pay(finance, w["shipped"].customer, "50.00")
    w["part_allocated"] = pay(finance, w["due_later"].customer, "300.00", w["due_later"], "100.00")
    return w


def numbers(rows):
    return [row.number for row in rows]


def page(client, user, url_name, **params):
    client.force_login(user)
    return client.get(reverse(url_name), params)


def test_to_invoice_lists_orders_with_shipped_goods_not_invoiced(client, personas, world):
    response = page(client, personas["finance1"], "finance:to_invoice")

    assert numbers(response.context["page_obj"]) == [world[k].number for k in ("shipped", "partly", "carol")]
    assert 'data-testid="invoice-order"' in response.content.decode()


def test_unpaid_invoices_are_listed_longest_overdue_first_with_days_overdue(client, personas, world):
    response = page(client, personas["finance1"], "finance:unpaid_invoices")

    expected = [world[k].number for k in ("carol_overdue", "overdue", "half_paid", "due_later")]
    assert numbers(response.context["page_obj"]) == expected
    html = response.content.decode()
    assert "30 days overdue" in html and "5 days overdue" in html and "1 day overdue" in html
    assert html.count('data-testid="days-overdue"') == 3


def test_payments_not_fully_allocated_are_listed_oldest_first(client, personas, world):
    response = page(client, personas["finance1"], "finance:unallocated_payments")

    assert numbers(response.context["page_obj"]) == [world["unallocated"].number, world["part_allocated"].number]


def test_the_lists_start_from_the_users_scope(personas, world):
    # Only finance, executives and admins work the lists, and they see everything; the selectors
    # still start from the scope, as the API and the counts do.
    alice, bob = personas["rep1"], personas["rep2"]

    assert world["carol"] not in orders_to_invoice(user=alice)
    assert world["shipped"] in orders_to_invoice(user=alice)
    assert world["carol_overdue"] not in invoices_unpaid(user=alice)
    assert not orders_to_invoice(user=bob).exists()
    assert not invoices_unpaid(user=bob).exists()
    assert not payments_unallocated(user=bob).exists()


@pytest.mark.parametrize("role", ["rep1", "manager1", "warehouse1", "follower1"])
def test_roles_outside_finance_neither_see_nor_open_the_lists(client, personas, role):
    client.force_login(personas[role])

    answers = {
        name: client.get(reverse(name)).status_code
        for name in ("finance:to_invoice", "finance:unpaid_invoices", "finance:unallocated_payments")
    }
    api = {
        path: api_as(personas[role]).get(f"/api/v1/worklists/{path}/").status_code
        for path in ("to-invoice", "unpaid-invoices", "unallocated-payments")
    }

    assert set(answers.values()) == set(api.values()) == {403}
    assert not [w for w in worklists.for_user(personas[role]) if w.key.startswith("finance.")]


@pytest.mark.parametrize("role", ["finance1", "boss1", "admin"])
def test_each_count_equals_the_length_of_its_list(client, personas, world, role):
    user = personas[role]
    mine = {w.key: w for w in worklists.for_user(user) if w.key.startswith("finance.")}

    assert sorted(mine) == ["finance.to_invoice", "finance.unallocated_payments", "finance.unpaid_invoices"]
    for worklist in mine.values():
        with CaptureQueriesContext(connection) as queries:
            counted = worklist.count(user)
        assert len(queries) == 1
        assert counted == page(client, user, worklist.url_name).context["page_obj"].paginator.count
        assert counted == api_as(user).get(worklist.api_url).json()["count"]


def test_an_executive_reads_the_lists_but_gets_no_buttons(client, personas, world):
    to_invoice = page(client, personas["boss1"], "finance:to_invoice")
    unpaid = page(client, personas["boss1"], "finance:unpaid_invoices")

    assert 'data-testid="invoice-order"' not in to_invoice.content.decode()
    assert 'data-testid="record-payment"' not in unpaid.content.decode()
    assert client.get(reverse("finance:to_invoice_invoice", args=[world["shipped"].pk])).status_code == 403


def test_filters_by_customer_owner_and_overdue(client, personas, world):
    finance = personas["finance1"]

    overdue = page(client, finance, "finance:unpaid_invoices", overdue="true")
    not_yet = page(client, finance, "finance:unpaid_invoices", overdue="false")
    carols = page(client, finance, "finance:unpaid_invoices", owner=personas["rep3"].pk)
    customer = page(client, finance, "finance:to_invoice", customer=world["partly"].customer_id)

    assert numbers(overdue.context["page_obj"]) == [world[k].number for k in ("carol_overdue", "overdue", "half_paid")]
    assert numbers(not_yet.context["page_obj"]) == [world["due_later"].number]
    assert numbers(carols.context["page_obj"]) == [world["carol_overdue"].number]
    assert numbers(customer.context["page_obj"]) == [world["partly"].number]


def test_invoicing_from_the_list_takes_the_order_off_it(client, personas, world):
    client.force_login(personas["finance1"])
    order = world["partly"]
    url = reverse("finance:to_invoice_invoice", args=[order.pk])
    dialog = client.get(url, headers={"HX-Request": "true"})
    line = order.lines.get()
    assert 'data-testid="worklist-invoice-form"' in dialog.content.decode()

    response = client.post(url, {f"qty_{line.pk}": "1", "issue": "1"}, headers={"HX-Request": "true"})

    assert response.headers["HX-Redirect"] == reverse("finance:to_invoice")
    assert Invoice.objects.get(order=order).status == InvoiceStatus.ISSUED
    assert order.number not in numbers(client.get(reverse("finance:to_invoice")).context["page_obj"])


def test_invoicing_more_than_was_shipped_answers_in_the_dialog(client, personas, world):
    client.force_login(personas["finance1"])
    order = world["partly"]

    response = client.post(
        reverse("finance:to_invoice_invoice", args=[order.pk]),
        {f"qty_{order.lines.get().pk}": "2"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert response.context["form"].errors
    assert not Invoice.objects.filter(order=order).exists()


def test_recording_a_payment_from_the_list_pays_the_invoice_and_takes_it_off(client, personas, world):
    client.force_login(personas["finance1"])
    invoice = world["overdue"]
    url = reverse("finance:unpaid_invoice_payment", args=[invoice.pk])
    dialog = client.get(url, headers={"HX-Request": "true"})
    assert dialog.context["form"][f"alloc_{invoice.pk}"].value() == invoice.open_amount

    response = client.post(
        url,
        {
            "amount": str(invoice.total),
            "method": Payment.Method.BANK_TRANSFER,
            "received_on": TODAY.isoformat(),
            "reference": "BANK-1",
            f"alloc_{invoice.pk}": str(invoice.total),
        },
        headers={"HX-Request": "true"},
    )

    assert response.headers["HX-Redirect"] == reverse("finance:unpaid_invoices")
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
    assert invoice.number not in numbers(client.get(reverse("finance:unpaid_invoices")).context["page_obj"])


def test_paying_more_than_is_open_answers_on_the_invoice_field(client, personas, world):
    client.force_login(personas["finance1"])
    invoice = world["half_paid"]
    payments = Payment.objects.count()

    response = client.post(
        reverse("finance:unpaid_invoice_payment", args=[invoice.pk]),
        {
            "amount": str(invoice.total),
            "method": Payment.Method.CASH,
            "received_on": TODAY.isoformat(),
            f"alloc_{invoice.pk}": str(invoice.total),
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors[f"alloc_{invoice.pk}"]
    assert Payment.objects.count() == payments


@pytest.mark.parametrize("url_name", ["finance:to_invoice", "finance:unpaid_invoices", "finance:unallocated_payments"])
def test_a_page_costs_the_same_queries_for_one_row_or_many(client, personas, url_name):
    finance, clerk = personas["finance1"], personas["warehouse1"]
    client.force_login(finance)

    def grow():
        order = shipped(personas["rep1"], clerk)
        if url_name == "finance:unpaid_invoices":
            issued(order, finance, days(-1))
        elif url_name == "finance:unallocated_payments":
            pay(finance, order.customer, "10.00")

    grow()
    client.get(reverse(url_name))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(url_name)).context["page_obj"].paginator.count == 1
    for _ in range(4):
        grow()
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse(url_name)).context["page_obj"].paginator.count == 5

    assert len(five) == len(one) <= 15


def test_the_api_lists_are_ordered_and_filterable(personas, world):
    client = api_as(personas["finance1"])

    to_invoice = client.get("/api/v1/worklists/to-invoice/", {"owner": personas["rep1"].pk}).json()
    unpaid = client.get("/api/v1/worklists/unpaid-invoices/").json()
    overdue_of_customer = client.get(
        "/api/v1/worklists/unpaid-invoices/", {"overdue": "true", "customer": world["overdue"].customer_id}
    ).json()
    payments = client.get("/api/v1/worklists/unallocated-payments/").json()

    assert [row["number"] for row in to_invoice["results"]] == [world["shipped"].number, world["partly"].number]
    assert [(row["number"], row["days_overdue"]) for row in unpaid["results"]] == [
        (world["carol_overdue"].number, 30),
        (world["overdue"].number, 5),
        (world["half_paid"].number, 1),
        (world["due_later"].number, None),
    ]
    assert [row["number"] for row in overdue_of_customer["results"]] == [world["overdue"].number]
    assert [(row["number"], row["unallocated_amount"]) for row in payments["results"]] == [
        (world["unallocated"].number, "50.00"),
        (world["part_allocated"].number, "200.00"),
    ]
