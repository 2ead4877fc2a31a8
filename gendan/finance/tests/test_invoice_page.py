"""An invoice's page (FIN-1): the document as the customer receives it, the payments against it, its history;
its PDF, printed from the same HTML, on the page and at /api/v1/invoices/{id}/pdf/."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from gendan.finance.models import InvoiceStatus
from gendan.finance.services import payment_record
from gendan.finance.tests.test_lists import invoice_of
from tests.api_client import api_as

pytestmark = [pytest.mark.django_db]

TODAY = timezone.localdate()


@pytest.fixture
def invoice(personas):
    rep1, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    invoice = invoice_of(rep1, clerk, finance, quantity="2", issue_due=TODAY - datetime.timedelta(days=5))
    payment_record(
        actor=finance,
        customer=invoice.customer,
        amount=Decimal("50.00"),
        received_on=TODAY,
        allocations=[{"invoice": invoice, "amount": Decimal("50.00")}],
    )
    invoice.refresh_from_db()
    return invoice


@pytest.mark.usefixtures("english")
def test_the_invoice_page_shows_the_document_its_payments_and_history(
    client, personas, invoice, django_assert_max_num_queries
):
    client.force_login(personas["finance1"])

    with django_assert_max_num_queries(14):
        response = client.get(reverse("finance:invoice_detail", args=[invoice.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert invoice.number in page and invoice.customer.name in page and invoice.order.number in page
    assert 'data-testid="invoice-total">226.00' in page
    assert 'data-testid="invoice-open">176.00' in page
    assert "5 days overdue" in page
    assert page.count('data-testid="invoice-line"') == 1
    assert page.count('data-testid="invoice-allocation"') == 1
    # Finance records a payment against it; nothing is left to issue.
    assert 'data-testid="record-payment"' in page and 'data-testid="issue-invoice"' not in page


@pytest.mark.usefixtures("english")
def test_a_draft_is_issued_from_its_page_and_the_page_comes_back(client, personas):
    draft = invoice_of(personas["rep1"], personas["warehouse1"], personas["finance1"])
    client.force_login(personas["finance1"])
    assert (
        'data-testid="issue-invoice"' in client.get(reverse("finance:invoice_detail", args=[draft.pk])).content.decode()
    )

    response = client.post(reverse("finance:invoice_issue", args=[draft.pk]), {"back": "invoice"})

    assert response.url == reverse("finance:invoice_detail", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED


def test_an_invoice_out_of_sight_is_not_found(client, personas, invoice):
    client.force_login(personas["rep3"])
    assert client.get(reverse("finance:invoice_detail", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("finance:invoice_pdf", args=[invoice.pk])).status_code == 404
    assert api_as(personas["rep3"]).get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 404


def test_the_pdf_is_a_real_pdf_in_chinese_with_the_customer_the_number_and_the_total(client, personas, invoice):
    client.force_login(personas["rep1"])

    response = client.get(reverse("finance:invoice_pdf", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert invoice.number in text and invoice.customer.name in text
    assert "226.00" in text and "发票" in text

    api = api_as(personas["finance1"]).get(f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf"
    assert invoice.number in PdfReader(io.BytesIO(api.content)).pages[0].extract_text()
