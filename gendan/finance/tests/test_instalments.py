"""Instalment plans (FIN-2): an order's total in shares that fall due some days after its steps, paid by deposits
recorded for the order and by its invoices' payments, earliest instalment first; reminded like invoices."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from gendan.automation.models import CustomerMessage, Rule, Task
from gendan.automation.rules.scanning import scan_due_checks
from gendan.automation.shipped_rules import install
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Customer
from gendan.finance.models import Instalment, Invoice, Payment
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.finance.services_instalments import order_instalments_set
from gendan.finance.services_refunds import payment_refund
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.services import shipment_create, shipment_deliver, shipment_ship
from gendan.sales.models import ApprovalRequest, Order
from gendan.sales.services import order_cancel, order_submit, order_update
from gendan.sales.services_credit import credit_override_approve, credit_override_request
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

THIRTY_SEVENTY = [
    {"percent": Decimal("30"), "basis": "confirmation", "days": 0},
    {"percent": Decimal("70"), "basis": "delivery", "days": 30},
]


@pytest.fixture
def planned(personas):
    """A draft order of rep1's (two units at 100 plus 13 % tax: 226.00) on 30 % at confirmation, 70 % 30 days after
    delivery."""
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products, ["2"])
    order_instalments_set(order=order, actor=personas["rep1"], instalments=THIRTY_SEVENTY)
    return Order.objects.get(pk=order.pk)


def plan(order):
    return list(Instalment.objects.filter(order=order).order_by("position"))


def figures(order):
    return [(row.amount, row.due_date, row.paid_amount, row.status) for row in plan(order)]


def deliver(order, personas):
    clerk = personas["warehouse1"]
    shipment = shipment_create(order=order, actor=clerk)
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    shipment_deliver(shipment=Shipment.objects.get(pk=shipment.pk), actor=clerk, signed_by="王经理")
    return Order.objects.get(pk=order.pk)


def test_the_shares_fall_due_when_their_step_happens(personas, planned):
    today = timezone.localdate()
    assert planned.total == Decimal("226.00")
    assert figures(planned) == [
        (Decimal("67.80"), None, Decimal("0"), "open"),
        (Decimal("158.20"), None, Decimal("0"), "open"),
    ]

    confirmed = order_submit(order=planned, actor=personas["rep1"])
    assert [row.due_date for row in plan(confirmed)] == [today, None]

    # The deposit is paid: the order may ship.
    payment_record(
        actor=personas["finance1"], customer=planned.customer, amount=Decimal("67.80"), received_on=today, order=planned
    )
    deliver(confirmed, personas)
    assert [row.due_date for row in plan(confirmed)] == [today, today + datetime.timedelta(days=30)]
    scheduled = Event.objects.filter(verb="instalment.scheduled", root_id=planned.pk)
    assert scheduled.count() == 2


def test_a_deposit_pays_the_first_instalment_and_the_invoice_uses_it_when_issued(personas, planned):
    finance, today = personas["finance1"], timezone.localdate()
    order = order_submit(order=planned, actor=personas["rep1"])

    deposit = payment_record(
        actor=finance, customer=order.customer, amount=Decimal("67.80"), received_on=today, order=order
    )

    assert deposit.unallocated_amount == Decimal("67.80")
    assert [row.status for row in plan(order)] == ["paid", "open"]
    assert Event.objects.filter(verb="instalment.paid", root_id=order.pk).count() == 1

    order = deliver(order, personas)
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)

    # The deposit paid the invoice as it was issued; what is left of the order is the second instalment.
    assert (invoice.amount_paid, invoice.open_amount) == (Decimal("67.80"), Decimal("158.20"))
    assert Payment.objects.get(pk=deposit.pk).unallocated_amount == Decimal("0.00")
    assert figures(order)[0][2:] == (Decimal("67.80"), "paid")
    assert figures(order)[1][2:] == (Decimal("0"), "open")

    payment_record(
        actor=finance,
        customer=order.customer,
        amount=Decimal("158.20"),
        received_on=today,
        allocations=[{"invoice": invoice, "amount": Decimal("158.20")}],
    )
    assert [row.status for row in plan(order)] == ["paid", "paid"]
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"


def test_a_refunded_deposit_opens_its_instalment_again(personas, planned):
    finance, today = personas["finance1"], timezone.localdate()
    order = order_submit(order=planned, actor=personas["rep1"])
    deposit = payment_record(
        actor=finance, customer=order.customer, amount=Decimal("100.00"), received_on=today, order=order
    )
    assert [(row.paid_amount, row.status) for row in plan(order)] == [
        (Decimal("67.80"), "paid"),
        (Decimal("32.20"), "open"),
    ]

    payment_refund(payment=deposit, actor=finance, amount=Decimal("50.00"), refunded_on=today, reason="客户多付")

    assert [(row.paid_amount, row.status) for row in plan(order)] == [
        (Decimal("50.00"), "open"),
        (Decimal("0.00"), "open"),
    ]
    assert Event.objects.filter(verb="instalment.reopened", root_id=order.pk).count() == 1


def test_the_shares_follow_the_order_total(personas, planned):
    _warehouse, products = stocked_products(1)
    order_update(
        order=planned,
        actor=personas["rep1"],
        lines=[{"product": planned.lines.get().product, "quantity": Decimal("3")}],
    )
    assert [row.amount for row in plan(planned)] == [Decimal("101.70"), Decimal("237.30")]


def test_a_plan_must_add_up_to_100_and_name_each_step_with_nothing_written_otherwise(personas, planned):
    rep = personas["rep1"]
    with pytest.raises(ValidationError) as refused:
        order_instalments_set(
            order=planned,
            actor=rep,
            instalments=[{"percent": "30", "basis": "confirmation"}, {"percent": "60", "basis": "delivery"}],
        )
    assert refused.value.message_dict == {"instalments": ["The shares add up to 90.00%; they must add up to 100%."]}
    with pytest.raises(ValidationError) as refused:
        order_instalments_set(
            order=planned,
            actor=rep,
            instalments=[
                {"percent": "130", "basis": "confirmation"},
                {"percent": "70", "basis": "someday", "days": -1},
            ],
        )
    assert set(refused.value.message_dict) == {"instalments.0.percent", "instalments.1.basis", "instalments.1.days"}
    assert len(plan(planned)) == 2

    with pytest.raises(ApplicationError) as denied:
        order_instalments_set(order=planned, actor=personas["warehouse1"], instalments=[])
    assert denied.value.code == ErrorCode.PERMISSION_DENIED

    cancelled = order_cancel(order=planned, actor=rep, reason="客户取消")
    with pytest.raises(ApplicationError) as closed:
        order_instalments_set(order=cancelled, actor=rep, instalments=[])
    assert closed.value.code == ErrorCode.NOT_EDITABLE

    # An empty plan removes it.
    _warehouse, products = stocked_products(1)
    other = draft_order(rep, products)
    order_instalments_set(order=other, actor=rep, instalments=THIRTY_SEVENTY)
    assert order_instalments_set(order=other, actor=rep, instalments=[]) == []
    assert not Instalment.objects.filter(order=other).exists()


def test_a_deposit_is_for_an_order_of_the_same_customer(personas, planned):
    _warehouse, products = stocked_products(1)
    other_customer_order = draft_order(personas["rep1"], products)
    with pytest.raises(ValidationError) as refused:
        payment_record(
            actor=personas["finance1"],
            customer=other_customer_order.customer,
            amount=Decimal("10"),
            received_on=timezone.localdate(),
            order=planned,
        )
    assert list(refused.value.message_dict) == ["order"]
    assert not Payment.objects.exists()


def test_the_api_reads_and_replaces_the_plan(personas, planned):
    rep_api = api_as(personas["rep1"])
    url = f"/api/v1/orders/{planned.pk}/instalments/"

    read = rep_api.get(url)
    assert read.status_code == 200
    assert read.json()["plan"] == "30% on the order's confirmation, 70% 30 days after delivery"
    assert [(row["position"], row["amount"], row["status"]) for row in read.json()["instalments"]] == [
        (1, "67.80", "open"),
        (2, "158.20", "open"),
    ]

    bad = rep_api.put(url, {"instalments": [{"percent": "50", "basis": "invoice", "days": 10}]}, format="json")
    assert bad.status_code == 400
    assert "instalments" in bad.json()
    bad_row = rep_api.put(url, {"instalments": [{"percent": "100", "basis": "never"}]}, format="json")
    assert bad_row.status_code == 400

    replaced = rep_api.put(
        url,
        {
            "instalments": [
                {"percent": "50", "basis": "invoice", "days": 10},
                {"percent": "50", "basis": "invoice", "days": 40},
            ]
        },
        format="json",
    )
    assert replaced.status_code == 200
    assert [row["days"] for row in replaced.json()["instalments"]] == [10, 40]
    assert api_as(personas["warehouse1"]).put(url, {"instalments": []}, format="json").status_code == 403
    assert api_as(personas["rep2"]).get(url).status_code == 404

    deposit = api_as(personas["finance1"]).post(
        "/api/v1/payments/",
        {
            "customer": planned.customer_id,
            "amount": "30.00",
            "received_on": str(timezone.localdate()),
            "order": planned.pk,
        },
        format="json",
    )
    assert deposit.status_code == 201
    assert deposit.json()["order"] == planned.pk


def test_the_order_page_shows_the_plan_and_sets_it(client, personas, planned):
    client.force_login(personas["rep1"])
    page = client.get(reverse("sales:order_detail", args=[planned.pk])).content.decode()
    assert 'data-testid="instalments"' in page and "67.80" in page and "30 days after delivery" in page
    assert 'data-testid="deposit"' not in page
    payment_record(
        actor=personas["finance1"],
        customer=planned.customer,
        amount=Decimal("50"),
        received_on=timezone.localdate(),
        order=planned,
    )
    page = client.get(reverse("sales:order_detail", args=[planned.pk])).content.decode()
    assert 'data-testid="deposit"' in page and "Deposit, not yet used" in page

    refused = client.post(
        reverse("finance:order_instalments", args=[planned.pk]),
        {"instalment-0-percent": "40", "instalment-0-basis": "confirmation", "instalment-0-days": "0"},
    )
    assert refused.status_code == 200
    assert "they must add up to 100%" in refused.content.decode()

    saved = client.post(
        reverse("finance:order_instalments", args=[planned.pk]),
        {
            "instalment-0-percent": "40",
            "instalment-0-basis": "confirmation",
            "instalment-0-days": "5",
            "instalment-1-percent": "60",
            "instalment-1-basis": "invoice",
            "instalment-1-days": "30",
        },
    )
    assert saved.status_code == 302
    assert [(row.percent, row.basis, row.days) for row in plan(planned)] == [
        (Decimal("40.00"), "confirmation", 5),
        (Decimal("60.00"), "invoice", 30),
    ]
    change = Event.objects.filter(verb="order.payment_plan_set", object_id=planned.pk).order_by("-pk").first()
    assert change.data["note"] == "40% 5 days after the order's confirmation, 60% 30 days after the first invoice"


def test_an_overdue_instalment_gives_finance_a_task_and_e_mails_the_customer(
    personas, planned, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    Rule.objects.exclude(system_key="").delete()
    install(Rule)
    Customer.objects.filter(pk=planned.customer_id).update(email="ap@customer.example")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_submit(order=planned, actor=personas["rep1"])
    due = plan(order)[0].due_date

    later = timezone.make_aware(datetime.datetime.combine(due + datetime.timedelta(days=2), datetime.time(10)))
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        scan_due_checks()

    assert Task.objects.filter(title__startswith=f"Collect instalment {order.number}-1").exists()
    [message] = CustomerMessage.objects.filter(subject=f"Instalment {order.number}-1 is overdue")
    assert message.recipients == ["ap@customer.example"]
    assert "CNY 67.80" in message.body
    assert any(m.subject == message.subject for m in mail.outbox)


def test_an_invoice_of_a_planned_order_falls_due_by_the_plan(personas, planned):
    finance, today = personas["finance1"], timezone.localdate()
    order_instalments_set(
        order=planned,
        actor=personas["rep1"],
        instalments=[
            {"percent": Decimal("30"), "basis": "confirmation", "days": 0},
            {"percent": Decimal("70"), "basis": "delivery", "days": 50},
        ],
    )
    order = order_submit(order=planned, actor=personas["rep1"])
    payment_record(actor=finance, customer=order.customer, amount=Decimal("67.80"), received_on=today, order=order)
    order = deliver(order, personas)

    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)

    # Not the order's terms (30 days): the open instalment's date, 50 days after delivery.
    assert order.payment_terms_days != 50
    assert invoice.due_date == today + datetime.timedelta(days=50)


def test_an_instalment_counted_from_the_first_invoice_sets_that_invoice_due_date(personas):
    finance, rep = personas["finance1"], personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)
    order_instalments_set(order=order, actor=rep, instalments=[{"percent": "100", "basis": "invoice", "days": 20}])
    order = deliver(order_submit(order=order, actor=rep), personas)

    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)

    assert invoice.due_date == timezone.localdate() + datetime.timedelta(days=20)
    assert [row.due_date for row in plan(order)] == [invoice.due_date]


def test_an_order_whose_deposit_is_due_unpaid_does_not_ship_until_it_is_paid_or_an_override(client, personas):
    rep, clerk, finance, manager = personas["rep1"], personas["warehouse1"], personas["finance1"], personas["manager1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products, ["2"])
    order_instalments_set(order=order, actor=rep, instalments=THIRTY_SEVENTY)
    order = order_submit(order=order, actor=rep)
    shipment = shipment_create(order=order, actor=clerk)

    with pytest.raises(ApplicationError) as held:
        shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    assert held.value.code == ErrorCode.DEPOSIT_UNPAID
    assert (held.value.extra["instalment"], held.value.extra["open_amount"]) == (f"{order.number}-1", "67.80")
    assert Shipment.objects.get(pk=shipment.pk).status == "pending"
    response = api_as(clerk).post(f"/api/v1/shipments/{shipment.pk}/ship/", COURIER, format="json")
    assert response.status_code == 409 and response.json()["code"] == "deposit_unpaid"
    client.force_login(rep)
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="deposit-alert"' in page and 'data-testid="credit-override-form"' in page

    # An approved override lets it go, on the record.
    override = credit_override_request(order=order, actor=rep, reason="老客户，定金明天到账")
    assert ApprovalRequest.objects.get(credit_override=override).reasons[0]["code"] == "deposit_unpaid"
    credit_override_approve(override=override, actor=manager)
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    used = Event.objects.get(verb="order.credit_override_used", object_id=order.pk)
    assert used.data["deposit_unpaid"]["instalment"] == f"{order.number}-1"

    # Paid, the deposit holds nothing: the next order of the same plan ships once its deposit is in.
    second = order_submit(order=draft_order(rep, products, ["1"]), actor=rep)
    order_instalments_set(order=second, actor=rep, instalments=THIRTY_SEVENTY)
    payment_record(
        actor=finance,
        customer=second.customer,
        amount=plan(second)[0].amount,
        received_on=timezone.localdate(),
        order=second,
    )
    shipment_ship(shipment=shipment_create(order=second, actor=clerk), actor=clerk, **COURIER)
    assert Order.objects.get(pk=second.pk).status == "shipped"
