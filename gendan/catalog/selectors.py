from decimal import Decimal

from django.db.models import DecimalField, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from .models import Product


def product_list(*, user) -> QuerySet[Product]:
    """Products with their stock over all warehouses. The catalogue is not customer data: every role sees it."""
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=3))
    return Product.objects.annotate(
        on_hand_total=Coalesce(Sum("stock_levels__on_hand"), zero),
        available_total=Coalesce(Sum(F("stock_levels__on_hand") - F("stock_levels__reserved")), zero),
    )
