"""Payments and their allocations to invoices; the order closes when delivered and paid, in either order."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.finance.models import Invoice, Payment, PaymentAllocation
from gendan.finance.services import invoice_create, invoice_issue, payment_allocate, payment_record
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.services import shipment_deliver
from gendan.sales.models import Order
from tests.stages import order_at, order_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = timezone.localdate


@pytest.fixture
def issued(personas):
    """An issued invoice of 226.00 for rep1's shipped (not yet delivered) order."""
    order = order_at("shipped", personas)
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=personas["finance1"]), actor=personas["finance1"])
    return order, invoice


def pay(finance, customer, amount, allocations=(), **kwargs):
    return payment_record(
        actor=finance, customer=customer, amount=Decimal(amount), received_on=TODAY(), allocations=allocations, **kwargs
    )


def test_a_payment_without_allocations_is_recorded_unallocated(personas, issued):
    finance = personas["finance1"]
    order, _invoice = issued

    payment = pay(finance, order.customer, "500", method="wechat", reference="WX-1")

    payment.refresh_from_db()
    assert (payment.amount, payment.allocated_amount, payment.method, payment.reference) == (
        Decimal("500.00"),
        Decimal("0.00"),
        "wechat",
        "WX-1",
    )
    assert payment.number.startswith("PAY")
    event = Event.objects.get(verb="payment.received")
    assert (event.actor, event.data) == (finance, {"amount": "500.00", "method": "wechat"})


def test_a_partial_allocation_leaves_the_invoice_issued_and_the_order_partially_paid(personas, issued):
    # given
    finance = personas["finance1"]
    order, invoice = issued

    # when
    payment = pay(finance, order.customer, "100", [{"invoice": invoice, "amount": Decimal("100")}])

    # then
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.open_amount) == ("issued", Decimal("100"), Decimal("126"))
    assert Payment.objects.get(pk=payment.pk).allocated_amount == Decimal("100")
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status, order.status) == (Decimal("100"), "partially_paid", "shipped")
    event = Event.objects.get(verb="payment.allocated")
    assert (event.object_id, event.root_id, event.data) == (
        payment.pk,
        order.pk,
        {"invoice": invoice.pk, "amount": "100.00"},
    )


def test_paying_the_invoice_in_full_marks_it_paid(personas, issued):
    finance = personas["finance1"]
    order, invoice = issued

    pay(finance, order.customer, "300", [{"invoice": invoice, "amount": invoice.total}])

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == ("paid", Decimal("226.00"))
    assert Event.objects.get(verb="invoice.paid").changes == {"status": ["issued", "paid"]}
    order.refresh_from_db()
    assert (order.payment_status, order.status) == ("paid", "shipped")  # not delivered yet: stays open


def test_never_more_than_is_open_on_the_invoice(personas, issued):
    # given: 200 of 226 already paid
    finance = personas["finance1"]
    order, invoice = issued
    pay(finance, order.customer, "200", [{"invoice": invoice, "amount": Decimal("200")}])
    before = order_state(order)

    # when
    with pytest.raises(ApplicationError) as exc:
        pay(finance, order.customer, "50", [{"invoice": invoice, "amount": Decimal("26.01")}])

    # then: the whole payment is refused, not recorded without its allocation
    assert (exc.value.code, exc.value.extra) == (
        ErrorCode.OVER_AMOUNT,
        {"invoice": invoice.pk, "open_amount": "26.00"},
    )
    assert order_state(order) == before
    assert Invoice.objects.get().amount_paid == Decimal("200")


def test_never_more_than_the_payment(personas, issued):
    finance = personas["finance1"]
    order, invoice = issued
    before = order_state(order)

    with pytest.raises(ValidationError) as exc:
        pay(finance, order.customer, "100", [{"invoice": invoice, "amount": Decimal("100.01")}])

    assert exc.value.message_dict == {
        "allocations": ["The allocations (100.01) exceed what is left of the payment (100.00)."]
    }
    assert order_state(order) == before


def test_what_is_left_of_a_payment_is_allocated_later(personas, issued):
    # given: 300 received, 200 allocated
    finance = personas["finance1"]
    order, invoice = issued
    payment = pay(finance, order.customer, "300", [{"invoice": invoice, "amount": Decimal("200")}])

    # when / then: the 100 left can cover the invoice's last 26, not more than is left
    with pytest.raises(ApplicationError) as exc:
        payment_allocate(payment=payment, actor=finance, allocations=[{"invoice": invoice, "amount": Decimal("27")}])
    assert exc.value.code == ErrorCode.OVER_AMOUNT

    payment_allocate(payment=payment, actor=finance, allocations=[{"invoice": invoice, "amount": Decimal("26")}])
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.allocated_amount, invoice.status) == (Decimal("226"), "paid")
    assert list(PaymentAllocation.objects.filter(payment=payment).values_list("invoice", "amount")) == [
        (invoice.pk, Decimal("226.00"))
    ]

    with pytest.raises(ValidationError) as exc:
        payment_allocate(payment=payment, actor=finance, allocations=[])
    assert exc.value.message_dict == {"allocations": ["Add at least one invoice."]}


def test_only_the_customers_issued_invoices_take_payments(personas, issued):
    # given: another customer's issued invoice, and a draft invoice of this customer
    finance = personas["finance1"]
    order, invoice = issued
    other_order = order_at("shipped", personas)
    others = invoice_issue(invoice=invoice_create(order=other_order, actor=finance), actor=finance)
    draft_order_shipped = order_at("shipped", personas)
    Order.objects.filter(pk=draft_order_shipped.pk).update(customer=order.customer)
    draft = invoice_create(order=draft_order_shipped, actor=finance)
    assert draft.customer_id == order.customer_id and draft.status == "draft"
    before = order_state(order)

    # when
    with pytest.raises(ValidationError) as exc:
        pay(
            finance,
            order.customer,
            "1000",
            [
                {"invoice": invoice, "amount": Decimal("1")},
                {"invoice": others, "amount": Decimal("1")},
                {"invoice": draft, "amount": Decimal("1")},
                {"invoice": invoice, "amount": Decimal("0")},
            ],
        )

    # then
    assert exc.value.message_dict == {
        "allocations.1.invoice": ["Choose an invoice of this customer."],
        "allocations.2.invoice": [f"Invoice {draft.number} is Draft; only issued invoices take payments."],
        "allocations.3.amount": ["Enter an amount above zero."],
    }
    assert order_state(order) == before


def test_a_paid_invoice_takes_no_more(personas, issued):
    finance = personas["finance1"]
    order, invoice = issued
    pay(finance, order.customer, "226", [{"invoice": invoice, "amount": Decimal("226")}])

    with pytest.raises(ValidationError) as exc:
        pay(finance, order.customer, "1", [{"invoice": invoice, "amount": Decimal("1")}])

    assert list(exc.value.message_dict) == ["allocations.0.invoice"]


def test_an_invoice_may_appear_once_per_payment(personas, issued):
    order, invoice = issued

    with pytest.raises(ValidationError) as exc:
        pay(personas["finance1"], order.customer, "100", [{"invoice": invoice, "amount": Decimal("10")}] * 2)

    assert exc.value.message_dict == {"allocations": ["Each invoice may appear once."]}
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("amount", [None, "0", "-5"])
def test_a_payment_needs_an_amount_above_zero(personas, issued, amount):
    with pytest.raises(ValidationError) as exc:
        payment_record(
            actor=personas["finance1"],
            customer=issued[0].customer,
            amount=None if amount is None else Decimal(amount),
            received_on=TODAY(),
        )

    assert exc.value.message_dict == {"amount": ["Enter an amount above zero."]}
    assert Payment.objects.count() == 0


def test_a_payment_needs_a_known_method_and_a_date(personas, issued):
    with pytest.raises(ValidationError) as exc:
        payment_record(
            actor=personas["finance1"], customer=issued[0].customer, amount=1, received_on=None, method="gold"
        )

    assert set(exc.value.message_dict) == {"method", "received_on"}
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("who", ["rep1", "manager1", "warehouse1"])
def test_only_finance_records_payments(personas, issued, who):
    with pytest.raises(ApplicationError) as exc:
        pay(personas[who], issued[0].customer, "10")

    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"permission": "finance.add_payment"})
    assert Payment.objects.count() == 0


def test_paid_first_then_delivered_closes_the_order(personas, issued):
    # given: paid in full while still on the road
    finance = personas["finance1"]
    order, invoice = issued
    pay(finance, order.customer, "226", [{"invoice": invoice, "amount": Decimal("226")}])
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("shipped", "paid")

    # when
    shipment_deliver(shipment=Shipment.objects.get(order=order), actor=personas["logistics1"], signed_by="王经理")

    # then
    order.refresh_from_db()
    assert (order.status, order.delivery_status, order.billing_status, order.payment_status) == (
        "closed",
        "delivered",
        "invoiced",
        "paid",
    )
    assert order.closed_at is not None
    assert list(
        Event.objects.filter(object_id=order.pk, verb__in=["order.delivered", "order.closed"])
        .order_by("id")
        .values_list("verb", "actor")
    ) == [
        ("order.delivered", personas["logistics1"].pk),
        ("order.closed", personas["logistics1"].pk),
    ]


def test_delivered_first_then_paid_closes_the_order(personas):
    # given
    finance = personas["finance1"]
    order = order_at("delivered", personas)
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)
    order.refresh_from_db()
    assert (order.status, order.billing_status, order.payment_status) == ("delivered", "invoiced", "unpaid")

    # when: two instalments
    pay(finance, order.customer, "100", [{"invoice": invoice, "amount": Decimal("100")}])
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("delivered", "partially_paid")
    pay(finance, order.customer, "126", [{"invoice": invoice, "amount": Decimal("126")}])

    # then
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.amount_paid) == ("closed", "paid", Decimal("226.00"))
    closed = Event.objects.get(verb="order.closed")
    assert (closed.object_id, closed.actor, closed.changes) == (order.pk, finance, {"status": ["delivered", "closed"]})


def test_a_paid_but_partly_invoiced_order_is_not_paid(personas):
    # given: delivered, but only one of two units invoiced and that invoice paid
    finance = personas["finance1"]
    order = order_at("delivered", personas)
    line = order.lines.get()
    invoice = invoice_issue(
        invoice=invoice_create(order=order, actor=finance, lines=[{"order_line": line, "quantity": 1}]), actor=finance
    )

    # when
    pay(finance, order.customer, invoice.total, [{"invoice": invoice, "amount": invoice.total}])

    # then
    order.refresh_from_db()
    assert (order.status, order.billing_status, order.payment_status) == (
        "delivered",
        "partially_invoiced",
        "partially_paid",
    )


def test_cents_add_up_exactly_whatever_the_database_does_with_decimals(personas, issued):
    """0.10 + 0.20 is not 0.30 in binary floating point, where SQLite keeps such numbers."""
    finance = personas["finance1"]
    order, invoice = issued

    for amount in ("0.10", "0.20"):
        pay(finance, order.customer, amount, [{"invoice": invoice, "amount": Decimal(amount)}])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.open_amount) == ("issued", Decimal("0.30"), Decimal("225.70"))

    pay(finance, order.customer, "225.70", [{"invoice": invoice, "amount": Decimal("225.70")}])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == ("paid", Decimal("226.00"))

    with pytest.raises(ValidationError):
        pay(finance, order.customer, "0.01", [{"invoice": invoice, "amount": Decimal("0.01")}])
