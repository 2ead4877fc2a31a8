"""Custom fields on orders: order_create/update take them with the header's other checks; the API reads and writes them."""

import pytest
from django.urls import reverse

from gendan.core.models import Event
from gendan.core.services_custom_fields import custom_field_create
from gendan.sales.models import Order
from gendan.sales.services import order_update
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock():
    return stocked_products(2)


@pytest.fixture
def channel(personas):
    return custom_field_create(
        actor=personas["admin"],
        record_type="sales.order",
        key="channel",
        label="Channel",
        kind="choice",
        choices=["online", "fair"],
        required=True,
    )


def test_an_order_keeps_its_values_and_its_event_shows_the_change(personas, stock, channel):
    _warehouse, products = stock
    order = draft_order(personas["rep1"], products, custom_fields={"channel": "fair"})

    order_update(order=order, actor=personas["rep1"], custom_fields={"channel": "online"})

    order.refresh_from_db()
    assert order.custom_fields == {"channel": "online"}
    assert Event.objects.get(verb="order.updated").changes == {"custom_fields.channel": ["fair", "online"]}


def test_api_refuses_a_missing_required_value_with_the_header_errors(english, personas, stock, channel):
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])

    response = api_as(personas["rep1"]).post(
        "/api/v1/orders/",
        {
            "customer": customer.pk,
            "promised_date": "1999-01-01",
            "lines": [{"product": products[0].pk, "quantity": "1"}],
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert sorted(body) == ["custom_fields", "promised_date"]
    assert body["custom_fields"] == {"channel": ["This field is required."]}
    assert not Order.objects.exists()


def test_api_creates_and_reads_an_order_with_custom_fields(personas, stock, channel):
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])

    response = client.post(
        "/api/v1/orders/",
        {
            "customer": customer.pk,
            "lines": [{"product": products[0].pk, "quantity": "1"}],
            "custom_fields": {"channel": "online"},
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert client.get(f"/api/v1/orders/{response.json()['id']}/").json()["custom_fields"] == {"channel": "online"}


def test_the_order_form_has_the_input_and_the_order_page_shows_the_value(client, personas, stock, channel):
    _warehouse, products = stock
    order = draft_order(personas["rep1"], products, custom_fields={"channel": "fair"})
    client.force_login(personas["rep1"])

    form = client.get(reverse("sales:order_edit", args=[order.pk])).content.decode()
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()

    assert 'name="cf_channel"' in form
    assert '<option value="fair" selected>fair</option>' in form
    assert "Channel</dt>" in page and ">fair</dd>" in page
