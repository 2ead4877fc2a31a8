"""Quotations and the shipped rules, in time."""

import datetime
import zoneinfo

import pytest
import time_machine

from gendan.automation import rules
from gendan.automation.models import Rule, Task
from gendan.automation.shipped_rules import SHIPPED_RULES, install
from gendan.crm.services import customer_create
from gendan.sales.models import Quotation
from tests.backbone import stocked_products

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
            return rules.scan_due_checks()

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
    from gendan.sales.services_quotations import quotation_send
    from gendan.sales.tasks import expire_quotations

    quotation = quotation_send(quotation=draft_quotation(personas["rep1"]), actor=personas["rep1"])

    with time_machine.travel(datetime.datetime.now(tz=SHANGHAI) + datetime.timedelta(days=31), tick=False):
        expire_quotations.call_local()

    assert Quotation.objects.get(pk=quotation.pk).status == "expired"
