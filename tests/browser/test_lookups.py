"""The customer filter of the order list asks the server as people type, on a phone, in Chinese."""

import pytest
from playwright.sync_api import expect

from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_into_the_customer_filter_and_choosing_a_match(live_server, personas, new_page, shot):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    wanted = customer_ready_to_order(rep, name="杭州星河贸易有限公司")
    other = customer_ready_to_order(rep, name="宁波远山机械有限公司")
    customer_ready_to_order(personas["rep3"], name="杭州别家贸易有限公司")
    wanted_order = draft_order(rep, products, customer=wanted)
    other_order = draft_order(rep, products, customer=other)
    page = new_page(width=375, height=800, csp=True)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))
    log_in(page, live_server.url, "rep1", "pw-rep1")

    page.goto(f"{live_server.url}/orders/")
    page.click("[data-bs-target='#filters']")
    box = page.locator("#id_customer")
    box.fill("杭州")
    matches = page.locator(".lookup-menu [data-id]")
    # rep3's customer is not rep1's to see, though its name matches too.
    expect(matches).to_have_text(["杭州星河贸易有限公司"])
    shot(page, "matches")
    matches.first.click()
    assert page.locator("input[type=hidden][name=customer]").input_value() == str(wanted.pk)
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url(f"**/orders/?*customer={wanted.pk}*")

    html = page.locator("main").inner_html()
    assert wanted_order.number in html
    assert other_order.number not in html
    page.click("[data-bs-target='#filters']")
    page.wait_for_selector("#filters.show:not(.collapsing)")
    assert page.locator("#id_customer").input_value() == "杭州星河贸易有限公司"
    shot(page, "filtered")
    assert errors == []


def test_choosing_the_customer_of_a_new_order_brings_its_contact(live_server, personas, new_page):
    rep = personas["rep1"]
    stocked_products(1)
    customer = customer_ready_to_order(rep, name="杭州星河贸易有限公司")
    contact = customer.contacts.get()
    page = new_page(csp=True)
    log_in(page, live_server.url, "rep1", "pw-rep1")

    page.goto(f"{live_server.url}/orders/new/")
    page.locator("#id_customer").fill("星河")
    page.locator(".lookup-menu [data-id]").first.click()

    expect(page.locator("#id_contact")).to_have_value(str(contact.pk))
    assert page.locator("input[type=hidden][name=customer]").input_value() == str(customer.pk)
