"""A statement (对账单) from finance to a customer and back, on phones, in Chinese: finance makes last month's
statement and shares its link; the customer, without an account, disputes one line; finance resolves it; the
customer confirms the next version."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from gendan.finance.models import Statement
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.services import order_submit
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def last_month():
    end = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def test_a_customer_disputes_a_line_on_a_phone_and_confirms_the_corrected_statement(
    live_server, personas, new_page, shot
):
    # given: last month, an invoice of 2 units and a payment of 100 for a customer of Alice's
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    start, end = last_month()
    customer = customer_ready_to_order(rep, name="苏州明达精密机械有限公司")
    _warehouse, products = stocked_products(1, name="不锈钢离心泵 1.5kW")
    with time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(start + datetime.timedelta(days=4), datetime.time(10))),
        tick=False,
    ):
        order = order_submit(order=draft_order(rep, products, ["2"], customer=customer), actor=rep)
        shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
        invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)
        payment_record(actor=finance, customer=customer, amount=Decimal("100.00"), received_on=timezone.localdate())
    url = live_server.url

    # when: finance makes last month's statement on a phone and makes a link to share
    office = new_page(**PHONE)
    log_in(office, url, "finance1", "pw-finance1")
    office.goto(f"{url}/finance/statements/new/?customer={customer.pk}")
    office.fill("#id_period_start", start.isoformat())
    office.fill("#id_period_end", end.isoformat())
    office.click("[data-testid=make-statement]")
    office.wait_for_selector("[data-testid=statement-link-url]")
    shot(office, "statement-made")
    assert fits_the_phone(office)
    link = office.input_value("[data-testid=statement-link-url]")
    statement = Statement.objects.get()

    # and the customer opens it without an account and disputes the payment line
    phone = new_page(**PHONE)
    phone.goto(link)
    assert phone.locator("[data-testid=statement-line]").count() == 2
    assert fits_the_phone(phone)
    shot(phone, "customer-opens")
    line = phone.locator("[data-testid=statement-line][data-index='2']")
    line.locator("summary").click()
    line.locator("[data-testid=dispute-line]").check()
    line.locator("[data-testid=dispute-comment]").fill("我们付的是 200 元，不是 100 元")
    phone.fill("#answer-name", "王会计")
    shot(phone, "customer-disputes")
    phone.click("[data-testid=send-dispute]")
    phone.wait_for_selector("[data-testid=statement-disputed]")
    shot(phone, "customer-disputed")
    statement.refresh_from_db()
    assert statement.status == "disputed" and statement.answered_by == "王会计"

    # then finance resolves it: the next version, and its link
    office.goto(f"{url}/finance/statements/{statement.pk}/")
    assert "我们付的是 200 元" in office.content()
    office.fill("#id_resolution", "已核对银行流水：实收 100 元，另 100 元尚未到账")
    office.click("[data-testid=resolve-dispute]")
    office.wait_for_selector("[data-testid=statement-link-url]")
    shot(office, "resolved")
    second_link = office.input_value("[data-testid=statement-link-url]")

    # and the customer confirms the next version; the old link says a newer one was sent
    phone.goto(second_link)
    phone.click("[data-testid=confirm-statement]")
    phone.wait_for_selector("[data-testid=statement-confirmed]")
    shot(phone, "customer-confirmed")
    phone.goto(link)
    assert phone.locator("[data-testid=statement-superseded]").count() == 1
    assert list(Statement.objects.order_by("version").values_list("version", "status")) == [
        (1, "disputed"),
        (2, "confirmed"),
    ]
