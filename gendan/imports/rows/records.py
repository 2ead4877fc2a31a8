"""Customers, products and opening stock, one row each, through crm's, catalog's and inventory's services."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gendan.catalog.models import Product
from gendan.catalog.services import product_create
from gendan.core import custom_fields as custom
from gendan.core.models import CustomFieldKind
from gendan.crm.services import customer_create
from gendan.inventory.models import StockMove
from gendan.inventory.services import stock_move_record

from ..columns import CUSTOM_PREFIX, CUSTOM_RECORD_TYPES
from ..models import ImportKind
from .values import RowContext, decimal_value, duplicate_error, text_value, whole_value, yes_no

# A service's error key for a nested row, as the import's field of the one contact and one address a row holds.
SERVICE_KEYS = {
    "contacts.0.name": "contact_name",
    "contacts.0.phone": "contact_phone",
    "contacts.0.email": "contact_email",
    "contacts.0.title": "contact_title",
    "addresses.0.recipient": "recipient",
    "addresses.0.phone": "recipient_phone",
    "addresses.0.province": "province",
    "addresses.0.city": "city",
    "addresses.0.district": "district",
    "addresses.0.street": "street",
    "addresses.0.postal_code": "postal_code",
}


def _custom_values(ctx: RowContext, values: dict, kind: str, errors: dict) -> dict:
    """The row's custom field values ({key: value}) for the record's service, people named in the file by user name
    or full name. Checked here too (the one check, core.custom_fields), so that their errors show with the row's
    others: the service checks them again when nothing else is wrong."""
    fields = custom.fields_of(CUSTOM_RECORD_TYPES[kind])
    submitted = {}
    for field_ in fields:
        name = CUSTOM_PREFIX + field_.key
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, datetime.datetime):
            # A date cell of a spreadsheet reads as midnight of that day.
            value = value.date()
        text = value.isoformat() if hasattr(value, "isoformat") else str(value).strip()
        if field_.kind == CustomFieldKind.PERSON and text:
            person = ctx.user(text)
            if person is None:
                errors[name] = [_("Two people are called %(name)s: give the user name.") % {"name": text}]
                continue
            if person is False:
                errors[name] = [_("Nobody here is called %(name)s.") % {"name": text}]
                continue
            text = person.pk
        submitted[field_.key] = text
    _values, problems = custom.clean_custom_values(fields, submitted)
    for key, messages in problems.items():
        errors.setdefault(CUSTOM_PREFIX + key.removeprefix(f"{custom.FIELD}."), messages)
    return submitted


def customer_row(ctx: RowContext, values: dict, row: int):
    errors: dict = {}
    code, name = text_value(values, "code"), text_value(values, "name")
    if not name:
        errors["name"] = [_("A customer needs a name.")]
    else:
        in_db = name in ctx.existing("customer_names")
        duplicate_error(
            errors,
            "name",
            ctx.first_row(("name", name), row),
            _("A customer of this name is already here.") if in_db else "",
        )
    if code:
        in_db = code in ctx.existing("customer_codes")
        duplicate_error(
            errors,
            "code",
            ctx.first_row(("code", code), row),
            _("A customer with this code is already here.") if in_db else "",
        )
    fields = {f: text_value(values, f) for f in ("phone", "email", "tax_id", "industry", "region", "source", "notes")}
    fields = {f: v for f, v in fields.items() if v}
    if level := text_value(values, "level").upper():
        fields["level"] = level
    owner = None
    if owner_name := text_value(values, "owner"):
        owner = ctx.user(owner_name)
        if owner is None:
            errors["owner"] = [_("Two people are called %(name)s: give the user name.") % {"name": owner_name}]
        elif owner is False:
            errors["owner"] = [_("Nobody here is called %(name)s.") % {"name": owner_name}]
            owner = None
    credit = decimal_value(values, "credit_limit", errors)
    if credit is not None:
        fields["credit_limit"] = credit
    terms = whole_value(values, "payment_terms_days", errors, None)
    if terms is not None:
        fields["payment_terms_days"] = terms
    contact = {
        "name": text_value(values, "contact_name"),
        "phone": text_value(values, "contact_phone"),
        "email": text_value(values, "contact_email"),
        "title": text_value(values, "contact_title"),
    }
    place = {f: text_value(values, f) for f in ("province", "city", "district", "street", "postal_code")}
    address = {"recipient": text_value(values, "recipient"), "phone": text_value(values, "recipient_phone"), **place}
    if any(address.values()):
        address["recipient"] = address["recipient"] or contact["name"]
        address["phone"] = address["phone"] or contact["phone"]
    custom_values = _custom_values(ctx, values, ImportKind.CUSTOMERS, errors)
    if errors:
        raise ValidationError(errors)
    return customer_create(
        actor=ctx.actor,
        custom_fields=custom_values,
        name=name,
        code=code,
        owner=owner,
        contacts=[contact] if any(contact.values()) else [],
        addresses=[address] if any(address.values()) else [],
        **fields,
    )


def product_row(ctx: RowContext, values: dict, row: int):
    errors: dict = {}
    sku, name = text_value(values, "sku"), text_value(values, "name")
    if not sku:
        errors["sku"] = [_("A product needs a code.")]
    else:
        in_db = sku in ctx.existing("skus")
        duplicate_error(
            errors,
            "sku",
            ctx.first_row(("sku", sku), row),
            _("A product with this code is already here.") if in_db else "",
        )
    unit = "pcs"
    if unit_name := text_value(values, "unit"):
        unit = ctx.unit(unit_name)
        if unit is None:
            errors["unit"] = [_("No unit of measure is called %(name)s.") % {"name": unit_name}]
    list_price = decimal_value(values, "list_price", errors)
    if list_price is None and "list_price" not in errors:
        errors["list_price"] = [_("A product needs a list price.")]
    floor_price = decimal_value(values, "floor_price", errors, list_price)
    cost = decimal_value(values, "cost", errors, Decimal("0"))
    active = yes_no(values, "is_active", errors)
    custom_values = _custom_values(ctx, values, ImportKind.PRODUCTS, errors)
    if errors:
        raise ValidationError(errors)
    return product_create(
        actor=ctx.actor,
        custom_fields=custom_values,
        sku=sku,
        name=name,
        unit=unit,
        list_price=list_price,
        floor_price=floor_price,
        cost=cost,
        is_active=active,
    )


def stock_row(ctx: RowContext, values: dict, row: int):
    errors: dict = {}
    sku, warehouse_name = text_value(values, "sku"), text_value(values, "warehouse")
    product = Product.objects.filter(sku=sku).first() if sku else None
    if product is None:
        errors["sku"] = [_("No product has this code.")] if sku else [_("Give the product's code.")]
    warehouse = ctx.warehouse(warehouse_name) if warehouse_name else None
    if warehouse is None:
        errors["warehouse"] = (
            [_("No warehouse has this code or name.")] if warehouse_name else [_("Give the warehouse.")]
        )
    quantity = decimal_value(values, "quantity", errors)
    if quantity is None and "quantity" not in errors:
        errors["quantity"] = [_("Enter a quantity above zero.")]
    if product is not None and warehouse is not None:
        # Opening stock is where a warehouse starts: a product with movements there already has its stock.
        in_db = (product.pk, warehouse.pk) in ctx.existing("stocked")
        duplicate_error(
            errors,
            "sku",
            ctx.first_row(("stock", product.pk, warehouse.pk), row),
            _("This product already has stock in this warehouse: enter a change as an adjustment.") if in_db else "",
        )
    if errors:
        raise ValidationError(errors)
    note = text_value(values, "note") or _("Opening stock, import %(id)s") % {"id": ctx.import_id}
    return stock_move_record(
        actor=ctx.actor,
        kind=StockMove.Kind.RECEIPT,
        product=product,
        warehouse=warehouse,
        quantity=quantity,
        note=note[: StockMove._meta.get_field("note").max_length],
    )
