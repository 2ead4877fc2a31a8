"""The rule editor on a phone, in Chinese: choices follow the record type, values are picked by name."""

import pytest

from gendan.automation.models import Rule
from gendan.automation.shipped_rules import install

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_builds_a_rule_from_choices_on_a_phone(live_server, personas, new_page, shot):
    install(Rule)
    url = live_server.url
    phone = new_page(width=375, height=812)
    log_in(phone, url, "admin", "pw-admin")
    phone.goto(f"{url}/rules/")
    assert "订单提交审批后 4 小时" in phone.inner_text("[data-testid=rule-table]")
    shot(phone, "rules-list")

    # when she picks orders, "some time after an event", and the submission
    phone.goto(f"{url}/rules/new/")
    phone.fill("#id_name", "审批卡住")
    phone.select_option("#id_target_model", "sales.order")
    assert phone.locator("#id_event_verb option[value='lead.created']").count() == 0
    assert phone.is_hidden("#id_unless_verbs")
    phone.select_option("#id_trigger", "after_event")
    phone.select_option("#id_event_verb", label="订单提交审批")
    phone.select_option("#id_unless_verbs", ["order.approved", "order.rejected"])
    phone.fill("#id_offset", "2")
    assert phone.is_hidden("#id_date_field")

    # ... a condition on the status, its values chosen by their Chinese names
    phone.select_option("#id_conditions-0-field", "status")
    phone.select_option("#id_conditions-0-op", "in")
    assert phone.is_hidden("#id_conditions-0-value")
    phone.select_option("#id_conditions-0-value-picker", label=["待审批", "暂停"])

    # ... and a notice for the finance person nearest the owner
    phone.select_option("#id_actions-0-type", "notify")
    assert phone.is_hidden("#id_actions-0-stage") and phone.is_visible("#id_actions-0-body")
    phone.select_option("#id_actions-0-recipient", "role:finance")
    phone.fill("#id_actions-0-title", "订单 {number} 等待审批")
    shot(phone, "rule-editor")
    phone.click("[data-testid=save]")
    phone.wait_for_url(f"{url}/rules/")

    # then the rule holds the codes and the list reads it back in words
    rule = Rule.objects.get(name="审批卡住")
    assert (rule.trigger, rule.event_verb, rule.unless_verbs, rule.offset_minutes) == (
        "after_event",
        "order.submitted",
        ["order.approved", "order.rejected"],
        120,
    )
    assert rule.conditions == [{"field": "status", "op": "in", "value": ["pending_approval", "on_hold"]}]
    assert rule.actions[0]["recipient"] == "role:finance"
    row = phone.inner_text(f"[data-testid=rule-row-{rule.pk}]")
    assert (
        "订单提交审批后 2 小时，且期间没有订单审批通过或订单被驳回，若状态 属于 待审批、暂停：通知离负责人最近的财务"
        in row
    )
    shot(phone, "rules-list-after")
