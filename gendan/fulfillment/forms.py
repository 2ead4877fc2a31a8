from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.sales.forms import OrderLineQuantitiesForm


class ShipmentForm(OrderLineQuantitiesForm):
    """A new shipment from the order page: per line, what is neither shipped nor on another shipment."""

    carrier = forms.CharField(label=_("Carrier"), max_length=64, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64, required=False)

    def __init__(self, *args, order_lines, pending, **kwargs):
        super().__init__(
            *args,
            order_lines=order_lines,
            left=lambda line: line.quantity - line.shipped_quantity - pending.get(line.pk, Decimal("0")),
            **kwargs,
        )
