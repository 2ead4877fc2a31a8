"""A quotation walked in a browser, in Chinese: the rep quotes from the customer page, sends it, downloads
the PDF, and turns it into an order when the customer accepts."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from gendan.sales.models import Order, Quotation, QuotationStatus
from tests.backbone import stocked_products
from tests.factories import customer_ready_to_order

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def expect_status(page, status):
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.textContent.trim() === text",
        arg=["[data-testid=quotation-status]", zh(status.label)],
    )


def test_rep_quotes_sends_and_turns_the_quotation_into_an_order(live_server, personas, new_page, shot):
    # given: a customer of rep1's; the valve's list price is 100, its floor price 80
    _warehouse, (valve,) = stocked_products(1, on_hand="50", name="不锈钢球阀 DN50")
    customer = customer_ready_to_order(personas["rep1"], name="杭州恒远机械有限公司")
    url = live_server.url

    # when the rep opens the customer and starts a quotation from its quotations panel ...
    rep = new_page()
    log_in(rep, url, "rep1", "pw-rep1")
    rep.goto(f"{url}/customers/{customer.pk}/")
    rep.wait_for_selector("[data-testid=customer-quotations]")
    shot(rep, "customer-without-quotations")
    rep.click("[data-testid=customer-new-quotation]")
    rep.wait_for_url(re.compile(r".*/quotations/new/\?customer=\d+$"))

    # ... with 3 valves at 75, below the floor price, which a quotation allows
    rep.fill("[data-testid=product-search]", valve.sku)
    rep.click("[data-testid=lookup-item]")
    rep.wait_for_function("document.querySelector('[data-testid=line-row] input[name$=-product]')?.value !== ''")
    row = rep.locator("[data-testid=line-row]").first
    row.locator("input[name$=-quantity]").fill("3")
    row.locator("input[name$=-unit_price]").fill("75")
    rep.fill("#id_terms", "含13%增值税，款到发货。")
    rep.wait_for_function("document.querySelector('#order-totals').textContent.includes('254.25')")
    shot(rep, "quotation-form")
    rep.click("[data-testid=save-quotation]")
    rep.wait_for_url(re.compile(r".*/quotations/\d+/$"))
    quotation = Quotation.objects.get(customer=customer)
    expect_status(rep, QuotationStatus.DRAFT)
    assert rep.is_visible("[data-testid=below-floor]")
    shot(rep, "quotation-draft")

    # ... sends it, and downloads the PDF for the customer
    rep.click("[data-action=send]")
    expect_status(rep, QuotationStatus.SENT)
    with rep.expect_download() as download:
        rep.click("[data-testid=download-pdf]")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert download.value.suggested_filename == f"{quotation.number}.pdf"
    shot(rep, "quotation-sent")

    # ... and, the customer having accepted, turns it into an order
    rep.click("[data-action=accept]")
    rep.wait_for_url(re.compile(r".*/orders/\d+/$"))
    rep.wait_for_selector("[data-testid=order-quotation]")
    shot(rep, "order-from-quotation")

    # then: a draft order with the quoted line, linked both ways
    order = Order.objects.get(customer=customer)
    quotation.refresh_from_db()
    assert (quotation.status, quotation.order) == (QuotationStatus.ACCEPTED, order)
    assert order.status == "draft"
    assert list(order.lines.values_list("product", "quantity", "unit_price")) == [
        (valve.pk, Decimal("3.000"), Decimal("75.00"))
    ]
    assert rep.text_content("[data-testid=order-quotation]").strip() == quotation.number

    # and the quotation's page and the customer's panel say so
    rep.goto(f"{url}/quotations/{quotation.pk}/")
    expect_status(rep, QuotationStatus.ACCEPTED)
    assert order.number in rep.text_content("[data-testid=quotation-order]")
    shot(rep, "quotation-accepted")
    rep.goto(f"{url}/customers/{customer.pk}/")
    rep.wait_for_selector("[data-testid=customer-quotation]")
    assert rep.locator("[data-testid=customer-quotation]").count() == 1
    shot(rep, "customer-with-quotation")

    # and the list reads well on a phone
    phone = new_page(width=390, height=844)
    log_in(phone, url, "rep1", "pw-rep1")
    phone.goto(f"{url}/quotations/")
    phone.wait_for_selector("[data-testid=quotation-row]")
    shot(phone, "quotation-list-phone")
