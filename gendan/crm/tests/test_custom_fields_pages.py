"""Custom fields on the deal's and the contact's forms and pages, the deal and product lists' filters and downloads,
and the request's one read of each record type's definitions."""

import io

import openpyxl
import pytest
from django.urls import reverse

from gendan.catalog.services import product_create
from gendan.core.custom_fields import definitions_memo, fields_of
from gendan.core.services_custom_fields import custom_field_create, custom_field_update
from gendan.crm.models import Contact, Customer, Opportunity
from gendan.crm.services import customer_update
from gendan.crm.services_pipeline import opportunity_create, opportunity_update
from tests.api_client import api_as
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db


def field(personas, record_type, key, label, kind, **kwargs):
    return custom_field_create(
        actor=personas["admin"], record_type=record_type, key=key, label=label, kind=kind, **kwargs
    )


def download(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return (
        b"".join(response.streaming_content if response.streaming else [response.content])
        .decode("utf-8-sig")
        .splitlines()
    )


# --- deals -------------------------------------------------------------------------------------


def test_a_rep_opens_a_deal_with_custom_fields_edits_them_and_reads_them_on_its_page(english, client, personas):
    field(personas, "crm.opportunity", "budget", "Budget", "number", required=True)
    field(personas, "crm.opportunity", "channel", "Channel", "choice", choices=["fair", "online"])
    rep = personas["rep1"]
    customer = customer_ready_to_order(rep)
    client.force_login(rep)

    missing = client.post(
        reverse("crm:opportunity_create", args=[customer.pk]), {"name": "年度采购", "stage": "lead", "amount": "0"}
    )
    assert missing.status_code == 200
    assert missing.context["form"].errors == {"cf_budget": ["This field is required."]}
    assert not Opportunity.objects.exists()

    created = client.post(
        reverse("crm:opportunity_create", args=[customer.pk]),
        {"name": "年度采购", "stage": "lead", "amount": "0", "cf_budget": "500000", "cf_channel": "fair"},
    )
    assert created.status_code == 302, created.context["form"].errors
    deal = Opportunity.objects.get()
    assert deal.custom_fields == {"budget": "500000", "channel": "fair"}

    page = client.get(deal.get_absolute_url()).content.decode()
    assert "Budget</dt>" in page and ">500,000</dd>" in page and ">fair</dd>" in page

    form = client.get(reverse("crm:opportunity_edit", args=[deal.pk])).content.decode()
    assert 'name="cf_budget" value="500000"' in form
    edited = client.post(
        reverse("crm:opportunity_edit", args=[deal.pk]),
        {
            "name": deal.name,
            "amount": "0",
            "probability": str(deal.probability),
            "version": str(deal.version),
            "cf_budget": "650000",
            "cf_channel": "online",
        },
    )
    assert edited.status_code == 302, edited.context["form"].errors
    deal.refresh_from_db()
    assert deal.custom_fields == {"budget": "650000", "channel": "online"}


def test_the_deal_list_filters_by_a_custom_field_and_downloads_its_column(english, client, personas):
    field(personas, "crm.opportunity", "channel", "Channel", "choice", choices=["fair", "online"])
    rep = personas["rep1"]
    customer = customer_ready_to_order(rep)
    opportunity_create(customer=customer, actor=rep, name="展会商机", custom_fields={"channel": "fair"})
    opportunity_create(customer=customer, actor=rep, name="网上商机", custom_fields={"channel": "online"})
    client.force_login(rep)

    listed = client.get(reverse("crm:opportunity_list"), {"cf_channel": "fair"})
    assert [deal.name for deal in listed.context["page_obj"]] == ["展会商机"]
    assert client.get(reverse("crm:opportunity_list"), {"cf_channel": "phone"}).context["filter"].errors

    header, *rows = download(client, reverse("crm:opportunity_list") + "?export=csv&cf_channel=online")
    assert header.endswith(",Channel")
    assert len(rows) == 1 and rows[0].startswith("网上商机,") and rows[0].endswith(",online")


# --- contacts ----------------------------------------------------------------------------------


def test_a_contact_added_on_the_customer_page_takes_custom_fields_and_shows_them(english, client, personas):
    field(personas, "crm.contact", "birthday", "Birthday", "date")
    field(personas, "crm.contact", "wechat", "WeChat", "text", required=True)
    rep = personas["rep1"]
    customer = customer_ready_to_order(rep)
    client.force_login(rep)
    url = reverse("crm:contact_add", args=[customer.pk])

    refused = client.post(url, {"contact-name": "王芳", "contact-cf_birthday": "1990-05-01"})
    assert refused.context["contact_form"].errors == {"cf_wechat": ["This field is required."]}
    assert not Contact.objects.filter(name="王芳").exists()

    added = client.post(url, {"contact-name": "王芳", "contact-cf_birthday": "1990-05-01", "contact-cf_wechat": "wf88"})
    assert added.status_code == 302
    assert Contact.objects.get(name="王芳").custom_fields == {"birthday": "1990-05-01", "wechat": "wf88"}
    page = client.get(customer.get_absolute_url()).content.decode()
    assert "Birthday: 1990-05-01 · WeChat: wf88" in page


def test_the_first_contact_on_the_new_customer_form_takes_custom_fields(english, client, personas):
    field(personas, "crm.contact", "wechat", "WeChat", "text", required=True)
    client.force_login(personas["rep1"])
    customer = {"name": "南京紫金电子", "payment_terms_days": "30", "level": "A", "credit_limit": "0"}

    no_contact = client.post(reverse("crm:customer_create"), customer)
    assert no_contact.status_code == 302, no_contact.context["form"].errors

    half = client.post(reverse("crm:customer_create"), {**customer, "name": "二号", "contact-name": "李雷"})
    assert half.status_code == 200
    assert half.context["contact_form"].errors == {"cf_wechat": ["This field is required."]}
    assert not Customer.objects.filter(name="二号").exists()

    whole = client.post(
        reverse("crm:customer_create"), {**customer, "name": "二号", "contact-name": "李雷", "contact-cf_wechat": "ll1"}
    )
    assert whole.status_code == 302
    assert Customer.objects.get(name="二号").contacts.get().custom_fields == {"wechat": "ll1"}


def test_the_api_writes_contacts_custom_fields_nested_in_the_customer(english, personas):
    field(personas, "crm.contact", "wechat", "WeChat", "text", required=True)
    client = api_as(personas["rep1"])

    refused = client.post("/api/v1/customers/", {"name": "南京紫金电子", "contacts": [{"name": "李雷"}]}, format="json")
    assert (refused.status_code, refused.json()) == (
        400,
        {"contacts": {"0": {"custom_fields": {"wechat": ["This field is required."]}}}},
    )
    assert not Customer.objects.exists()

    created = client.post(
        "/api/v1/customers/",
        {"name": "南京紫金电子", "contacts": [{"name": "李雷", "custom_fields": {"wechat": "ll1"}}]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    contact = created.json()["contacts"][0]
    assert contact["custom_fields"] == {"wechat": "ll1"}

    # An existing contact sent back without its values keeps them; a new one without them is refused.
    customer = Customer.objects.get()
    customer_update(customer=customer, actor=personas["rep1"], contacts=[{"id": contact["id"], "name": "李雷雷"}])
    assert Contact.objects.get().custom_fields == {"wechat": "ll1"}


# --- products ----------------------------------------------------------------------------------


def test_the_product_list_filters_by_a_custom_field_and_downloads_without_cost_for_a_rep(english, client, personas):
    field(personas, "catalog.product", "origin", "Origin", "text")
    admin = personas["admin"]
    for sku, origin in (("BRG-1", "无锡"), ("BRG-2", "常州")):
        product_create(
            actor=admin,
            sku=sku,
            name="轴承",
            unit="个",
            list_price=10,
            floor_price=8,
            cost=5,
            custom_fields={"origin": origin},
        )
    client.force_login(personas["rep1"])

    listed = client.get(reverse("catalog:product_list"), {"cf_origin": "无锡"})
    assert [product.sku for product in listed.context["page_obj"]] == ["BRG-1"]

    header, *rows = download(client, reverse("catalog:product_list") + "?export=csv")
    assert header.endswith(",Origin") and "Cost" not in header
    assert [row.split(",")[0] for row in rows] == ["BRG-1", "BRG-2"]
    assert rows[0].endswith(",无锡")

    client.force_login(admin)
    response = client.get(reverse("catalog:product_list") + "?export=xlsx&cf_origin=常州")
    content = b"".join(response.streaming_content if response.streaming else [response.content])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "Cost" in header and header[-1] == "Origin"
    assert [(row[0], row[-1]) for row in rows] == [("BRG-2", "常州")]


# --- one read of the definitions per request ---------------------------------------------------


def test_a_request_reads_a_record_types_definitions_once_and_anew_after_a_change(personas, django_assert_num_queries):
    tier = field(personas, "crm.customer", "tier", "Tier", "text")
    with definitions_memo():  # as in a request or an import's run
        with django_assert_num_queries(1):
            assert [f.label for f in fields_of("crm.customer")] == ["Tier"]
            assert [f.label for f in fields_of("crm.customer")] == ["Tier"]
        custom_field_update(field=tier, actor=personas["admin"], label="Level")
        assert [f.label for f in fields_of("crm.customer")] == ["Level"]
    # Outside a request nothing is kept.
    with django_assert_num_queries(2):
        fields_of("crm.customer")
        fields_of("crm.customer")


def test_the_timeline_names_a_custom_fields_change_by_its_label(english, client, personas):
    field(personas, "crm.opportunity", "budget", "Budget", "number")
    rep = personas["rep1"]
    deal = opportunity_create(customer=customer_ready_to_order(rep), actor=rep, name="年度采购")
    opportunity_update(opportunity=deal, actor=rep, custom_fields={"budget": "500000"})
    client.force_login(rep)

    page = client.get(deal.get_absolute_url()).content.decode()
    assert '<span class="text-muted">Budget:</span> — <i class="bi bi-arrow-right"></i> 500000' in page
    assert "budget:" not in page
