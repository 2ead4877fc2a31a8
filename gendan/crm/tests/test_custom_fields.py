"""Custom fields on customers: set through customer_create/update (pages, API, imports alike), read by the API."""

import pytest
from django.core.exceptions import ValidationError

from gendan.core.models import Event
from gendan.core.services_custom_fields import custom_field_create, custom_field_set_active
from gendan.crm.models import Customer
from gendan.crm.services import contact_add, customer_create, customer_update
from tests.api_client import api_as
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(personas):
    admin = personas["admin"]
    return {
        "tier": custom_field_create(
            actor=admin, record_type="crm.customer", key="tier", label="Tier", kind="choice", choices=["gold", "silver"]
        ),
        "seats": custom_field_create(
            actor=admin, record_type="crm.customer", key="seats", label="Seats", kind="number"
        ),
        "partner": custom_field_create(
            actor=admin, record_type="crm.customer", key="partner", label="Partner", kind="person", required=True
        ),
    }


def test_the_service_stores_values_and_records_their_changes(personas, fields):
    rep = personas["rep1"]
    customer = customer_create(
        actor=rep, name="南京紫金电子", custom_fields={"tier": "gold", "partner": personas["rep2"].pk}
    )
    assert customer.custom_fields == {"tier": "gold", "partner": personas["rep2"].pk}

    customer_update(customer=customer, actor=rep, custom_fields={"tier": "silver", "seats": "40"}, notes="老客户")

    customer.refresh_from_db()
    assert customer.custom_fields == {"tier": "silver", "partner": personas["rep2"].pk, "seats": "40"}
    assert Event.objects.filter(verb="customer.updated").get().changes == {
        "notes": ["", "老客户"],
        "custom_fields.seats": [None, "40"],
        "custom_fields.tier": ["gold", "silver"],
    }


def test_a_bad_value_is_refused_with_the_other_field_errors_and_nothing_changes(english, personas, fields):
    customer = customer_ready_to_order(personas["rep1"])

    with pytest.raises(ValidationError) as refused:
        customer_update(customer=customer, actor=personas["rep1"], name="", custom_fields={"tier": "bronze"})

    assert refused.value.message_dict == {
        "name": ["This field cannot be blank."],
        "custom_fields.tier": ["Choose one of: gold, silver."],
    }
    customer.refresh_from_db()
    assert (customer.custom_fields, customer.version) == ({}, 1)


def test_a_deactivated_field_keeps_its_values_and_takes_no_new_ones(english, personas, fields):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="A", custom_fields={"tier": "gold", "partner": rep.pk})
    custom_field_set_active(field=fields["tier"], actor=personas["admin"], active=False)

    with pytest.raises(ValidationError) as refused:
        customer_update(customer=customer, actor=rep, custom_fields={"tier": "silver"})
    assert refused.value.message_dict == {"custom_fields.tier": ["No such custom field on this record."]}

    customer_update(customer=customer, actor=rep, custom_fields={"seats": "3"})
    customer.refresh_from_db()
    assert customer.custom_fields == {"tier": "gold", "partner": rep.pk, "seats": "3"}


# --- API ---------------------------------------------------------------------------------------


def test_api_writes_and_reads_custom_fields(personas, fields):
    client = api_as(personas["rep1"])

    created = client.post(
        "/api/v1/customers/",
        {"name": "苏州新材料", "custom_fields": {"tier": "gold", "partner": personas["rep1"].pk, "seats": 12.5}},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["custom_fields"] == {"tier": "gold", "partner": personas["rep1"].pk, "seats": "12.5"}

    customer_id = created.json()["id"]
    patched = client.patch(f"/api/v1/customers/{customer_id}/", {"custom_fields": {"seats": None}}, format="json")
    assert patched.status_code == 200
    assert patched.json()["custom_fields"] == {"tier": "gold", "partner": personas["rep1"].pk}


def test_api_refuses_bad_values_with_400_keyed_by_field_and_creates_nothing(english, personas, fields):
    response = api_as(personas["rep1"]).post(
        "/api/v1/customers/",
        {"name": "苏州新材料", "custom_fields": {"tier": "bronze", "seats": "lots", "colour": "red"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "custom_fields": {
            "tier": ["Choose one of: gold, silver."],
            "seats": ["Enter a number."],
            "colour": ["No such custom field on this record."],
            "partner": ["This field is required."],
        }
    }
    assert not Customer.objects.exists()


def test_api_list_of_fields_shows_only_the_record_types_the_reader_sees(personas, fields):
    custom_field_create(
        actor=personas["admin"], record_type="crm.opportunity", key="stage_note", label="N", kind="text"
    )

    def keys(who):
        return [
            (f["record_type"], f["key"]) for f in api_as(personas[who]).get("/api/v1/custom-fields/").json()["results"]
        ]

    assert keys("warehouse1") == [("crm.customer", "tier"), ("crm.customer", "seats"), ("crm.customer", "partner")]
    assert ("crm.opportunity", "stage_note") in keys("rep1")
    assert api_as(personas["rep1"]).get("/api/v1/custom-fields/?record_type=crm.lead").status_code == 400


def test_the_customer_list_takes_as_many_queries_with_custom_fields(personas, django_assert_num_queries):
    client = api_as(personas["rep1"])
    customer_ready_to_order(personas["rep1"])
    # token, 2 × permissions, the custom fields (for the filters), count, customers, contacts, addresses
    with django_assert_num_queries(8):
        client.get("/api/v1/customers/")

    admin = personas["admin"]
    for key in ("a", "b", "c"):
        custom_field_create(actor=admin, record_type="crm.customer", key=key, label=key, kind="text")
    customer_update(customer=Customer.objects.get(), actor=personas["rep1"], custom_fields={"a": "x", "b": "y"})
    with django_assert_num_queries(8):
        assert client.get("/api/v1/customers/").json()["results"][0]["custom_fields"] == {"a": "x", "b": "y"}


# --- lists, filters, downloads -----------------------------------------------------------------


def test_the_customer_list_filters_by_choice_person_and_number(client, personas, fields):
    rep = personas["rep1"]
    gold = customer_create(actor=rep, name="金牌客户", custom_fields={"tier": "gold", "partner": rep.pk, "seats": "40"})
    customer_create(actor=rep, name="银牌客户", custom_fields={"tier": "silver", "partner": personas["rep2"].pk})
    client.force_login(rep)

    def names(query):
        response = client.get("/customers/?" + query)
        return sorted(customer.name for customer in response.context["page_obj"])

    assert names("cf_tier=gold") == ["金牌客户"]
    assert names(f"cf_partner={rep.pk}") == ["金牌客户"]
    assert names("cf_seats_from=10&cf_seats_to=100") == ["金牌客户"]
    assert names("cf_seats_from=41") == []
    assert names("") == ["金牌客户", "银牌客户"]
    assert client.get("/customers/?cf_tier=bronze").context["filter"].errors
    api = api_as(rep).get("/api/v1/customers/?cf_tier=gold").json()
    assert [c["id"] for c in api["results"]] == [gold.pk]


def test_the_customer_download_has_a_column_per_custom_field(english, client, personas, fields):
    rep = personas["rep1"]
    customer_create(actor=rep, name="金牌客户", custom_fields={"tier": "gold", "partner": rep.pk, "seats": "40.5"})
    client.force_login(rep)

    response = client.get("/customers/?export=csv")

    lines = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    header, row = lines.splitlines()[:2]
    assert header.endswith("Tier,Seats,Partner")
    assert row.endswith("gold,40.5,rep1")


# --- the other records: deals, contacts, products ----------------------------------------------


def test_deals_contacts_and_products_take_custom_fields_through_their_services(english, personas):
    admin, rep = personas["admin"], personas["rep1"]
    custom_field_create(actor=admin, record_type="crm.opportunity", key="budget", label="Budget", kind="number")
    custom_field_create(actor=admin, record_type="crm.contact", key="birthday", label="Birthday", kind="date")
    custom_field_create(actor=admin, record_type="catalog.product", key="origin", label="Origin", kind="text")
    customer = customer_ready_to_order(rep)
    client = api_as(rep)

    deal = client.post(
        "/api/v1/opportunities/",
        {"customer": customer.pk, "name": "年度采购", "custom_fields": {"budget": "500000"}},
        format="json",
    )
    assert deal.status_code == 201, deal.json()
    assert deal.json()["custom_fields"] == {"budget": "500000"}
    bad = client.patch(
        f"/api/v1/opportunities/{deal.json()['id']}/", {"custom_fields": {"budget": "lots"}}, format="json"
    )
    assert (bad.status_code, bad.json()) == (400, {"custom_fields": {"budget": ["Enter a number."]}})

    contact = contact_add(customer=customer, actor=rep, name="王芳", custom_fields={"birthday": "1990-05-01"})
    assert contact.custom_fields == {"birthday": "1990-05-01"}
    with pytest.raises(ValidationError) as refused:
        contact_add(customer=customer, actor=rep, name="", custom_fields={"birthday": "May"})
    assert refused.value.message_dict == {
        "name": ["This field cannot be blank."],
        "custom_fields.birthday": ["Enter a date as YYYY-MM-DD."],
    }

    product = api_as(admin).post(
        "/api/v1/products/",
        {
            "sku": "P-1",
            "name": "轴承",
            "unit": "个",
            "list_price": "10",
            "floor_price": "8",
            "custom_fields": {"origin": "无锡"},
        },
        format="json",
    )
    assert product.status_code == 201, product.json()
    assert product.json()["custom_fields"] == {"origin": "无锡"}
