"""The top bar's search box: typing suggests grouped results, Enter opens the search page; on a phone, the icon."""

import pytest
from playwright.sync_api import expect

from gendan.crm.models import Contact
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_in_the_top_bar_finds_customers_contacts_and_orders(live_server, personas, new_page, shot):
    # given: rep1's customer, whose contact's phone a rep remembers a piece of, and rep3's customer of the same name
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep, name="杭州星河贸易有限公司")
    Contact.objects.filter(customer=customer).update(name="赵敏", phone="138-2468-1357")
    order = draft_order(rep, products, customer=customer)
    customer_ready_to_order(personas["rep3"], name="杭州星河别家有限公司")
    page = new_page(csp=True)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))
    log_in(page, live_server.url, "rep1", "pw-rep1")

    # when: a name typed into the top bar
    box = page.get_by_test_id("global-search")
    box.fill("星河")

    # then: suggestions grouped by kind, rep3's customer not among them
    suggestions = page.get_by_test_id("search-suggestions")
    expect(suggestions.locator("[data-type=customer] [data-testid=search-result]")).to_have_count(1)
    expect(suggestions.locator("[data-type=order] [data-testid=search-result]")).to_contain_text(order.number)
    assert "别家" not in suggestions.inner_text()
    shot(page, "suggestions")

    # when: a piece of the phone number, and Enter
    box.fill("2468")
    expect(suggestions.locator("[data-type=contact]")).to_contain_text("赵敏 · 杭州星河贸易有限公司")
    box.press("Enter")
    page.wait_for_url("**/search/?q=2468")

    # then: the page, grouped, the box filled in; the contact leads to its customer
    groups = page.get_by_test_id("search-group")
    # (The order is found through its customer, as the order list finds it.)
    expect(groups.locator("h2")).to_have_text(["客户", "联系人", "订单"])
    assert page.get_by_test_id("search-page-box").input_value() == "2468"
    shot(page, "page")
    page.locator("[data-type=contact] [data-testid=search-result]").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert errors == []


def test_on_a_phone_the_search_icon_opens_the_search_page(live_server, personas, new_page, shot):
    rep = personas["rep1"]
    customer = customer_ready_to_order(rep, name="宁波远山机械有限公司")
    page = new_page(width=375, height=800, csp=True)
    log_in(page, live_server.url, "rep1", "pw-rep1")

    # The box would not fit beside the brand, the bell and the menus: an icon stands for it.
    expect(page.get_by_test_id("global-search")).to_be_hidden()
    page.get_by_test_id("global-search-link").click()
    page.wait_for_url("**/search/")
    page.get_by_test_id("search-page-box").fill("远山")
    page.get_by_test_id("search-page-box").press("Enter")

    expect(page.locator("[data-type=customer] [data-testid=search-result]")).to_contain_text(customer.name)
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "phone")
