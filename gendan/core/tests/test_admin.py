"""The Django admin's configuration screens: number sequences, the read-only event log, warehouses."""

import pytest
from django.contrib import admin
from django.urls import reverse

from gendan.accounts.models import User
from gendan.catalog.models import Product
from gendan.catalog.services import product_create
from gendan.core import events
from gendan.core.context import request_id_var
from gendan.core.models import Event, NumberSequence
from gendan.inventory.models import Warehouse
from tests.factories import ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser(username="root", password="pw-root"))
    return client


def test_event_changelist_renders_read_only_for_a_superuser(superuser_client, personas):
    # given: one recorded event
    product = product_create(actor=personas["admin"], sku="P-1", name="螺栓", list_price=10, floor_price=8)

    # when
    response = superuser_client.get(reverse("admin:core_event_changelist"))
    detail = superuser_client.get(reverse("admin:core_event_change", args=[Event.objects.get().pk]))

    # then: listed, with no way to add or delete
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [Event.objects.get(object_id=product.pk)]
    assert response.context["has_add_permission"] is False
    # No bulk actions at all: "delete selected" is the only one the admin would offer.
    assert response.context["action_form"] is None
    assert reverse("admin:core_event_add") not in response.content.decode()
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    assert detail.context["has_delete_permission"] is False


def test_event_add_change_and_delete_are_refused_even_to_a_superuser(superuser_client, personas):
    event = events.record(personas["admin"], "product.created", ProductFactory())

    add = superuser_client.get(reverse("admin:core_event_add"))
    delete = superuser_client.post(reverse("admin:core_event_delete", args=[event.pk]), {"post": "yes"})
    change = superuser_client.post(reverse("admin:core_event_change", args=[event.pk]), {"verb": "tampered"})

    assert add.status_code == 403
    assert delete.status_code == 403
    assert change.status_code == 403
    event.refresh_from_db()
    assert (Event.objects.count(), event.verb) == (1, "product.created")


def test_event_changelist_filters_by_verb_and_searches_request_id(superuser_client, personas):
    product = ProductFactory()
    token = request_id_var.set("req-abc")
    try:
        wanted = events.record(personas["admin"], "product.updated", product)
    finally:
        request_id_var.reset(token)
    events.record(personas["admin"], "product.created", product)
    url = reverse("admin:core_event_changelist")

    by_verb = superuser_client.get(url, {"verb": "product.updated"})
    by_search = superuser_client.get(url, {"q": "req-abc"})

    assert list(by_verb.context["cl"].result_list) == [wanted]
    assert list(by_search.context["cl"].result_list) == [wanted]


def test_number_sequence_without_seq_is_refused_in_the_admin(superuser_client):
    url = reverse("admin:core_numbersequence_add")

    refused = superuser_client.post(url, {"doc_type": "SO", "pattern": "SO{yyyy}{mm}"})
    accepted = superuser_client.post(url, {"doc_type": "SO", "pattern": "SO{yyyy}{mm}{seq:05}"})

    assert refused.status_code == 200
    assert "pattern" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    assert list(NumberSequence.objects.values_list("doc_type", "pattern")) == [("SO", "SO{yyyy}{mm}{seq:05}")]


def test_warehouse_added_in_the_admin_records_a_created_event(superuser_client):
    response = superuser_client.post(
        reverse("admin:inventory_warehouse_add"), {"code": "BJ", "name": "北京仓", "address": "北京市大兴区"}
    )

    assert response.status_code == 302
    warehouse = Warehouse.objects.get()
    assert (warehouse.code, warehouse.name, warehouse.address) == ("BJ", "北京仓", "北京市大兴区")
    event = Event.objects.get()
    assert (event.verb, event.object_id, event.actor.username) == ("warehouse.created", warehouse.pk, "root")


def test_warehouse_edited_in_the_admin_records_its_changes(superuser_client):
    warehouse = WarehouseFactory(code="SH", name="上海仓", address="")

    response = superuser_client.post(
        reverse("admin:inventory_warehouse_change", args=[warehouse.pk]),
        {"code": "SH", "name": "上海一号仓", "address": "浦东新区"},
    )

    assert response.status_code == 302
    warehouse.refresh_from_db()
    assert (warehouse.name, warehouse.address) == ("上海一号仓", "浦东新区")
    event = Event.objects.get()
    assert event.verb == "warehouse.updated"
    assert event.changes == {"name": ["上海仓", "上海一号仓"], "address": ["", "浦东新区"]}


def test_products_are_not_in_the_admin():
    # Products change through the UI pages, whose services record events.
    assert not admin.site.is_registered(Product)


def test_a_numbering_pattern_changed_in_the_admin_is_on_record(superuser_client):
    sequence = NumberSequence.objects.create(doc_type="SO", pattern="SO{yyyy}{mm}{seq:05}")

    response = superuser_client.post(
        reverse("admin:core_numbersequence_change", args=[sequence.pk]), {"doc_type": "SO", "pattern": "XS{yy}{seq:06}"}
    )

    assert response.status_code == 302
    event = Event.objects.get(verb="numbering.updated")
    assert (event.object_id, event.actor.username, event.changes) == (
        sequence.pk,
        "root",
        {"pattern": ["SO{yyyy}{mm}{seq:05}", "XS{yy}{seq:06}"]},
    )
