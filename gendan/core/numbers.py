"""Decimals as people write them: 10 not 1E+1 or 10.000, 2.5 not 2.50."""

from decimal import Decimal


def plain_decimal(value) -> str:
    """10 → "10", 2.50 → "2.5", 1E+2 → "100", None → "": never an exponent, no trailing zeros.

    Decimal's own str() writes 1E+1 for a normalized 10 and 10.000 for a quantity read back
    from the database; neither is how anyone writes a number in a form, a page or a message.
    """
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return str(number)
    if number.is_zero():
        return "0"  # not "-0" or "0E-3"
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
