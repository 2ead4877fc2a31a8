"""The order and quotation editors open with what was saved: quantities as typed, line amounts and totals."""

import pytest
from django.urls import reverse

from gendan.sales.tests.quotation_helpers import draft_quotation
from tests.backbone import draft_order, stocked_products

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def opened_untouched(page, url):
    page.goto(url)
    page.wait_for_selector("[data-testid=line-row]")
    return {
        "quantity": page.locator("[data-testid=line-row] input[name$=-quantity]").input_value(),
        # Without grouping separators: Chinese pages write 1000.00, English ones 1,000.00.
        "amount": page.locator("[data-testid=line-amount]").inner_text().replace(",", ""),
        "subtotal": page.locator("[data-testid=subtotal]").inner_text().replace(",", ""),
        "total": page.locator("[data-testid=total]").inner_text().replace(",", ""),
    }


def test_the_editors_open_with_the_saved_amounts_and_totals(live_server, personas, new_page, shot):
    # given: a draft order and a draft quotation of rep1's, each for 10 at 100 (13% tax)
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products, ["10"])
    quotation = draft_quotation(personas["rep1"], products=products, quantities=["10"])
    page = new_page()
    log_in(page, live_server.url, "rep1", "pw-rep1")

    # when: each editor is opened and nothing is touched
    order_editor = opened_untouched(page, live_server.url + reverse("sales:order_edit", args=[order.pk]))
    shot(page, "order-editor")
    quotation_editor = opened_untouched(page, live_server.url + reverse("quotations:edit", args=[quotation.pk]))
    shot(page, "quotation-editor")

    # then: both show what was saved
    saved = {"quantity": "10", "amount": "1000.00", "subtotal": "1000.00", "total": "1130.00"}
    assert order_editor == saved
    assert quotation_editor == saved
