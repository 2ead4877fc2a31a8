"""The warehouse ships and finance collects from their worklists, in the dialog the row opens; each list on a phone."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from gendan.finance.models import Invoice, InvoiceStatus
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.models import ShipmentStatus
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import Order, OrderStatus
from gendan.sales.services import order_submit
from tests.backbone import COURIER, draft_order, stocked_products

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()


def confirmed(rep, promised_in_days):
    _warehouse, products = stocked_products(1, name="不锈钢阀门")
    order = order_submit(order=draft_order(rep, products, ["2"]), actor=rep)
    Order.objects.filter(pk=order.pk).update(promised_date=TODAY + datetime.timedelta(days=promised_in_days))
    return Order.objects.get(pk=order.pk)


def open_dialog(page, form_testid):
    """The row's form in the dialog, once the dialog has finished fading in."""
    page.wait_for_selector(f"#worklist-modal.show [data-testid={form_testid}]")
    page.wait_for_function("getComputedStyle(document.querySelector('#worklist-modal')).opacity === '1'")


@pytest.fixture
def desk(personas):
    """Something on every worklist."""
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    late = confirmed(rep, -3)
    confirmed(rep, 4)
    packed = confirmed(rep, 1)
    shipment_create(order=packed, actor=clerk)
    on_road = confirmed(rep, -1)
    shipment_ship(shipment=shipment_create(order=on_road, actor=clerk), actor=clerk, **COURIER)
    billed = confirmed(rep, -10)
    shipment_ship(shipment=shipment_create(order=billed, actor=clerk), actor=clerk, **COURIER)
    invoice = invoice_issue(
        invoice=invoice_create(order=billed, actor=finance), actor=finance, due_date=TODAY - datetime.timedelta(days=6)
    )
    payment_record(actor=finance, customer=billed.customer, amount=Decimal("50.00"), received_on=TODAY)
    return {"late": late, "invoice": invoice, "to_invoice": on_road}


def test_the_warehouse_ships_an_order_from_the_list(live_server, personas, desk, new_page, shot):
    page = new_page()
    log_in(page, live_server.url, "warehouse1", "pw-warehouse1")
    order = desk["late"]

    page.goto(f"{live_server.url}/shipments/to-ship/")
    row = page.locator(f"[data-testid=to-ship-row][data-order='{order.number}']")
    assert "3 天" in row.inner_text()
    row.locator("[data-testid=ship-order]").click()
    open_dialog(page, "worklist-ship-form")
    page.fill("#id_carrier", "顺丰速运")
    page.fill("#id_tracking_number", "SF1234567890")
    shot(page, "ship-dialog")
    page.click("[data-testid=create-and-ship]")

    page.wait_for_selector(".alert-success")
    assert page.locator(f"[data-testid=to-ship-row][data-order='{order.number}']").count() == 0
    shot(page, "after-shipping")
    shipment = Order.objects.get(pk=order.pk).shipments.get()
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == (
        ShipmentStatus.SHIPPED,
        "顺丰速运",
        "SF1234567890",
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


def test_finance_records_a_payment_from_the_list(live_server, personas, desk, new_page, shot):
    page = new_page()
    log_in(page, live_server.url, "finance1", "pw-finance1")
    invoice = desk["invoice"]

    page.goto(f"{live_server.url}/finance/unpaid/")
    row = page.locator(f"[data-testid=unpaid-invoice-row][data-invoice='{invoice.number}']")
    assert "逾期 6 天" in row.inner_text()
    row.locator("[data-testid=record-payment]").click()
    open_dialog(page, "worklist-payment-form")
    # The amount and the allocation come filled with what is open.
    assert Decimal(page.input_value("#id_amount")) == invoice.total
    page.fill("#id_reference", "工行回单 0001")
    shot(page, "payment-dialog")
    page.click("[data-testid=save-payment]")

    page.wait_for_selector(".alert-success")
    assert page.locator(f"[data-testid=unpaid-invoice-row][data-invoice='{invoice.number}']").count() == 0
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        ("warehouse1", ["shipments/to-ship", "shipments/to-send", "shipments/in-transit"]),
        (
            "finance1",
            ["finance/to-invoice", "finance/unpaid", "finance/to-allocate", "finance/invoices", "finance/payments"],
        ),
    ],
)
def test_each_list_on_a_phone(live_server, personas, desk, new_page, username, paths):
    page = new_page(width=375, height=800)
    log_in(page, live_server.url, username, f"pw-{username}")

    for path in paths:
        page.goto(f"{live_server.url}/{path}/")
        page.wait_for_selector("table")
        # Nothing wider than the screen: the table scrolls inside its own box if it must.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=f"/tmp/worklists-{path.replace('/', '-')}.png", full_page=True)
