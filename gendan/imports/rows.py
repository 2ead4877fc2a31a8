"""One spreadsheet row into the app it belongs to, through that app's own service: the same checks as the pages.

A handler reads the row's values by field, names the records it refers to (a product by code, a warehouse by code or
name, an owner by user name or full name), refuses duplicates of what is already here or earlier in the file, then
calls the service. Every problem is a ValidationError keyed by the import's field names, so the row's error lands
on the column the file has for it.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gendan.accounts.models import User
from gendan.catalog.models import Product, UnitOfMeasure
from gendan.catalog.services import product_create
from gendan.core import custom_fields as custom
from gendan.core.models import CustomFieldKind
from gendan.crm.models import Customer
from gendan.crm.services import customer_create
from gendan.inventory.models import StockLevel, StockMove, Warehouse
from gendan.inventory.services import stock_move_record

from .columns import CUSTOM_PREFIX, CUSTOM_RECORD_TYPES
from .models import ImportKind

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

# What is already here, by the key a row is compared on. A product has a stock level in a warehouse from its first
# movement there on.
EXISTING = {
    "customer_names": lambda: Customer.objects.values_list("name", flat=True),
    "customer_codes": lambda: Customer.objects.values_list("code", flat=True),
    "skus": lambda: Product.objects.values_list("sku", flat=True),
    "stocked": lambda: StockLevel.objects.values_list("product_id", "warehouse_id"),
}

YES = {"是", "y", "yes", "true", "1", "启用", "有效", "在售"}
NO = {"否", "n", "no", "false", "0", "停用", "禁用", "无效", "停售"}


@dataclass
class RowContext:
    """What one run of an import knows across its rows: who imports, the lookups read once, the keys seen so far."""

    actor: User
    import_id: int
    seen: dict = field(default_factory=dict)
    _users: dict | None = None
    _units: dict | None = None
    _warehouses: dict | None = None
    _existing: dict = field(default_factory=dict)

    def first_row(self, key, row: int) -> int | None:
        """The row that already had `key` in this file, or None (and `row` has it from now on)."""
        earlier = self.seen.get(key)
        if earlier is None:
            self.seen[key] = row
        return earlier

    def existing(self, what: str) -> set:
        """The keys already here, read once per run: a query per row would scan customers' names (not indexed)
        once for every row, and the rows this run adds are caught by `first_row`."""
        if what not in self._existing:
            self._existing[what] = set(EXISTING[what]())
        return self._existing[what]

    def user(self, name: str):
        if self._users is None:
            self._users = {}
            for user in User.objects.filter(is_active=True):
                names = {user.username, user.get_full_name(), f"{user.last_name}{user.first_name}", str(user)}
                for key in {n.strip().casefold() for n in names if n.strip()}:
                    # Two people of one name: neither is taken by name.
                    self._users[key] = None if key in self._users and self._users[key] != user else user
        return self._users.get(name.strip().casefold(), False)

    def unit(self, name: str):
        if self._units is None:
            self._units = {}
            for unit in UnitOfMeasure.objects.all():
                self._units.setdefault(unit.code.casefold(), unit.code)
                self._units.setdefault(unit.name.casefold(), unit.code)
        return self._units.get(name.strip().casefold())

    def warehouse(self, name: str):
        if self._warehouses is None:
            self._warehouses = {}
            for warehouse in Warehouse.objects.all():
                self._warehouses.setdefault(warehouse.code.casefold(), warehouse)
                self._warehouses.setdefault(warehouse.name.casefold(), warehouse)
        return self._warehouses.get(name.strip().casefold())


def _text(values, name) -> str:
    value = values.get(name, "")
    return value.isoformat() if hasattr(value, "isoformat") else str(value).strip()


def _decimal(values, name, errors, default=None):
    text = _text(values, name).replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not text:
        return default
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors[name] = [_("Enter a number.")]
        return None
    return number


def _whole(values, name, errors, default):
    number = _decimal(values, name, errors, default)
    if number is None or name in errors:
        return default
    if number != number.to_integral_value() or number < 0:
        errors[name] = [_("Enter a whole number of zero or more.")]
        return default
    return int(number)


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


def _duplicate(errors, name, earlier: int | None, message: str) -> None:
    if earlier is not None:
        errors[name] = [_("The same as row %(row)s of this file.") % {"row": earlier}]
    elif message:
        errors[name] = [message]


def customer_row(ctx: RowContext, values: dict, row: int):
    errors: dict = {}
    code, name = _text(values, "code"), _text(values, "name")
    if not name:
        errors["name"] = [_("A customer needs a name.")]
    else:
        in_db = name in ctx.existing("customer_names")
        _duplicate(
            errors,
            "name",
            ctx.first_row(("name", name), row),
            _("A customer of this name is already here.") if in_db else "",
        )
    if code:
        in_db = code in ctx.existing("customer_codes")
        _duplicate(
            errors,
            "code",
            ctx.first_row(("code", code), row),
            _("A customer with this code is already here.") if in_db else "",
        )
    fields = {f: _text(values, f) for f in ("phone", "email", "tax_id", "industry", "region", "source", "notes")}
    fields = {f: v for f, v in fields.items() if v}
    if level := _text(values, "level").upper():
        fields["level"] = level
    owner = None
    if owner_name := _text(values, "owner"):
        owner = ctx.user(owner_name)
        if owner is None:
            errors["owner"] = [_("Two people are called %(name)s: give the user name.") % {"name": owner_name}]
        elif owner is False:
            errors["owner"] = [_("Nobody here is called %(name)s.") % {"name": owner_name}]
            owner = None
    credit = _decimal(values, "credit_limit", errors)
    if credit is not None:
        fields["credit_limit"] = credit
    terms = _whole(values, "payment_terms_days", errors, None)
    if terms is not None:
        fields["payment_terms_days"] = terms
    contact = {
        "name": _text(values, "contact_name"),
        "phone": _text(values, "contact_phone"),
        "email": _text(values, "contact_email"),
        "title": _text(values, "contact_title"),
    }
    place = {f: _text(values, f) for f in ("province", "city", "district", "street", "postal_code")}
    address = {"recipient": _text(values, "recipient"), "phone": _text(values, "recipient_phone"), **place}
    if any(address.values()):
        address["recipient"] = address["recipient"] or contact["name"]
        address["phone"] = address["phone"] or contact["phone"]
    custom_values = _custom_values(ctx, values, ImportKind.CUSTOMERS, errors)
    if errors:
        raise ValidationError(errors)
    return customer_create(
        custom_fields=custom_values,
        actor=ctx.actor,
        name=name,
        code=code,
        owner=owner,
        contacts=[contact] if any(contact.values()) else [],
        addresses=[address] if any(address.values()) else [],
        **fields,
    )


def _yes_no(values, name, errors) -> bool:
    text = _text(values, name).casefold()
    if not text or text in YES:
        return True
    if text in NO:
        return False
    errors[name] = [_("Write 是 or 否 (yes or no).")]
    return True


def product_row(ctx: RowContext, values: dict, row: int):
    errors: dict = {}
    sku, name = _text(values, "sku"), _text(values, "name")
    if not sku:
        errors["sku"] = [_("A product needs a code.")]
    else:
        in_db = sku in ctx.existing("skus")
        _duplicate(
            errors,
            "sku",
            ctx.first_row(("sku", sku), row),
            _("A product with this code is already here.") if in_db else "",
        )
    unit = "pcs"
    if unit_name := _text(values, "unit"):
        unit = ctx.unit(unit_name)
        if unit is None:
            errors["unit"] = [_("No unit of measure is called %(name)s.") % {"name": unit_name}]
    list_price = _decimal(values, "list_price", errors)
    if list_price is None and "list_price" not in errors:
        errors["list_price"] = [_("A product needs a list price.")]
    floor_price = _decimal(values, "floor_price", errors, list_price)
    cost = _decimal(values, "cost", errors, Decimal("0"))
    active = _yes_no(values, "is_active", errors)
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
    sku, warehouse_name = _text(values, "sku"), _text(values, "warehouse")
    product = Product.objects.filter(sku=sku).first() if sku else None
    if product is None:
        errors["sku"] = [_("No product has this code.")] if sku else [_("Give the product's code.")]
    warehouse = ctx.warehouse(warehouse_name) if warehouse_name else None
    if warehouse is None:
        errors["warehouse"] = (
            [_("No warehouse has this code or name.")] if warehouse_name else [_("Give the warehouse.")]
        )
    quantity = _decimal(values, "quantity", errors)
    if quantity is None and "quantity" not in errors:
        errors["quantity"] = [_("Enter a quantity above zero.")]
    if product is not None and warehouse is not None:
        # Opening stock is where a warehouse starts: a product with movements there already has its stock.
        in_db = (product.pk, warehouse.pk) in ctx.existing("stocked")
        _duplicate(
            errors,
            "sku",
            ctx.first_row(("stock", product.pk, warehouse.pk), row),
            _("This product already has stock in this warehouse: enter a change as an adjustment.") if in_db else "",
        )
    if errors:
        raise ValidationError(errors)
    note = _text(values, "note") or _("Opening stock, import %(id)s") % {"id": ctx.import_id}
    return stock_move_record(
        actor=ctx.actor,
        kind=StockMove.Kind.RECEIPT,
        product=product,
        warehouse=warehouse,
        quantity=quantity,
        note=note[: StockMove._meta.get_field("note").max_length],
    )


HANDLERS = {
    ImportKind.CUSTOMERS: customer_row,
    ImportKind.PRODUCTS: product_row,
    ImportKind.STOCK: stock_row,
}

# Who may import each kind: whoever may enter one such record by hand.
KIND_PERMS = {
    ImportKind.CUSTOMERS: "crm.add_customer",
    ImportKind.PRODUCTS: "catalog.add_product",
    ImportKind.STOCK: "inventory.add_stockmove",
}


def may_import(user, kind: str | None = None) -> bool:
    if kind is not None:
        return kind in KIND_PERMS and user.has_perm(KIND_PERMS[kind])
    return any(user.has_perm(perm) for perm in KIND_PERMS.values())
