from decimal import ROUND_HALF_UP, Decimal

from django.db import models

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def round_money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount, percent) -> Decimal:
    return round_money(Decimal(amount) * Decimal(percent) / HUNDRED)


class SummedMoney(models.DecimalField):
    """The output field of a sum of money, to the cent on every database.

    SQLite sums decimals as binary floating point and Django hands back an unrounded Decimal for any
    expression that is not a plain column (97159.9500000000).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{"max_digits": 14, "decimal_places": 2, **kwargs})

    def from_db_value(self, value, expression, connection):
        return None if value is None else round_money(value)
