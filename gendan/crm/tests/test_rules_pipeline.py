"""Rules on leads and opportunities, in time: the shipped lead rule, and a rule on a stage being reached."""

import datetime
import zoneinfo

import pytest
import time_machine

from gendan.automation.models import Rule, ScheduledCheck, Task
from gendan.automation.rules.scanning import scan_due_checks
from gendan.automation.rules.services import rule_create
from gendan.automation.rules.validation import RULE_FIELDS, clean_rule
from gendan.automation.services import task_complete
from gendan.automation.shipped_rules import SHIPPED_RULES, install
from gendan.crm.services_pipeline import (
    lead_contact,
    lead_convert,
    lead_create,
    lead_disqualify,
    opportunity_create,
    opportunity_move,
)
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def rules_in_english(settings, english):
    settings.LANGUAGE_CODE = "en"
    Rule.objects.filter(system_key__in=[r["system_key"] for r in SHIPPED_RULES]).delete()
    install(Rule)
    # Only the lead rule, so the scans below count nothing else (converting makes a customer).
    Rule.objects.exclude(system_key="lead_not_contacted_24h").update(is_active=False)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def scan(committed):
    def run(moment):
        with time_machine.travel(moment, tick=False), committed():
            return scan_due_checks()

    return run


@pytest.fixture
def new_lead(personas, committed):
    def make(company="昆山嘉禾电子科技有限公司"):
        with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
            return lead_create(actor=personas["rep1"], company=company, contact_name="吴经理", phone="13812345678")

    return make


def test_the_lead_rule_is_installed_and_passes_the_rule_checks():
    rule = Rule.objects.get(system_key="lead_not_contacted_24h")
    cleaned = clean_rule({name: getattr(rule, name) for name in RULE_FIELDS})

    assert rule.is_active
    assert (cleaned["conditions"], cleaned["actions"], cleaned["unless_verbs"]) == (
        rule.conditions,
        rule.actions,
        rule.unless_verbs,
    )


def test_a_lead_not_contacted_gives_its_owner_a_task_24_hours_later_and_only_once(personas, new_lead, scan):
    lead = new_lead()
    rule = Rule.objects.get(system_key="lead_not_contacted_24h")

    assert ScheduledCheck.objects.get(rule=rule).due_at == at(2025, 3, 4, 10)
    assert scan(at(2025, 3, 4, 9, 59)) == {}
    assert scan(at(2025, 3, 4, 10)) == {"fired": 1}
    task = Task.objects.get(rule=rule)
    assert (task.assignee, task.title, task.priority, task.due_at) == (
        personas["rep1"],
        "Contact the new lead 昆山嘉禾电子科技有限公司",
        "high",
        at(2025, 3, 4, 14),
    )
    assert (task.content_type.model, task.object_id) == ("lead", lead.pk)
    assert scan(at(2025, 3, 5, 10)) == {}
    assert Task.objects.filter(rule=rule).count() == 1


@pytest.mark.parametrize(
    "handled",
    [
        lambda lead, rep: lead_contact(lead=lead, actor=rep, note="已电话联系"),
        lambda lead, rep: lead_convert(lead=lead, actor=rep),
        lambda lead, rep: lead_disqualify(lead=lead, actor=rep, reason="无效号码"),
    ],
    ids=["contacted", "converted", "disqualified"],
)
def test_a_lead_handled_in_time_fires_nothing(personas, new_lead, committed, scan, handled):
    lead = new_lead()
    with time_machine.travel(at(2025, 3, 3, 16), tick=False), committed():
        handled(lead, personas["rep1"])

    assert scan(at(2025, 3, 4, 10)) == {"mooted": 1}
    assert not Task.objects.filter(rule__system_key="lead_not_contacted_24h").exists()


def test_another_leads_contact_does_not_count(personas, new_lead, committed, scan):
    lead, other = new_lead(), new_lead("太仓凯盛五金制品有限公司")
    with time_machine.travel(at(2025, 3, 3, 16), tick=False), committed():
        lead_contact(lead=other, actor=personas["rep1"], note="已联系")

    assert scan(at(2025, 3, 4, 10)) == {"mooted": 1, "fired": 1}
    assert Task.objects.get(rule__system_key="lead_not_contacted_24h").object_id == lead.pk


def test_completing_a_task_about_the_lead_counts_as_contact(personas, new_lead, committed, scan):
    from gendan.automation.services import task_create

    lead = new_lead()
    with time_machine.travel(at(2025, 3, 3, 11), tick=False), committed():
        task = task_create(actor=personas["rep1"], title="给吴经理回电", assignee=personas["rep1"], related=lead)
        task_complete(task=task, actor=personas["rep1"])

    assert scan(at(2025, 3, 4, 10)) == {"mooted": 1}


def test_a_rule_can_act_when_a_deal_reaches_the_proposal_stage(personas, committed, scan):
    # given: a rule of the kind the quotation rule will be: 48 hours after a deal reaches "proposal"
    with committed():
        rule = rule_created(personas)
    customer = customer_ready_to_order(personas["rep1"])
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        deal = opportunity_create(customer=customer, actor=personas["rep1"], name="仓储自动化项目")
        deal = opportunity_move(opportunity=deal, actor=personas["rep1"], stage="first_visit")
    with time_machine.travel(at(2025, 3, 4, 10), tick=False), committed():
        deal = opportunity_move(opportunity=deal, actor=personas["rep1"], stage="proposal")

    # then: only the move to proposal set the clock
    assert list(ScheduledCheck.objects.filter(rule=rule).values_list("due_at", flat=True)) == [at(2025, 3, 6, 10)]
    assert scan(at(2025, 3, 6, 10)) == {"fired": 1}
    assert Task.objects.get(rule=rule).title == "Send a quotation for 仓储自动化项目"


def rule_created(personas):
    return rule_create(
        actor=personas["admin"],
        name="方案阶段 48 小时提醒",
        trigger="after_event",
        target_model="crm.opportunity",
        event_verb="opportunity.stage_changed",
        offset_minutes=48 * 60,
        conditions=[{"field": "event:stage", "op": "eq", "value": "proposal"}],
        unless_verbs=["opportunity.stage_changed"],
        actions=[{"type": "create_task", "assignee": "owner", "title": "Send a quotation for {record}"}],
    )
