from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from gendan.finance.models import Invoice, InvoiceStatus, Payment
from gendan.finance.services import invoice_create, invoice_issue
from gendan.sales.models import OrderStatus
from tests.stages import order_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def logged_in(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_invoice_form_offers_what_is_shipped_and_not_invoiced(client, personas):
    order = order_at(OrderStatus.PARTIALLY_SHIPPED, personas)  # 1 of 2 shipped
    line = order.lines.get()

    response = logged_in(client, personas["finance1"]).get(reverse("sales:order_detail", args=[order.pk]))

    form = response.context["invoice_form"]
    assert [(ln, left) for ln, left, _field in form.quantity_rows] == [(line, Decimal("1"))]
    assert response.context["payment_form"] is None  # nothing issued yet
    assert 'data-testid="invoice-form"' in response.content.decode()


def test_sellers_get_no_invoice_or_payment_forms(client, personas):
    order = order_at(OrderStatus.DELIVERED, personas)

    response = logged_in(client, personas["rep1"]).get(reverse("sales:order_detail", args=[order.pk]))
    refused = client.post(reverse("finance:invoice_create", args=[order.pk]), {})

    assert (response.context["invoice_form"], response.context["payment_form"]) == (None, None)
    assert refused.status_code == 403


def test_invoicing_issuing_and_paying_from_the_order_page_closes_the_order(client, personas):
    # given a delivered order of 2 × 100 + 13% tax
    order = order_at(OrderStatus.DELIVERED, personas)
    line = order.lines.get()
    client = logged_in(client, personas["finance1"])

    # when finance invoices everything, issues it and records the payment
    created = client.post(reverse("finance:invoice_create", args=[order.pk]), {f"qty_{line.pk}": "2"})
    invoice = Invoice.objects.get()
    assert messages_of(created) == [f"Invoice {invoice.number} created."]
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert f'data-testid="issue-{invoice.number}"' in page
    client.post(reverse("finance:invoice_issue", args=[invoice.pk]))
    page = client.get(reverse("sales:order_detail", args=[order.pk]))
    assert page.context["payment_form"][f"alloc_{invoice.pk}"].value() == Decimal("226.00")
    paid = client.post(
        reverse("finance:payment_create", args=[order.pk]),
        {
            "amount": "226.00",
            "method": "bank_transfer",
            "received_on": timezone.localdate().isoformat(),
            "reference": "BANK-1",
            f"alloc_{invoice.pk}": "226.00",
        },
    )

    # then
    assert paid.status_code == 302
    invoice.refresh_from_db()
    order.refresh_from_db()
    assert (invoice.total, invoice.status) == (Decimal("226.00"), InvoiceStatus.PAID)
    assert (order.status, order.payment_status) == (OrderStatus.CLOSED, "paid")
    assert Payment.objects.get().reference == "BANK-1"


def test_allocating_more_than_is_open_shows_the_error_on_the_invoice_and_writes_nothing(client, personas):
    order = order_at(OrderStatus.DELIVERED, personas)
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=personas["finance1"]), actor=personas["finance1"])

    response = logged_in(client, personas["finance1"]).post(
        reverse("finance:payment_create", args=[order.pk]),
        {
            "amount": "500",
            "method": "bank_transfer",
            "received_on": timezone.localdate().isoformat(),
            f"alloc_{invoice.pk}": "300",
        },
    )

    assert response.status_code == 200
    assert response.context["payment_form"].errors == {
        f"alloc_{invoice.pk}": [f"Invoice {invoice.number} has only 226.00 open; 300.00 is too much."]
    }
    assert Payment.objects.count() == 0
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0


def test_a_payment_without_an_amount_shows_field_errors(client, personas):
    order = order_at(OrderStatus.DELIVERED, personas)
    invoice_issue(invoice=invoice_create(order=order, actor=personas["finance1"]), actor=personas["finance1"])

    response = logged_in(client, personas["finance1"]).post(
        reverse("finance:payment_create", args=[order.pk]), {"amount": "", "method": "bank_transfer", "received_on": ""}
    )

    assert response.context["payment_form"].errors == {
        "amount": ["This field is required."],
        "received_on": ["This field is required."],
    }
    assert Payment.objects.count() == 0


def test_invoicing_more_than_shipped_is_refused_on_the_line(client, personas):
    order = order_at(OrderStatus.PARTIALLY_SHIPPED, personas)
    line = order.lines.get()

    response = logged_in(client, personas["finance1"]).post(
        reverse("finance:invoice_create", args=[order.pk]), {f"qty_{line.pk}": "2"}
    )

    assert response.context["invoice_form"].errors == {
        f"qty_{line.pk}": ["Only 1 shipped and not yet invoiced on this line."]
    }
    assert Invoice.objects.count() == 0
