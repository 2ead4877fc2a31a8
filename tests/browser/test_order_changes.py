"""A change to a confirmed order on a phone, in Chinese: drafted with its impact, approved on two levels, compared."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from gendan.sales.models import ChangeRequest, ChangeStatus
from gendan.sales.services import order_submit
from gendan.sales.services_approvals import approval_rule_create
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def zh(message, context=None) -> str:
    with translation.override("zh-hans"):
        return translation.pgettext(context, message) if context else translation.gettext(message)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def approve_as(new_page, url, username, change):
    page = new_page(**PHONE)
    log_in(page, url, username, f"pw-{username}")
    page.goto(f"{url}/orders/changes/{change.pk}/")
    page.click("[data-action=approve]")
    page.fill("#approve-text", "同意")
    page.click("[data-testid=confirm-approve]")
    page.wait_for_selector(".alert-success")
    return page


def test_a_rep_changes_a_confirmed_order_and_two_levels_approve_it(live_server, personas, new_page, shot):
    # given: a rule asking the leader, then an executive, about raised quantities; Alice's confirmed order
    approval_rule_create(
        actor=personas["admin"],
        name="数量增加",
        applies_to="order_change",
        conditions=[{"type": "quantity_raised"}],
        levels=[{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}],
    )
    _warehouse, products = stocked_products(2, name="不锈钢球阀 DN50 法兰连接 304材质")
    customer = customer_ready_to_order(personas["rep1"], name="杭州恒远机械设备制造有限公司")
    order = order_submit(
        order=draft_order(personas["rep1"], products, ["10", "5"], customer=customer), actor=personas["rep1"]
    )
    first_line = order.lines.order_by("position").first()
    promised = timezone.localdate() + datetime.timedelta(days=40)
    url = live_server.url
    page = new_page(**PHONE)
    log_in(page, url, "rep1", "pw-rep1")

    # when: she opens the order, taps "变更订单", raises the first line to 12 and moves the promised date
    page.goto(f"{url}/orders/{order.pk}/")
    page.click("[data-testid=change-order]")
    page.fill("#id_reason", "客户追加两台，交期顺延")
    page.fill(f"#id_line-{first_line.pk}-quantity", "12")
    page.fill("#id_promised_date", promised.isoformat())
    assert fits_the_phone(page)
    shot(page, "change-form")
    page.click("[data-testid=save-change]")

    # then: the change's page shows its impact: the line, the date, the stock and the totals
    page.wait_for_selector("[data-testid=change-impact]")
    change = ChangeRequest.objects.get(order=order)
    assert page.locator("[data-testid=change-status]").inner_text() == zh("Draft", "change request")
    phone_lines = page.locator("[data-testid=impact-lines-phone] li")
    assert phone_lines.count() == 2
    assert "12" in phone_lines.first.locator(".bg-warning-subtle").first.inner_text()
    assert promised.isoformat() in page.locator("[data-testid=impact-dates]").inner_text()
    assert page.locator("[data-testid=stock-row]").count() == 1
    assert page.locator("[data-testid=total-difference]").inner_text() == "+226.00"
    assert fits_the_phone(page)
    shot(page, "change-detail")

    # when: she submits it
    page.click("[data-action=submit]")

    # then: it waits for the leader, and she cannot decide it herself
    page.wait_for_selector("[data-testid=approval-levels]")
    assert page.locator("[data-testid=change-status]").inner_text() == zh("Pending approval", "change request")
    assert page.locator("[data-action=approve]").count() == 0
    shot(page, "submitted")

    # when: the leader approves the first level and the executive the second
    leader = approve_as(new_page, url, "manager1", change)
    assert leader.locator("[data-testid=approval-level]").first.get_attribute("data-state") == "done"
    boss = approve_as(new_page, url, "boss1", change)

    # then: the change is applied, and the comparison of revisions 1 and 2 marks the new quantity
    assert (
        zh("Change %(label)s applied: the order is now at revision %(revision)s.")
        % {
            "label": change.label,
            "revision": 2,
        }
        in boss.locator(".alert-success").first.inner_text()
    )
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED
    assert order.lines.order_by("position").first().quantity == Decimal("12")
    boss.click("[data-testid=compare-revisions]")
    boss.wait_for_selector("[data-testid=revision-lines]")
    changed = boss.locator("[data-testid=revision-lines] [data-testid=changed-cell]")
    assert changed.first.inner_text() == "12"
    assert (
        promised.isoformat()
        in boss.locator("[data-testid=revision-header] [data-testid=changed-cell]").first.inner_text()
    )
    assert fits_the_phone(boss)
    shot(boss, "compare")

    # and the order page lists both revisions and the change
    page.goto(f"{url}/orders/{order.pk}/")
    assert page.locator("[data-testid=order-revision]").count() == 2
    assert page.locator("[data-testid=change-request]").count() == 1
    assert fits_the_phone(page)
    shot(page, "order-page")
