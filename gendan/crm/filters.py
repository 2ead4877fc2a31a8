import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gendan.accounts.models import User

from .models import Customer


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True), label=_("Owner"))
    level = django_filters.ChoiceFilter(choices=Customer.Level.choices, label=_("Level"))
    region = django_filters.CharFilter(lookup_expr="icontains", label=_("Region"))

    class Meta:
        model = Customer
        fields = ["q", "owner", "level", "region"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(phone__icontains=value) | Q(tax_id__icontains=value)
        )
