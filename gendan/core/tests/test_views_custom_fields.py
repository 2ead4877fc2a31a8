"""The custom fields settings page (administrators only) and a custom field on the customer's form and page."""

import pytest
from django.urls import reverse

from gendan.catalog.models import Product
from gendan.core.models import CustomField, Event
from gendan.core.services_custom_fields import custom_field_create
from gendan.crm.models import Customer
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    return client


def test_only_administrators_open_the_settings_page(client, personas):
    url = reverse("custom_fields:list")
    assert client.get(url).status_code == 302
    assert logged_in(client, personas["manager1"]).get(url).status_code == 403
    assert logged_in(client, personas["rep1"]).post(reverse("custom_fields:new"), {}).status_code == 403
    assert logged_in(client, personas["admin"]).get(url).status_code == 200


def test_an_administrator_adds_a_field_and_sees_it_in_the_history(english, client, personas):
    client = logged_in(client, personas["admin"])

    response = client.post(
        reverse("custom_fields:new"),
        {
            "record_type": "crm.customer",
            "key": "tier",
            "label": "Tier",
            "kind": "choice",
            "choices": "gold\r\nsilver\r\n",
            "position": "0",
        },
    )

    assert response.status_code == 302
    field = CustomField.objects.get()
    assert (field.key, field.choices) == ("tier", ["gold", "silver"])
    page = client.get(reverse("custom_fields:list")).content.decode()
    assert "added a custom field" in page
    assert "gold · silver" in page


def test_a_bad_definition_shows_on_its_field_and_saves_nothing(english, client, personas):
    response = logged_in(client, personas["admin"]).post(
        reverse("custom_fields:new"),
        {"record_type": "crm.customer", "key": "Tier", "label": "Tier", "kind": "choice", "position": "0"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "key": ["A key starts with a lower-case letter, then up to 39 lower-case letters, digits or underscores."],
        "choices": ["Give at least one choice."],
    }
    assert not CustomField.objects.exists()


def test_deactivating_is_an_event_and_hides_the_input(client, personas):
    field = custom_field_create(
        actor=personas["admin"], record_type="crm.customer", key="tier", label="Tier", kind="text"
    )
    logged_in(client, personas["admin"]).post(reverse("custom_fields:toggle", args=[field.pk]))

    field.refresh_from_db()
    assert not field.active
    assert Event.objects.filter(verb="custom_field.deactivated").count() == 1
    page = logged_in(client, personas["rep1"]).get(reverse("crm:customer_create")).content.decode()
    assert "cf_tier" not in page


def test_a_rep_fills_custom_fields_on_the_customer_form_and_reads_them_on_its_page(english, client, personas):
    admin = personas["admin"]
    custom_field_create(
        actor=admin, record_type="crm.customer", key="tier", label="Tier", kind="choice", choices=["gold", "silver"]
    )
    custom_field_create(actor=admin, record_type="crm.customer", key="partner", label="Partner", kind="person")
    custom_field_create(actor=admin, record_type="crm.customer", key="seats", label="Seats", kind="number")
    client = logged_in(client, personas["rep1"])

    response = client.post(
        reverse("crm:customer_create"),
        {
            "name": "南京紫金电子",
            "payment_terms_days": "30",
            "level": "A",
            "credit_limit": "0",
            "cf_tier": "gold",
            "cf_partner": str(personas["rep2"].pk),
            "cf_seats": "1200",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    customer = Customer.objects.get()
    assert customer.custom_fields == {"tier": "gold", "partner": personas["rep2"].pk, "seats": "1200"}
    page = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert "Tier</dt>" in page and ">gold</dd>" in page
    assert ">rep2</dd>" in page
    assert ">1,200</dd>" in page


def test_a_service_error_on_a_custom_field_lands_on_its_input(english, client, personas):
    custom_field_create(actor=personas["admin"], record_type="crm.customer", key="partner", label="P", kind="person")
    customer = customer_ready_to_order(personas["rep1"])
    personas["rep2"].is_active = False
    personas["rep2"].save()

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:customer_edit", args=[customer.pk]),
        {
            "name": customer.name,
            "payment_terms_days": "30",
            "level": "A",
            "credit_limit": "0",
            "version": "1",
            "cf_partner": str(personas["rep2"].pk),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"cf_partner": ["Choose an active user."]}


def test_the_product_form_takes_custom_fields_and_shows_them_when_edited(client, personas):
    custom_field_create(actor=personas["admin"], record_type="catalog.product", key="origin", label="产地", kind="text")
    client = logged_in(client, personas["admin"])

    response = client.post(
        reverse("catalog:product_create"),
        {
            "sku": "BRG-1",
            "name": "轴承",
            "unit": "个",
            "list_price": "10",
            "floor_price": "8",
            "cost": "5",
            "cf_origin": "无锡",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    product = Product.objects.get()
    assert product.custom_fields == {"origin": "无锡"}
    form = client.get(reverse("catalog:product_edit", args=[product.pk])).content.decode()
    assert 'name="cf_origin" value="无锡"' in form
