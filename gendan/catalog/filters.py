import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.core.filters import FilterSet

from .models import Product


class ProductListFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("SKU or name"))
    status = django_filters.ChoiceFilter(
        choices=[("active", pgettext_lazy("product", "Active")), ("inactive", pgettext_lazy("product", "Inactive"))],
        method="by_status",
        label=_("Status"),
        empty_label=_("All"),
    )

    class Meta:
        model = Product
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(sku__icontains=value) | Q(name__icontains=value))

    def by_status(self, queryset, name, value):
        return queryset.filter(is_active=value == "active")
