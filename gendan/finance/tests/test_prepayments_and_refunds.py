"""Payments (FIN-2): money put against the oldest open invoices first, prepayments that stay unallocated until used,
and refunds of what a payment left unallocated — never more than is left."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.finance.models import Invoice, Payment, Refund
from gendan.finance.services import invoice_create, invoice_issue, payment_allocate, payment_record
from gendan.finance.services_refunds import payment_refund
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def three_invoices(personas):
    """Three issued invoices of 113.00 of one customer, due in 10, 5 and 20 days."""
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    customer = customer_ready_to_order(rep)
    _warehouse, products = stocked_products(1)
    invoices = []
    for days in (10, 5, 20):
        order = order_submit(order=draft_order(rep, products, customer=customer), actor=rep)
        shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
        invoices.append(
            invoice_issue(
                invoice=invoice_create(order=order, actor=finance),
                actor=finance,
                due_date=timezone.localdate() + datetime.timedelta(days=days),
            )
        )
    return customer, invoices


def paid(invoice):
    return Invoice.objects.get(pk=invoice.pk).amount_paid


def test_a_payment_goes_to_the_earliest_due_invoices_first_and_the_rest_stays_on_account(personas, three_invoices):
    finance = personas["finance1"]
    customer, (due_10, due_5, due_20) = three_invoices

    payment = payment_record(
        actor=finance, customer=customer, amount=Decimal("200.00"), received_on=timezone.localdate(), oldest_first=True
    )

    assert (paid(due_5), paid(due_10), paid(due_20)) == (Decimal("113.00"), Decimal("87.00"), Decimal("0.00"))
    assert Invoice.objects.get(pk=due_5.pk).status == "paid"
    assert payment.allocated_amount == Decimal("200.00")

    # A prepayment: more than is open stays unallocated until used.
    prepaid = payment_record(
        actor=finance, customer=customer, amount=Decimal("500.00"), received_on=timezone.localdate(), oldest_first=True
    )
    prepaid.refresh_from_db()
    assert (prepaid.allocated_amount, prepaid.unallocated_amount) == (Decimal("139.00"), Decimal("361.00"))
    assert Invoice.objects.filter(customer=customer, status="paid").count() == 3

    with pytest.raises(ValidationError) as nothing_open:
        payment_allocate(payment=prepaid, actor=finance, oldest_first=True)
    assert "allocations" in nothing_open.value.message_dict
    with pytest.raises(ValidationError) as both:
        payment_record(
            actor=finance,
            customer=customer,
            amount=Decimal("1.00"),
            received_on=timezone.localdate(),
            oldest_first=True,
            allocations=[{"invoice": due_20, "amount": Decimal("1.00")}],
        )
    assert "allocations" in both.value.message_dict


def test_an_earlier_prepayment_is_used_on_a_later_invoice_oldest_first(personas, three_invoices):
    finance = personas["finance1"]
    customer, (due_10, due_5, due_20) = three_invoices
    prepayment = payment_record(
        actor=finance, customer=customer, amount=Decimal("150.00"), received_on=timezone.localdate()
    )
    assert prepayment.allocated_amount == 0

    payment_allocate(payment=prepayment, actor=finance, oldest_first=True)

    assert (paid(due_5), paid(due_10), paid(due_20)) == (Decimal("113.00"), Decimal("37.00"), Decimal("0.00"))
    assert Payment.objects.get(pk=prepayment.pk).unallocated_amount == 0


def test_a_refund_pays_back_what_is_left_never_more_and_leaves_nothing_half_written(personas, three_invoices):
    finance = personas["finance1"]
    customer, (due_10, _due_5, _due_20) = three_invoices
    payment = payment_record(
        actor=finance,
        customer=customer,
        amount=Decimal("150.00"),
        received_on=timezone.localdate(),
        allocations=[{"invoice": due_10, "amount": Decimal("113.00")}],
    )

    with pytest.raises(ApplicationError) as over:
        payment_refund(
            payment=payment, actor=finance, amount=Decimal("37.01"), refunded_on=timezone.localdate(), reason="多付"
        )
    assert over.value.code == ErrorCode.OVER_AMOUNT and over.value.extra["unallocated_amount"] == "37.00"
    with pytest.raises(ValidationError) as bad:
        payment_refund(payment=payment, actor=finance, amount=Decimal("0"), refunded_on=None, reason="")
    assert set(bad.value.message_dict) == {"amount", "refunded_on", "reason"}
    with pytest.raises(ValidationError) as early:
        payment_refund(
            payment=payment,
            actor=finance,
            amount=Decimal("1"),
            refunded_on=timezone.localdate() - datetime.timedelta(days=1),
            reason="多付",
        )
    assert "refunded_on" in early.value.message_dict
    assert not Refund.objects.exists()

    refund = payment_refund(
        payment=payment, actor=finance, amount=Decimal("37.00"), refunded_on=timezone.localdate(), reason="客户多付"
    )

    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.unallocated_amount, refund.method) == (
        Decimal("37.00"),
        Decimal("0.00"),
        "bank_transfer",
    )
    assert Event.objects.filter(verb="payment.refunded", object_id=payment.pk).exists()
    # Nothing left: neither another allocation nor another refund.
    with pytest.raises(ValidationError):
        payment_allocate(payment=payment, actor=finance, allocations=[{"invoice": _due_5, "amount": Decimal("1")}])
    with pytest.raises(ApplicationError):
        payment_refund(
            payment=payment, actor=finance, amount=Decimal("1"), refunded_on=timezone.localdate(), reason="x"
        )


def test_the_api_allocates_oldest_first_and_refunds(personas, three_invoices):
    customer, (due_10, due_5, _due_20) = three_invoices
    api = api_as(personas["finance1"])

    created = api.post(
        "/api/v1/payments/",
        {"customer": customer.pk, "amount": "300.00", "received_on": str(timezone.localdate()), "oldest_first": True},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [row["invoice"] for row in body["allocations"]] == sorted([due_5.pk, due_10.pk, _due_20.pk])
    assert (body["allocated_amount"], body["unallocated_amount"]) == ("300.00", "0.00")

    extra = api.post(
        "/api/v1/payments/",
        {"customer": customer.pk, "amount": "100.00", "received_on": str(timezone.localdate())},
        format="json",
    ).json()
    allocated = api.post(f"/api/v1/payments/{extra['id']}/allocate/", {"oldest_first": True}, format="json")
    assert allocated.status_code == 200 and allocated.json()["unallocated_amount"] == "61.00"

    refund = api.post(
        f"/api/v1/payments/{extra['id']}/refund/",
        {"amount": "61.00", "refunded_on": str(timezone.localdate()), "reason": "退回多付款"},
        format="json",
    )
    assert refund.status_code == 201, refund.json()
    assert refund.json()["number"].startswith("RF")
    again = api.post(
        f"/api/v1/payments/{extra['id']}/refund/",
        {"amount": "1.00", "refunded_on": str(timezone.localdate()), "reason": "again"},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "over_amount"
    assert api.post(f"/api/v1/payments/{extra['id']}/refund/", {}, format="json").json().keys() == {
        "amount",
        "refunded_on",
        "reason",
    }
    shown = api.get(f"/api/v1/payments/{extra['id']}/").json()
    assert (shown["refunded_amount"], [r["amount"] for r in shown["refunds"]]) == ("61.00", ["61.00"])
    assert api_as(personas["rep1"]).post(
        f"/api/v1/payments/{extra['id']}/refund/",
        {"amount": "1.00", "refunded_on": str(timezone.localdate()), "reason": "x"},
        format="json",
    ).status_code in (403, 404)


def test_finance_allocates_or_refunds_from_the_to_allocate_worklist(client, personas, three_invoices):
    finance = personas["finance1"]
    customer, (due_10, due_5, _due_20) = three_invoices
    first = payment_record(actor=finance, customer=customer, amount=Decimal("120.00"), received_on=timezone.localdate())
    second = payment_record(actor=finance, customer=customer, amount=Decimal("50.00"), received_on=timezone.localdate())
    client.force_login(finance)

    listing = client.get(reverse("finance:unallocated_payments")).content.decode()
    assert listing.count('data-testid="settle-payment"') == 2

    url = reverse("finance:unallocated_payment", args=[first.pk])
    assert client.post(url, {"oldest_first": "1"}).status_code == 302
    assert (paid(due_5), paid(due_10)) == (Decimal("113.00"), Decimal("7.00"))

    url = reverse("finance:unallocated_payment", args=[second.pk])
    response = client.post(
        url,
        {
            "refund": "1",
            "refund-amount": "60.00",
            "refund-refunded_on": str(timezone.localdate()),
            "refund-method": "cash",
            "refund-reason": "退款",
        },
    )
    assert response.status_code == 200 and "cannot be refunded" in response.content.decode()
    response = client.post(
        url,
        {
            "refund": "1",
            "refund-amount": "50.00",
            "refund-refunded_on": str(timezone.localdate()),
            "refund-method": "cash",
            "refund-reason": "退款",
        },
    )
    assert response.status_code == 302
    assert Payment.objects.get(pk=second.pk).refunded_amount == Decimal("50.00")
    listing = client.get(reverse("finance:unallocated_payments")).content.decode()
    assert listing.count('data-testid="settle-payment"') == 0
