"""A customer's billing details (开票信息): the kind of VAT invoice they get, the title, tax id, address and phone, bank
and account; checked by the service, shown on the customer's page and form, read and written through the API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gendan.crm.models import Customer
from gendan.crm.services import customer_create, customer_update
from tests.api_client import api_as
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BILLING = {
    "invoice_kind": "special",
    "invoice_title": "南京紫金电子科技有限公司",
    "tax_id": "91320102MA1N2P3Q4R",
    "invoice_address_phone": "南京市玄武区中山路18号 025-84561234",
    "invoice_bank_account": "中国银行南京玄武支行 5101 2345 6789",
}
SPECIAL_NEEDS_TAX_ID = "A customer who gets special VAT invoices needs a tax id."
TAX_ID_FORM = (
    "A tax id is the 18-character unified social credit code, or an older number of 15, 17 or 20 characters: digits "
    "and capital letters."
)


def test_the_api_reads_and_writes_the_billing_details(personas):
    client = api_as(personas["rep1"])

    made = client.post("/api/v1/customers/", {"name": "南京紫金电子有限公司", **BILLING}, format="json")
    customer_id = made.json()["id"]
    changed = client.patch(
        f"/api/v1/customers/{customer_id}/",
        {"invoice_kind": "normal", "invoice_title": "", "invoice_bank_account": "招商银行南京分行 1259"},
        format="json",
    )
    read = client.get(f"/api/v1/customers/{customer_id}/").json()

    assert made.status_code == 201
    assert {name: made.json()[name] for name in BILLING} == BILLING
    assert changed.status_code == 200
    assert {name: read[name] for name in BILLING} == {
        **BILLING,
        "invoice_kind": "normal",
        "invoice_title": "",
        "invoice_bank_account": "招商银行南京分行 1259",
    }
    # Every field the customer had before is still there.
    assert {"code", "name", "tax_id", "owner_name", "credit_available", "contacts", "version"} <= set(read)


def test_a_customer_on_special_invoices_needs_a_tax_id(personas):
    client = api_as(personas["rep1"])
    normal = Customer.objects.get(
        pk=client.post("/api/v1/customers/", {"name": "普通客户"}, format="json").json()["id"]
    )

    made = client.post(
        "/api/v1/customers/", {"name": "专票客户", "invoice_kind": "special"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    switched = client.patch(
        f"/api/v1/customers/{normal.pk}/", {"invoice_kind": "special"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert (made.status_code, made.json()) == (400, {"tax_id": [SPECIAL_NEEDS_TAX_ID]})
    assert (switched.status_code, switched.json()) == (400, {"tax_id": [SPECIAL_NEEDS_TAX_ID]})
    assert list(Customer.objects.values_list("name", "invoice_kind")) == [("普通客户", "normal")]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("91310115MA1K4LXY3B", "91310115MA1K4LXY3B"),  # 统一社会信用代码
        ("9131 0115 ma1k 4lxy 3b", "91310115MA1K4LXY3B"),  # as copied: spaced, in small letters
        ("310115123456789", "310115123456789"),  # 15, 17 and 20: tax registration numbers before it
        ("31011512345678901", "31011512345678901"),
        ("31011512345678901234", "31011512345678901234"),
        ("", ""),
    ],
)
def test_a_tax_id_of_a_known_form_is_kept(personas, given, kept):
    customer = customer_create(actor=personas["rep1"], name="税号客户", tax_id=given)

    assert Customer.objects.get(pk=customer.pk).tax_id == kept


@pytest.mark.parametrize("given", ["91310115MA1K4L", "3101151234567890", "91310115MA1K4LXY3B-", "91310115MA1K4LXY3Ö"])
def test_a_tax_id_of_no_known_form_is_refused(personas, given):
    with pytest.raises(ValidationError) as refused:
        customer_create(actor=personas["rep1"], name="税号客户", tax_id=given)

    assert refused.value.message_dict == {"tax_id": [TAX_ID_FORM]}
    assert Customer.objects.count() == 0


def test_a_tax_id_entered_before_the_check_stands_until_it_is_changed(personas):
    # given: a tax id of no known form, from before the check
    customer = CustomerFactory(owner=personas["rep1"], tax_id="91310000X")

    # when
    customer_update(customer=customer, actor=personas["rep1"], notes="老客户", tax_id="91310000X")
    with pytest.raises(ValidationError) as changed:
        customer_update(customer=customer, actor=personas["rep1"], tax_id="91310000Y")

    # then
    assert changed.value.message_dict == {"tax_id": [TAX_ID_FORM]}
    customer.refresh_from_db()
    assert (customer.tax_id, customer.notes) == ("91310000X", "老客户")


def test_the_customer_page_shows_the_billing_details(client, personas):
    customer = CustomerFactory(owner=personas["rep1"], **BILLING)
    client.force_login(personas["rep1"])

    page = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()

    assert 'data-testid="customer-billing"' in page and "Billing details" in page
    assert 'data-testid="customer-invoice-kind">Special VAT invoice<' in page
    for value in (BILLING["invoice_title"], BILLING["tax_id"], BILLING["invoice_bank_account"]):
        assert value in page


def test_the_customer_form_edits_the_billing_details_and_shows_a_refusal_on_its_field(client, personas):
    customer = CustomerFactory(owner=personas["rep1"])
    client.force_login(personas["rep1"])
    url = reverse("crm:customer_edit", args=[customer.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}

    refused = client.post(url, {**data, "invoice_kind": "special", "tax_id": ""})
    saved = client.post(url, {**data, **BILLING})

    assert [field.name for field in form.billing_fields] == [
        "invoice_kind",
        "tax_id",
        "invoice_title",
        "invoice_address_phone",
        "invoice_bank_account",
    ]
    assert refused.status_code == 200
    assert refused.context["form"].errors == {"tax_id": [SPECIAL_NEEDS_TAX_ID]}
    assert saved.status_code == 302
    customer.refresh_from_db()
    assert {name: getattr(customer, name) for name in BILLING} == BILLING


def test_a_customer_form_without_the_kind_leaves_it_as_it_was(client, personas):
    # A page opened before the field was there sends none.
    customer = CustomerFactory(owner=personas["rep1"], **BILLING)
    client.force_login(personas["rep1"])
    url = reverse("crm:customer_edit", args=[customer.pk])
    data = {name: value for name, value in client.get(url).context["form"].initial.items() if value is not None}
    del data["invoice_kind"]

    response = client.post(url, {**data, "notes": "已核对开票信息"})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.invoice_kind, customer.notes) == ("special", "已核对开票信息")
