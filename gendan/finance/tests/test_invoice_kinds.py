"""Invoices of two kinds (增值税普通发票 and 增值税专用发票): a number series each, the buyer's tax details taken when
issued and kept, the fapiao number (发票号码) unique per kind; on the page, the PDF, the list and the API."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Customer, InvoiceKind
from gendan.crm.services import customer_update
from gendan.finance import services
from gendan.finance.models import Invoice, InvoiceStatus
from gendan.finance.services import invoice_create, invoice_issue, invoice_set_fapiao_number
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BILLING = {
    "tax_id": "91310115MA1K4LXY3B",
    "invoice_title": "上海晨光文具股份有限公司",
    "invoice_address_phone": "上海市浦东新区张江路100号 021-55550000",
    "invoice_bank_account": "招商银行上海张江支行 121900000000001",
}
BUYER = {
    "buyer_name": BILLING["invoice_title"],
    "buyer_tax_id": BILLING["tax_id"],
    "buyer_address_phone": BILLING["invoice_address_phone"],
    "buyer_bank_account": BILLING["invoice_bank_account"],
}


def shipped_order(personas, customer):
    """An order of one unit at 100 (13% tax) for `customer`, submitted and shipped."""
    rep, clerk = personas["rep1"], personas["warehouse1"]
    _warehouse, products = stocked_products(1)
    order = order_submit(order=draft_order(rep, products, customer=customer), actor=rep)
    shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
    return order


@pytest.fixture
def special_customer(personas):
    return customer_ready_to_order(personas["rep1"], invoice_kind=InvoiceKind.SPECIAL, **BILLING)


@pytest.fixture
def normal_customer(personas):
    return customer_ready_to_order(personas["rep1"])


def buyer_of(invoice) -> dict:
    return {name: getattr(invoice, name) for name in BUYER}


def issued_events(invoice) -> int:
    return Event.objects.filter(verb="invoice.issued", object_id=invoice.pk).count()


def page_of(user, invoice) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("finance:invoice_detail", args=[invoice.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- numbering -----------------------------------------------------------------------------------------------------


def test_each_kind_is_numbered_by_its_own_series_and_defaults_to_the_customers(
    personas, special_customer, normal_customer
):
    finance = personas["finance1"]
    month = f"{timezone.localtime():%Y%m}"

    special = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    normal = invoice_create(order=shipped_order(personas, normal_customer), actor=finance)
    chosen = invoice_create(order=shipped_order(personas, special_customer), actor=finance, kind=InvoiceKind.NORMAL)
    second_special = invoice_create(order=shipped_order(personas, special_customer), actor=finance)

    assert (special.kind, special.number) == ("special", f"ZP{month}00001")
    assert (normal.kind, normal.number) == ("normal", f"INV{month}00001")
    assert (chosen.kind, chosen.number) == ("normal", f"INV{month}00002")
    assert (second_special.kind, second_special.number) == ("special", f"ZP{month}00002")


def test_an_unknown_kind_is_a_field_error_and_nothing_is_made(personas, normal_customer):
    order = shipped_order(personas, normal_customer)

    with pytest.raises(ValidationError) as refused:
        invoice_create(order=order, actor=personas["finance1"], kind="proforma")

    assert list(refused.value.message_dict) == ["kind"]
    assert Invoice.objects.count() == 0


# --- issuing: the buyer's details ----------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["tax_id", "invoice_address_phone", "invoice_bank_account"])
def test_a_special_invoice_is_not_issued_without_the_customers_details_and_nothing_is_written(
    personas, special_customer, missing
):
    # given
    finance = personas["finance1"]
    draft = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    Customer.objects.filter(pk=special_customer.pk).update(**{missing: ""})
    events_before = Event.objects.count()

    # when
    with pytest.raises(ValidationError) as refused:
        invoice_issue(invoice=draft, actor=finance, fapiao_number="12345678")

    # then
    assert refused.value.message_dict == {
        "kind": [
            "A special VAT invoice needs the customer's tax id, address and phone, bank and account: fill them in on "
            "the customer."
        ]
    }
    draft.refresh_from_db()
    assert (draft.status, draft.issued_at, draft.due_date, draft.fapiao_number) == ("draft", None, None, "")
    assert buyer_of(draft) == dict.fromkeys(BUYER, "")
    assert Event.objects.count() == events_before


def test_create_and_issue_of_a_special_invoice_without_the_details_makes_neither(personas, normal_customer):
    order = shipped_order(personas, normal_customer)

    with pytest.raises(ValidationError) as refused:
        invoice_create(order=order, actor=personas["finance1"], kind=InvoiceKind.SPECIAL, issue=True)

    assert list(refused.value.message_dict) == ["kind"]
    assert Invoice.objects.count() == 0
    assert [line.invoiced_quantity for line in order.lines.all()] == [0]


def test_the_buyer_is_taken_when_issued_and_kept_when_the_customer_changes(personas, special_customer):
    # given: a draft names no buyer of its own yet
    finance = personas["finance1"]
    draft = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    assert buyer_of(Invoice.objects.get(pk=draft.pk)) == dict.fromkeys(BUYER, "")

    # when
    issued = invoice_issue(invoice=draft, actor=finance)
    customer_update(
        customer=special_customer,
        actor=personas["rep1"],
        name="上海晨光新名有限公司",
        invoice_title="",
        tax_id="91310115MA1K4LXY4C",
        invoice_address_phone="上海市徐汇区漕溪北路88号 021-66668888",
        invoice_bank_account="中国银行上海分行 4400000000",
    )

    # then
    issued.refresh_from_db()
    assert (issued.status, issued.kind) == ("issued", "special")
    assert buyer_of(issued) == BUYER
    page = page_of(personas["finance1"], issued)
    assert BILLING["invoice_title"] in page and BILLING["tax_id"] in page and "91310115MA1K4LXY4C" not in page
    assert BILLING["invoice_bank_account"] in page and "中国银行上海分行" not in page


def test_the_buyer_is_the_customers_name_without_an_invoice_title(personas, normal_customer):
    # given: a normal invoice needs no details, and carries the tax id when the customer has one
    normal_customer.tax_id = "91310000MA1FL5XK9D"
    normal_customer.save(update_fields=["tax_id"])
    finance = personas["finance1"]

    # when
    issued = invoice_issue(
        invoice=invoice_create(order=shipped_order(personas, normal_customer), actor=finance), actor=finance
    )

    # then
    issued.refresh_from_db()
    assert buyer_of(issued) == {
        "buyer_name": normal_customer.name,
        "buyer_tax_id": "91310000MA1FL5XK9D",
        "buyer_address_phone": "",
        "buyer_bank_account": "",
    }


# --- fapiao numbers ------------------------------------------------------------------------------------------------


def test_a_fapiao_number_is_unique_within_its_kind_only(personas, special_customer, normal_customer):
    # given: the same number on a normal and on a special invoice
    finance = personas["finance1"]
    normal = invoice_create(order=shipped_order(personas, normal_customer), actor=finance)
    special = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    other_special = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    invoice_issue(invoice=normal, actor=finance, fapiao_number="04412345")
    invoice_issue(invoice=special, actor=finance, fapiao_number="0441 2345")
    invoice_issue(invoice=other_special, actor=finance)
    events_before = Event.objects.count()

    # when: another special invoice is given it
    with pytest.raises(ValidationError) as refused:
        invoice_set_fapiao_number(invoice=other_special, actor=finance, fapiao_number="04412345")

    # then
    assert refused.value.message_dict == {
        "fapiao_number": ["Fapiao number 04412345 is already on another invoice of this kind."]
    }
    assert dict(Invoice.objects.values_list("pk", "fapiao_number")) == {
        normal.pk: "04412345",
        special.pk: "04412345",
        other_special.pk: "",
    }
    assert Event.objects.count() == events_before


def test_the_database_refuses_a_fapiao_number_twice_in_one_kind(personas, special_customer, normal_customer):
    finance = personas["finance1"]
    special = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    other_special = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    normal = invoice_create(order=shipped_order(personas, normal_customer), actor=finance)
    Invoice.objects.filter(pk=special.pk).update(fapiao_number="12345678")

    # Blank is "not entered yet": any number of invoices have it.
    assert Invoice.objects.filter(fapiao_number="").count() == 2
    Invoice.objects.filter(pk=normal.pk).update(fapiao_number="12345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=other_special.pk).update(fapiao_number="12345678")


def test_a_fapiao_number_taken_meanwhile_is_told_as_the_check_tells_it(personas, normal_customer, monkeypatch):
    # given: two invoices given one number at once, each checked before the other wrote it
    finance = personas["finance1"]
    first, second = (
        invoice_issue(
            invoice=invoice_create(order=shipped_order(personas, normal_customer), actor=finance), actor=finance
        )
        for _ in range(2)
    )
    invoice_set_fapiao_number(invoice=first, actor=finance, fapiao_number="04412345")
    monkeypatch.setattr(services, "_fapiao_number_problems", lambda invoice, value, required: (value, []))

    # when: the database's constraint is what refuses it
    with pytest.raises(ValidationError) as refused:
        invoice_set_fapiao_number(invoice=second, actor=finance, fapiao_number="04412345")

    # then
    assert refused.value.message_dict == {
        "fapiao_number": ["Fapiao number 04412345 is already on another invoice of this kind."]
    }
    assert Invoice.objects.get(pk=second.pk).fapiao_number == ""
    assert Event.objects.filter(verb="invoice.fapiao_number_set", object_id=second.pk).count() == 0


def test_issuing_with_a_fapiao_number_taken_in_its_kind_is_refused_and_writes_nothing(personas, special_customer):
    finance = personas["finance1"]
    first = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    second = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    invoice_issue(invoice=first, actor=finance, fapiao_number="12345678")

    with pytest.raises(ValidationError) as refused:
        invoice_issue(invoice=second, actor=finance, fapiao_number="12345678")

    assert list(refused.value.message_dict) == ["fapiao_number"]
    second.refresh_from_db()
    assert (second.status, second.fapiao_number, second.buyer_tax_id) == ("draft", "", "")
    assert issued_events(second) == 0


def test_the_fapiao_number_is_entered_after_issuing_and_corrected_on_the_record(personas, normal_customer):
    # given
    finance = personas["finance1"]
    invoice = invoice_issue(
        invoice=invoice_create(order=shipped_order(personas, normal_customer), actor=finance), actor=finance
    )

    # when
    invoice_set_fapiao_number(invoice=invoice, actor=finance, fapiao_number=" 1234 5678 ")
    invoice_set_fapiao_number(invoice=invoice, actor=finance, fapiao_number="12345679")
    invoice_set_fapiao_number(invoice=invoice, actor=finance, fapiao_number="12345679")

    # then: each change once on the invoice's and its order's timeline; the same number again changes nothing
    invoice.refresh_from_db()
    assert invoice.fapiao_number == "12345679"
    events = Event.objects.filter(verb="invoice.fapiao_number_set").order_by("pk")
    assert [(e.object_id, e.root_id, e.actor, e.changes) for e in events] == [
        (invoice.pk, invoice.order_id, finance, {"fapiao_number": ["", "12345678"]}),
        (invoice.pk, invoice.order_id, finance, {"fapiao_number": ["12345678", "12345679"]}),
    ]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "Enter the fapiao number."),
        ("NO.1234", "A fapiao number is 8 to 20 digits."),
        ("1234567", "A fapiao number is 8 to 20 digits."),
        ("1" * 21, "A fapiao number is 8 to 20 digits."),
    ],
)
def test_a_fapiao_number_is_8_to_20_digits(personas, normal_customer, given, message):
    finance = personas["finance1"]
    invoice = invoice_issue(
        invoice=invoice_create(order=shipped_order(personas, normal_customer), actor=finance), actor=finance
    )

    with pytest.raises(ValidationError) as refused:
        invoice_set_fapiao_number(invoice=invoice, actor=finance, fapiao_number=given)

    assert refused.value.message_dict == {"fapiao_number": [message]}


def test_a_fapiao_number_waits_for_the_issue_and_for_finance(personas, normal_customer):
    finance = personas["finance1"]
    draft = invoice_create(order=shipped_order(personas, normal_customer), actor=finance)

    with pytest.raises(ApplicationError) as not_yet:
        invoice_set_fapiao_number(invoice=draft, actor=finance, fapiao_number="12345678")
    issued = invoice_issue(invoice=draft, actor=finance)
    with pytest.raises(ApplicationError) as not_theirs:
        invoice_set_fapiao_number(invoice=issued, actor=personas["rep1"], fapiao_number="12345678")

    assert not_yet.value.code == ErrorCode.NOT_EDITABLE
    assert not_theirs.value.code == ErrorCode.PERMISSION_DENIED
    assert Invoice.objects.get(pk=draft.pk).fapiao_number == ""


# --- the document, the page, the list ------------------------------------------------------------------------------


def test_the_pdf_is_titled_by_the_kind_and_names_the_buyer(client, personas, special_customer):
    finance = personas["finance1"]
    invoice = invoice_issue(
        invoice=invoice_create(order=shipped_order(personas, special_customer), actor=finance),
        actor=finance,
        fapiao_number="04412345",
    )
    client.force_login(personas["rep1"])

    response = client.get(reverse("finance:invoice_pdf", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="en")

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Special VAT invoice" in text
    assert BILLING["tax_id"] in text and BILLING["invoice_title"] in text and "04412345" in text
    assert "招商银行上海张江支行" in text


def test_a_draft_shows_the_buyer_issuing_it_would_take(client, personas, normal_customer):
    invoice = invoice_create(order=shipped_order(personas, normal_customer), actor=personas["finance1"])
    client.force_login(personas["finance1"])

    page = client.get(reverse("finance:invoice_detail", args=[invoice.pk])).content.decode()

    assert 'data-testid="invoice-kind">VAT invoice<' in page
    assert f'data-testid="invoice-buyer">{normal_customer.name}<' in page


def test_issuing_from_the_page_takes_the_fapiao_number(client, personas, normal_customer):
    invoice = invoice_create(order=shipped_order(personas, normal_customer), actor=personas["finance1"])
    client.force_login(personas["finance1"])

    response = client.post(
        reverse("finance:invoice_issue", args=[invoice.pk]), {"back": "invoice", "fapiao_number": "04412345"}
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.fapiao_number) == ("issued", "04412345")
    page = client.get(reverse("finance:invoice_detail", args=[invoice.pk])).content.decode()
    assert 'data-testid="invoice-fapiao-number">04412345<' in page
    assert 'data-testid="fapiao-number-form"' in page


def test_a_refused_issue_on_the_page_says_why_and_keeps_the_draft(client, personas, normal_customer):
    invoice = invoice_create(
        order=shipped_order(personas, normal_customer), actor=personas["finance1"], kind=InvoiceKind.SPECIAL
    )
    client.force_login(personas["finance1"])

    response = client.post(
        reverse("finance:invoice_issue", args=[invoice.pk]), {"back": "invoice", "fapiao_number": "04412345"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="issue-errors"' in page and "A special VAT invoice needs the customer&#x27;s tax id" in page
    assert 'value="04412345"' in page
    invoice.refresh_from_db()
    assert (invoice.status, invoice.fapiao_number) == (InvoiceStatus.DRAFT, "")


def test_finance_enters_the_fapiao_number_on_the_page_and_a_duplicate_shows_on_the_field(
    client, personas, normal_customer
):
    finance = personas["finance1"]
    first, second = (
        invoice_issue(
            invoice=invoice_create(order=shipped_order(personas, normal_customer), actor=finance), actor=finance
        )
        for _ in range(2)
    )
    client.force_login(finance)
    url = reverse("finance:invoice_fapiao_number", args=[first.pk])

    saved = client.post(url, {"fapiao-fapiao_number": "04412345"})
    duplicate = client.post(
        reverse("finance:invoice_fapiao_number", args=[second.pk]), {"fapiao-fapiao_number": "04412345"}
    )

    assert saved.status_code == 302
    assert duplicate.status_code == 400
    assert duplicate.context["fapiao_form"].errors == {
        "fapiao_number": ["Fapiao number 04412345 is already on another invoice of this kind."]
    }
    assert dict(Invoice.objects.values_list("pk", "fapiao_number")) == {first.pk: "04412345", second.pk: ""}


def test_the_order_page_invoices_in_the_customers_kind_unless_chosen_otherwise(client, personas, special_customer):
    order = shipped_order(personas, special_customer)
    client.force_login(personas["finance1"])
    line = order.lines.get()

    form = client.get(reverse("sales:order_detail", args=[order.pk])).context["invoice_form"]
    made = client.post(reverse("finance:invoice_create", args=[order.pk]), {f"qty_{line.pk}": "1", "kind": "normal"})

    assert form["kind"].value() == "special"
    assert made.status_code == 302
    assert Invoice.objects.get(order=order).kind == "normal"


def test_the_invoice_list_shows_and_filters_the_kind(client, personas, special_customer, normal_customer):
    finance = personas["finance1"]
    special = invoice_create(order=shipped_order(personas, special_customer), actor=finance)
    normal = invoice_create(order=shipped_order(personas, normal_customer), actor=finance)
    client.force_login(finance)
    url = reverse("finance:invoice_list")

    specials = client.get(url, {"kind": "special"})
    normals = api_as(finance).get("/api/v1/invoices/", {"kind": "normal"}).json()

    assert [row.number for row in specials.context["page_obj"]] == [special.number]
    assert [row.get_cell("kind") for row in specials.context["table"].paginated_rows] == ["Special VAT invoice"]
    download = list(
        csv.reader(io.StringIO(client.get(url, {"kind": "special", "export": "csv"}).content.decode("utf-8-sig")))
    )
    assert download[0][:6] == ["Number", "Order", "Customer", "Status", "Invoice kind", "Fapiao number"]
    assert [row[:6] for row in download[1:]] == [
        [special.number, special.order.number, special_customer.name, "Draft", "Special VAT invoice", ""]
    ]
    assert [row["number"] for row in normals["results"]] == [normal.number]


# --- the API -------------------------------------------------------------------------------------------------------


def test_the_api_makes_an_invoice_of_the_kind_asked_or_the_customers(personas, special_customer):
    client = api_as(personas["finance1"])

    chosen = client.post(
        "/api/v1/invoices/", {"order": shipped_order(personas, special_customer).pk, "kind": "normal"}, format="json"
    )
    default = client.post("/api/v1/invoices/", {"order": shipped_order(personas, special_customer).pk}, format="json")
    unknown = client.post(
        "/api/v1/invoices/", {"order": shipped_order(personas, special_customer).pk, "kind": "x"}, format="json"
    )

    assert (chosen.status_code, chosen.json()["kind"], chosen.json()["number"][:3]) == (201, "normal", "INV")
    assert (default.status_code, default.json()["kind"], default.json()["number"][:2]) == (201, "special", "ZP")
    # Not issued: no buyer yet, no fapiao number.
    assert {name: default.json()[name] for name in [*BUYER, "fapiao_number"]} == dict.fromkeys(
        [*BUYER, "fapiao_number"], ""
    )
    assert (unknown.status_code, list(unknown.json())) == (400, ["kind"])


def test_the_api_issues_with_a_fapiao_number_and_answers_the_buyer(personas, special_customer):
    invoice = invoice_create(order=shipped_order(personas, special_customer), actor=personas["finance1"])

    response = api_as(personas["finance1"]).post(
        f"/api/v1/invoices/{invoice.pk}/issue/", {"fapiao_number": "04412345"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["kind"], body["fapiao_number"]) == ("issued", "special", "04412345")
    assert {name: body[name] for name in BUYER} == BUYER


def test_the_api_refuses_a_special_issue_without_details_by_field_and_writes_nothing(personas, normal_customer):
    invoice = invoice_create(
        order=shipped_order(personas, normal_customer), actor=personas["finance1"], kind=InvoiceKind.SPECIAL
    )

    response = api_as(personas["finance1"]).post(
        f"/api/v1/invoices/{invoice.pk}/issue/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["kind"]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.issued_at) == ("draft", None)
    assert issued_events(invoice) == 0


def test_the_api_fapiao_number_action_enters_it_and_refuses_a_duplicate(personas, normal_customer):
    finance = personas["finance1"]
    first, second = (
        invoice_issue(
            invoice=invoice_create(order=shipped_order(personas, normal_customer), actor=finance), actor=finance
        )
        for _ in range(2)
    )
    client = api_as(finance)

    entered = client.post(f"/api/v1/invoices/{first.pk}/fapiao-number/", {"fapiao_number": "04412345"}, format="json")
    duplicate = client.post(
        f"/api/v1/invoices/{second.pk}/fapiao-number/",
        {"fapiao_number": "04412345"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    missing = client.post(f"/api/v1/invoices/{second.pk}/fapiao-number/", {}, format="json")

    assert (entered.status_code, entered.json()["fapiao_number"]) == (200, "04412345")
    assert (duplicate.status_code, duplicate.json()) == (
        400,
        {"fapiao_number": ["Fapiao number 04412345 is already on another invoice of this kind."]},
    )
    assert (missing.status_code, list(missing.json())) == (400, ["fapiao_number"])
    assert Invoice.objects.get(pk=second.pk).fapiao_number == ""


def test_a_sales_rep_may_neither_issue_nor_enter_a_fapiao_number(personas, normal_customer):
    finance = personas["finance1"]
    draft = invoice_create(order=shipped_order(personas, normal_customer), actor=finance)
    issued = invoice_issue(
        invoice=invoice_create(order=shipped_order(personas, normal_customer), actor=finance), actor=finance
    )
    client = api_as(personas["rep1"])

    issue = client.post(f"/api/v1/invoices/{draft.pk}/issue/", {"fapiao_number": "04412345"}, format="json")
    enter = client.post(f"/api/v1/invoices/{issued.pk}/fapiao-number/", {"fapiao_number": "04412345"}, format="json")

    assert (issue.status_code, enter.status_code) == (403, 403)
    assert not Invoice.objects.exclude(fapiao_number="").exists()
    assert Invoice.objects.get(pk=draft.pk).status == "draft"
    # Seen by the rep all the same, with its kind and buyer.
    assert client.get(f"/api/v1/invoices/{issued.pk}/").json()["buyer_name"] == normal_customer.name
