"""Everything that can happen to a product. Each function is one transaction and records its event."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gendan.core import custom_fields as custom
from gendan.core import events
from gendan.core.money import round_money
from gendan.core.services import check_version, require_perm

from .models import Product, UnitOfMeasure

PRODUCT_FIELDS = ["sku", "name", "unit", "list_price", "floor_price", "cost", "is_active"]
MONEY_FIELDS = ["list_price", "floor_price", "cost"]


def _validate(product: Product, custom_errors: dict | None = None) -> None:
    """Field-keyed messages for everything the table's constraints would refuse, with its custom fields' errors."""
    errors = dict(custom_errors or {})
    try:
        # validate_unique gives "Product with this SKU already exists." on the field; the
        # unique index stays the backstop for two creates racing.
        product.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "unit" not in errors:
        unit = UnitOfMeasure.objects.filter(code=product.unit).first()
        if unit is None:
            errors["unit"] = [_("Choose a unit from the list.")]
        else:
            product.unit_decimals = unit.decimals
    for field in MONEY_FIELDS:
        value = getattr(product, field)
        if field in errors or value is None:
            continue
        if value < 0:
            errors[field] = [_("The price cannot be negative.")]
        # Two decimals, so 100 and 100.00 are one value in the event log's before/after.
        setattr(product, field, round_money(value))
    if (
        not {"list_price", "floor_price"} & set(errors)
        and product.floor_price is not None
        and product.list_price is not None
        and product.floor_price > product.list_price
    ):
        errors["floor_price"] = [_("The floor price cannot be above the list price.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def product_create(
    *,
    actor,
    sku: str,
    name: str,
    list_price: Decimal,
    floor_price: Decimal,
    unit: str = "pcs",
    cost: Decimal = Decimal("0"),
    is_active: bool = True,
    custom_fields=None,
) -> Product:
    require_perm(actor, "catalog.add_product")
    product = Product(
        sku=sku,
        name=name,
        unit=unit,
        list_price=list_price,
        floor_price=floor_price,
        cost=cost,
        is_active=is_active,
    )
    product.custom_fields, custom_errors = custom.clean_custom_values(
        custom.fields_of("catalog.product"), custom_fields
    )
    _validate(product, custom_errors)
    product.save()
    events.record(actor, "product.created", product, data=events.snapshot(product, PRODUCT_FIELDS))
    return product


@transaction.atomic
def product_update(*, product: Product, actor, version=None, custom_fields=None, **fields) -> Product:
    require_perm(actor, "catalog.change_product")
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"product_update got unexpected fields {sorted(unknown)}")
    product = Product.objects.select_for_update().get(pk=product.pk)
    check_version(product, version)
    before = events.snapshot(product, fields)
    for name, value in fields.items():
        setattr(product, name, value)
    custom_before, custom_errors = product.custom_fields, {}
    if custom_fields is not None:
        product.custom_fields, custom_errors = custom.clean_custom_values(
            custom.fields_of("catalog.product"), custom_fields, current=custom_before
        )
    _validate(product, custom_errors)
    changes = events.diff(before, events.snapshot(product, fields))
    changes.update(custom.changes(custom_before, product.custom_fields))
    product.version += 1
    product.save()
    events.record(actor, "product.updated", product, changes=changes)
    return product


UNIT_FIELDS = ["code", "name", "decimals"]


def _validate_unit(unit: UnitOfMeasure) -> None:
    errors = {}
    try:
        unit.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "decimals" not in errors and unit.decimals > 4:
        errors["decimals"] = [_("A unit takes 0 to 4 decimal places.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def unit_create(*, actor, code: str, name: str, decimals: int = 0) -> UnitOfMeasure:
    require_perm(actor, "catalog.add_unitofmeasure")
    unit = UnitOfMeasure(code=code, name=name, decimals=decimals)
    _validate_unit(unit)
    unit.save()
    events.record(actor, "unit.created", unit, data=events.snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_update(*, unit: UnitOfMeasure, actor, name: str, decimals: int) -> UnitOfMeasure:
    """Name and decimal places; the code stays, since products name their unit by it."""
    require_perm(actor, "catalog.change_unitofmeasure")
    unit = UnitOfMeasure.objects.select_for_update().get(pk=unit.pk)
    fields = {"name": name, "decimals": decimals}
    before = events.snapshot(unit, fields)
    unit.name, unit.decimals = name, decimals
    _validate_unit(unit)
    changes = events.diff(before, events.snapshot(unit, fields))
    if not changes:
        return unit
    unit.save(update_fields=["name", "decimals"])
    # Products carry their unit's decimals (see Product.unit_decimals); quantities already on
    # documents stay as they were entered.
    Product.objects.filter(unit=unit.code).update(unit_decimals=unit.decimals)
    events.record(actor, "unit.updated", unit, changes=changes)
    return unit
