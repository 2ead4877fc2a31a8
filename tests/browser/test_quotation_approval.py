"""On a phone, in Chinese: a quotation a rule catches waits for two levels, then its rep sends it; a big contract
waits on its page for the same approvers."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from gendan.crm.models import ContractStatus
from gendan.crm.services_contracts import contract_activate, contract_create
from gendan.sales.models import Quotation, QuotationStatus
from gendan.sales.services_approvals import approval_rule_create
from gendan.sales.tests.quotation_helpers import draft_quotation
from tests.backbone import stocked_products
from tests.factories import customer_ready_to_order

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
LEADER_THEN_BOSS = [{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}]


def zh(message, context=None) -> str:
    with translation.override("zh-hans"):
        return translation.pgettext(context, message) if context else translation.gettext(message)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def phone_as(new_page, url, username):
    page = new_page(**PHONE)
    log_in(page, url, username, f"pw-{username}")
    return page


def approve(page, comment=""):
    page.fill("#approval-comment", comment)
    page.click("[data-testid=approve]")
    page.wait_for_selector(".alert-success")


def test_a_quotation_caught_by_a_rule_is_approved_on_two_levels_then_sent(live_server, personas, new_page, shot):
    # given: a rule asking the leader, then an executive, about quotations above 100; rep1's draft of 226
    approval_rule_create(
        actor=personas["admin"],
        name="大额报价",
        applies_to="quotation",
        conditions=[{"type": "total_above", "amount": "100"}],
        levels=LEADER_THEN_BOSS,
    )
    _warehouse, products = stocked_products(1, name="不锈钢球阀 DN50 法兰连接 304材质")
    customer = customer_ready_to_order(personas["rep1"], name="杭州恒远机械设备制造有限公司")
    quotation = draft_quotation(personas["rep1"], products, customer=customer)
    url = live_server.url
    detail = f"{url}/quotations/{quotation.pk}/"
    rep = phone_as(new_page, url, "rep1")

    # when: she sends it
    rep.goto(detail)
    rep.click("[data-action=send]")

    # then: it waits for approval, with why and who decides, and she cannot decide it herself
    rep.wait_for_selector("[data-testid=approval-box][data-state=pending]")
    assert zh("Submitted for approval: once it is approved, you can send it.") in rep.inner_text(".alert-success")
    assert rep.inner_text("[data-testid=quotation-status]") == zh("Pending approval", "quotation status")
    assert rep.locator("[data-testid=approval-level]").count() == 2
    assert rep.locator("[data-testid=approval-decision]").count() == 0
    assert rep.locator("[data-action=send]").count() == 0
    assert fits_the_phone(rep)
    shot(rep, "submitted")

    # when: the leader approves the first level, with a comment
    leader = phone_as(new_page, url, "manager1")
    leader.goto(detail)
    assert fits_the_phone(leader)
    shot(leader, "leader-decides")
    approve(leader, "价格可以接受")

    # then: the first level is done and the executive decides now
    assert zh("Your approval is recorded; it now waits for the other approvers.") in leader.inner_text(".alert-success")
    assert leader.locator("[data-testid=approval-level]").first.get_attribute("data-state") == "done"
    assert leader.locator("[data-testid=approval-decision]").count() == 0
    boss = phone_as(new_page, url, "boss1")
    boss.goto(detail)
    approve(boss)

    # then: approved, ready to send; the rep sends it
    rep.goto(detail)
    assert rep.inner_text("[data-testid=quotation-status]") == zh("Approved, ready to send", "quotation status")
    assert rep.locator("[data-testid=approval-box][data-state=approved]").count() == 1
    assert "价格可以接受" in rep.inner_text("[data-testid=approval-levels]")
    assert fits_the_phone(rep)
    shot(rep, "approved")
    rep.click("[data-action=send]")
    rep.wait_for_selector("text=" + zh("Quotation marked as sent."))
    assert Quotation.objects.get(pk=quotation.pk).status == QuotationStatus.SENT


def test_a_big_contract_waits_on_its_page_and_a_refusal_tells_the_rep_why(live_server, personas, new_page, shot):
    # given: a rule for contracts above 100,000 and rep1's signed contract of 500,000
    approval_rule_create(
        actor=personas["admin"],
        name="大额合同",
        applies_to="contract",
        conditions=[{"type": "total_above", "amount": "100000"}],
        levels=LEADER_THEN_BOSS,
    )
    today = timezone.localdate()
    contract = contract_create(
        customer=customer_ready_to_order(personas["rep1"], name="杭州恒远机械设备制造有限公司"),
        actor=personas["rep1"],
        title="2025 年度不锈钢阀门框架供货协议",
        start_date=today,
        end_date=today + datetime.timedelta(days=365),
        amount=Decimal("500000"),
    )
    contract = contract_activate(contract=contract, actor=personas["rep1"])
    assert contract.status == ContractStatus.PENDING_APPROVAL
    url = live_server.url

    # when: the leader opens it on the phone
    leader = phone_as(new_page, url, "manager1")
    leader.goto(f"{url}/customers/contracts/{contract.pk}/")

    # then: the contract page shows the approval sales adds to it, with the leader's form
    assert leader.inner_text("[data-testid=contract-status]") == zh("Pending approval", "contract status")
    assert leader.locator("[data-testid=approval-decision]").count() == 1
    assert fits_the_phone(leader)
    shot(leader, "leader-decides")

    # when: the leader refuses it without a reason, then with one
    leader.click("[data-testid=reject]")
    leader.wait_for_selector(".alert-danger")
    assert zh("Say why the contract is rejected.") in leader.inner_text(".alert-danger")
    leader.fill("#approval-comment", "金额较大，请先与财务确认付款条件")
    leader.click("[data-testid=reject]")
    leader.wait_for_selector("[data-testid=approval-box][data-state=rejected]")

    # then: the rep finds a draft again, who refused it and why, and can sign it again
    rep = phone_as(new_page, url, "rep1")
    rep.goto(f"{url}/customers/contracts/{contract.pk}/")
    assert "金额较大，请先与财务确认付款条件" in rep.inner_text("[data-testid=approval-box]")
    assert rep.locator("[data-testid=activate-form]").count() == 1
    assert fits_the_phone(rep)
    shot(rep, "refused")
