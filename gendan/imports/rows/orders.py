"""Historical orders, one row per order line, through the history services of sales, fulfillment and finance, a
batch of orders at a time."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gendan.core.errors import ApplicationError, ItemErrors
from gendan.finance.services_history import invoices_import, payments_import
from gendan.fulfillment.services_history import shipments_import
from gendan.sales.lines import build_lines
from gendan.sales.services_history import orders_import

from .values import GroupError, RowContext, date_value, decimal_value, text_value

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


def _comparable(values, name):
    """A header value as compared between the rows of one order: dates as dates, whatever their format."""
    if name in ORDER_DATES:
        return date_value(values, name, {}) or text_value(values, name)
    return text_value(values, name)


def _order_rows_errors(ctx: RowContext, rows) -> tuple[dict, dict, list]:
    """Check an order's rows: ({row: {field: messages}}, the order's header as read from its first row, its lines)."""
    first_row, first = rows[0]
    by_row: dict[int, dict] = {}
    head: dict = {}
    errors = by_row.setdefault(first_row, {})
    for row, values in rows[1:]:
        for name in ORDER_HEADER:
            if text_value(values, name) and _comparable(values, name) != _comparable(first, name):
                by_row.setdefault(row, {})[name] = [
                    _("The order's first row (%(row)s) says otherwise: leave this empty or write the same.")
                    % {"row": first_row}
                ]
    if customer_name := text_value(first, "customer"):
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
        head[name] = date_value(first, name, errors)
    if head["ordered_on"] is None and "ordered_on" not in errors:
        errors["ordered_on"] = [_("Give the order's date.")]
    head["owner"] = None
    if owner_name := text_value(first, "owner"):
        owner = ctx.user(owner_name)
        if owner is None:
            errors["owner"] = [_("Two people are called %(name)s: give the user name.") % {"name": owner_name}]
        elif owner is False:
            errors["owner"] = [_("Nobody here is called %(name)s.") % {"name": owner_name}]
        else:
            head["owner"] = owner
    for name in ("carrier", "tracking_number", "invoice_number", "notes"):
        head[name] = text_value(first, name)
    head["paid_amount"] = decimal_value(first, "paid_amount", errors)
    _steps_errors(ctx, head, errors)
    lines = []
    for row, values in rows:
        problems = by_row.setdefault(row, {})
        product_name = text_value(values, "product")
        product_id = ctx.product_id(product_name) if product_name else False
        if not product_name:
            problems["product"] = [_("Give the product, by code or name.")]
        elif product_id is None:
            problems["product"] = [_("Several products are called %(name)s: give the code.") % {"name": product_name}]
        elif product_id is False:
            problems["product"] = [_("No product has this code or name.")]
        quantity = decimal_value(values, "quantity", problems)
        if quantity is None and "quantity" not in problems:
            problems["quantity"] = [_("Enter a quantity above zero.")]
        unit_price = decimal_value(values, "unit_price", problems)
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


def order_spec(ctx: RowContext, rows: list[tuple[int, dict]]) -> dict:
    """One order of the past as read from its rows (one a line), ready for `orders_write`; its rows' problems as a
    GroupError, told all at once (the lines as the order would take them included)."""
    by_row, head, lines = _order_rows_errors(ctx, rows)
    products = ctx.products([line["product"] for line in lines if line["product"]])
    lines = [{**line, "product": products.get(line["product"])} for line in lines]
    if by_row:
        try:
            build_lines(lines, past=True)
        except ValidationError as exc:
            for row, problem in _split_lines(exc, rows):
                for name, messages in problem.message_dict.items():
                    by_row.setdefault(row, {}).setdefault(name, messages)
        raise GroupError([(row, ValidationError(errors)) for row, errors in sorted(by_row.items())])
    return {"rows": rows, "head": head, "lines": lines}


def _stage(specs, positions, keys, write):
    """Run one history service over the specs at `positions` (none: it is not called): what it made, in their order;
    a refused item as the ItemErrors of its spec, on the rows the error belongs to, and a refusal of the whole batch
    (a right the actor lacks) as every spec's."""
    if not positions:
        return []
    try:
        return write()
    except (ItemErrors, ValidationError, ApplicationError) as exc:
        by_item = exc.by_item if isinstance(exc, ItemErrors) else dict.fromkeys(range(len(positions)), exc)
        refused = {}
        for index, problem in by_item.items():
            rows = specs[positions[index]]["rows"]
            by_row = _split_lines(problem, rows) if keys is None else [(rows[0][0], _keyed(problem, keys))]
            refused[positions[index]] = GroupError(by_row)
        raise ItemErrors(refused) from exc


def orders_write(ctx: RowContext, specs: list[dict]) -> list:
    """A batch of orders of the past (`order_spec`), through the history services of sales, fulfillment and finance:
    confirmed, then shipped, delivered, invoiced and paid as far as their dates go. A refused order raises
    ItemErrors by its position in `specs`, its errors a GroupError of its rows; then nothing of the batch is kept.
    """
    heads = [spec["head"] for spec in specs]
    customers = ctx.customers({head["customer"] for head in heads})
    everyone = list(range(len(specs)))
    orders = _stage(
        specs,
        everyone,
        None,
        lambda: orders_import(
            actor=ctx.actor,
            warehouse=ctx.default_warehouse(),
            orders=[
                {
                    "number": text_value(spec["rows"][0][1], "number"),
                    "customer": customers[head["customer"]],
                    "lines": spec["lines"],
                    "ordered_at": ctx.moment(head["ordered_on"]),
                    "owner": head["owner"],
                    "promised_date": head["promised_date"],
                    "notes": head["notes"],
                    "data": {"import": ctx.import_id},
                    "reserve": not head["shipped_on"],
                }
                for spec, head in zip(specs, heads, strict=True)
            ],
        ),
    )
    shipped = [i for i in everyone if heads[i]["shipped_on"]]
    _stage(
        specs,
        shipped,
        SHIPMENT_KEYS,
        lambda: shipments_import(
            actor=ctx.actor,
            shipments=[
                {
                    "order": orders[i],
                    "shipped_at": ctx.moment(heads[i]["shipped_on"]),
                    "carrier": heads[i]["carrier"],
                    "tracking_number": heads[i]["tracking_number"],
                    "delivered_at": ctx.moment(heads[i]["delivered_on"]) if heads[i]["delivered_on"] else None,
                }
                for i in shipped
            ],
        ),
    )
    invoiced = [i for i in everyone if heads[i]["invoiced_on"]]
    invoices = _stage(
        specs,
        invoiced,
        INVOICE_KEYS,
        lambda: invoices_import(
            actor=ctx.actor,
            invoices=[
                {
                    "order": orders[i],
                    "issued_at": ctx.moment(heads[i]["invoiced_on"]),
                    "number": heads[i]["invoice_number"],
                }
                for i in invoiced
            ],
        ),
    )
    invoice_of = dict(zip(invoiced, invoices, strict=True))
    paid = [i for i in invoiced if heads[i]["paid_on"]]
    _stage(
        specs,
        paid,
        PAYMENT_KEYS,
        lambda: payments_import(
            actor=ctx.actor,
            payments=[
                {
                    "invoice": invoice_of[i],
                    "amount": heads[i]["paid_amount"],
                    "received_at": ctx.moment(heads[i]["paid_on"]),
                    "completes_at": ctx.moment(heads[i]["delivered_on"]) if heads[i]["delivered_on"] else None,
                }
                for i in paid
            ],
        ),
    )
    return orders
