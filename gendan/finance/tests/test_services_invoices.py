"""Invoices: only shipped and not yet invoiced quantities, tax math, issuing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.finance.models import Invoice, InvoiceLine
from gendan.finance.services import invoice_create, invoice_issue
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import Order
from gendan.sales.services import order_create, order_submit
from tests.backbone import COURIER, stocked_products
from tests.factories import customer_ready_to_order
from tests.stages import order_at, order_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def shipped_in_part(personas):
    """rep1's order for 10 × 33.33 at 5% off and 3 × 100, of which 4 and 3 shipped; 13% tax."""
    rep, clerk = personas["rep1"], personas["warehouse1"]
    _warehouse, (first_product, second_product) = stocked_products(2, floor_price=Decimal("20"))
    customer = customer_ready_to_order(rep)
    order = order_create(
        actor=rep,
        customer=customer,
        contact=customer.contacts.first(),
        shipping_address=customer.addresses.first(),
        lines=[
            {"product": first_product, "quantity": 10, "unit_price": Decimal("33.33"), "discount_percent": 5},
            {"product": second_product, "quantity": 3},
        ],
    )
    order = order_submit(order=order, actor=rep)
    first, second = order.lines.order_by("position")
    shipment = shipment_create(
        order=order,
        actor=clerk,
        lines=[{"order_line": first, "quantity": Decimal("4")}, {"order_line": second, "quantity": Decimal("3")}],
    )
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    order.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    return order, first, second


def test_an_invoice_without_lines_takes_everything_shipped_and_not_invoiced(personas, shipped_in_part):
    # given
    finance = personas["finance1"]
    order, first, second = shipped_in_part

    # when
    invoice = invoice_create(order=order, actor=finance)

    # then: 4 × 33.33 × 0.95 = 126.654 → 126.65; 3 × 100 = 300; 13% of 426.65 = 55.4645 → 55.46
    assert list(invoice.lines.order_by("order_line__position").values_list("order_line", "quantity", "amount")) == [
        (first.pk, Decimal("4"), Decimal("126.65")),
        (second.pk, Decimal("3"), Decimal("300.00")),
    ]
    assert (invoice.subtotal, invoice.tax_rate, invoice.tax_amount, invoice.total) == (
        Decimal("426.65"),
        Decimal("13.00"),
        Decimal("55.46"),
        Decimal("482.11"),
    )
    assert (invoice.status, invoice.customer_id, invoice.created_by) == ("draft", order.customer_id, finance)
    assert invoice.number.startswith("INV")
    order.refresh_from_db()
    assert [ln.invoiced_quantity for ln in order.lines.all()] == [Decimal("4"), Decimal("3")]
    assert (order.amount_invoiced, order.billing_status, order.payment_status) == (
        Decimal("482.11"),
        "partially_invoiced",
        "unpaid",
    )
    event = Event.objects.get(verb="invoice.created")
    assert (event.object_id, event.root_id, event.actor, event.data) == (
        invoice.pk,
        order.pk,
        finance,
        {"total": "482.11"},
    )


def test_a_partial_invoice_then_the_rest_and_never_twice(personas, shipped_in_part):
    # given
    finance = personas["finance1"]
    order, first, second = shipped_in_part
    invoice_create(order=order, actor=finance, lines=[{"order_line": first, "quantity": Decimal("1")}])

    # when: the rest of what shipped
    rest = invoice_create(order=order, actor=finance)

    # then
    assert sorted(rest.lines.values_list("order_line", "quantity")) == [
        (first.pk, Decimal("3")),
        (second.pk, Decimal("3")),
    ]
    before = order_state(order)
    with pytest.raises(ApplicationError) as exc:
        invoice_create(order=order, actor=finance)
    assert exc.value.code == ErrorCode.OVER_QUANTITY
    with pytest.raises(ValidationError) as exc:
        invoice_create(order=order, actor=finance, lines=[{"order_line": second, "quantity": Decimal("1")}])
    assert exc.value.message_dict == {"lines.0.quantity": ["Only 0 shipped and not yet invoiced on this line."]}
    assert order_state(order) == before


def test_never_more_than_shipped_and_not_yet_invoiced(personas, shipped_in_part):
    order, first, _second = shipped_in_part
    before = order_state(order)

    with pytest.raises(ValidationError) as exc:
        invoice_create(order=order, actor=personas["finance1"], lines=[{"order_line": first, "quantity": Decimal("5")}])

    assert exc.value.message_dict == {"lines.0.quantity": ["Only 4 shipped and not yet invoiced on this line."]}
    assert order_state(order) == before


def test_bad_rows_are_refused_per_row(personas, shipped_in_part):
    order, first, second = shipped_in_part
    foreign = order_at("shipped", personas).lines.get()
    before = order_state(order)

    with pytest.raises(ValidationError) as exc:
        invoice_create(
            order=order,
            actor=personas["finance1"],
            lines=[
                {"order_line": foreign, "quantity": Decimal("1")},
                {"order_line": first, "quantity": Decimal("-1")},
                {"order_line": second, "quantity": Decimal("1")},
            ],
        )

    assert exc.value.message_dict == {
        "lines.0.order_line": ["Not a line of this order."],
        "lines.1.quantity": ["Enter a quantity above zero."],
    }
    assert order_state(order) == before


def test_a_line_may_appear_once_and_an_empty_list_is_refused(personas, shipped_in_part):
    order, first, _second = shipped_in_part
    finance = personas["finance1"]

    with pytest.raises(ValidationError) as exc:
        invoice_create(order=order, actor=finance, lines=[{"order_line": first, "quantity": 1}] * 2)
    assert exc.value.message_dict == {"lines": ["Each order line may appear once."]}
    with pytest.raises(ValidationError) as exc:
        invoice_create(order=order, actor=finance, lines=[])
    assert exc.value.message_dict == {"lines": ["Add at least one line."]}
    assert Invoice.objects.count() == InvoiceLine.objects.count() == 0


@pytest.mark.parametrize("status", ["draft", "confirmed", "cancelled"])
def test_nothing_shipped_nothing_to_invoice(personas, status):
    order = order_at(status, personas)
    before = order_state(order)

    with pytest.raises(ApplicationError) as exc:
        invoice_create(order=order, actor=personas["finance1"])

    assert exc.value.code == ErrorCode.OVER_QUANTITY
    assert order_state(order) == before


def test_invoicing_everything_marks_the_order_invoiced(personas):
    order = order_at("shipped", personas)

    invoice_create(order=order, actor=personas["finance1"])

    order.refresh_from_db()
    assert (order.status, order.billing_status, order.amount_invoiced) == ("shipped", "invoiced", Decimal("226.00"))


def test_issuing_sets_the_due_date_from_the_orders_terms(personas, shipped_in_part):
    # given: terms of 45 days agreed for the order; the customer's, changed since, do not count
    finance = personas["finance1"]
    order = shipped_in_part[0]
    Order.objects.filter(pk=order.pk).update(payment_terms_days=45)
    order.customer.payment_terms_days = 90
    order.customer.save()
    invoice = invoice_create(order=order, actor=finance)

    # when
    invoice = invoice_issue(invoice=invoice, actor=finance)

    # then
    invoice.refresh_from_db()
    assert invoice.status == "issued"
    assert invoice.due_date == timezone.localdate(invoice.issued_at) + datetime.timedelta(days=45)
    event = Event.objects.get(verb="invoice.issued")
    assert (event.root_id, event.changes, event.data) == (
        order.pk,
        {"status": ["draft", "issued"]},
        {"due_date": invoice.due_date.isoformat()},
    )


def test_an_explicit_due_date_wins_and_an_invoice_is_issued_once(personas, shipped_in_part):
    finance = personas["finance1"]
    invoice = invoice_create(order=shipped_in_part[0], actor=finance)

    invoice_issue(invoice=invoice, actor=finance, due_date=datetime.date(2031, 1, 31))
    with pytest.raises(ApplicationError) as exc:
        invoice_issue(invoice=invoice, actor=finance, due_date=datetime.date(2032, 1, 31))

    assert (exc.value.code, exc.value.extra) == (
        ErrorCode.TRANSITION_NOT_ALLOWED,
        {"status": "issued", "target": "issued"},
    )
    assert Invoice.objects.get().due_date == datetime.date(2031, 1, 31)
    assert Event.objects.filter(verb="invoice.issued").count() == 1


@pytest.mark.parametrize(
    ("service", "who", "perm"),
    [
        ("create", "rep1", "finance.add_invoice"),
        ("create", "warehouse1", "finance.add_invoice"),
        ("issue", "manager1", "finance.issue_invoice"),
    ],
)
def test_only_finance_invoices(personas, shipped_in_part, service, who, perm):
    order = shipped_in_part[0]
    invoice = invoice_create(
        order=order, actor=personas["finance1"], lines=[{"order_line": shipped_in_part[1], "quantity": 1}]
    )
    before = order_state(order)

    with pytest.raises(ApplicationError) as exc:
        if service == "create":
            invoice_create(order=order, actor=personas[who])
        else:
            invoice_issue(invoice=invoice, actor=personas[who])

    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"permission": perm})
    assert order_state(order) == before
