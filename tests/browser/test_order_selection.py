"""The order list on a phone, in Chinese: ticking orders and handing them to another rep, and saving a view."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from gendan.accounts.models import SavedView
from gendan.sales.models import Order
from tests.backbone import draft_order, stocked_products

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(message) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def watch_errors(page) -> list[str]:
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))
    return errors


def test_a_manager_ticks_two_orders_and_hands_them_to_another_rep(live_server, personas, new_page, shot):
    # given: three of Alice's orders
    _warehouse, products = stocked_products(1)
    first, second, third = (draft_order(personas["rep1"], products) for _ in range(3))
    page = new_page(width=390, height=844, csp=True)
    errors = watch_errors(page)
    log_in(page, live_server.url, "manager1", "pw-manager1")

    # when: two are ticked
    page.goto(f"{live_server.url}/orders/")
    assign = page.get_by_test_id("assign-selected")
    expect(assign).to_be_disabled()
    page.locator(f'input[data-select-row][value="{first.pk}"]').check()
    page.locator(f'input[data-select-row][value="{second.pk}"]').check()
    expect(page.get_by_test_id("selection-count")).to_have_text(zh("{count} selected").replace("{count}", "2"))
    expect(assign).to_be_enabled()
    shot(page, "two-ticked")
    assign.click()

    # and handed to Bob, found by name
    page.wait_for_url("**/orders/selection/assign/?*")
    expect(page.get_by_test_id("selected-orders").locator("tbody tr")).to_have_count(2)
    page.locator("#id_owner").fill("rep2")
    page.locator(".lookup-menu [data-id]").first.click()
    page.locator("#id_reason").fill("Alice 休假")
    shot(page, "assign-form")
    page.get_by_test_id("assign-submit").click()

    # then: back on the list, told, and the two are Bob's
    page.wait_for_url(f"{live_server.url}/orders/")
    expect(page.locator(".alert-success")).to_contain_text("rep2")
    shot(page, "assigned")
    owners = dict(Order.objects.values_list("pk", "owner__username"))
    assert owners == {first.pk: "rep2", second.pk: "rep2", third.pk: "rep1"}
    assert errors == []


def test_saving_the_filtered_list_as_a_view_and_opening_it_again(live_server, personas, new_page, shot):
    _warehouse, products = stocked_products(1)
    draft_order(personas["rep1"], products)
    page = new_page(width=390, height=844, csp=True)
    errors = watch_errors(page)
    log_in(page, live_server.url, "rep1", "pw-rep1")

    page.goto(f"{live_server.url}/orders/?status=draft&columns=owner,total")
    page.get_by_test_id("saved-views-toggle").click()
    page.locator("#save-view-name").fill("我的草稿")
    page.locator("#save-view-shared").check()
    shot(page, "views-menu")
    page.get_by_test_id("save-view").click()

    page.wait_for_url("**/orders/?*view=*")
    view = SavedView.objects.get()
    assert (view.name, view.query, view.columns, view.shared) == ("我的草稿", "status=draft", ["owner", "total"], True)
    expect(page.get_by_test_id("saved-views-toggle")).to_contain_text("我的草稿")
    page.get_by_test_id("saved-views-toggle").click()
    expect(page.get_by_test_id("saved-view")).to_have_text(["我的草稿"])
    shot(page, "view-open")
    assert errors == []
