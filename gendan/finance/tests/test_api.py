"""The /api/v1/invoices/ and /api/v1/payments/ contract."""

import datetime
from decimal import Decimal

import pytest

from gendan.finance.models import Invoice, Payment
from gendan.finance.services import invoice_create, invoice_issue
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products

pytestmark = pytest.mark.django_db


def shipped_order(personas, quantities=("2", "1"), products=None):
    if products is None:
        _warehouse, products = stocked_products(len(quantities))
    order = order_submit(order=draft_order(personas["rep1"], products, list(quantities)), actor=personas["rep1"])
    shipment_ship(
        shipment=shipment_create(order=order, actor=personas["warehouse1"]), actor=personas["warehouse1"], **COURIER
    )
    return order


def issued_invoice(personas, **kwargs):
    order = shipped_order(personas, **kwargs)
    return invoice_issue(invoice=invoice_create(order=order, actor=personas["finance1"]), actor=personas["finance1"])


def test_without_lines_an_invoice_bills_everything_shipped_and_not_invoiced(personas):
    # given
    order = shipped_order(personas)

    # when
    response = api_as(personas["finance1"]).post("/api/v1/invoices/", {"order": order.pk}, format="json")

    # then
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("INV")
    assert (body["order"], body["customer"], body["status"]) == (order.pk, order.customer_id, "draft")
    assert (body["subtotal"], body["tax_amount"], body["total"], body["open_amount"]) == (
        "300.00",
        "39.00",
        "339.00",
        "339.00",
    )
    assert [(ln["quantity"], ln["amount"]) for ln in body["lines"]] == [("2.000", "200.00"), ("1.000", "100.00")]


def test_an_invoice_of_some_lines_then_nothing_left_is_over_quantity(personas):
    # given
    order = shipped_order(personas)
    line = order.lines.order_by("position").first()
    client = api_as(personas["finance1"])

    # when
    partial = client.post(
        "/api/v1/invoices/", {"order": order.pk, "lines": [{"order_line": line.pk, "quantity": "1"}]}, format="json"
    )
    too_much = client.post(
        "/api/v1/invoices/",
        {"order": order.pk, "lines": [{"order_line": line.pk, "quantity": "2"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    rest = client.post("/api/v1/invoices/", {"order": order.pk}, format="json")
    nothing = client.post("/api/v1/invoices/", {"order": order.pk}, format="json")

    # then
    assert (partial.status_code, partial.json()["total"]) == (201, "113.00")
    assert too_much.json() == {"lines": {"0": {"quantity": ["Only 1 shipped and not yet invoiced on this line."]}}}
    assert (rest.status_code, rest.json()["total"]) == (201, "226.00")
    assert (nothing.status_code, nothing.json()["code"]) == (409, "over_quantity")
    order_body = api_as(personas["rep1"]).get(f"/api/v1/orders/{order.pk}/").json()
    assert (order_body["billing_status"], order_body["amount_invoiced"]) == ("invoiced", "339.00")


def test_issue_sets_the_due_date_and_cannot_happen_twice(personas):
    # given
    order = shipped_order(personas)
    invoice = invoice_create(order=order, actor=personas["finance1"])
    client = api_as(personas["finance1"])

    # when
    issued = client.post(f"/api/v1/invoices/{invoice.pk}/issue/", {"due_date": "2026-03-31"}, format="json")
    again = client.post(f"/api/v1/invoices/{invoice.pk}/issue/", {}, format="json")

    # then
    assert (issued.status_code, issued.json()["status"], issued.json()["due_date"]) == (200, "issued", "2026-03-31")
    assert (again.status_code, again.json()["code"]) == (409, "transition_not_allowed")


def test_a_rep_may_not_invoice(personas):
    order = shipped_order(personas)

    response = api_as(personas["rep1"]).post("/api/v1/invoices/", {"order": order.pk}, format="json")

    assert response.status_code == 403
    assert Invoice.objects.count() == 0


def test_a_payment_with_allocations_settles_the_invoice(personas):
    # given
    invoice = issued_invoice(personas)

    # when
    response = api_as(personas["finance1"]).post(
        "/api/v1/payments/",
        {
            "customer": invoice.customer_id,
            "amount": "339.00",
            "method": "wechat",
            "received_on": "2026-02-01",
            "reference": "WX123",
            "allocations": [{"invoice": invoice.pk, "amount": "339.00"}],
        },
        format="json",
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("PAY")
    assert (body["customer"], body["amount"], body["method"], body["received_on"], body["allocated_amount"]) == (
        invoice.customer_id,
        "339.00",
        "wechat",
        "2026-02-01",
        "339.00",
    )
    assert [(a["invoice"], a["invoice_number"], a["amount"]) for a in body["allocations"]] == [
        (invoice.pk, invoice.number, "339.00")
    ]
    invoice_body = api_as(personas["finance1"]).get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (invoice_body["status"], invoice_body["amount_paid"], invoice_body["open_amount"]) == (
        "paid",
        "339.00",
        "0.00",
    )


def test_allocating_more_than_is_open_on_an_invoice_is_409_and_writes_nothing(personas):
    invoice = issued_invoice(personas)

    response = api_as(personas["finance1"]).post(
        "/api/v1/payments/",
        {
            "customer": invoice.customer_id,
            "amount": "500.00",
            "received_on": "2026-02-01",
            "allocations": [{"invoice": invoice.pk, "amount": "400.00"}],
        },
        format="json",
    )

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["invoice"], response.json()["open_amount"]) == (
        "over_amount",
        invoice.pk,
        "339.00",
    )
    assert Payment.objects.count() == 0
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("0")


def test_a_payment_allocated_later(personas):
    # given: money received before anyone knew what it was for
    invoice = issued_invoice(personas)
    client = api_as(personas["finance1"])
    payment = client.post(
        "/api/v1/payments/",
        {"customer": invoice.customer_id, "amount": "100.00", "received_on": "2026-02-01"},
        format="json",
    ).json()

    # when
    allocated = client.post(
        f"/api/v1/payments/{payment['id']}/allocate/",
        {"allocations": [{"invoice": invoice.pk, "amount": "100.00"}]},
        format="json",
    )

    # then
    assert payment["allocations"] == []
    assert (allocated.status_code, allocated.json()["allocated_amount"]) == (200, "100.00")
    order_body = api_as(personas["rep1"]).get(f"/api/v1/orders/{invoice.order_id}/").json()
    assert order_body["payment_status"] == "partially_paid"


def test_a_non_positive_payment_is_bad_input(personas):
    invoice = issued_invoice(personas)

    response = api_as(personas["finance1"]).post(
        "/api/v1/payments/",
        {"customer": invoice.customer_id, "amount": "0", "received_on": "2026-02-01"},
        format="json",
    )

    assert (response.status_code, list(response.json())) == (400, ["amount"])


def test_invoice_and_payment_timelines(personas):
    invoice = issued_invoice(personas)
    client = api_as(personas["finance1"])
    payment = client.post(
        "/api/v1/payments/",
        {
            "customer": invoice.customer_id,
            "amount": "339.00",
            "received_on": "2026-02-01",
            "allocations": [{"invoice": invoice.pk, "amount": "339.00"}],
        },
        format="json",
    ).json()

    of_invoice = client.get(f"/api/v1/invoices/{invoice.pk}/events/").json()["results"]
    of_payment = client.get(f"/api/v1/payments/{payment['id']}/events/").json()["results"]

    assert [e["verb"] for e in of_invoice] == ["invoice.paid", "invoice.issued", "invoice.created"]
    assert [e["verb"] for e in of_payment] == ["payment.allocated", "payment.received"]


def test_list_queries_do_not_grow(personas, django_assert_num_queries):
    # given
    _warehouse, products = stocked_products(2, on_hand="1000")
    client = api_as(personas["rep1"])

    def one_paid_invoice():
        order = shipped_order(personas, products=products)
        invoice = invoice_create(order=order, actor=personas["finance1"])
        invoice_issue(invoice=invoice, actor=personas["finance1"])
        api_as(personas["finance1"]).post(
            "/api/v1/payments/",
            {
                "customer": order.customer_id,
                "amount": str(invoice.total),
                "received_on": str(datetime.date(2026, 2, 1)),
                "allocations": [{"invoice": invoice.pk, "amount": str(invoice.total)}],
            },
            format="json",
        )
        return invoice

    invoice = one_paid_invoice()
    payment = Payment.objects.get()

    # then: token, 2 × permissions, count, rows, their lines or allocations (and a payment's refunds)
    with django_assert_num_queries(6):
        assert client.get("/api/v1/invoices/").json()["count"] == 1
    with django_assert_num_queries(7):
        assert client.get("/api/v1/payments/").json()["count"] == 1
    for _ in range(4):
        one_paid_invoice()
    with django_assert_num_queries(6):
        assert client.get("/api/v1/invoices/").json()["count"] == 5
    with django_assert_num_queries(7):
        assert client.get("/api/v1/payments/").json()["count"] == 5
    with django_assert_num_queries(5):
        assert client.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 200
    with django_assert_num_queries(6):
        assert client.get(f"/api/v1/payments/{payment.pk}/").status_code == 200
