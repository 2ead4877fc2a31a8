"""Follow-ups on a phone: a rep logs a visit from the customer page and sees it, its task and the timeline."""

import datetime

import pytest
from django.utils import timezone

from gendan.automation.models import Task
from gendan.crm.models import FollowUp
from gendan.crm.services_followups import meeting_schedule
from tests.factories import customer_ready_to_order

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
