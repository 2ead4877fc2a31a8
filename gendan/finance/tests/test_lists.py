"""The invoice and payment lists: filters, sorting, downloads, and the same filters in the API."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gendan.finance.models import InvoiceStatus, Payment
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.finance.tables import InvoiceTable, PaymentTable
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = timezone.localdate()


def invoice_of(rep, clerk, finance, *, quantity="1", issue_due=None):
    """An invoice for `quantity` units at 100 (plus 13% tax) of a shipped order of `rep`'s; issued when due is given."""
    _warehouse, products = stocked_products(1)
    order = order_submit(order=draft_order(rep, products, [quantity]), actor=rep)
    shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
    invoice = invoice_create(order=order, actor=finance)
    return invoice_issue(invoice=invoice, actor=finance, due_date=issue_due) if issue_due else invoice


@pytest.fixture
def books(personas):
    rep1, rep3, clerk, finance = personas["rep1"], personas["rep3"], personas["warehouse1"], personas["finance1"]
    b = {
        "small_overdue": invoice_of(rep1, clerk, finance, issue_due=TODAY - datetime.timedelta(days=3)),
        "big_later": invoice_of(rep1, clerk, finance, quantity="10", issue_due=TODAY + datetime.timedelta(days=30)),
        "draft": invoice_of(rep1, clerk, finance, quantity="3"),
        "carol": invoice_of(rep3, clerk, finance, quantity="5", issue_due=TODAY - datetime.timedelta(days=8)),
    }
    b["bank"] = payment_record(
        actor=finance,
        customer=b["big_later"].customer,
        amount=Decimal("500.00"),
        received_on=TODAY - datetime.timedelta(days=10),
        allocations=[{"invoice": b["big_later"], "amount": Decimal("500.00")}],
    )
    b["cash"] = payment_record(
        actor=finance,
        customer=b["small_overdue"].customer,
        amount=Decimal("20.00"),
        received_on=TODAY,
        method=Payment.Method.CASH,
    )
    b["carol_pay"] = payment_record(
        actor=finance, customer=b["carol"].customer, amount=Decimal("80.00"), received_on=TODAY
    )
    return b


def numbers(response):
    return sorted(row.number for row in response.context["page_obj"])


def expect(books, *keys):
    return sorted(books[key].number for key in keys)


def test_the_invoice_list_filters_by_customer_status_dates_amount_and_overdue(client, personas, books):
    client.force_login(personas["finance1"])
    url = reverse("finance:invoice_list")

    assert numbers(client.get(url)) == expect(books, "small_overdue", "big_later", "draft", "carol")
    assert numbers(client.get(url, {"customer": books["carol"].customer_id})) == expect(books, "carol")
    assert numbers(client.get(url, {"status": InvoiceStatus.DRAFT})) == expect(books, "draft")
    assert numbers(client.get(url, {"overdue": "true"})) == expect(books, "small_overdue", "carol")
    assert numbers(client.get(url, {"total_min": "500", "total_max": "1000"})) == expect(books, "carol")
    due_window = {"due_from": TODAY.isoformat(), "due_to": (TODAY + datetime.timedelta(days=60)).isoformat()}
    assert numbers(client.get(url, due_window)) == expect(books, "big_later")
    assert numbers(client.get(url, {"issued_from": TODAY.isoformat()})) == expect(
        books, "small_overdue", "big_later", "carol"
    )
    assert numbers(client.get(url, {"q": books["draft"].number})) == expect(books, "draft")


def test_the_payment_list_filters_by_customer_method_dates_amount_and_allocation(client, personas, books):
    client.force_login(personas["finance1"])
    url = reverse("finance:payment_list")

    assert numbers(client.get(url)) == expect(books, "bank", "cash", "carol_pay")
    assert numbers(client.get(url, {"customer": books["carol"].customer_id})) == expect(books, "carol_pay")
    assert numbers(client.get(url, {"method": Payment.Method.CASH})) == expect(books, "cash")
    assert numbers(client.get(url, {"received_to": (TODAY - datetime.timedelta(days=1)).isoformat()})) == expect(
        books, "bank"
    )
    assert numbers(client.get(url, {"amount_min": "50", "amount_max": "100"})) == expect(books, "carol_pay")
    assert numbers(client.get(url, {"unallocated": "true"})) == expect(books, "cash", "carol_pay")


def test_a_sales_rep_lists_only_the_invoices_and_payments_of_their_customers(client, personas, books):
    client.force_login(personas["rep1"])

    invoices = client.get(reverse("finance:invoice_list"))
    payments = client.get(reverse("finance:payment_list"))

    assert numbers(invoices) == expect(books, "small_overdue", "big_later", "draft")
    assert numbers(payments) == expect(books, "bank", "cash")
    assert 'data-testid="nav-invoices"' in invoices.content.decode()


@pytest.mark.parametrize(
    ("url_name", "table_class"), [("finance:invoice_list", InvoiceTable), ("finance:payment_list", PaymentTable)]
)
def test_every_sortable_column_sorts(client, personas, books, url_name, table_class):
    client.force_login(personas["finance1"])

    for name, column in table_class.base_columns.items():
        if column.orderable:
            for sort in (name, f"-{name}"):
                response = client.get(reverse(url_name), {"sort": sort})
                assert (response.status_code, response.context["sort"]) == (200, sort)


def test_the_invoice_download_is_a_real_workbook_of_the_filtered_rows(client, personas, books):
    client.force_login(personas["finance1"])

    response = client.get(reverse("finance:invoice_list"), {"overdue": "true", "export": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("Number", "Order", "Customer", "Status")
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert sorted(by_number) == expect(books, "small_overdue", "carol")
    carol = by_number[books["carol"].number]
    assert Decimal(str(carol["Total"])) == books["carol"].total == Decimal("565.00")
    assert carol["Due date"] == datetime.datetime.combine(books["carol"].due_date, datetime.time())


def test_the_payment_download_is_a_real_workbook(client, personas, books):
    client.force_login(personas["finance1"])

    response = client.get(reverse("finance:payment_list"), {"export": "xlsx", "sort": "number"})
    csv_response = client.get(reverse("finance:payment_list"), {"export": "csv", "method": "cash"})

    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Number", "Customer", "Received on", "Method", "Reference", "Currency", "Amount", "Allocated")
    assert sorted(row[0] for row in rows[1:]) == expect(books, "bank", "cash", "carol_pay")
    assert books["cash"].number in csv_response.content.decode("utf-8-sig")
    assert books["bank"].number not in csv_response.content.decode("utf-8-sig")


@pytest.mark.parametrize("url_name", ["finance:invoice_list", "finance:payment_list"])
def test_a_list_costs_the_same_queries_for_few_rows_or_many(client, personas, url_name):
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    client.force_login(finance)

    def grow():
        invoice = invoice_of(rep, clerk, finance, issue_due=TODAY)
        payment_record(actor=finance, customer=invoice.customer, amount=Decimal("1.00"), received_on=TODAY)

    grow()
    client.get(reverse(url_name))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(url_name))
    for _ in range(4):
        grow()
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(reverse(url_name)).context["page_obj"]) == 5

    assert len(five) == len(one) <= 12


def test_the_api_filters_invoices_and_payments_as_the_lists_do(personas, books):
    client = api_as(personas["finance1"])

    overdue = client.get("/api/v1/invoices/", {"overdue": "true"}).json()
    big = client.get("/api/v1/invoices/", {"total_min": "1000"}).json()
    rep3s = client.get("/api/v1/invoices/", {"owner": personas["rep3"].pk}).json()
    unallocated = client.get("/api/v1/payments/", {"unallocated": "true", "amount_max": "50"}).json()

    assert sorted(row["number"] for row in overdue["results"]) == expect(books, "small_overdue", "carol")
    assert [row["number"] for row in big["results"]] == [books["big_later"].number]
    assert [row["number"] for row in rep3s["results"]] == [books["carol"].number]
    assert [row["number"] for row in unallocated["results"]] == [books["cash"].number]


def test_a_bad_filter_value_is_a_field_error_in_the_api(personas, books):
    response = api_as(personas["finance1"]).get("/api/v1/invoices/", {"total_min": "lots"})

    assert response.status_code == 400
    assert list(response.json()) == ["total_min"]
