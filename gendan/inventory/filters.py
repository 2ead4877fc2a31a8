import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gendan.catalog.lookups import product_picker
from gendan.catalog.models import Product
from gendan.core.filters import DayFilter, FilterSet

from .models import StockLevel, StockMove, Warehouse


class StockLevelFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("SKU or name"))
    product = django_filters.ModelChoiceFilter(
        queryset=Product.objects.all(), label=_("Product"), widget=product_picker()
    )
    warehouse = django_filters.ModelChoiceFilter(queryset=Warehouse.objects.all(), label=_("Warehouse"))

    class Meta:
        model = StockLevel
        fields = ["q", "product", "warehouse"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(product__sku__icontains=value) | Q(product__name__icontains=value))


class StockMoveFilter(FilterSet):
    product = django_filters.ModelChoiceFilter(
        queryset=Product.objects.all(), label=_("Product"), widget=product_picker()
    )
    warehouse = django_filters.ModelChoiceFilter(queryset=Warehouse.objects.all(), label=_("Warehouse"))
    kind = django_filters.ChoiceFilter(choices=StockMove.Kind.choices, label=_("Kind"))
    created_from = DayFilter(field_name="created_at", lookup_expr="gte", label=_("From"))
    created_to = DayFilter(field_name="created_at", lookup_expr="lte", label=_("To"))

    class Meta:
        model = StockMove
        fields = ["product", "warehouse", "kind", "created_from", "created_to"]
