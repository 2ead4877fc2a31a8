import django_filters
from django.utils.translation import gettext_lazy as _

from .models import StockLevel, StockMove


class StockLevelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="product__name", lookup_expr="icontains", label=_("Product"))

    class Meta:
        model = StockLevel
        fields = ["product", "warehouse", "q"]


class StockMoveFilter(django_filters.FilterSet):
    class Meta:
        model = StockMove
        fields = ["product", "warehouse", "kind"]
