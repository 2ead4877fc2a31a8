"""Credit notes (FIN-1): an amount taken off an issued invoice, by lines or as one sum, never more than is open;
issued, it lowers what the invoice, the order and the customer owe, the ageing and the credit exposure."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.finance.models import CreditNote, Invoice
from gendan.finance.receivables import ageing_totals
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.finance.services_credit_notes import credit_note_create, credit_note_issue
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.credit import customer_exposure
from gendan.sales.services import order_assign, order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def invoice(personas):
    """An issued invoice of two lines: 2 units and 3 units at 100, 13% tax: 565.00."""
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    _warehouse, products = stocked_products(2)
    order = order_submit(order=draft_order(rep, products, ["2", "3"]), actor=rep)
    shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
    return invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)


def lines_of(invoice):
    return list(invoice.lines.order_by("id"))


def test_a_credit_note_by_lines_takes_their_net_amount_and_tax_off_the_invoice_order_and_customer(personas, invoice):
    finance = personas["finance1"]
    first, _second = lines_of(invoice)
    assert invoice.total == Decimal("565.00")
    exposure_before = customer_exposure(invoice.customer_id)

    note = credit_note_create(
        actor=finance,
        invoice=invoice,
        reason="one unit came back broken",
        lines=[{"invoice_line": first, "quantity": 1}],
    )
    assert (note.status, note.subtotal, note.tax_amount, note.total) == (
        "draft",
        Decimal("100.00"),
        Decimal("13.00"),
        Decimal("113.00"),
    )
    invoice.refresh_from_db()
    assert invoice.amount_credited == 0  # a draft takes nothing off

    credit_note_issue(credit_note=note, actor=finance)

    invoice.refresh_from_db()
    assert (invoice.amount_credited, invoice.open_amount, invoice.status) == (
        Decimal("113.00"),
        Decimal("452.00"),
        "issued",
    )
    order = invoice.order
    order.refresh_from_db()
    assert order.amount_credited == Decimal("113.00")
    assert customer_exposure(invoice.customer_id) == exposure_before - Decimal("113.00")
    totals = ageing_totals(user=finance, today=timezone.localdate(), customer=invoice.customer_id)
    assert totals["total"] == Decimal("452.00")
    verbs = set(Event.objects.filter(object_id=note.pk).values_list("verb", flat=True))
    assert {"credit_note.created", "credit_note.issued"} <= verbs


def test_crediting_what_is_left_settles_the_invoice_and_the_order(personas, invoice):
    finance = personas["finance1"]
    payment_record(
        actor=finance,
        customer=invoice.customer,
        amount=Decimal("500.00"),
        received_on=timezone.localdate(),
        allocations=[{"invoice": invoice, "amount": Decimal("500.00")}],
    )
    credit_note_create(actor=finance, invoice=invoice, reason="rounding agreed", amount=Decimal("65.00"), issue=True)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.open_amount) == ("paid", Decimal("0.00"))
    invoice.order.refresh_from_db()
    assert invoice.order.payment_status == "paid"


def test_over_credit_is_refused_by_amount_and_by_line_and_nothing_is_written(personas, invoice):
    finance = personas["finance1"]
    first, second = lines_of(invoice)
    with pytest.raises(ApplicationError) as over:
        credit_note_create(actor=finance, invoice=invoice, reason="too much", amount=Decimal("565.01"))
    assert over.value.code == ErrorCode.OVER_AMOUNT and over.value.extra["open_amount"] == "565.00"

    credit_note_create(
        actor=finance, invoice=invoice, reason="two back", lines=[{"invoice_line": first, "quantity": 2}]
    )
    with pytest.raises(ValidationError) as too_many:
        credit_note_create(
            actor=finance,
            invoice=invoice,
            reason="again",
            lines=[{"invoice_line": second, "quantity": 1}, {"invoice_line": first, "quantity": "0.5"}],
        )
    assert too_many.value.message_dict == {"lines.1.quantity": ["Only 0 of this line is left to credit."]}
    with pytest.raises(ValidationError) as neither:
        credit_note_create(actor=finance, invoice=invoice, reason="nothing")
    assert "amount" in neither.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        credit_note_create(actor=finance, invoice=invoice, reason=" ", amount=Decimal("1"))
    assert "reason" in no_reason.value.message_dict
    assert CreditNote.objects.count() == 1


def test_a_draft_is_checked_again_when_issued_and_issued_once(personas, invoice):
    finance = personas["finance1"]
    draft = credit_note_create(actor=finance, invoice=invoice, reason="price", amount=Decimal("400.00"))
    payment_record(
        actor=finance,
        customer=invoice.customer,
        amount=Decimal("300.00"),
        received_on=timezone.localdate(),
        allocations=[{"invoice": invoice, "amount": Decimal("300.00")}],
    )
    with pytest.raises(ApplicationError) as over:
        credit_note_issue(credit_note=draft, actor=finance)
    assert over.value.code == ErrorCode.OVER_AMOUNT
    assert Invoice.objects.get(pk=invoice.pk).amount_credited == 0

    smaller = credit_note_create(actor=finance, invoice=invoice, reason="price", amount=Decimal("200.00"), issue=True)
    with pytest.raises(ApplicationError) as twice:
        credit_note_issue(credit_note=smaller, actor=finance)
    assert twice.value.code == ErrorCode.TRANSITION_NOT_ALLOWED


def test_a_rep_cannot_credit_and_a_draft_invoice_cannot_be_credited(personas, invoice):
    with pytest.raises(ApplicationError) as denied:
        credit_note_create(actor=personas["rep1"], invoice=invoice, reason="x", amount=Decimal("1"))
    assert denied.value.code == ErrorCode.PERMISSION_DENIED
    Invoice.objects.filter(pk=invoice.pk).update(status="draft")
    with pytest.raises(ApplicationError) as draft:
        credit_note_create(actor=personas["finance1"], invoice=invoice, reason="x", amount=Decimal("1"))
    assert draft.value.code == ErrorCode.TRANSITION_NOT_ALLOWED


def test_the_api_drafts_issues_and_refuses_with_field_errors_and_409(personas, invoice):
    api = api_as(personas["finance1"])
    first, _second = lines_of(invoice)
    base = {"customer": invoice.customer_id, "invoice": invoice.pk, "reason": "退货一台"}

    created = api.post(
        "/api/v1/credit-notes/", {**base, "lines": [{"invoice_line": first.pk, "quantity": "1"}]}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["total"], body["invoice_number"], body["lines"][0]["quantity"]) == (
        "draft",
        "113.00",
        invoice.number,
        "1.000",
    )
    issued = api.post(f"/api/v1/credit-notes/{body['id']}/issue/")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    assert api.get(f"/api/v1/invoices/{invoice.pk}/").json()["amount_credited"] == "113.00"

    over = api.post("/api/v1/credit-notes/", {**base, "amount": "999.00"}, format="json")
    assert over.status_code == 409 and over.json()["code"] == "over_amount"
    too_many = api.post(
        "/api/v1/credit-notes/", {**base, "lines": [{"invoice_line": first.pk, "quantity": "5"}]}, format="json"
    )
    assert too_many.status_code == 400 and "lines" in too_many.json()
    other = api.post("/api/v1/credit-notes/", {**base, "customer": invoice.customer_id + 999}, format="json")
    assert other.status_code == 400 and "customer" in other.json()
    assert (
        api_as(personas["rep1"]).post("/api/v1/credit-notes/", {**base, "amount": "1"}, format="json").status_code
        == 403
    )
    listed = api_as(personas["rep1"]).get("/api/v1/credit-notes/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]  # the rep sees their invoice's credit notes
    assert api_as(personas["rep3"]).get("/api/v1/credit-notes/").json()["count"] == 0


def test_finance_credits_from_the_invoice_page(client, personas, invoice):
    first, second = lines_of(invoice)
    client.force_login(personas["finance1"])
    url = reverse("finance:credit_note_create", args=[invoice.pk])

    page = client.get(reverse("finance:invoice_detail", args=[invoice.pk])).content.decode()
    assert 'data-testid="credit-note-form"' in page

    response = client.post(url, {"credit-reason": "退货", f"credit-line_{first.pk}": "3", "credit-issue": "on"})
    assert response.status_code == 400
    assert "Only 2 of this line is left to credit." in response.content.decode()
    response = client.post(url, {"credit-reason": "", "credit-amount": "10"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not CreditNote.objects.exists()

    response = client.post(
        url, {"credit-reason": "退货一台", f"credit-line_{second.pk}": "1", "credit-issue": "on"}, follow=True
    )
    page = response.content.decode()
    assert "issued." in page and 'data-testid="invoice-credited">113.00' in page
    assert CreditNote.objects.get().status == "issued"

    client.force_login(personas["rep1"])
    response = client.get(reverse("finance:invoice_detail", args=[invoice.pk]))
    page = response.content.decode()
    assert 'data-testid="credit-note"' in page and 'data-testid="credit-note-form"' not in page
    # The invoice's history tells its credit note's, though those belong to the order.
    verbs = [event.verb for event in response.context["events"]]
    assert verbs[:2] == ["credit_note.issued", "credit_note.created"] and "invoice.issued" in verbs


def test_a_credit_note_follows_its_order_to_a_new_owner(personas, invoice):
    note = credit_note_create(actor=personas["finance1"], invoice=invoice, reason="折让", amount=Decimal("10.00"))
    order_assign(order=invoice.order, actor=personas["manager1"], owner=personas["rep2"], reason="接手客户")

    note.refresh_from_db()
    assert note.owner == personas["rep2"]
    assert [row["id"] for row in api_as(personas["rep2"]).get("/api/v1/credit-notes/").json()["results"]] == [note.pk]
    assert api_as(personas["rep1"]).get("/api/v1/credit-notes/").json()["count"] == 0
