"""One spreadsheet row into the app it belongs to, through that app's own service: the same checks as the pages.

A handler reads the row's values by field, names the records it refers to (a product by code, a warehouse by code or
name, an owner by user name or full name), refuses duplicates of what is already here or earlier in the file, then
calls the service. Every problem is a ValidationError keyed by the import's field names, so the row's error lands
on the column the file has for it.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.models import User
from gendan.catalog.models import Product, UnitOfMeasure
from gendan.catalog.services import product_create
from gendan.core.bounds import date_problems
from gendan.core.errors import ApplicationError
from gendan.crm.models import Customer
from gendan.crm.services import customer_create
from gendan.finance.services_history import invoice_import, payment_import
from gendan.fulfillment.services_history import shipment_import
from gendan.inventory.models import StockLevel, StockMove, Warehouse
from gendan.inventory.services import stock_move_record
from gendan.sales.lines import build_lines
from gendan.sales.services_history import order_import

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
    _customers: dict | None = None
    _products: dict | None = None
    _existing: dict = field(default_factory=dict)
    # One "now" for the whole run: a date of today is dated now, and the steps of one day keep their order.
    now: datetime.datetime = field(default_factory=timezone.now)

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

    def customer_id(self, name: str):
        """The id of the customer the actor sees with this code, else this name; None when two share the name,
        False when none has it. Read once per run: names have no index, a search per order would scan them all."""
        if self._customers is None:
            self._customers = {"code": {}, "name": {}}
            for pk, code, customer_name in Customer.objects.visible_to(self.actor).values_list("pk", "code", "name"):
                if code:
                    self._customers["code"][code.casefold()] = pk
                key = customer_name.strip().casefold()
                self._customers["name"][key] = None if key in self._customers["name"] else pk
        key = name.strip().casefold()
        if key in self._customers["code"]:
            return self._customers["code"][key]
        return self._customers["name"].get(key, False)

    def product_id(self, name: str):
        """The id of the product with this code, else of the one product with this name; None when several have the
        name, False when none."""
        if self._products is None:
            self._products = {"sku": {}, "name": {}}
            for pk, sku, product_name in Product.objects.values_list("pk", "sku", "name"):
                self._products["sku"][sku.casefold()] = pk
                key = product_name.strip().casefold()
                self._products["name"][key] = None if key in self._products["name"] else pk
        key = name.strip().casefold()
        if key in self._products["sku"]:
            return self._products["sku"][key]
        return self._products["name"].get(key, False)

    def moment(self, day: datetime.date) -> datetime.datetime:
        """A day of the past as a moment: its noon in the company's time zone (the same day whatever the clocks
        do), or now for today before noon."""
        noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        # A day ahead stays ahead, for the service to refuse.
        return min(noon, self.now) if day == timezone.localdate(self.now) else noon

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
    if errors:
        raise ValidationError(errors)
    return customer_create(
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
    if errors:
        raise ValidationError(errors)
    return product_create(
        actor=ctx.actor,
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


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")


def _date(values, name, errors):
    """A date as Excel keeps it (a date cell) or as people type it: 2023-03-01, 2023/3/1, 2023.3.1, 2023年3月1日."""
    value = values.get(name, "")
    if isinstance(value, datetime.datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
    if not text:
        return None
    if found := CHINESE_DATE.fullmatch(text):
        text = "-".join(found.groups())
    # A time after the date (2023-03-01 00:00:00, as some programs write dates) says nothing more.
    text = text.split()[0] if " " in text else text
    for pattern in DATE_FORMATS:
        try:
            day = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        # Off the calendar (year 1) is refused here, before it is made a moment that no time zone can hold.
        if problems := date_problems(day):
            errors[name] = problems
            return None
        return day
    errors[name] = [_("Enter a date such as 2023-03-01.")]
    return None


# The columns of an order's header: given on its first row, the same or empty on the others.
ORDER_HEADER = (
    "customer",
    "ordered_on",
    "promised_date",
    "owner",
    "shipped_on",
    "carrier",
    "tracking_number",
    "delivered_on",
    "invoice_number",
    "invoiced_on",
    "paid_amount",
    "paid_on",
    "notes",
)
ORDER_DATES = {"ordered_on", "promised_date", "shipped_on", "delivered_on", "invoiced_on", "paid_on"}

# Each history service's error keys as the import's fields (a service's "number" is the order's or the invoice's).
ORDER_KEYS = {"ordered_at": "ordered_on"}
SHIPMENT_KEYS = {"shipped_at": "shipped_on", "delivered_at": "delivered_on"}
INVOICE_KEYS = {"issued_at": "invoiced_on", "number": "invoice_number"}
PAYMENT_KEYS = {"received_at": "paid_on", "amount": "paid_amount"}
LINE_FIELDS = {"product": "product", "quantity": "quantity", "unit_price": "unit_price", "amount": "quantity"}


class GroupError(Exception):
    """The errors of the rows of one group (an order), each as a ValidationError or ApplicationError of its row."""

    def __init__(self, by_row: list[tuple[int, Exception]]):
        self.by_row = by_row


def _comparable(values, name):
    """A header value as compared between the rows of one order: dates as dates, whatever their format."""
    if name in ORDER_DATES:
        return _date(values, name, {}) or _text(values, name)
    return _text(values, name)


def _order_rows_errors(ctx: RowContext, rows) -> tuple[dict, dict, list]:
    """Check an order's rows: ({row: {field: messages}}, the order's header as read from its first row, its lines)."""
    first_row, first = rows[0]
    by_row: dict[int, dict] = {}
    head: dict = {}
    errors = by_row.setdefault(first_row, {})
    for row, values in rows[1:]:
        for name in ORDER_HEADER:
            if _text(values, name) and _comparable(values, name) != _comparable(first, name):
                by_row.setdefault(row, {})[name] = [
                    _("The order's first row (%(row)s) says otherwise: leave this empty or write the same.")
                    % {"row": first_row}
                ]
    if customer_name := _text(first, "customer"):
        head["customer"] = ctx.customer_id(customer_name)
        if head["customer"] is None:
            errors["customer"] = [
                _("Two of your customers are called %(name)s: give the code.") % {"name": customer_name}
            ]
        elif head["customer"] is False:
            errors["customer"] = [_("None of your customers has this code or name.")]
    else:
        errors["customer"] = [_("Give the customer, by code or name.")]
    for name in ORDER_DATES:
        head[name] = _date(first, name, errors)
    if head["ordered_on"] is None and "ordered_on" not in errors:
        errors["ordered_on"] = [_("Give the order's date.")]
    head["owner"] = None
    if owner_name := _text(first, "owner"):
        owner = ctx.user(owner_name)
        if owner is None:
            errors["owner"] = [_("Two people are called %(name)s: give the user name.") % {"name": owner_name}]
        elif owner is False:
            errors["owner"] = [_("Nobody here is called %(name)s.") % {"name": owner_name}]
        else:
            head["owner"] = owner
    for name in ("carrier", "tracking_number", "invoice_number", "notes"):
        head[name] = _text(first, name)
    head["paid_amount"] = _decimal(first, "paid_amount", errors)
    _steps_errors(ctx, head, errors)
    lines = []
    for row, values in rows:
        problems = by_row.setdefault(row, {})
        product_name = _text(values, "product")
        product_id = ctx.product_id(product_name) if product_name else False
        if not product_name:
            problems["product"] = [_("Give the product, by code or name.")]
        elif product_id is None:
            problems["product"] = [_("Several products are called %(name)s: give the code.") % {"name": product_name}]
        elif product_id is False:
            problems["product"] = [_("No product has this code or name.")]
        quantity = _decimal(values, "quantity", problems)
        if quantity is None and "quantity" not in problems:
            problems["quantity"] = [_("Enter a quantity above zero.")]
        unit_price = _decimal(values, "unit_price", problems)
        if unit_price is None and "unit_price" not in problems:
            problems["unit_price"] = [_("Enter the unit price.")]
        lines.append({"product": product_id, "quantity": quantity, "unit_price": unit_price})
    return {row: problems for row, problems in by_row.items() if problems}, head, lines


def _steps_errors(ctx: RowContext, head: dict, errors: dict) -> None:
    """What the order's later steps need: the step before them, both halves of a payment, the right to record them."""
    needs = [
        ("delivered_on", "shipped_on", _("Give the shipping date too: goods are signed for after they leave.")),
        ("invoiced_on", "shipped_on", _("Give the shipping date too: an invoice bills what has shipped.")),
        ("paid_on", "invoiced_on", _("Give the invoice date too: the payment pays the order's invoice.")),
        ("carrier", "shipped_on", _("Give the shipping date too, or leave the carrier out.")),
        ("tracking_number", "shipped_on", _("Give the shipping date too, or leave the tracking number out.")),
        ("invoice_number", "invoiced_on", _("Give the invoice date too, or leave the invoice number out.")),
    ]
    for name, before, message in needs:
        if head[name] and not head[before] and before not in errors and name not in errors:
            errors[name] = [message]
    if head["paid_amount"] is not None and head["paid_on"] is None and "paid_on" not in errors:
        errors["paid_on"] = [_("Give the date the money was received.")]
    if head["paid_on"] is not None and head["paid_amount"] is None and "paid_amount" not in errors:
        errors["paid_amount"] = [_("Give the amount received.")]
    rights = [
        ("shipped_on", ("fulfillment.ship_shipment",), _("You may not record shipments.")),
        ("delivered_on", ("fulfillment.deliver_shipment",), _("You may not record deliveries.")),
        ("invoiced_on", ("finance.add_invoice", "finance.issue_invoice"), _("You may not issue invoices.")),
        ("paid_on", ("finance.add_payment",), _("You may not record payments.")),
    ]
    for name, perms, message in rights:
        if head[name] and not all(ctx.actor.has_perm(perm) for perm in perms) and name not in errors:
            errors[name] = [message]


def _keyed(exc, keys: dict):
    """A service's ValidationError with its keys as the import's fields; anything else as it is."""
    if not isinstance(exc, ValidationError) or not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({keys.get(key, key): messages for key, messages in exc.message_dict.items()})


def _split_lines(exc, rows) -> list[tuple[int, Exception]]:
    """The order service's errors: a line's ("lines.0.quantity") on that line's row, the rest on the first row."""
    if not isinstance(exc, ValidationError) or not hasattr(exc, "error_dict"):
        return [(rows[0][0], exc)]
    by_row: dict[int, dict] = {}
    for key, messages in exc.message_dict.items():
        found = re.fullmatch(r"lines\.(\d+)\.(\w+)", key)
        if found and int(found.group(1)) < len(rows):
            row, name = rows[int(found.group(1))][0], LINE_FIELDS.get(found.group(2), "")
        else:
            row, name = rows[0][0], ORDER_KEYS.get(key, key)
        by_row.setdefault(row, {}).setdefault(name, []).extend(messages)
    return [(row, ValidationError(errors)) for row, errors in sorted(by_row.items())]


def order_rows(ctx: RowContext, rows: list[tuple[int, dict]]):
    """One order of the past from its rows (one a line), through the history services of sales, fulfillment and
    finance: confirmed, then shipped, delivered, invoiced and paid as far as its dates go.

    A problem of one row is that row's error; one of the order as a whole is its first row's.
    """
    by_row, head, lines = _order_rows_errors(ctx, rows)
    products = Product.objects.in_bulk([line["product"] for line in lines if line["product"]])
    lines = [{**line, "product": products.get(line["product"])} for line in lines]
    if by_row:
        # The lines as the order would take them, so that the dry run tells all of a row's problems at once.
        try:
            build_lines(lines, past=True)
        except ValidationError as exc:
            for row, problem in _split_lines(exc, rows):
                for name, messages in problem.message_dict.items():
                    by_row.setdefault(row, {}).setdefault(name, messages)
        raise GroupError([(row, ValidationError(errors)) for row, errors in sorted(by_row.items())])
    first_row, first = rows[0]
    customer = Customer.objects.select_related("owner").get(pk=head["customer"])
    try:
        order = order_import(
            actor=ctx.actor,
            number=_text(first, "number"),
            customer=customer,
            lines=lines,
            ordered_at=ctx.moment(head["ordered_on"]),
            owner=head["owner"],
            promised_date=head["promised_date"],
            notes=head["notes"],
            data={"import": ctx.import_id},
        )
    except (ValidationError, ApplicationError) as exc:
        raise GroupError(_split_lines(exc, rows)) from exc

    def step(keys: dict, call):
        try:
            return call()
        except (ValidationError, ApplicationError) as exc:
            raise GroupError([(first_row, _keyed(exc, keys))]) from exc

    if head["shipped_on"]:
        step(
            SHIPMENT_KEYS,
            lambda: shipment_import(
                actor=ctx.actor,
                order=order,
                shipped_at=ctx.moment(head["shipped_on"]),
                carrier=head["carrier"],
                tracking_number=head["tracking_number"],
                delivered_at=ctx.moment(head["delivered_on"]) if head["delivered_on"] else None,
            ),
        )
    if head["invoiced_on"]:
        invoice = step(
            INVOICE_KEYS,
            lambda: invoice_import(
                actor=ctx.actor, order=order, issued_at=ctx.moment(head["invoiced_on"]), number=head["invoice_number"]
            ),
        )
        if head["paid_on"]:
            step(
                PAYMENT_KEYS,
                lambda: payment_import(
                    actor=ctx.actor,
                    invoice=invoice,
                    amount=head["paid_amount"],
                    received_at=ctx.moment(head["paid_on"]),
                    completes_at=ctx.moment(head["delivered_on"]) if head["delivered_on"] else None,
                ),
            )
    return order


HANDLERS = {
    ImportKind.CUSTOMERS: customer_row,
    ImportKind.PRODUCTS: product_row,
    ImportKind.STOCK: stock_row,
}

# Kinds whose rows come in groups (an order's lines): {kind: (the field that groups them, the group's handler)}.
GROUPED = {ImportKind.ORDERS: ("number", order_rows)}

# Who may import each kind: whoever may enter one such record by hand.
KIND_PERMS = {
    ImportKind.CUSTOMERS: "crm.add_customer",
    ImportKind.PRODUCTS: "catalog.add_product",
    ImportKind.STOCK: "inventory.add_stockmove",
    # Shipments, invoices and payments in the rows need their own rights too, checked row by row.
    ImportKind.ORDERS: "sales.add_order",
}


def may_import(user, kind: str | None = None) -> bool:
    if kind is not None:
        return kind in KIND_PERMS and user.has_perm(KIND_PERMS[kind])
    return any(user.has_perm(perm) for perm in KIND_PERMS.values())
