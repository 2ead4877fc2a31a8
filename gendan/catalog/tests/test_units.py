"""Units of measure: seeded, chosen by products, and the one quantity check every document uses."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from gendan.catalog.models import Product, UnitOfMeasure
from gendan.catalog.quantities import check_quantity, quantity_step
from gendan.catalog.services import product_create, product_update, unit_update
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

seed = importlib.import_module("gendan.catalog.migrations.0003_seed_units_of_measure")


def test_the_common_chinese_units_are_seeded_whole_or_with_decimals():
    decimals = dict(UnitOfMeasure.objects.values_list("code", "decimals"))

    assert {code: decimals[code] for code in ["台", "个", "件", "套", "箱", "pcs", "米", "千克", "吨"]} == {
        "台": 0,
        "个": 0,
        "件": 0,
        "套": 0,
        "箱": 0,
        "pcs": 0,
        "米": 2,
        "千克": 3,
        "吨": 3,
    }


def test_seeding_maps_the_free_text_products_had_and_keeps_unknown_text_as_a_unit_of_its_own():
    # given products as they were before units existed
    spelled = {text: ProductFactory(unit=text) for text in ["台", " PCS", "公斤", "箱子"]}

    # when
    seed.seed_units(apps, None)

    # then
    assert {text: (p.unit, p.unit_decimals) for text, p in spelled.items() for p in [Product.objects.get(pk=p.pk)]} == {
        "台": ("台", 0),
        " PCS": ("pcs", 0),
        "公斤": ("千克", 3),
        # Nothing refused that was accepted before, until an administrator says otherwise.
        "箱子": ("箱子", 3),
    }
    assert UnitOfMeasure.objects.get(code="箱子").decimals == 3


@pytest.mark.parametrize(
    ("code", "quantity", "message"),
    [
        ("台", "0.5", "台 is counted in whole numbers."),
        ("台", "2.000", None),
        ("台", "1E+1", None),
        ("米", "1.25", None),
        ("米", "1.255", "米 takes at most 2 decimal places."),
        ("千克", "-0.125", None),
    ],
)
def test_check_quantity_against_the_unit(english, code, quantity, message):
    unit = UnitOfMeasure.objects.get(code=code)
    product = Product(unit=unit.code, unit_decimals=unit.decimals)

    for subject in (unit, product):
        if message is None:
            check_quantity(subject, Decimal(quantity))
        else:
            with pytest.raises(ValidationError) as refused:
                check_quantity(subject, Decimal(quantity))
            assert refused.value.messages == [message]


def test_the_input_step_follows_the_unit():
    assert [quantity_step(UnitOfMeasure.objects.get(code=code)) for code in ["台", "米", "千克"]] == [
        "1",
        "0.01",
        "0.001",
    ]


def test_a_product_takes_the_decimals_of_its_unit_and_refuses_an_unknown_unit(english, personas):
    admin = personas["admin"]

    product = product_create(actor=admin, sku="MTR-1", name="伺服电机", unit="台", list_price=10, floor_price=8)
    with pytest.raises(ValidationError) as refused:
        product_create(actor=admin, sku="MTR-2", name="伺服电机", unit="stück", list_price=10, floor_price=8)
    moved = product_update(product=product, actor=admin, unit="米")

    assert product.unit_decimals == 0
    assert refused.value.message_dict == {"unit": ["Choose a unit from the list."]}
    assert not Product.objects.filter(sku="MTR-2").exists()
    assert Product.objects.get(pk=moved.pk).unit_decimals == 2


def test_changing_a_units_decimals_carries_over_to_its_products(personas):
    admin = personas["admin"]
    product = product_create(actor=admin, sku="CBL-1", name="电缆", unit="米", list_price=10, floor_price=8)

    unit_update(unit=UnitOfMeasure.objects.get(code="米"), actor=admin, name="metre", decimals=1)

    assert Product.objects.get(pk=product.pk).unit_decimals == 1


def test_the_admin_edits_a_unit_through_the_service_and_never_deletes_one(client, personas):
    personas["admin"].is_staff = True
    personas["admin"].save(update_fields=["is_staff"])
    client.force_login(personas["admin"])
    unit = UnitOfMeasure.objects.get(code="米")
    product = product_create(actor=personas["admin"], sku="CBL-2", name="电缆", unit="米", list_price=10, floor_price=8)

    response = client.post(
        reverse("admin:catalog_unitofmeasure_change", args=[unit.pk]), {"name": "metre", "decimals": "3"}
    )

    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).unit_decimals == 3
    assert client.get(reverse("admin:catalog_unitofmeasure_delete", args=[unit.pk])).status_code == 403


def test_the_product_form_offers_the_units_to_choose_from(client, personas):
    client.force_login(personas["admin"])

    response = client.get(reverse("catalog:product_create"))

    choices = dict(response.context["form"].fields["unit"].choices)
    assert choices["台"] == "台"  # its Chinese name says no more than its code
    assert "米" in choices and "stück" not in choices
