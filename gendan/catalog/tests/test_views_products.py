"""The product create and edit pages, and their entry points on the product list."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from gendan.catalog.models import Product
from gendan.catalog.services import product_update
from gendan.core.models import Event
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def create_post(**overrides):
    return {
        "sku": "BOLT-M8",
        "name": "六角螺栓 M8",
        "unit": "pcs",
        "list_price": "12.5",
        "floor_price": "10",
        "cost": "6.2",
        **overrides,
    }


def edit_post(product, **overrides):
    data = {
        "sku": product.sku,
        "name": product.name,
        "unit": product.unit,
        "list_price": str(product.list_price),
        "floor_price": str(product.floor_price),
        "cost": str(product.cost),
        "is_active": "on" if product.is_active else "",
        "version": str(product.version),
        **overrides,
    }
    return {k: v for k, v in data.items() if not (k == "is_active" and v == "")}


def test_anonymous_is_sent_to_log_in(client):
    product = ProductFactory()

    for url in (reverse("catalog:product_create"), reverse("catalog:product_edit", args=[product.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_admin_creates_a_product_and_the_event_is_recorded(client, personas):
    client.force_login(personas["admin"])

    response = client.post(reverse("catalog:product_create"), create_post())

    assert response.status_code == 302
    assert response.url == reverse("catalog:product_list") + "?q=BOLT-M8"
    product = Product.objects.get()
    assert (product.sku, product.name, product.unit) == ("BOLT-M8", "六角螺栓 M8", "pcs")
    assert (product.list_price, product.floor_price, product.cost) == (
        Decimal("12.50"),
        Decimal("10.00"),
        Decimal("6.20"),
    )
    assert product.is_active is True
    assert product.version == 1
    event = Event.objects.get()
    assert (event.verb, event.object_id, event.actor) == ("product.created", product.pk, personas["admin"])
    assert event.data["list_price"] == "12.50"


def test_create_page_shows_the_form(client, personas):
    client.force_login(personas["admin"])

    response = client.get(reverse("catalog:product_create"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["sku", "name", "unit", "list_price", "floor_price", "cost"]
    assert 'data-testid="product-form"' in response.content.decode()


def test_floor_above_list_price_is_a_field_error_and_nothing_is_written(client, personas):
    client.force_login(personas["admin"])

    response = client.post(reverse("catalog:product_create"), create_post(list_price="10", floor_price="12"))

    assert response.status_code == 200
    assert response.context["form"].errors == {"floor_price": ["The floor price cannot be above the list price."]}
    assert Product.objects.count() == 0
    assert Event.objects.count() == 0


def test_duplicate_sku_and_negative_price_are_field_errors(client, personas):
    ProductFactory(sku="BOLT-M8")
    client.force_login(personas["admin"])

    duplicate = client.post(reverse("catalog:product_create"), create_post())
    negative = client.post(reverse("catalog:product_create"), create_post(sku="NEW-1", cost="-1"))

    assert list(duplicate.context["form"].errors) == ["sku"]
    assert list(negative.context["form"].errors) == ["cost"]
    assert Product.objects.count() == 1
    assert Event.objects.count() == 0


def test_admin_edits_a_product_and_the_changes_are_recorded(client, personas):
    # given
    product = ProductFactory(sku="P-1", name="旧名", list_price=Decimal("100"), floor_price=Decimal("80"))
    client.force_login(personas["admin"])

    # when: the page is opened, then saved with a new name and list price, deactivated
    page = client.get(reverse("catalog:product_edit", args=[product.pk]))
    response = client.post(
        reverse("catalog:product_edit", args=[product.pk]),
        edit_post(product, name="新名", list_price="120", is_active=""),
    )

    # then
    assert page.status_code == 200
    assert page.context["form"].initial["version"] == 1
    assert response.status_code == 302
    assert response.url == reverse("catalog:product_list") + "?q=P-1"
    product.refresh_from_db()
    assert (product.name, product.list_price, product.is_active, product.version) == (
        "新名",
        Decimal("120.00"),
        False,
        2,
    )
    event = Event.objects.get()
    assert event.verb == "product.updated"
    assert event.changes == {"name": ["旧名", "新名"], "list_price": ["100.00", "120.00"], "is_active": [True, False]}


def test_edit_with_floor_above_list_price_keeps_the_product_unchanged(client, personas):
    product = ProductFactory(list_price=Decimal("100"), floor_price=Decimal("80"))
    client.force_login(personas["admin"])

    response = client.post(reverse("catalog:product_edit", args=[product.pk]), edit_post(product, floor_price="150"))

    assert response.status_code == 200
    assert response.context["form"].errors == {"floor_price": ["The floor price cannot be above the list price."]}
    product.refresh_from_db()
    assert (product.floor_price, product.version) == (Decimal("80.00"), 1)
    assert Event.objects.count() == 0


def test_a_stale_edit_is_refused_with_a_reload_link_and_overwrites_nothing(client, personas):
    # given: the page was opened at version 1, then someone else renamed the product
    product = ProductFactory(name="原名")
    form_data = edit_post(product, name="我的修改")
    product_update(product=product, actor=personas["admin"], version=1, name="别人的修改")

    # when
    client.force_login(personas["admin"])
    response = client.post(reverse("catalog:product_edit", args=[product.pk]), form_data)

    # then
    assert response.status_code == 200
    assert response.context["stale"] is True
    content = response.content.decode()
    assert 'data-testid="stale-error"' in content
    assert "changed by someone else" in content
    product.refresh_from_db()
    assert (product.name, product.version) == ("别人的修改", 2)
    assert list(Event.objects.values_list("verb", flat=True)) == ["product.updated"]


def test_edit_of_an_unknown_product_is_404(client, personas):
    client.force_login(personas["admin"])

    assert client.get(reverse("catalog:product_edit", args=[999999])).status_code == 404


def test_a_sales_rep_gets_403_on_both_pages_and_writes_nothing(client, personas):
    product = ProductFactory(name="原名")
    client.force_login(personas["rep1"])

    responses = [
        client.get(reverse("catalog:product_create")),
        client.post(reverse("catalog:product_create"), create_post()),
        client.get(reverse("catalog:product_edit", args=[product.pk])),
        client.post(reverse("catalog:product_edit", args=[product.pk]), edit_post(product, name="改")),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    product.refresh_from_db()
    assert (Product.objects.count(), product.name) == (1, "原名")
    assert Event.objects.count() == 0


def test_new_and_edit_buttons_show_only_with_the_permission(client, personas):
    product = ProductFactory()
    edit_url = reverse("catalog:product_edit", args=[product.pk])

    client.force_login(personas["rep1"])
    rep_page = client.get(reverse("catalog:product_list")).content.decode()
    client.force_login(personas["admin"])
    admin_page = client.get(reverse("catalog:product_list")).content.decode()

    assert 'data-testid="new-product"' not in rep_page and edit_url not in rep_page
    assert 'data-testid="new-product"' in admin_page and edit_url in admin_page


def test_cost_is_not_offered_to_an_editor_who_may_not_see_it(client, personas):
    # A user given change_product but not view_cost must neither see nor blank the cost.
    product = ProductFactory(cost=Decimal("61.37"))
    editor = personas["warehouse1"]
    editor.user_permissions.add(Permission.objects.get(codename="change_product"))
    client.force_login(editor)
    data = edit_post(product, name="新名")
    del data["cost"]

    page = client.get(reverse("catalog:product_edit", args=[product.pk]))
    response = client.post(reverse("catalog:product_edit", args=[product.pk]), data)

    assert "cost" not in page.context["form"].fields
    assert "61.37" not in page.content.decode()
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.cost) == ("新名", Decimal("61.37"))
