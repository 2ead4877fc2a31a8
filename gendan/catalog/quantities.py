"""The one check of a quantity against the unit it is counted in, for every document and stock move."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Product, UnitOfMeasure


def _code_and_decimals(product_or_unit: Product | UnitOfMeasure) -> tuple[str, int]:
    if isinstance(product_or_unit, UnitOfMeasure):
        return product_or_unit.code, product_or_unit.decimals
    return product_or_unit.unit, product_or_unit.unit_decimals


def check_quantity(product_or_unit: Product | UnitOfMeasure, quantity: Decimal) -> None:
    """Refuse a quantity with more decimals than its unit takes (half a 台), as a ValidationError.

    Callers put its messages under their own field ("lines.1.quantity", "quantity").
    """
    code, decimals = _code_and_decimals(product_or_unit)
    quantity = Decimal(quantity)
    if not quantity.is_finite():
        return
    exponent = quantity.normalize().as_tuple().exponent
    if -exponent <= decimals:
        return
    if decimals == 0:
        message = _("%(unit)s is counted in whole numbers.") % {"unit": code}
    else:
        message = _("%(unit)s takes at most %(decimals)s decimal places.") % {"unit": code, "decimals": decimals}
    raise ValidationError(message, code="unit_decimals")


def quantity_step(product_or_unit: Product | UnitOfMeasure) -> str:
    """The `step` of a number input for this unit: "1" for whole units, "0.01" for two decimals."""
    _code, decimals = _code_and_decimals(product_or_unit)
    return str(Decimal(1).scaleb(-decimals))
