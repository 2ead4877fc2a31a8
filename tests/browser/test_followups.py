"""Follow-ups on a phone: a rep logs a visit from the customer page and sees it, its task and the timeline."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gendan.automation.models import Task
from gendan.crm.models import FollowUp
from gendan.crm.services_followups import meeting_schedule
from tests.factories import customer_ready_to_order, small_pdf

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_rep_logs_a_follow_up_on_a_phone(live_server, personas, new_page, shot):
    # given: Alice's customer with a contact, and a meeting with them tomorrow
    customer = customer_ready_to_order(personas["rep1"], name="杭州恒瑞精密机械有限公司")
    meeting_schedule(
        customer=customer,
        actor=personas["rep1"],
        title="产品演示",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        place="客户会议室",
    )
    url = live_server.url
    page = new_page(**PHONE)
    log_in(page, url, "rep1", "pw-rep1")

    # when: she opens the customer, taps "写跟进", picks 拜访 and writes what happened
    page.goto(f"{url}/customers/{customer.pk}/")
    shot(page, "customer-page")
    page.click("[data-testid=log-followup]")
    page.click("label:has-text('拜访')")
    page.fill("#id_followup-notes", "上门拜访设备部，客户对新款伺服电机有兴趣。")
    page.fill("#id_followup-outcome", "要求报价")
    page.select_option("#id_followup-contact", label="王经理")
    tomorrow = timezone.localdate() + datetime.timedelta(days=3)
    page.fill("#id_followup-next_followup_on", tomorrow.isoformat())
    shot(page, "quick-entry")
    page.click("[data-testid=save-followup]")

    # then: the card shows it without a reload, with the task for the next follow-up and the timeline entry
    page.wait_for_selector("text=跟进已记录。")
    followups = page.locator("[data-testid=followup]")
    assert followups.count() == 1
    assert "要求报价" in followups.first.inner_text()
    assert "跟进客户：杭州恒瑞精密机械有限公司" in page.locator("[data-testid=record-tasks]").inner_text()
    assert "记录了跟进" in page.locator("[data-testid=timeline]").inner_text()
    assert "产品演示" in page.locator("[data-testid=meetings]").inner_text()
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "recorded")

    followup = FollowUp.objects.get()
    assert (followup.kind, followup.contact.name, followup.next_followup_on) == ("visit", "王经理", tomorrow)
    assert Task.objects.get().assignee == personas["rep1"]


def test_a_rep_enters_a_contract_with_its_scan_and_puts_it_in_force_on_a_phone(
    live_server, personas, new_page, shot, tmp_path, settings
):
    # given: Alice's customer and the scan of the signed contract on her phone
    settings.MEDIA_ROOT = tmp_path / "media"
    customer = customer_ready_to_order(personas["rep1"], name="宁波德润汽车零部件有限公司")
    scan = tmp_path / "合同扫描件.pdf"
    scan.write_bytes(small_pdf("signed contract"))
    url = live_server.url
    page = new_page(**PHONE)
    log_in(page, url, "rep1", "pw-rep1")

    # when: she enters the contract from the customer page, ending in 20 days, with the scan
    page.goto(f"{url}/customers/{customer.pk}/")
    page.click("[data-testid=new-contract]")
    page.fill("#id_title", "年度零部件供货协议")
    today = timezone.localdate()
    page.fill("#id_start_date", (today - datetime.timedelta(days=345)).isoformat())
    page.fill("#id_end_date", (today + datetime.timedelta(days=20)).isoformat())
    page.fill("#id_amount", "260000")
    page.set_input_files("#id_file", str(scan))
    shot(page, "contract-form")
    page.click("[data-testid=save-contract]")
    page.wait_for_selector("[data-testid=activate-form]")
    page.click("[data-testid=activate-contract]")

    # then: it is in force, flagged as ending soon, its scan downloadable, and listed on the customer page
    page.wait_for_selector("[data-testid=expiring]")
    assert page.locator("[data-testid=contract-status]").inner_text() == "生效中"
    assert "还有 20 天到期" in page.locator("[data-testid=expiring]").inner_text()
    with page.expect_download() as download:
        page.click("[data-testid=contract-file]")
    assert download.value.suggested_filename == "合同扫描件.pdf"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "contract-in-force")
    page.goto(f"{url}/customers/contracts/?ends_within=30")
    assert page.locator("[data-testid=contract-row]").count() == 1
    shot(page, "contracts-ending-soon")


def test_a_manager_drags_deals_across_the_kanban(live_server, personas, new_page, shot):
    # given: two of Alice's deals at the first stage
    from decimal import Decimal

    from gendan.crm.models import Opportunity
    from gendan.crm.services_pipeline import opportunity_create

    customer = customer_ready_to_order(personas["rep1"], name="苏州卓越自动化设备有限公司")
    servo = opportunity_create(customer=customer, actor=personas["rep1"], name="伺服改造", amount=Decimal("200000"))
    spares = opportunity_create(customer=customer, actor=personas["rep1"], name="备件采购", amount=Decimal("60000"))
    url = live_server.url
    page = new_page(width=1920)  # every column in view: a drag does not scroll the board sideways
    log_in(page, url, "manager1", "pw-manager1")
    page.goto(f"{url}/customers/opportunities/")
    shot(page, "board")

    # when: the manager drags one to "proposal", and the other to "lost", giving the reason asked for
    page.drag_and_drop(f"[data-id='{servo.pk}']", "[data-stage=proposal]")
    # The board is redrawn by the server once it has moved the deal: wait for its counts.
    expect(page.locator("[data-testid=count-proposal]")).to_have_text("1")
    page.once("dialog", lambda dialog: dialog.accept("客户选择了竞品"))
    page.drag_and_drop(f"[data-id='{spares.pk}']", "[data-stage=lost]")
    expect(page.locator("[data-testid=count-lost]")).to_have_text("1")
    shot(page, "moved")

    # then: the deals moved, the totals follow, the lost one keeps its reason
    expect(page.locator("[data-testid=count-lead]")).to_have_text("0")
    assert "¥200,000" in page.locator("[data-testid=column-proposal]").inner_text()
    assert "客户选择了竞品" in page.locator("[data-testid=column-lost]").inner_text()
    assert Opportunity.objects.get(pk=servo.pk).stage == "proposal"
    assert (Opportunity.objects.get(pk=spares.pk).stage, Opportunity.objects.get(pk=spares.pk).lost_reason) == (
        "lost",
        "客户选择了竞品",
    )


def test_an_approver_drags_orders_across_the_order_board_and_a_refused_move_snaps_back(
    live_server, personas, new_page, shot
):
    # given: one of Alice's orders waiting for approval
    from decimal import Decimal

    from gendan.sales.models import Order
    from gendan.sales.services import order_submit, order_update
    from tests.backbone import draft_order, stocked_products

    _warehouse, (product,) = stocked_products(1)
    rep = personas["rep1"]
    waiting = draft_order(rep, [product])
    waiting = order_update(
        order=waiting, actor=rep, lines=[{"product": product, "quantity": 1, "discount_percent": Decimal("15")}]
    )
    waiting = order_submit(order=waiting, actor=rep)
    url = live_server.url
    page = new_page(width=1920)  # every column in view: a drag does not scroll the board sideways
    log_in(page, url, "manager1", "pw-manager1")
    page.goto(f"{url}/orders/board/")

    # when: the manager drags it to "confirmed" (approves it) ...
    page.drag_and_drop(f"[data-id='{waiting.pk}']", "[data-stage=confirmed]")
    expect(page.locator("[data-testid=count-confirmed]")).to_have_text("1")
    # ... and then on to "shipped", which only a shipment does
    page.drag_and_drop(f"[data-id='{waiting.pk}']", "[data-stage=shipped]")
    expect(page.locator("[data-testid=move-error]")).to_be_visible()
    shot(page, "refused")

    # then: approved, and the refused card is back in its column, with the reason above the board
    assert Order.objects.get(pk=waiting.pk).status == "confirmed"
    expect(page.locator(f"[data-testid=column-confirmed] [data-id='{waiting.pk}']")).to_have_count(1)
    expect(page.locator("[data-testid=count-shipped]")).to_have_text("0")
    assert waiting.number in page.locator("[data-testid=move-error]").inner_text()
