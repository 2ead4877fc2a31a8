"""Quotations and the shipped rules, in time."""

import datetime
import zoneinfo

import pytest
import time_machine

from gendan.automation.models import Rule, ScheduledCheck, Task
from gendan.automation.rules.scanning import scan_due_checks
from gendan.automation.rules.validation import RULE_FIELDS, clean_rule
from gendan.automation.shipped_rules import SHIPPED_RULES, install
from gendan.crm.services import customer_create
from gendan.crm.services_pipeline import opportunity_create, opportunity_move
from gendan.sales.models import Quotation
from gendan.sales.services_quotations import quotation_send
from tests.backbone import stocked_products
from tests.factories import customer_ready_to_order

from .quotation_helpers import draft_quotation

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def rules_in_english(settings, english):
    settings.LANGUAGE_CODE = "en"
    Rule.objects.filter(system_key__in=[r["system_key"] for r in SHIPPED_RULES]).delete()
    install(Rule)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def scan(committed):
    def run(moment):
        with time_machine.travel(moment, tick=False), committed():
            return scan_due_checks()

    return run


def test_a_quotation_for_a_new_customer_counts_as_contacting_them(personas, committed, scan):
    rule = Rule.objects.get(system_key="customer_not_contacted_24h")
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_create(actor=rep, name="嘉兴新客户有限公司")
    with time_machine.travel(at(2025, 3, 3, 16), tick=False), committed():
        draft_quotation(rep, products, customer=customer)

    assert scan(at(2025, 3, 4, 10)) == {"mooted": 1}
    assert not Task.objects.filter(rule=rule).exists()


def test_the_hourly_run_expires_quotations_past_their_validity(personas):
    from gendan.sales.jobs import expire_quotations
    from gendan.sales.services_quotations import quotation_send

    quotation = quotation_send(quotation=draft_quotation(personas["rep1"]), actor=personas["rep1"])

    with time_machine.travel(datetime.datetime.now(tz=SHANGHAI) + datetime.timedelta(days=31), tick=False):
        expire_quotations.call_local()

    assert Quotation.objects.get(pk=quotation.pk).status == "expired"


# --- a quotation not sent within 48 hours of the proposal stage ----------------------------------


@pytest.fixture
def deal(personas, committed):
    """An opportunity of rep1's, opened on Monday 3 March at the first-visit stage, and its rule alone."""
    Rule.objects.exclude(system_key="quote_not_sent_48h").update(is_active=False)
    customer = customer_ready_to_order(personas["rep1"], name="昆山精密模具有限公司")
    with time_machine.travel(at(2025, 3, 3, 9), tick=False), committed():
        return opportunity_create(
            customer=customer, actor=personas["rep1"], name="模具钢材年度采购", stage="first_visit", amount=80000
        )


def move(deal, stage, moment, committed, actor):
    with time_machine.travel(moment, tick=False), committed():
        return opportunity_move(opportunity=deal, actor=actor, stage=stage, lost_reason="预算取消")


def send(rep, moment, committed, **kwargs):
    with time_machine.travel(moment, tick=False), committed():
        quotation = draft_quotation(rep, **kwargs)
        return quotation_send(quotation=quotation, actor=rep)


def test_the_quote_rule_is_installed_and_passes_the_rule_checks():
    rule = Rule.objects.get(system_key="quote_not_sent_48h")
    cleaned = clean_rule({name: getattr(rule, name) for name in RULE_FIELDS})

    assert rule.is_active
    assert (cleaned["conditions"], cleaned["actions"], cleaned["unless_verbs"]) == (
        rule.conditions,
        rule.actions,
        rule.unless_verbs,
    )


def test_a_deal_in_proposal_without_a_quotation_gives_its_owner_a_task_48_hours_later_once(
    personas, deal, committed, scan
):
    # given
    rule = Rule.objects.get(system_key="quote_not_sent_48h")
    move(deal, "proposal", at(2025, 3, 3, 11), committed, personas["rep1"])

    # then
    assert ScheduledCheck.objects.get(rule=rule).due_at == at(2025, 3, 5, 11)
    assert scan(at(2025, 3, 5, 10, 59)) == {}
    assert scan(at(2025, 3, 5, 11)) == {"fired": 1}
    task = Task.objects.get(rule=rule)
    assert (task.assignee, task.title, task.priority, task.source) == (
        personas["rep1"],
        "Send a quotation for 模具钢材年度采购 (昆山精密模具有限公司)",
        "high",
        "rule",
    )
    assert (task.content_type.model, task.object_id) == ("opportunity", deal.pk)
    assert (task.due_at, task.next_escalation_at) == (at(2025, 3, 5, 19), at(2025, 3, 6, 3))
    assert scan(at(2025, 3, 5, 12)) == {}
    assert Task.objects.filter(rule=rule).count() == 1


def test_the_task_goes_to_the_deals_owner_not_the_customers(personas, committed, scan):
    Rule.objects.exclude(system_key="quote_not_sent_48h").update(is_active=False)
    customer = customer_ready_to_order(personas["rep1"])
    with time_machine.travel(at(2025, 3, 3, 9), tick=False), committed():
        deal = opportunity_create(
            customer=customer,
            actor=personas["manager1"],
            name="新产线",
            stage="first_visit",
            owner=personas["manager1"],
        )
    move(deal, "proposal", at(2025, 3, 3, 10), committed, personas["manager1"])

    scan(at(2025, 3, 5, 10))

    assert Task.objects.get(rule__system_key="quote_not_sent_48h").assignee == personas["manager1"]


def test_a_quotation_sent_for_the_deal_in_time_fires_nothing(personas, deal, committed, scan):
    move(deal, "proposal", at(2025, 3, 3, 11), committed, personas["rep1"])
    send(personas["rep1"], at(2025, 3, 4, 15), committed, customer=deal.customer, opportunity=deal)

    assert scan(at(2025, 3, 5, 11)) == {"mooted": 1}
    assert not Task.objects.filter(rule__system_key="quote_not_sent_48h").exists()


def test_a_quotation_sent_to_the_customer_without_naming_a_deal_counts(personas, deal, committed, scan):
    move(deal, "proposal", at(2025, 3, 3, 11), committed, personas["rep1"])
    send(personas["rep1"], at(2025, 3, 4, 15), committed, customer=deal.customer)

    assert scan(at(2025, 3, 5, 11)) == {"mooted": 1}


@pytest.mark.parametrize("which", ["another customer", "another deal of the customer", "drafted, not sent"])
def test_other_quotations_do_not_count(personas, deal, committed, scan, which):
    # given
    rep = personas["rep1"]
    move(deal, "proposal", at(2025, 3, 3, 11), committed, rep)
    with time_machine.travel(at(2025, 3, 4, 15), tick=False), committed():
        if which == "another customer":
            quotation_send(quotation=draft_quotation(rep), actor=rep)
        elif which == "another deal of the customer":
            other = opportunity_create(customer=deal.customer, actor=rep, name="另一商机", stage="proposal")
            quotation_send(quotation=draft_quotation(rep, customer=deal.customer, opportunity=other), actor=rep)
        else:
            draft_quotation(rep, customer=deal.customer, opportunity=deal)

    # then
    outcomes = scan(at(2025, 3, 5, 11))
    assert outcomes["fired"] == 1
    assert Task.objects.filter(rule__system_key="quote_not_sent_48h", object_id=deal.pk).count() == 1


def test_a_quotation_sent_before_the_deal_reached_proposal_does_not_count(personas, deal, committed, scan):
    send(personas["rep1"], at(2025, 3, 3, 10), committed, customer=deal.customer, opportunity=deal)
    move(deal, "proposal", at(2025, 3, 3, 11), committed, personas["rep1"])

    assert scan(at(2025, 3, 5, 11)) == {"fired": 1}


def test_only_the_move_into_proposal_starts_the_clock(personas, deal, committed):
    # given: first visit → negotiation → proposal, all handed to the rules after the last move
    rule = Rule.objects.get(system_key="quote_not_sent_48h")
    with committed():
        with time_machine.travel(at(2025, 3, 3, 10), tick=False):
            opportunity_move(opportunity=deal, actor=personas["rep1"], stage="negotiation")
        with time_machine.travel(at(2025, 3, 3, 11), tick=False):
            opportunity_move(opportunity=deal, actor=personas["rep1"], stage="proposal")

    # then: one check, from the move into proposal, though the deal was in proposal when both were handled
    assert [c.due_at for c in ScheduledCheck.objects.filter(rule=rule)] == [at(2025, 3, 5, 11)]


@pytest.mark.parametrize("stage", ["quote", "negotiation", "won", "lost"])
def test_a_deal_that_moved_on_is_not_chased(personas, deal, committed, scan, stage):
    move(deal, "proposal", at(2025, 3, 3, 11), committed, personas["rep1"])
    move(deal, stage, at(2025, 3, 4, 11), committed, personas["rep1"])

    assert scan(at(2025, 3, 5, 11)) == {"conditions": 1}
    assert not Task.objects.filter(rule__system_key="quote_not_sent_48h").exists()
