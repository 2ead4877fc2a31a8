"""The rule screens: who may use them, the row-based form, the switch, and the test page."""

import datetime

import pytest
from django.urls import reverse

from gendan.automation.models import Rule
from gendan.automation.shipped_rules import SHIPPED_RULES, install
from gendan.sales.models import Order, OrderStatus
from tests.stages import order_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shipped_rules(db):
    """The migration installs them, but a transactional test elsewhere in this worker flushes them away."""
    install(Rule)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def form_data(**overrides):
    data = {
        "name": "Big order held",
        "trigger": "event",
        "target_model": "sales.order",
        "event_verb": "order.held",
        "unless_verbs": "",
        "date_field": "",
        "offset": "0",
        "offset_unit": "hours",
        "escalation_hours": "2, 8",
        "description": "",
        "conditions-count": "2",
        "conditions-0-field": "total",
        "conditions-0-op": "gte",
        "conditions-0-value": "10000",
        "conditions-1-field": "",
        "conditions-1-op": "",
        "conditions-1-value": "",
        "actions-count": "2",
        "actions-0-type": "create_task",
        "actions-0-recipient": "team_leader",
        "actions-0-title": "Look at {number}",
        "actions-0-due_in_hours": "4",
        "actions-0-priority": "high",
        "actions-1-type": "notify",
        "actions-1-recipient": "role:finance",
        "actions-1-title": "{number} is on hold",
        "actions-1-body": "Customer {customer}",
        "actions-1-priority": "normal",
    }
    return {**data, **overrides}


def test_anonymous_is_sent_to_log_in_and_others_are_refused(client, personas):
    assert client.get(reverse("automation:rule_list")).status_code == 302
    client.force_login(personas["manager1"])
    assert client.get(reverse("automation:rule_list")).status_code == 403
    assert client.post(reverse("automation:rule_create"), form_data()).status_code == 403
    assert not Rule.objects.filter(name="Big order held").exists()


def test_the_list_shows_the_shipped_rules_with_their_switch(client, personas, django_assert_num_queries):
    client.force_login(personas["admin"])
    # session, user, its permissions (2: direct and through groups), the rules with their appointment counts
    with django_assert_num_queries(5):
        response = client.get(reverse("automation:rule_list"))

    content = response.content.decode()
    assert response.status_code == 200
    # Shipped rules are installed in the company's language (settings.LANGUAGE_CODE).
    assert Rule.objects.get(system_key="approval_waiting_4h").name in content
    assert content.count('data-testid="toggle-rule"') == Rule.objects.count() == len(SHIPPED_RULES)
    assert 'data-testid="nav-rules"' in content


def test_a_rep_sees_no_rules_link(client, personas):
    client.force_login(personas["rep1"])
    assert 'data-testid="nav-rules"' not in client.get(reverse("core:home")).content.decode()


def test_an_administrator_creates_a_rule_from_rows(client, personas):
    client.force_login(personas["admin"])

    response = client.post(reverse("automation:rule_create"), form_data())

    assert response.status_code == 302
    rule = Rule.objects.get(name="Big order held")
    assert rule.conditions == [{"field": "total", "op": "gte", "value": "10000"}]
    assert rule.actions == [
        {
            "type": "create_task",
            "assignee": "team_leader",
            "title": "Look at {number}",
            "due_in_hours": 4.0,
            "priority": "high",
        },
        {"type": "notify", "recipient": "role:finance", "title": "{number} is on hold", "body": "Customer {customer}"},
    ]
    assert (rule.escalation_hours, rule.offset_minutes, rule.created_by) == ([2, 8], 0, personas["admin"])


def test_a_bad_row_is_shown_on_that_row_and_nothing_is_saved(client, personas):
    client.force_login(personas["admin"])

    response = client.post(
        reverse("automation:rule_create"),
        form_data(**{"conditions-0-field": "customer__colour", "actions-1-recipient": "the boss"}),
    )

    assert response.status_code == 200
    conditions, actions = response.context["conditions"], response.context["actions"]
    assert conditions[0].errors["field"] == ["customer has no field “colour”."]
    assert actions[1].errors["recipient"][0].startswith("Choose the owner, the team leader")
    assert not Rule.objects.filter(name="Big order held").exists()


def test_adding_a_row_shows_the_form_again_without_saving(client, personas):
    client.force_login(personas["admin"])

    response = client.post(reverse("automation:rule_create"), form_data(add_conditions="1"))

    assert response.status_code == 200
    assert len(response.context["conditions"]) == 3
    assert response.context["conditions"][0]["value"].value() == "10000"
    assert not Rule.objects.filter(name="Big order held").exists()


def test_editing_shows_the_stored_offset_in_days_and_saves_changes(client, personas):
    rule = Rule.objects.get(system_key="order_ship_warning_1d")
    client.force_login(personas["admin"])

    page = client.get(reverse("automation:rule_edit", args=[rule.pk]))
    form = page.context["form"]
    assert (form["offset"].value(), form["offset_unit"].value()) == (-1, "days")
    assert page.context["conditions"][0]["value"].value() == "confirmed, partially_shipped, on_hold"

    data = form_data(
        name=rule.name,
        trigger="date",
        event_verb="",
        date_field="promised_date",
        offset="-2",
        offset_unit="days",
        **{"conditions-0-field": "status", "conditions-0-op": "in", "conditions-0-value": "confirmed"},
    )
    assert client.post(reverse("automation:rule_edit", args=[rule.pk]), data).status_code == 302
    rule.refresh_from_db()
    assert (rule.offset_minutes, rule.conditions) == (-2880, [{"field": "status", "op": "in", "value": ["confirmed"]}])


def test_the_switch_turns_a_rule_off_and_on(client, personas):
    rule = Rule.objects.get(system_key="invoice_overdue")
    client.force_login(personas["admin"])

    client.post(reverse("automation:rule_toggle", args=[rule.pk]), {"is_active": "0"})
    rule.refresh_from_db()
    assert rule.is_active is False
    client.post(reverse("automation:rule_toggle", args=[rule.pk]), {"is_active": "1"})
    rule.refresh_from_db()
    assert rule.is_active is True
    assert client.get(reverse("automation:rule_toggle", args=[rule.pk])).status_code == 405


def test_the_test_page_lists_the_records_the_rule_would_hit_now(client, personas):
    rule = Rule.objects.get(system_key="order_not_shipped_by_promised_date")
    late = order_at(OrderStatus.CONFIRMED, personas)
    on_time = order_at(OrderStatus.CONFIRMED, personas)
    yesterday = datetime.date.today() - datetime.timedelta(days=2)
    Order.objects.filter(pk=late.pk).update(promised_date=yesterday)
    Order.objects.filter(pk=on_time.pk).update(promised_date=datetime.date.today() + datetime.timedelta(days=5))
    client.force_login(personas["admin"])

    response = client.get(reverse("automation:rule_test", args=[rule.pk]))

    assert response.status_code == 200
    assert response.context["total"] == 1
    assert [record.pk for record, _owner, _url in response.context["records"]] == [late.pk]
    assert late.number in response.content.decode()
