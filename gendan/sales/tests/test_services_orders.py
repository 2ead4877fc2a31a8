"""Entering and editing orders: order_create and order_update."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Customer
from gendan.finance.services import invoice_create, invoice_issue
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import Order, OrderLine
from gendan.sales.services import order_create, order_submit, order_update
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import ProductFactory, customer_ready_to_order
from tests.stages import order_at, order_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def catalog():
    _warehouse, products = stocked_products(2)
    return products


def test_create_computes_amounts_totals_and_tax_and_records_the_event(personas, catalog):
    rep = personas["rep1"]
    customer = customer_ready_to_order(rep)

    order = order_create(
        actor=rep,
        customer=customer,
        contact=customer.contacts.first(),
        shipping_address=customer.addresses.first(),
        lines=[
            {"product": catalog[0], "quantity": Decimal("3"), "unit_price": Decimal("99.99"), "discount_percent": 5},
            {"product": catalog[1], "quantity": Decimal("1.5")},  # list price 100 when no price is given
        ],
    )

    lines = list(order.lines.all())
    assert [(ln.position, ln.amount) for ln in lines] == [(1, Decimal("284.97")), (2, Decimal("150.00"))]
    assert (order.subtotal, order.tax_amount, order.total) == (Decimal("434.97"), Decimal("56.55"), Decimal("491.52"))
    assert (order.status, order.version, order.owner, order.created_by) == ("draft", 1, rep, rep)
    assert order.number.startswith("SO") and len(order.number) == 13
    event = Event.objects.get(verb="order.created")
    assert (event.actor, event.object_id, event.data) == (
        rep,
        order.pk,
        {"customer": customer.pk, "total": "491.52", "lines": 2},
    )


def test_create_makes_the_customers_rep_the_owner(personas, catalog):
    manager = personas["manager1"]
    customer = customer_ready_to_order(personas["rep3"])

    order = order_create(actor=manager, customer=customer, lines=[{"product": catalog[0], "quantity": 1}])

    assert order.owner == personas["rep3"]


def test_create_validates_every_line_and_keys_errors_by_row(personas, catalog):
    rep = personas["rep1"]
    retired = ProductFactory(is_active=False)

    with pytest.raises(ValidationError) as exc:
        order_create(
            actor=rep,
            customer=customer_ready_to_order(rep),
            lines=[
                {"product": catalog[0], "quantity": Decimal("1")},
                {"product": None, "quantity": Decimal("0")},
                {"product": catalog[1], "quantity": Decimal("-2"), "unit_price": Decimal("-1")},
                {"product": retired, "quantity": Decimal("1"), "discount_percent": Decimal("101")},
                {"product": catalog[1], "quantity": Decimal("1.2345")},
            ],
        )

    assert set(exc.value.message_dict) == {
        "lines.1.product",
        "lines.1.quantity",
        "lines.2.quantity",
        "lines.2.unit_price",
        "lines.3.product",
        "lines.3.discount_percent",
        "lines.4.quantity",
    }
    assert (Order.objects.count(), OrderLine.objects.count(), Event.objects.count()) == (0, 0, 0)


def test_create_needs_at_least_one_line(personas):
    rep = personas["rep1"]
    stocked_products(1)

    with pytest.raises(ValidationError) as exc:
        order_create(actor=rep, customer=customer_ready_to_order(rep), lines=[])

    assert exc.value.message_dict == {"lines": ["Add at least one line."]}
    assert Order.objects.count() == 0


def test_create_refuses_another_reps_customer_and_another_customers_contact(personas, catalog):
    rep = personas["rep1"]
    mine, theirs = customer_ready_to_order(rep), customer_ready_to_order(personas["rep3"])

    with pytest.raises(ValidationError) as exc:
        order_create(actor=rep, customer=theirs, lines=[{"product": catalog[0], "quantity": 1}])
    assert exc.value.message_dict == {"customer": ["Choose one of your customers."]}

    with pytest.raises(ValidationError) as exc:
        order_create(
            actor=rep,
            customer=mine,
            contact=theirs.contacts.first(),
            shipping_address=theirs.addresses.first(),
            lines=[{"product": catalog[0], "quantity": 1}],
        )
    assert set(exc.value.message_dict) == {"contact", "shipping_address"}
    assert Order.objects.count() == 0


def test_a_rep_cannot_give_an_order_to_a_rep_outside_his_scope(personas, catalog):
    rep = personas["rep1"]

    with pytest.raises(ApplicationError) as exc:
        order_create(
            actor=rep,
            customer=customer_ready_to_order(rep),
            owner=personas["rep3"],
            lines=[{"product": catalog[0], "quantity": 1}],
        )

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert (Order.objects.count(), Event.objects.count()) == (0, 0)


def test_a_warehouse_clerk_cannot_enter_orders(personas, catalog):
    with pytest.raises(ApplicationError) as exc:
        draft_order(personas["warehouse1"], catalog, customer=customer_ready_to_order(personas["rep1"]))

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert Order.objects.count() == 0


def test_update_replaces_lines_bumps_the_version_and_records_the_changes(personas, catalog):
    # given
    rep = personas["rep1"]
    order = draft_order(rep, catalog, ["1", "1"])
    assert order.total == Decimal("226.00")

    # when
    order = order_update(
        order=order,
        actor=rep,
        version=1,
        priority="urgent",
        lines=[{"product": catalog[1], "quantity": Decimal("4"), "discount_percent": Decimal("10")}],
    )

    # then
    assert [(ln.product, ln.quantity, ln.amount) for ln in order.lines.all()] == [
        (catalog[1], Decimal("4.000"), Decimal("360.00"))
    ]
    order.refresh_from_db()
    assert (order.version, order.priority, order.total) == (2, "urgent", Decimal("406.80"))
    event = Event.objects.get(verb="order.updated")
    assert event.changes == {"priority": ["normal", "urgent"], "total": ["226.00", "406.80"]}
    assert event.data == {"lines": 1}


def test_update_without_lines_keeps_them_and_recomputes_tax(personas, catalog):
    rep = personas["rep1"]
    order = draft_order(rep, catalog, ["1", "1"])

    order = order_update(order=order, actor=rep, tax_rate=Decimal("6"))

    assert order.lines.count() == 2
    assert (order.subtotal, order.tax_amount, order.total) == (Decimal("200.00"), Decimal("12.00"), Decimal("212.00"))


def test_update_with_a_stale_version_is_refused_and_changes_nothing(personas, catalog):
    rep = personas["rep1"]
    order = draft_order(rep, catalog)
    order_update(order=order, actor=rep, version=1, notes="first edit")
    before = order_state(order)

    with pytest.raises(ApplicationError) as exc:
        order_update(order=order, actor=rep, version=1, notes="edit from an old page")

    assert (exc.value.code, exc.value.extra) == (ErrorCode.STALE_VERSION, {"current_version": 2})
    assert order_state(order) == before
    assert Order.objects.get(pk=order.pk).notes == "first edit"


def test_update_with_a_bad_line_changes_nothing(personas, catalog):
    rep = personas["rep1"]
    order = draft_order(rep, catalog)
    before = order_state(order)

    with pytest.raises(ValidationError) as exc:
        order_update(order=order, actor=rep, notes="x", lines=[{"product": catalog[0], "quantity": Decimal("0")}])

    assert list(exc.value.message_dict) == ["lines.0.quantity"]
    assert order_state(order) == before


@pytest.mark.parametrize("status", ["pending_approval", "confirmed", "cancelled"])
def test_only_a_draft_can_be_edited(personas, status):
    order = order_at(status, personas)
    before = order_state(order)

    with pytest.raises(ApplicationError) as exc:
        order_update(order=order, actor=personas["rep1"], notes="too late")

    assert exc.value.code == ErrorCode.NOT_EDITABLE
    assert order_state(order) == before


def test_a_rep_cannot_edit_an_order_out_of_his_sight(personas, catalog):
    order = draft_order(personas["rep1"], catalog)
    before = order_state(order)

    with pytest.raises(ApplicationError) as exc:
        order_update(order=order, actor=personas["rep3"], notes="not mine")

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert order_state(order) == before


def test_update_refuses_a_contact_of_another_customer(personas, catalog):
    rep = personas["rep1"]
    order = draft_order(rep, catalog)
    other = customer_ready_to_order(rep)

    with pytest.raises(ValidationError) as exc:
        order_update(order=order, actor=rep, contact=other.contacts.first())

    assert exc.value.message_dict == {"contact": ["This contact belongs to another customer."]}


def test_an_order_takes_the_customers_payment_terms_unless_agreed_otherwise_and_its_invoices_fall_due_by_them(
    personas,
):
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    customer = customer_ready_to_order(rep, payment_terms_days=45)
    _warehouse, products = stocked_products(1)
    usual = draft_order(rep, products, customer=customer)
    agreed = draft_order(rep, products, customer=customer, payment_terms_days=10)
    assert (usual.payment_terms_days, agreed.payment_terms_days) == (45, 10)

    with pytest.raises(ValidationError) as too_long:
        order_update(order=agreed, actor=rep, payment_terms_days=400)
    assert "payment_terms_days" in too_long.value.message_dict
    Customer.objects.filter(pk=customer.pk).update(payment_terms_days=60)
    assert order_update(order=usual, actor=rep, payment_terms_days=None).payment_terms_days == 60

    order = order_submit(order=agreed, actor=rep)
    shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)
    assert invoice.due_date == timezone.localdate(invoice.issued_at) + datetime.timedelta(days=10)
