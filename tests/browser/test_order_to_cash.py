"""The backbone walked in a browser, in Chinese, by the people who do each step."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from gendan.crm.models import Customer
from gendan.sales.models import Order, OrderStatus, PaymentStatus
from tests.backbone import stocked_products

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def open_order(page, base_url, order):
    page.goto(f"{base_url}/orders/{order.pk}/")
    page.wait_for_selector("[data-testid=order-status]")


def expect_status(page, status):
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.textContent.trim() === text",
        arg=["[data-testid=order-status]", zh(status.label)],
    )


def test_rep_to_manager_to_warehouse_to_finance(live_server, personas, new_page, shot):
    # given: stock in the warehouse; the product's floor price is 80, list price 100
    _warehouse, (product,) = stocked_products(1, on_hand="50", name="不锈钢阀门")
    url = live_server.url

    # when the rep creates a customer ...
    rep = new_page()
    log_in(rep, url, "rep1", "pw-rep1")
    shot(rep, "home")
    rep.goto(f"{url}/customers/new/")
    rep.fill("#id_name", "杭州恒远机械有限公司")
    rep.fill("#id_phone", "0571-88886666")
    rep.fill("#id_contact-name", "李建国")
    rep.fill("#id_contact-phone", "13957100001")
    rep.fill("#id_address-recipient", "李建国")
    rep.fill("#id_address-phone", "13957100001")
    rep.fill("#id_address-province", "浙江省")
    rep.fill("#id_address-city", "杭州市")
    rep.fill("#id_address-district", "余杭区")
    rep.fill("#id_address-street", "文一西路998号")
    rep.fill("#id_address-postal_code", "311121")
    shot(rep, "customer-form")
    rep.click("[data-testid=save]")
    rep.wait_for_url(re.compile(r".*/customers/\d+/$"))
    customer = Customer.objects.get(name="杭州恒远机械有限公司")
    assert customer.owner.username == "rep1"
    shot(rep, "customer-detail")

    # ... and an order with a 15% discount, above a rep's 10% limit
    rep.goto(f"{url}/orders/new/?customer={customer.pk}")
    rep.select_option("#id_contact", index=1)
    rep.select_option("#id_shipping_address", index=1)
    rep.fill("[data-testid=product-search]", product.sku)
    rep.click("[data-testid=lookup-item]")
    # Picking a product swaps the row for one carrying the product and its list price.
    rep.wait_for_function("document.querySelector('[data-testid=line-row] input[name$=-product]')?.value !== ''")
    row = rep.locator("[data-testid=line-row]").first
    row.locator("input[name$=-quantity]").fill("3")
    row.locator("input[name$=-discount_percent]").fill("15")
    rep.wait_for_function("document.querySelector('#order-totals').textContent.includes('288.15')")
    shot(rep, "order-form")
    rep.click("[data-testid=save-order]")
    rep.wait_for_url(re.compile(r".*/orders/\d+/$"))
    order = Order.objects.get(customer=customer)
    rep.click("[data-action=submit]")
    expect_status(rep, OrderStatus.PENDING_APPROVAL)
    shot(rep, "order-pending-approval")

    # ... the manager approves it
    manager = new_page()
    log_in(manager, url, "manager1", "pw-manager1")
    open_order(manager, url, order)
    manager.click("[data-action=approve]")
    manager.fill("#approve-text", "老客户，同意")
    manager.click("[data-testid=confirm-approve]")
    expect_status(manager, OrderStatus.CONFIRMED)
    shot(manager, "order-approved")

    # ... the warehouse ships and records the delivery
    warehouse = new_page()
    log_in(warehouse, url, "warehouse1", "pw-warehouse1")
    open_order(warehouse, url, order)
    warehouse.click("[data-testid=new-shipment]")
    warehouse.fill("#id_carrier", "顺丰速运")
    warehouse.fill("#id_tracking_number", "SF1234567890")
    warehouse.wait_for_selector("#new-shipment.show")  # opened, not mid-animation
    shot(warehouse, "shipment-form")
    warehouse.click("[data-testid=create-shipment]")
    # The form posts and the page reloads; only the reloaded page carries the shipment.
    warehouse.wait_for_selector("[data-testid^=ship-]")
    shipment = order.shipments.get()
    warehouse.click(f"[data-testid=ship-{shipment.number}]")
    expect_status(warehouse, OrderStatus.SHIPPED)
    warehouse.fill("[data-testid=signed-by]", "李建国")
    warehouse.click(f"[data-testid=deliver-{shipment.number}]")
    expect_status(warehouse, OrderStatus.DELIVERED)
    shot(warehouse, "order-delivered")

    # ... finance invoices and records the payment
    finance = new_page()
    log_in(finance, url, "finance1", "pw-finance1")
    open_order(finance, url, order)
    finance.click("[data-testid=new-invoice]")
    finance.wait_for_selector("#new-invoice.show")  # opened, not mid-animation
    shot(finance, "invoice-form")
    # One click creates the invoice and issues it; the reloaded page then offers the payment.
    finance.click("[data-testid=create-and-issue]")
    finance.wait_for_selector("[data-testid=new-payment]")
    invoice = order.invoices.get()
    assert invoice.status == "issued"
    # The payment form opens through Bootstrap's collapse: its script must have run first.
    finance.wait_for_load_state()
    finance.click("[data-testid=new-payment]")
    finance.wait_for_selector("#new-payment.show")  # opened, not mid-animation
    payment_form = finance.locator("[data-testid=payment-form]")
    payment_form.locator("input[name$=amount]").first.fill(str(invoice.total))
    payment_form.locator("tbody input").first.fill(str(invoice.total))
    finance.click("[data-testid=record-payment]")

    # then the order is closed and paid, in Chinese on the page
    expect_status(finance, OrderStatus.CLOSED)
    assert finance.text_content("[data-testid=payment-status]").strip() == zh(PaymentStatus.PAID.label)
    shot(finance, "order-closed")
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.total) == ("closed", "paid", Decimal("288.15"))

    # and the same page reads well on a phone
    phone = new_page(width=390, height=844)
    log_in(phone, url, "rep1", "pw-rep1")
    open_order(phone, url, order)
    shot(phone, "order-closed-phone")
