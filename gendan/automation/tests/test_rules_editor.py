"""The rule editor offers names, never codes: record types, their events and fields, operators, people."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from gendan.automation.models import Rule
from gendan.automation.rules import services as rule_services
from gendan.automation.shipped_rules import install

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    install(Rule)


def editor_map(content: str) -> dict:
    return json.loads(
        re.search(r'<script id="rule-editor-map" type="application/json">(.*?)</script>', content).group(1)
    )


def select(content: str, name: str) -> str:
    return re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', content, re.S).group(1)


def test_the_editor_offers_record_types_events_fields_and_people_by_name(client, personas):
    finance = personas["finance1"]
    finance.first_name, finance.last_name = "Mei", "Chen"
    finance.save()
    client.force_login(personas["admin"])

    content = client.get(reverse("automation:rule_create")).content.decode()

    assert "<datalist" not in content
    assert '<option value="sales.order">Sales order</option>' in select(content, "target_model")
    # The first record type (customers) is chosen: its events, and those of the records belonging to it.
    events = select(content, "event_verb")
    assert '<option value="customer.created">Customer created</option>' in events
    assert '<option value="followup.created">Follow-up recorded</option>' in events
    assert "lead.created" not in events
    assert '<option value="quiet_since">Without follow-up since</option>' in select(content, "date_field")
    assert '<option value="owner">Owner</option>' in select(content, "conditions-0-field")
    assert '<option value="gte">is at least</option>' in select(content, "conditions-0-op")
    recipients = select(content, "actions-0-recipient")
    assert '<option value="role:finance">Finance</option>' in recipients
    assert f'<option value="user:{finance.pk}">Mei Chen</option>' in recipients
    assert '<option value="owner" selected>' in recipients


def test_the_page_maps_each_record_type_to_its_events_fields_and_dates(client, personas):
    client.force_login(personas["admin"])

    types = editor_map(client.get(reverse("automation:rule_create")).content.decode())["types"]

    order_events = dict(types["sales.order"]["events"])
    assert order_events["order.submitted"] == "Order submitted"
    assert "shipment.shipped" in order_events and "lead.created" not in order_events
    assert "order.submitted" not in dict(types["crm.lead"]["events"])
    fields = {spec["value"]: spec for spec in types["sales.order"]["fields"]}
    assert fields["status"]["kind"] == "choice"
    assert ["pending_approval", "Pending approval"] in fields["status"]["choices"]
    assert (fields["owner"]["kind"], fields["promised_date"]["kind"]) == ("user", "date")
    assert fields["customer__region"]["label"] == "Customer › region"
    assert fields["event:status"]["label"] == "Status set by the event"
    assert "version" not in fields
    assert ["starts_at", "Starts at"] in types["crm.meeting"]["dates"]


def test_editing_offers_the_events_of_the_rules_record_type_and_keeps_a_verb_it_does_not_list(client, personas):
    lead_rule = Rule.objects.get(system_key="lead_not_contacted_24h")
    odd = rule_services.rule_create(
        actor=personas["admin"],
        name="Reopened",
        trigger="event",
        target_model="sales.order",
        event_verb="order.reopened",
        actions=[{"type": "notify", "recipient": "owner", "title": "{number}", "body": ""}],
    )
    client.force_login(personas["admin"])

    lead_page = client.get(reverse("automation:rule_edit", args=[lead_rule.pk])).content.decode()
    odd_page = client.get(reverse("automation:rule_edit", args=[odd.pk])).content.decode()

    events = select(lead_page, "event_verb")
    assert '<option value="lead.created" selected>Lead entered</option>' in events
    assert "order.submitted" not in events
    unless = select(lead_page, "unless_verbs")
    assert '<option value="lead.converted" selected>Lead converted into a customer</option>' in unless
    assert '<option value="task.completed" selected>Task completed</option>' in unless
    assert '<option value="order.reopened" selected>order.reopened</option>' in select(odd_page, "event_verb")


def test_a_rule_made_from_the_choices_is_saved_and_bad_choices_come_back_on_their_field(client, personas):
    finance = personas["finance1"]
    client.force_login(personas["admin"])
    data = {
        "name": "Approval stuck",
        "trigger": "after_event",
        "target_model": "sales.order",
        "event_verb": "order.submitted",
        "unless_verbs": ["order.approved", "order.rejected"],
        "date_field": "",
        "offset": "2",
        "offset_unit": "hours",
        "escalation_hours": "",
        "description": "",
        "conditions-count": "1",
        "conditions-0-field": "status",
        "conditions-0-op": "in",
        "conditions-0-value": "pending_approval, on_hold",
        "actions-count": "1",
        "actions-0-type": "notify",
        "actions-0-recipient": f"user:{finance.pk}",
        "actions-0-title": "{number} waits",
        "actions-0-body": "",
        "actions-0-priority": "normal",
    }

    refused = client.post(
        reverse("automation:rule_create"), {**data, "event_verb": "", "actions-0-recipient": "user:0"}
    )
    saved = client.post(reverse("automation:rule_create"), data)

    assert refused.status_code == 200
    assert refused.context["form"].errors["event_verb"] == ["Choose the event."]
    assert refused.context["actions"][0].errors["recipient"] == ["No active user has the id “0”."]
    assert saved.status_code == 302
    rule = Rule.objects.get(name="Approval stuck")
    assert (rule.unless_verbs, rule.offset_minutes) == (["order.approved", "order.rejected"], 120)
    assert rule.conditions == [{"field": "status", "op": "in", "value": ["pending_approval", "on_hold"]}]
    assert rule.actions[0]["recipient"] == f"user:{finance.pk}"


def test_the_list_and_the_test_page_show_each_rule_as_a_sentence(client, personas, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    rule = Rule.objects.get(system_key="approval_waiting_4h")
    client.force_login(personas["admin"])

    with translation.override("zh-hans"):
        listing = client.get(reverse("automation:rule_list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        test_page = client.get(reverse("automation:rule_test", args=[rule.pk])).content.decode()

    for content in (listing, test_page):
        assert "订单提交审批后 4 小时（按工作时间计）" in content
        assert "离负责人最近的销售经理" in content
        assert "order.submitted" not in content and "role:" not in content and "pending_approval" not in content


def test_an_e_mail_to_the_customer_is_written_in_the_editor_with_its_subject_and_message(client, personas):
    client.force_login(personas["admin"])
    data = {
        "name": "Overdue letter",
        "trigger": "date",
        "target_model": "finance.invoice",
        "event_verb": "",
        "date_field": "due_date",
        "offset": "7",
        "offset_unit": "days",
        "escalation_hours": "",
        "description": "",
        "conditions-count": "0",
        "actions-count": "1",
        "actions-0-type": "email_customer",
        "actions-0-recipient": "",
        "actions-0-title": "发票 {number} 已逾期一周",
        "actions-0-body": "尊敬的{customer}：\r\n尚欠 {amount}，请尽快付款。",
        "actions-0-priority": "normal",
    }

    refused = client.post(reverse("automation:rule_create"), {**data, "actions-0-body": ""})
    saved = client.post(reverse("automation:rule_create"), data)

    assert refused.context["actions"][0].errors["body"] == ["Write the message the customer gets."]
    assert saved.status_code == 302
    rule = Rule.objects.get(name="Overdue letter")
    assert rule.actions == [
        {
            "type": "email_customer",
            "title": "发票 {number} 已逾期一周",
            "body": "尊敬的{customer}：\r\n尚欠 {amount}，请尽快付款。",
        }
    ]
    page = client.get(reverse("automation:rule_list")).content.decode()
    assert "e-mail the customer: “发票 {number} 已逾期一周”" in page
