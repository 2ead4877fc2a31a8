"""Document lines: what a line amounts to, what lines total, and the rows a user enters, checked.

Pure or read-only helpers shared by orders, quotations and the documents taken from an order
(shipments, invoices); the order editor previews amounts with the same functions.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.utils.translation import gettext as _

from gendan.catalog.quantities import check_quantity
from gendan.core.bounds import decimal_problems, too_many_lines
from gendan.core.money import HUNDRED, percent_of, round_money
from gendan.core.numbers import plain_decimal
from gendan.core.services import row_errors

from .models import OrderLine


def line_amount(quantity, unit_price, discount_percent) -> Decimal:
    """A line's amount before tax. Pure: the order editor previews totals with it as you type."""
    return round_money(Decimal(quantity) * Decimal(unit_price) * (HUNDRED - Decimal(discount_percent)) / HUNDRED)


def order_totals(amounts, tax_rate) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total) of line amounts. Pure, shared by the services and the editor's preview."""
    subtotal = round_money(sum(amounts, Decimal("0")))
    tax = percent_of(subtotal, tax_rate)
    return subtotal, tax, subtotal + tax


def _unit_problems(product, quantity) -> dict:
    """{"quantity": messages} for a quantity its product's unit does not take (half a 台), else {}."""
    try:
        check_quantity(product, quantity)
    except ValidationError as exc:
        return {"quantity": exc.messages}
    return {}


def checked_totals(lines, tax_rate, document_model) -> tuple[Decimal, Decimal, Decimal]:
    """order_totals of a document's lines, refused as {"total": [...]} when its columns cannot hold them.

    Each line may fit its own columns and their sum still not the document's (999 lines near
    the largest price): checked here, before the document is written.
    """
    totals = order_totals((line.amount for line in lines), tax_rate)
    for name, value in zip(("subtotal", "tax_amount", "total"), totals, strict=True):
        if decimal_problems(document_model, name, value):
            raise ValidationError(
                {"total": [_("The lines add up to more than one document can hold; split them over several.")]}
            )
    return totals


def build_lines(rows, line_model=OrderLine, extra=None, *, past: bool = False) -> list:
    """Document lines (of an order, a quotation) from input rows, with field-keyed errors per row.

    Errors are keyed as DRF shows nested ones ("lines.1.quantity"). `extra(product, unit_price,
    discount)` may give more field values for each valid line (a quotation flags prices below floor).
    `past`: lines of an order recorded from history, which may name a product no longer sold.
    """
    if not rows:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    if len(rows) > settings.MAX_DOCUMENT_LINES:
        raise ValidationError({"lines": [too_many_lines(settings.MAX_DOCUMENT_LINES)]})
    lines, errors = [], []
    for position, row in enumerate(rows, start=1):
        problems = {}
        product = row.get("product")
        unit_price = row.get("unit_price")
        if unit_price is None and product is not None:
            unit_price = product.list_price
        # A number that fits its column first, so "1.2345" units or "abc" are refused on their
        # field instead of being rounded away by the database or crashing.
        values = {
            "quantity": row.get("quantity"),
            "unit_price": unit_price,
            "discount_percent": row.get("discount_percent") or Decimal("0"),
        }
        for name, value in values.items():
            if value is not None:
                field = line_model._meta.get_field(name)
                try:
                    values[name] = field.to_python(value)
                    DecimalValidator(field.max_digits, field.decimal_places)(values[name])
                except ValidationError as exc:
                    problems[name] = exc.messages
        quantity, unit_price, discount = values["quantity"], values["unit_price"], values["discount_percent"]
        if product is None:
            problems["product"] = [_("Choose a product.")]
        elif not product.is_active and not past:
            problems["product"] = [_("%(product)s is no longer sold.") % {"product": product}]
        if "quantity" not in problems and (quantity is None or quantity <= 0):
            problems["quantity"] = [_("Enter a quantity above zero.")]
        if "quantity" not in problems and product is not None:
            problems.update(_unit_problems(product, quantity))
        if "unit_price" not in problems and unit_price is not None and unit_price < 0:
            problems["unit_price"] = [_("The price cannot be negative.")]
        if "discount_percent" not in problems and not Decimal("0") <= discount <= HUNDRED:
            problems["discount_percent"] = [_("A discount is between 0 and 100%.")]
        amount = None if problems else line_amount(quantity, unit_price, discount)
        if amount is not None and decimal_problems(line_model, "amount", amount):
            problems["amount"] = [_("Quantity times price is more than one line can hold; split the line.")]
        errors.append(problems)
        if problems:
            continue
        lines.append(
            line_model(
                position=position,
                product=product,
                quantity=quantity,
                unit_price=unit_price,
                discount_percent=discount,
                amount=amount,
                **(extra(product, unit_price, discount) if extra else {}),
            )
        )
    if any(errors):
        raise row_errors("lines", errors)
    return lines


def order_line_quantities(*, order_lines: dict, rows, available, too_much: str) -> list[tuple[OrderLine, Decimal]]:
    """Check rows of {"order_line", "quantity"} chosen from an order (for a shipment, an invoice, ...).

    `order_lines` maps the order's line ids to its lines; `available(line)` is how much of a
    line may still be taken; `too_much` a message with %(qty)s for a row asking more. Errors are
    keyed per row ("lines.1.quantity"); nothing is returned unless every row is right.
    """
    if not rows:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    items, errors = [], []
    for row in rows:
        line = row.get("order_line")
        problems = {}
        try:
            quantity = Decimal(row.get("quantity") or 0)
        except (InvalidOperation, TypeError, ValueError):
            quantity = None
        if line is None or line.pk not in order_lines:
            problems["order_line"] = [_("Not a line of this order.")]
        elif quantity is None or not quantity.is_finite() or quantity <= 0:
            problems["quantity"] = [_("Enter a quantity above zero.")]
        elif quantity > available(order_lines[line.pk]):
            problems["quantity"] = [too_much % {"qty": plain_decimal(available(order_lines[line.pk]))}]
        elif unit_problems := _unit_problems(order_lines[line.pk].product, quantity):
            problems.update(unit_problems)
        else:
            items.append((order_lines[line.pk], quantity))
        errors.append(problems)
    if any(errors):
        raise row_errors("lines", errors)
    if len({line.pk for line, _q in items}) != len(items):
        raise ValidationError({"lines": [_("Each order line may appear once.")]})
    return items
