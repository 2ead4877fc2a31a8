"""The rules Gendan ships, in time: each fires when due, not before, not when the record moved on, and once."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from gendan.automation import channels, outgoing
from gendan.automation.models import (
    CustomerMessage,
    DeliveryStatus,
    Notification,
    Rule,
    RuleFiring,
    ScheduledCheck,
    Task,
)
from gendan.automation.rules.scanning import scan_due_checks
from gendan.automation.rules.services import rule_update
from gendan.automation.rules.validation import RULE_FIELDS, clean_rule
from gendan.automation.shipped_rules import SHIPPED_RULES, _plain, install
from gendan.core.models import Event
from gendan.crm.models import Contact, Customer
from gendan.crm.services import customer_create
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import OrderStatus
from gendan.sales.services import order_approve, order_submit, order_update
from tests.backbone import COURIER, draft_order, stocked_products
from tests.stages import order_at

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def rules_in_english(settings, english):
    """Shipped rules are installed in the company's language; these tests read their texts in English."""
    settings.LANGUAGE_CODE = "en"
    Rule.objects.filter(system_key__in=[r["system_key"] for r in SHIPPED_RULES]).delete()
    install(Rule)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block's after-commit work (the outbox hand-over, and with it the rules) when it ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def scan(committed):
    def run(moment):
        with time_machine.travel(moment, tick=False), committed():
            return scan_due_checks()

    return run


def shipped(key) -> Rule:
    install(Rule)  # already there from the migration, unless a flushing test ran before
    return Rule.objects.get(system_key=key)


def test_every_shipped_rule_is_installed_once_and_passes_the_rule_checks(db):
    install(Rule)

    assert install(Rule) == 0
    assert Rule.objects.filter(system_key__in=[r["system_key"] for r in SHIPPED_RULES], is_active=True).count() == len(
        SHIPPED_RULES
    )
    for rule in Rule.objects.exclude(system_key=""):
        cleaned = clean_rule({name: getattr(rule, name) for name in RULE_FIELDS})
        assert cleaned["conditions"] == rule.conditions
        assert cleaned["actions"] == rule.actions


# --- a new customer not contacted within 24 hours ------------------------------------------------


def test_a_new_customer_not_contacted_gives_its_owner_a_task_24_hours_later_and_only_once(personas, committed, scan):
    rule = shipped("customer_not_contacted_24h")
    rep = personas["rep1"]
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_create(actor=rep, name="杭州新客户有限公司")

    assert ScheduledCheck.objects.get(rule=rule).due_at == at(2025, 3, 4, 10)
    assert scan(at(2025, 3, 4, 9, 59)) == {}
    assert not Task.objects.filter(rule=rule).exists()

    assert scan(at(2025, 3, 4, 10)) == {"fired": 1}
    task = Task.objects.get(rule=rule)
    assert (task.assignee, task.title, task.priority, task.source) == (
        rep,
        "Contact the new customer 杭州新客户有限公司",
        "high",
        "rule",
    )
    assert (task.content_type.model, task.object_id) == ("customer", customer.pk)
    # Wall-clock hours: due 4 hours after the rule fired, first escalation 4 hours after that.
    assert (task.due_at, task.next_escalation_at) == (at(2025, 3, 4, 14), at(2025, 3, 4, 18))

    assert scan(at(2025, 3, 4, 10, 1)) == {}
    assert Task.objects.filter(rule=rule).count() == 1


def test_an_order_for_the_new_customer_counts_as_contact(personas, committed, scan):
    rule = shipped("customer_not_contacted_24h")
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_create(actor=rep, name="宁波新客户有限公司")
    with time_machine.travel(at(2025, 3, 3, 15), tick=False), committed():
        draft_order(rep, products, customer=customer)

    assert scan(at(2025, 3, 4, 10)) == {"mooted": 1}
    assert not Task.objects.filter(rule=rule).exists()
    assert ScheduledCheck.objects.get(rule=rule).done_at == at(2025, 3, 4, 10)


def test_an_order_for_another_customer_does_not_count(personas, committed, scan):
    rule = shipped("customer_not_contacted_24h")
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer_create(actor=rep, name="温州新客户有限公司")
    with time_machine.travel(at(2025, 3, 3, 15), tick=False), committed():
        draft_order(rep, products)  # a customer made by the factory, not through the service

    assert scan(at(2025, 3, 4, 10)) == {"fired": 1}
    assert Task.objects.filter(rule=rule).count() == 1


# --- an approval waiting more than 4 working hours -----------------------------------------------


def test_an_approval_waiting_4_working_hours_gives_the_team_leader_an_urgent_task(personas, committed, scan):
    rule = shipped("approval_waiting_4h")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():  # a Monday
        order = order_at(OrderStatus.PENDING_APPROVAL, personas)

    assert ScheduledCheck.objects.get(rule=rule).due_at == at(2025, 3, 3, 14)
    assert scan(at(2025, 3, 3, 13, 59)) == {}

    assert scan(at(2025, 3, 3, 14)) == {"fired": 1}
    task = Task.objects.get(rule=rule)
    assert task.assignee == personas["manager1"]  # leader of Sales, above rep1's East team (which has none)
    assert task.title == f"Approve or reject order {order.number} ({order.customer})"
    assert task.priority == "urgent"
    # Business hours: due 1 working hour after firing, first escalation 2 working hours after that.
    assert (task.due_at, task.next_escalation_at) == (at(2025, 3, 3, 15), at(2025, 3, 3, 17))

    assert scan(at(2025, 3, 3, 14, 1)) == {}
    assert Task.objects.filter(rule=rule).count() == 1


def test_four_working_hours_from_friday_afternoon_end_on_monday(personas, committed):
    rule = shipped("approval_waiting_4h")
    with time_machine.travel(at(2025, 3, 7, 16), tick=False), committed():  # Friday 16:00
        order_at(OrderStatus.PENDING_APPROVAL, personas)

    assert ScheduledCheck.objects.get(rule=rule).due_at == at(2025, 3, 10, 11)


def test_an_approval_decided_in_time_fires_nothing(personas, committed, scan):
    rule = shipped("approval_waiting_4h")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        order = order_at(OrderStatus.PENDING_APPROVAL, personas)
    with time_machine.travel(at(2025, 3, 3, 12), tick=False), committed():
        order_approve(order=order, actor=personas["manager1"])

    assert scan(at(2025, 3, 3, 14)) == {"mooted": 1}
    assert not Task.objects.filter(rule=rule).exists()


def test_an_order_needing_no_approval_schedules_no_check(personas, committed):
    rule = shipped("approval_waiting_4h")
    with committed():
        order_at(OrderStatus.CONFIRMED, personas)

    assert not ScheduledCheck.objects.filter(rule=rule).exists()


# --- an order not shipped by its promised date, and the warning a day before ---------------------


def _confirmed_order(personas, promised):
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products, promised_date=promised)
    return order_submit(order=order, actor=personas["rep1"])


def test_an_unshipped_order_warns_its_owner_the_day_before_and_gives_a_task_after_the_date(personas, committed, scan):
    warning, missed = shipped("order_ship_warning_1d"), shipped("order_not_shipped_by_promised_date")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        order = _confirmed_order(personas, datetime.date(2025, 3, 10))

    assert ScheduledCheck.objects.get(rule=warning).due_at == at(2025, 3, 10, 0)
    assert ScheduledCheck.objects.get(rule=missed).due_at == at(2025, 3, 11, 0)
    assert scan(at(2025, 3, 9, 23, 59)) == {}

    assert scan(at(2025, 3, 10, 0)) == {"fired": 1}
    notice = Notification.objects.get(kind="rule", recipient=personas["rep1"])
    assert notice.title == f"Order {order.number} is promised for 2025-03-10 and has not shipped"
    assert notice.url == f"/orders/{order.pk}/"
    assert not Task.objects.filter(rule=missed).exists()

    assert scan(at(2025, 3, 11, 0)) == {"fired": 1}
    task = Task.objects.get(rule=missed)
    assert (task.assignee, task.title) == (
        personas["rep1"],
        f"Order {order.number} missed its promised date 2025-03-10",
    )
    assert (task.due_at, task.next_escalation_at) == (at(2025, 3, 11, 13), at(2025, 3, 11, 17))

    assert scan(at(2025, 3, 12, 0)) == {}
    assert (Task.objects.filter(rule=missed).count(), Notification.objects.filter(kind="rule").count()) == (1, 1)


def test_a_shipped_order_fires_neither_rule(personas, committed, scan):
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        order = _confirmed_order(personas, datetime.date(2025, 3, 10))
        line = order.lines.get()
        shipment = shipment_create(
            order=order, actor=personas["warehouse1"], lines=[{"order_line": line, "quantity": line.quantity}]
        )
        shipment_ship(shipment=shipment, actor=personas["warehouse1"], **COURIER)

    assert scan(at(2025, 3, 11, 0)) == {"conditions": 2}
    assert not Task.objects.exists() and not Notification.objects.filter(kind="rule").exists()


def test_a_changed_promised_date_moves_the_appointment(personas, committed, scan):
    missed = shipped("order_not_shipped_by_promised_date")
    _warehouse, products = stocked_products(1)
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        order = draft_order(personas["rep1"], products, promised_date=datetime.date(2025, 3, 10))
    with time_machine.travel(at(2025, 3, 3, 11), tick=False), committed():
        order = order_update(order=order, actor=personas["rep1"], promised_date=datetime.date(2025, 3, 20))
        order_submit(order=order, actor=personas["rep1"])

    checks = dict(ScheduledCheck.objects.filter(rule=missed).values_list("occasion", "done_at"))
    assert checks == {"date:2025-03-10": at(2025, 3, 3, 11), "date:2025-03-20": None}
    assert scan(at(2025, 3, 11, 0)) == {}
    assert scan(at(2025, 3, 20, 0)) == {"fired": 1}  # the warning, a day before the new date
    assert scan(at(2025, 3, 21, 0)) == {"fired": 1}
    assert Task.objects.get(rule=missed).title.endswith("missed its promised date 2025-03-20")


# --- an invoice overdue --------------------------------------------------------------------------


def _issued_invoice(personas, due):
    order = order_at(OrderStatus.DELIVERED, personas)
    invoice = invoice_create(order=order, actor=personas["finance1"])
    return invoice_issue(invoice=invoice, actor=personas["finance1"], due_date=due)


def test_an_overdue_invoice_gives_finance_a_task_and_tells_the_order_owner(personas, committed, scan):
    rule = shipped("invoice_overdue")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        invoice = _issued_invoice(personas, datetime.date(2025, 4, 10))

    assert ScheduledCheck.objects.get(rule=rule).due_at == at(2025, 4, 11, 0)
    # Only the reminders three days before it is due (the owner's and the customer's), until the day is over.
    assert scan(at(2025, 4, 10, 23, 59)) == {"fired": 2}

    assert scan(at(2025, 4, 11, 0)) == {"fired": 1}
    task = Task.objects.get(rule=rule)
    assert (task.assignee, task.title) == (
        personas["finance1"],
        f"Collect overdue invoice {invoice.number} from {invoice.customer}",
    )
    assert (task.due_at, task.next_escalation_at) == (at(2025, 4, 11, 17), at(2025, 4, 14, 16))
    notice = Notification.objects.get(kind="rule", title__endswith="is overdue")
    assert (notice.recipient, notice.title, notice.body) == (
        personas["rep1"],
        f"Invoice {invoice.number} of {invoice.customer} is overdue",
        "It was due on 2025-04-10.",
    )

    assert scan(at(2025, 4, 11, 0, 1)) == {}
    assert (Task.objects.filter(rule=rule).count(), Notification.objects.filter(kind="rule").count()) == (1, 2)


def test_three_days_before_an_invoice_is_due_its_owner_is_reminded_unless_it_is_paid(personas, committed, scan):
    rule = shipped("invoice_due_soon")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        invoice = _issued_invoice(personas, datetime.date(2025, 4, 10))
        paid = _issued_invoice(personas, datetime.date(2025, 4, 10))
        payment_record(
            actor=personas["finance1"],
            customer=paid.customer,
            amount=paid.total,
            received_on=datetime.date(2025, 3, 3),
            allocations=[{"invoice": paid, "amount": paid.total}],
        )

    assert {check.due_at for check in ScheduledCheck.objects.filter(rule=rule)} == {at(2025, 4, 8, 0)}
    assert scan(at(2025, 4, 7, 23, 59)) == {}
    assert scan(at(2025, 4, 8, 0)) == {"fired": 2, "conditions": 2}
    notice = Notification.objects.get(kind="rule")
    assert (notice.recipient, notice.title, notice.body) == (
        personas["rep1"],
        f"Invoice {invoice.number} of {invoice.customer} is due on 2025-04-10",
        "Remind the customer now, so it is paid on time.",
    )


def test_a_paid_invoice_is_not_overdue(personas, committed, scan):
    rule = shipped("invoice_overdue")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        invoice = _issued_invoice(personas, datetime.date(2025, 4, 10))
        payment_record(
            actor=personas["finance1"],
            customer=invoice.customer,
            amount=invoice.total,
            received_on=datetime.date(2025, 3, 3),
            allocations=[{"invoice": invoice, "amount": invoice.total}],
        )

    # Neither reminded before the due date nor chased after it.
    assert scan(at(2025, 4, 11, 0)) == {"conditions": 3}
    assert not Task.objects.filter(rule=rule).exists()


# --- the customer's reminders (催款函) -------------------------------------------------------------


def _with_addresses(invoice, *contact_emails):
    Customer.objects.filter(pk=invoice.customer_id).update(email="ap@customer.example")
    for index, email in enumerate(contact_emails):
        Contact.objects.create(customer_id=invoice.customer_id, name=f"联系人{index}", email=email)


def test_the_customer_is_e_mailed_before_the_due_date_after_it_and_firmly_two_weeks_on(personas, committed, scan):
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        invoice = _issued_invoice(personas, datetime.date(2025, 4, 10))
        _with_addresses(invoice, "cfo@customer.example", "ap@customer.example")
        invoice.refresh_from_db()

    scan(at(2025, 4, 8, 0))
    [friendly] = mail.outbox
    assert friendly.to == ["ap@customer.example", "cfo@customer.example"]
    assert friendly.subject == f"Payment reminder: invoice {invoice.number} is due on 2025-04-10"
    assert f"invoice {invoice.number}, with CNY {invoice.open_amount:,.2f} open, is due on 2025-04-10" in friendly.body
    assert friendly.body.startswith(f"Dear {invoice.customer},")
    assert friendly.body.endswith(f"please contact {invoice.owner}.")

    scan(at(2025, 4, 12, 0))
    assert mail.outbox[1].subject == f"Invoice {invoice.number} is overdue"
    scan(at(2025, 4, 26, 0))
    assert mail.outbox[2].subject == f"Second reminder: invoice {invoice.number} is 15 days overdue"
    assert "hold further shipments" in mail.outbox[2].body
    assert len(mail.outbox) == 3

    # Each went out once and is on the customer's timeline and the invoice's.
    assert set(CustomerMessage.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    sent = Event.objects.filter(verb="customer.emailed")
    assert [e.data["subject"] for e in sent.order_by("pk")] == [m.subject for m in mail.outbox]
    assert {(e.object_id, e.root_id) for e in sent} == {(invoice.pk, invoice.customer_id)}
    assert Event.objects.for_object(invoice.customer).filter(verb="customer.emailed").count() == 3


def test_a_paid_invoice_or_a_customer_without_an_address_gets_no_e_mail(personas, committed, scan):
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        paid = _issued_invoice(personas, datetime.date(2025, 4, 10))
        _with_addresses(paid)
        payment_record(
            actor=personas["finance1"],
            customer=paid.customer,
            amount=paid.total,
            received_on=datetime.date(2025, 3, 3),
            allocations=[{"invoice": paid, "amount": paid.total}],
        )
        no_address = _issued_invoice(personas, datetime.date(2025, 4, 10))

    scan(at(2025, 4, 12, 0))

    assert mail.outbox == []
    assert not CustomerMessage.objects.exists()
    # The owner's own reminders still went.
    assert Notification.objects.filter(object_id=no_address.pk, title__endswith="is overdue").exists()


def test_a_reminder_before_the_due_date_caught_up_after_it_is_not_sent(personas, committed, scan):
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        invoice = _issued_invoice(personas, datetime.date(2025, 4, 10))
        _with_addresses(invoice)

    # The worker was down from before the reminder until after the due date.
    scan(at(2025, 4, 12, 0))

    assert [m.subject for m in mail.outbox] == [f"Invoice {invoice.number} is overdue"]


def test_the_company_rewrites_the_reminder_and_the_customer_reads_the_new_text(personas, committed, scan):
    rule = shipped("invoice_overdue_customer")
    rule_update(
        rule=rule,
        actor=personas["admin"],
        actions=[
            {
                "type": "email_customer",
                "title": "【催款】{customer}：发票 {number} 已逾期",
                "body": "尊敬的{customer}：\n发票 {number} 于 {date} 到期，尚欠 {amount}。请尽快付款。\n{owner}",
            }
        ],
    )
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        invoice = _issued_invoice(personas, datetime.date(2025, 4, 10))
        _with_addresses(invoice)

    scan(at(2025, 4, 12, 0))

    [message] = [m for m in mail.outbox if "催款" in m.subject]
    assert message.subject == f"【催款】{invoice.customer}：发票 {invoice.number} 已逾期"
    assert f"于 2025-04-10 到期，尚欠 CNY {invoice.total:,.2f}。" in message.body


def test_a_failed_send_is_retried_then_given_up_on_the_record(personas, committed, scan, monkeypatch):
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        invoice = _issued_invoice(personas, datetime.date(2025, 4, 10))
        _with_addresses(invoice)

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(channels, "send_mail", refuse)
    scan(at(2025, 4, 8, 0))
    message = CustomerMessage.objects.get()
    assert (message.status, message.attempts, message.last_error) == (DeliveryStatus.PENDING, 1, "connection refused")
    assert message.next_attempt_at == at(2025, 4, 8, 0) + outgoing.RETRY_DELAYS[0]

    for _attempt in range(channels.MAX_ATTEMPTS - 1):
        CustomerMessage.objects.update(next_attempt_at=timezone.now())
        channels.send_due_customer_messages()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (DeliveryStatus.FAILED, channels.MAX_ATTEMPTS)
    failed = Event.objects.get(verb="customer.email_failed")
    assert (failed.root_id, failed.data["error"]) == (invoice.customer_id, "connection refused")
    assert not Event.objects.filter(verb="customer.emailed").exists()


def test_an_e_mail_to_the_customer_needs_a_record_of_a_customer_a_subject_and_a_message(db):
    base = {name: getattr(Rule(**_plain(SHIPPED_RULES[0])), name) for name in RULE_FIELDS}
    email = {"type": "email_customer", "title": "发票 {number}", "body": "请付款 {amount}"}

    assert clean_rule({**base, "target_model": "finance.invoice", "actions": [email]})["actions"] == [email]
    with pytest.raises(ValidationError) as refused:
        clean_rule(
            {
                **base,
                "target_model": "fulfillment.shipment",
                "trigger": "event",
                "event_verb": "shipment.shipped",
                "actions": [{**email, "title": " ", "body": "{nonsense}"}],
            }
        )
    assert set(refused.value.message_dict) >= {"actions.0.type", "actions.0.title", "actions.0.body"}


# --- at most once ---------------------------------------------------------------------------------


def test_a_check_run_again_after_it_fired_acts_no_more(personas, committed, scan):
    rule = shipped("customer_not_contacted_24h")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer_create(actor=personas["rep1"], name="苏州新客户有限公司")
    assert scan(at(2025, 3, 4, 10)) == {"fired": 1}

    # given: the check looks not done, as after a worker died between acting and marking it
    ScheduledCheck.objects.filter(rule=rule).update(done_at=None)

    assert scan(at(2025, 3, 4, 10, 5)) == {"already": 1}
    assert (Task.objects.filter(rule=rule).count(), RuleFiring.objects.filter(rule=rule).count()) == (1, 1)


def test_a_switched_off_rule_does_not_fire(personas, committed, scan):
    rule = shipped("customer_not_contacted_24h")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer_create(actor=personas["rep1"], name="无锡新客户有限公司")
    Rule.objects.filter(pk=rule.pk).update(is_active=False)

    assert scan(at(2025, 3, 4, 10)) == {"inactive": 1}
    assert not Task.objects.filter(rule=rule).exists()
