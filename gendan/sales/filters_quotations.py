"""The quotation list's filters, shared by the page and /api/v1/quotations/."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import user_picker
from gendan.accounts.models import User
from gendan.core.filters import ChoicesFilter, DayFilter, FilterSet, SearchFilter
from gendan.crm.lookups import customer_picker

from .models import Quotation
from .search import QUOTATIONS
from .selectors_quotations import STATUS_CHOICES_LISTED


class QuotationFilter(FilterSet):
    q = SearchFilter(QUOTATIONS, label=_("Number or customer"))
    status = ChoicesFilter(choices=STATUS_CHOICES_LISTED, label=_("Status"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), widget=customer_picker())
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Owner"), widget=user_picker()
    )
    below_floor = django_filters.BooleanFilter(label=_("Below floor price"))
    sent_from = DayFilter(
        field_name="sent_at", lookup_expr="gte", label=_("Sent from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sent_to = DayFilter(
        field_name="sent_at", lookup_expr="lte", label=_("Sent to"), widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Quotation
        fields = ["q", "status", "customer", "owner", "below_floor"]
