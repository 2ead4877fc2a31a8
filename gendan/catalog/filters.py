import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.core.filters import FilterSet, SearchFilter

from .models import Product
from .search import PRODUCTS


class ProductListFilter(FilterSet):
    custom_record_type = "catalog.product"
    q = SearchFilter(PRODUCTS, label=_("SKU or name"))
    status = django_filters.ChoiceFilter(
        choices=[("active", pgettext_lazy("product", "Active")), ("inactive", pgettext_lazy("product", "Inactive"))],
        method="by_status",
        label=_("Status"),
        empty_label=_("All"),
    )

    class Meta:
        model = Product
        fields = ["q", "status"]

    def by_status(self, queryset, name, value):
        return queryset.filter(is_active=value == "active")
