"""The contract renewal rules, in time: 60, 30 and 7 days before the end, only for contracts in force, once."""

import datetime
import zoneinfo

import pytest
import time_machine

from gendan.automation.models import Notification, Rule, ScheduledCheck, Task
from gendan.automation.rules.scanning import scan_due_checks
from gendan.automation.rules.validation import RULE_FIELDS, clean_rule
from gendan.automation.shipped_rules import SHIPPED_RULES, install
from gendan.crm.models import Contract
from gendan.crm.services_contracts import contract_activate, contract_create, contract_terminate, contract_update
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date
KEYS = ["contract_expiring_60d", "contract_expiring_30d", "contract_expiring_7d"]


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def rules_in_english(settings, english):
    """Shipped rules are installed in the company's language; these tests read their texts in English."""
    settings.LANGUAGE_CODE = "en"
    Rule.objects.filter(system_key__in=[r["system_key"] for r in SHIPPED_RULES]).delete()
    install(Rule)
    # Only the contract rules, so the scans below count nothing else.
    Rule.objects.exclude(system_key__in=KEYS).update(is_active=False)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def scan(committed):
    def run(moment):
        with time_machine.travel(moment, tick=False), committed():
            return scan_due_checks()

    return run


def shipped(key) -> Rule:
    return Rule.objects.get(system_key=key)


@pytest.fixture
def contract(personas, committed):
    """Alice's contract with her customer, in force until the end of 30 June 2025."""
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_ready_to_order(personas["rep1"], name="苏州永泰自动化设备有限公司")
        contract = contract_create(
            customer=customer,
            actor=personas["rep1"],
            title="设备维保合同",
            start_date=D(2024, 7, 1),
            end_date=D(2025, 6, 30),
        )
        return contract_activate(contract=contract, actor=personas["rep1"])


def test_the_contract_rules_are_installed_and_pass_the_rule_checks():
    assert set(Rule.objects.filter(system_key__in=KEYS, is_active=True).values_list("system_key", flat=True)) == set(
        KEYS
    )
    for rule in Rule.objects.filter(system_key__in=KEYS):
        cleaned = clean_rule({name: getattr(rule, name) for name in RULE_FIELDS})
        assert (cleaned["conditions"], cleaned["actions"]) == (rule.conditions, rule.actions)


def test_the_owner_is_told_at_60_days_and_given_tasks_at_30_and_7_days_each_once(personas, contract, scan):
    # given: one appointment per rule, counted from the end of the contract's last day
    due = {c.rule.system_key: c.due_at for c in ScheduledCheck.objects.select_related("rule")}
    assert due == {
        "contract_expiring_60d": at(2025, 5, 2),
        "contract_expiring_30d": at(2025, 6, 1),
        "contract_expiring_7d": at(2025, 6, 24),
    }

    # 60 days: a notice
    assert scan(at(2025, 5, 1, 23, 59)) == {}
    assert scan(at(2025, 5, 2)) == {"fired": 1}
    notice = Notification.objects.get(kind="rule")
    assert (notice.recipient, notice.title, notice.body, notice.url) == (
        personas["rep1"],
        f"Contract {contract.number} with 苏州永泰自动化设备有限公司 ends on 2025-06-30",
        "Time to talk about renewing it.",
        f"/customers/contracts/{contract.pk}/",
    )
    assert not Task.objects.exists()

    # 30 days: a task, due 24 working hours later (2 June is the Dragon Boat holiday)
    assert scan(at(2025, 5, 31, 23, 59)) == {}
    assert scan(at(2025, 6, 1)) == {"fired": 1}
    renew = Task.objects.get(rule=shipped("contract_expiring_30d"))
    assert (renew.assignee, renew.title, renew.priority) == (
        personas["rep1"],
        f"Renew contract {contract.number} with 苏州永泰自动化设备有限公司 (ends 2025-06-30)",
        "normal",
    )
    assert renew.due_at == at(2025, 6, 5, 15)
    assert (renew.content_type.model, renew.object_id) == ("contract", contract.pk)

    # 7 days: an urgent one
    assert scan(at(2025, 6, 23, 23, 59)) == {}
    assert scan(at(2025, 6, 24)) == {"fired": 1}
    last = Task.objects.get(rule=shipped("contract_expiring_7d"))
    assert (last.title, last.priority, last.due_at) == (
        f"Contract {contract.number} with 苏州永泰自动化设备有限公司 ends on 2025-06-30: renew it or let it end",
        "high",
        at(2025, 6, 24, 17),
    )

    # and nothing more
    assert scan(at(2025, 7, 1)) == {}
    assert (Notification.objects.filter(kind="rule").count(), Task.objects.count()) == (1, 2)


def test_a_draft_is_not_reminded(personas, committed, scan):
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_ready_to_order(personas["rep1"])
        contract_create(
            customer=customer, actor=personas["rep1"], title="草拟中", start_date=D(2025, 4, 1), end_date=D(2025, 6, 30)
        )

    assert scan(at(2025, 7, 1)) == {"conditions": 3}
    assert not Task.objects.exists() and not Notification.objects.filter(kind="rule").exists()


def test_a_terminated_contract_is_not_reminded(personas, contract, committed, scan):
    assert scan(at(2025, 5, 2)) == {"fired": 1}
    with time_machine.travel(at(2025, 5, 10), tick=False), committed():
        contract_terminate(contract=contract, actor=personas["rep1"], reason="客户停产，协商解除")

    assert scan(at(2025, 7, 1)) == {"conditions": 2}
    assert not Task.objects.exists()


def test_an_extended_contract_is_reminded_before_its_new_end(personas, contract, committed, scan):
    with time_machine.travel(at(2025, 4, 1, 10), tick=False), committed():
        contract_update(contract=contract, actor=personas["rep1"], end_date=D(2025, 12, 31))

    pending = ScheduledCheck.objects.filter(done_at__isnull=True)
    assert sorted(pending.values_list("due_at", flat=True)) == [at(2025, 11, 2), at(2025, 12, 2), at(2025, 12, 25)]
    assert scan(at(2025, 7, 1)) == {}
    assert scan(at(2025, 11, 2)) == {"fired": 1}
    assert Notification.objects.get(kind="rule").title.endswith("ends on 2025-12-31")
    assert Contract.objects.get().status == "active"
