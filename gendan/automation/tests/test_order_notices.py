"""Notices at every step of an order: the right person told, with what they need to know, and nobody else."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from gendan.accounts.models import Department, User
from gendan.accounts.roles import Role
from gendan.automation.models import Notification, NotificationDelivery, NotificationKind, NotificationPreference, Rule
from gendan.automation.rules.services import rule_toggle
from gendan.automation.selectors_tasks import unread_count
from gendan.automation.shipped_rules import SHIPPED_RULES, install
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_deliver, shipment_ship
from gendan.inventory.services import warehouse_staff_set
from gendan.sales.models import Order, OrderStatus
from gendan.sales.services import (
    order_approve,
    order_assign,
    order_cancel,
    order_hold,
    order_reject,
    order_submit,
    order_update,
)
from gendan.sales.services_approvals import approval_rule_create
from gendan.sales.services_changes import change_request_approve, change_request_create, change_request_submit
from tests.backbone import draft_order, stocked_products
from tests.factories import WarehouseFactory
from tests.stages import order_at

pytestmark = pytest.mark.django_db

ORDER_KINDS = [kind for kind in NotificationKind.values if kind.startswith("order.")]


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
def staffed(personas):
    """The warehouse orders ship from, with warehouse1 on its staff; another warehouse with staff of its own."""
    warehouse, products = stocked_products(1)
    warehouse_staff_set(warehouse=warehouse, actor=personas["admin"], users=[personas["warehouse1"]])
    elsewhere = WarehouseFactory(code="XA", name="西安仓")
    other_clerk = User.objects.create_user(username="clerk_xa", role=Role.WAREHOUSE, first_name="clerk_xa")
    warehouse_staff_set(warehouse=elsewhere, actor=personas["admin"], users=[other_clerk])
    return warehouse, products


def told() -> dict[str, list[tuple[str, str, str]]]:
    """Who got which order notices: username → [(kind, title, body)]."""
    result = {}
    for notice in Notification.objects.filter(kind__in=ORDER_KINDS).select_related("recipient").order_by("pk"):
        result.setdefault(notice.recipient.username, []).append((notice.kind, notice.title, notice.body))
    return result


def heading(order) -> str:
    return f"Order {order.number} ({order.customer})"


def pending_order(rep, products):
    """A draft of `rep`'s with 15% off, above a rep's limit of 10%: it needs approval when submitted."""
    order = draft_order(rep, products, ["2"])
    lines = [{"product": products[0], "quantity": Decimal("2"), "discount_percent": Decimal("15")}]
    return order_update(order=order, actor=rep, lines=lines)


# --- waiting for approval -------------------------------------------------------------------------


def test_an_order_waiting_for_approval_tells_at_once_everyone_who_may_approve_it(personas, staffed, committed):
    # given: a sales manager of another department, whose scope does not cover rep1
    export = Department.objects.create(name="Export")
    User.objects.create_user(username="manager_export", role=Role.SALES_MANAGER, department=export)
    order = pending_order(personas["rep1"], staffed[1])
    # when
    with committed():
        order = order_submit(order=order, actor=personas["rep1"])
    # then: the managers and executives over rep1, not the submitter, not the other department's manager
    assert order.status == OrderStatus.PENDING_APPROVAL
    waiting = ("order.approval_needed", f"{heading(order)} waits for your approval", "Owner: rep1.")
    assert told() == {"manager1": [waiting], "boss1": [waiting], "admin": [waiting]}
    notice = Notification.objects.get(recipient=personas["manager1"])
    assert notice.url == f"/orders/{order.pk}/" and notice.read_at is None


def test_each_level_of_a_two_level_approval_tells_only_its_own_approvers(personas, staffed, committed):
    # given: every order needs the team leader (manager1), then an executive (boss1)
    approval_rule_create(
        actor=personas["admin"],
        name="Two levels",
        conditions=[{"type": "total_above", "amount": "0"}],
        levels=[{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}],
    )
    order = draft_order(personas["rep1"], staffed[1])
    # when
    with committed():
        order = order_submit(order=order, actor=personas["rep1"])
    # then: the first level's approver alone
    waiting = ("order.approval_needed", f"{heading(order)} waits for your approval", "Owner: rep1.")
    assert told() == {"manager1": [waiting]}
    # when: the first level approves
    with committed():
        order_approve(order=order, actor=personas["manager1"], comment="OK")
    # then: the second level's approver is told, as an approval waiting for them
    next_level = (
        "order.approval_needed",
        f"{heading(order)} waits for your approval",
        "Owner: rep1. An earlier level approved it.",
    )
    assert told() == {"manager1": [waiting], "boss1": [next_level]}


def test_a_manager_submitting_an_order_that_needs_approval_is_not_told_of_it(personas, staffed, committed):
    # given: 35% off is above even a manager's limit of 30%
    manager = personas["manager1"]
    order = draft_order(manager, staffed[1], ["2"], owner=personas["rep1"])
    lines = [{"product": staffed[1][0], "quantity": Decimal("2"), "discount_percent": Decimal("35")}]
    order = order_update(order=order, actor=manager, lines=lines)
    # when
    with committed():
        order_submit(order=order, actor=manager)
    # then
    assert set(told()) == {"boss1", "admin"}


def test_an_order_confirmed_at_once_asks_no_approver(personas, staffed, committed):
    with committed():
        order_submit(order=draft_order(personas["rep1"], staffed[1]), actor=personas["rep1"])

    assert not Notification.objects.filter(kind="order.approval_needed").exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_brings_an_order_waiting_for_approval_to_the_approvers_bell(personas, staffed, monkeypatch):
    # given: a queue the worker reads, instead of jobs run on the spot, and an order ready to submit
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("gendan-order-notices"))
    manager = personas["manager1"]
    order = pending_order(personas["rep1"], staffed[1])
    run_worker()
    # when: the order is submitted (its own committed transaction) ...
    order = order_submit(order=order, actor=personas["rep1"])
    # ... the notice waits in the queue ...
    assert HUEY.pending_count() == 1
    assert unread_count(user=manager) == 0
    # ... until the worker's next run takes it
    run_worker()
    # then
    assert unread_count(user=manager) == 1
    assert Notification.objects.get(recipient=manager).title == f"{heading(order)} waits for your approval"


def run_worker() -> None:
    """What the worker does: take each queued job and run it."""
    while (job := HUEY.dequeue()) is not None:
        HUEY.execute(job)


# --- the owner at each step -----------------------------------------------------------------------


def test_the_owner_is_told_of_the_approval_with_the_comment_and_the_warehouse_of_the_confirmation(
    personas, staffed, committed
):
    order = pending_order(personas["rep1"], staffed[1])
    order_submit(order=order, actor=personas["rep1"])
    Notification.objects.all().delete()

    with committed():
        order_approve(order=order, actor=personas["manager1"], comment="老客户，同意")

    assert told() == {
        "rep1": [
            ("order.approved", f"{heading(order)} is approved", "老客户，同意"),
            ("order.confirmed", f"{heading(order)} is confirmed", ""),
        ],
        "warehouse1": [("order.to_warehouse", f"{heading(order)} is confirmed: prepare its goods", "")],
    }


def test_the_owner_is_told_of_a_rejection_and_why(personas, staffed, committed):
    order = pending_order(personas["rep1"], staffed[1])
    order_submit(order=order, actor=personas["rep1"])
    Notification.objects.all().delete()

    with committed():
        order_reject(order=order, actor=personas["boss1"], comment="折扣太大")

    assert told() == {"rep1": [("order.rejected", f"{heading(order)} is rejected", "Reason: 折扣太大")]}


def test_an_order_confirmed_by_its_owner_tells_only_the_staff_of_its_warehouse(personas, staffed, committed):
    with committed():
        order = order_submit(order=draft_order(personas["rep1"], staffed[1]), actor=personas["rep1"])

    # rep1 confirmed it: not told; clerk_xa works at another warehouse: not told.
    assert told() == {
        "warehouse1": [("order.to_warehouse", f"{heading(order)} is confirmed: prepare its goods", "")],
    }


def test_an_order_confirmed_by_someone_else_tells_its_owner(personas, staffed, committed):
    order = draft_order(personas["rep1"], staffed[1])

    with committed():
        order_submit(order=order, actor=personas["follower1"])

    assert told()["rep1"] == [("order.confirmed", f"{heading(order)} is confirmed", "")]


def test_shipping_tells_the_owner_the_carrier_and_tracking_number_and_delivery_who_signed(personas, staffed, committed):
    clerk = personas["warehouse1"]
    order = order_submit(order=draft_order(personas["rep1"], staffed[1]), actor=personas["rep1"])
    line = order.lines.get()
    shipment = shipment_create(order=order, actor=clerk, lines=[{"order_line": line, "quantity": line.quantity}])
    Notification.objects.all().delete()

    with committed():
        shipment_ship(shipment=shipment, actor=clerk, carrier="顺丰速运", tracking_number="SF1234567890")
    with committed():
        shipment_deliver(shipment=shipment, actor=clerk, signed_by="王经理")

    assert told() == {
        "rep1": [
            (
                "order.shipped",
                f"Goods of order {order.number} ({order.customer}) have shipped",
                "Carrier: 顺丰速运. Tracking number: SF1234567890.",
            ),
            (
                "order.delivered",
                f"Goods of order {order.number} ({order.customer}) are delivered",
                "Signed for by 王经理.",
            ),
        ]
    }
    assert Notification.objects.get(kind="order.shipped").url == f"/orders/{order.pk}/"


def test_invoicing_and_payment_in_full_tell_the_owner_and_the_order_closes(personas, staffed, committed):
    finance = personas["finance1"]
    order = order_at(OrderStatus.DELIVERED, personas)
    Notification.objects.all().delete()

    with committed():
        invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)
    half = (invoice.total / 2).quantize(Decimal("0.01"))
    with committed():
        payment_record(
            actor=finance,
            customer=order.customer,
            amount=half,
            received_on=timezone.localdate(),
            allocations=[{"invoice": invoice, "amount": half}],
        )
    assert [kind for kind, _title, _body in told()["rep1"]] == ["order.invoiced"]
    with committed():
        payment_record(
            actor=finance,
            customer=order.customer,
            amount=invoice.total - half,
            received_on=timezone.localdate(),
            allocations=[{"invoice": invoice, "amount": invoice.total - half}],
        )

    assert Order.objects.get(pk=order.pk).status == OrderStatus.CLOSED
    assert told() == {
        "rep1": [
            ("order.invoiced", f"{heading(order)} is invoiced", ""),
            ("order.paid", f"{heading(order)} is paid in full", ""),
            ("order.closed", f"{heading(order)} is closed", ""),
        ]
    }


def test_a_hold_and_a_cancellation_tell_the_owner_why(personas, staffed, committed):
    manager = personas["manager1"]
    held = order_submit(order=draft_order(personas["rep1"], staffed[1]), actor=personas["rep1"])
    cancelled = draft_order(personas["rep1"], staffed[1])
    Notification.objects.all().delete()

    with committed():
        order_hold(order=held, actor=manager, reason="等客户确认交期")
    with committed():
        order_cancel(order=cancelled, actor=manager, reason="客户取消")

    assert told() == {
        "rep1": [
            ("order.held", f"{heading(held)} is on hold", "Reason: 等客户确认交期"),
            ("order.cancelled", f"{heading(cancelled)} is cancelled", "Reason: 客户取消"),
        ]
    }


def test_the_owner_cancelling_their_own_order_is_not_told(personas, staffed, committed):
    with committed():
        order_cancel(order=draft_order(personas["rep1"], staffed[1]), actor=personas["rep1"], reason="录错了")

    assert told() == {}


# --- switched off: by an administrator, or by the person -------------------------------------------


def test_a_rule_switched_off_tells_nobody(personas, staffed, committed):
    rule_toggle(rule=Rule.objects.get(system_key="order.cancelled"), actor=personas["admin"], is_active=False)

    with committed():
        order_cancel(order=draft_order(personas["rep1"], staffed[1]), actor=personas["manager1"], reason="客户取消")

    assert told() == {}


def test_a_person_keeps_a_kind_out_of_the_bell_or_their_mail(personas, staffed, committed, client):
    # given: rep1 wants holds by e-mail only, and cancellations in the bell only
    rep = personas["rep1"]
    rep.email = "rep1@example.com"
    rep.save(update_fields=["email"])
    NotificationPreference.objects.create(user=rep, kind="order.held", channels=["email"])
    NotificationPreference.objects.create(user=rep, kind="order.cancelled", channels=["bell"])
    held = order_submit(order=draft_order(rep, staffed[1]), actor=rep)
    cancelled = draft_order(rep, staffed[1])
    Notification.objects.all().delete()
    # when
    with committed():
        order_hold(order=held, actor=personas["manager1"], reason="等客户确认交期")
        order_cancel(order=cancelled, actor=personas["manager1"], reason="客户取消")
    # then: the hold is mailed and kept out of the bell; the cancellation rings the bell and is not mailed
    hold = Notification.objects.get(kind="order.held")
    cancellation = Notification.objects.get(kind="order.cancelled")
    assert (hold.in_bell, cancellation.in_bell) == (False, True)
    assert hold.read_at is not None and cancellation.read_at is None
    assert unread_count(user=rep) == 1
    assert list(NotificationDelivery.objects.values_list("notification__kind", "channel")) == [("order.held", "email")]
    # and the bell's dropdown leaves the hold out, while the list of notices keeps it
    client.force_login(rep)
    assert list(client.get(reverse("automation:bell_menu")).context["latest"]) == [cancellation]
    assert set(client.get(reverse("automation:notifications")).context["page_obj"]) == {hold, cancellation}


def test_the_notices_are_installed_in_the_company_language(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    Rule.objects.filter(system_key__startswith="order.").delete()

    install(Rule)

    rule = Rule.objects.get(system_key="order.shipped")
    assert rule.name == "货物发出：通知订单负责人"
    assert rule.actions[0]["body"] == "承运商：{carrier}。运单号：{tracking_number}。"


# --- changes to a confirmed order -----------------------------------------------------------------


def test_a_change_waits_for_each_level_then_tells_everyone_responsible_with_the_comparison(
    personas, staffed, committed
):
    rep, follower = personas["rep1"], personas["follower1"]
    approval_rule_create(
        actor=personas["admin"],
        name="Raised quantities",
        applies_to="order_change",
        conditions=[{"type": "quantity_raised"}],
        levels=[{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}],
    )
    order = order_submit(order=draft_order(rep, staffed[1]), actor=rep)
    (line,) = order.lines.all()
    # Raised by the order follower, so the owner hears of it too (nobody is told of what they did).
    change = change_request_create(
        order=order, actor=follower, reason="客户追加", lines=[{"line": line.pk, "quantity": Decimal("3")}]
    )
    Notification.objects.all().delete()

    with committed():
        change_request_submit(change=change, actor=follower)
    assert told() == {
        "manager1": [
            (
                "order.approval_needed",
                f"A change to order {order.number} ({order.customer}) waits for your approval",
                "Reason: 客户追加",
            )
        ]
    }
    Notification.objects.all().delete()
    with committed():
        change_request_approve(change=change, actor=personas["manager1"])
    assert list(told()) == ["boss1"]
    Notification.objects.all().delete()

    with committed():
        change_request_approve(change=change, actor=personas["boss1"], comment="同意")

    title = f"{heading(order)} changed: revision 2"
    assert told() == {
        "rep1": [("order.changed", title, "Reason: 客户追加")],
        "warehouse1": [("order.changed", title, "Reason: 客户追加")],
        "logistics1": [("order.changed", title, "Reason: 客户追加")],
        "finance1": [("order.changed", title, "Reason: 客户追加")],
    }
    compare = reverse("sales:order_revisions_compare", args=[order.pk]) + "?a=1&b=2"
    assert set(Notification.objects.filter(kind="order.changed").values_list("url", flat=True)) == {compare}


def test_an_order_handed_to_someone_else_tells_its_new_owner(personas, staffed, committed):
    order = draft_order(personas["rep1"], staffed[1])

    with committed():
        order_assign(order=order, actor=personas["manager1"], owner=personas["rep2"], reason="李娜休假")

    assert told() == {"rep2": [("order.assigned", f"{heading(order)} is now yours", "李娜休假")]}
