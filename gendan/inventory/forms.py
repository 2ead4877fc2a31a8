from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.catalog.lookups import product_picker
from gendan.catalog.models import Product
from gendan.core.forms import BootstrapForm

from .models import StockMove, Warehouse


class StockMoveForm(BootstrapForm):
    """A receipt or an adjustment entered by hand; the other kinds come from orders and shipments."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (StockMove.Kind.RECEIPT, StockMove.Kind.RECEIPT.label),
            (StockMove.Kind.ADJUSTMENT, StockMove.Kind.ADJUSTMENT.label),
        ],
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True), widget=product_picker()
    )
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.all())
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=14,
        decimal_places=3,
        help_text=_("A receipt adds this many. An adjustment adds a positive number or removes a negative one."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
