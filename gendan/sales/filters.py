import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gendan.accounts.models import User
from gendan.core.filters import FilterSet
from gendan.core.forms import bootstrap
from gendan.core.worklist_lists import choose_from
from gendan.crm.models import Customer

from .models import BillingStatus, DeliveryStatus, Order, OrderStatus, PaymentStatus, Priority

# A date picker on phones and desktops alike.
DATE = forms.DateInput(attrs={"type": "date"})


class OrderFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Number or customer"))
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices, label=_("Status"))
    delivery_status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices, label=_("Delivery"))
    billing_status = django_filters.ChoiceFilter(choices=BillingStatus.choices, label=_("Billing"))
    payment_status = django_filters.ChoiceFilter(choices=PaymentStatus.choices, label=_("Payment"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("Priority"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True), label=_("Owner"))
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Created from"), widget=DATE
    )
    created_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Created to"), widget=DATE
    )
    promised_from = django_filters.DateFilter(
        field_name="promised_date", lookup_expr="gte", label=_("Promised from"), widget=DATE
    )
    promised_to = django_filters.DateFilter(
        field_name="promised_date", lookup_expr="lte", label=_("Promised to"), widget=DATE
    )

    class Meta:
        model = Order
        fields = ["q", "status", "delivery_status", "billing_status", "payment_status", "priority", "customer", "owner"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(number__icontains=value) | Q(customer__name__icontains=value))


def list_filters(request, filter_class, queryset):
    """The list's filters, with the customer and owner ids chosen from lists of names."""
    return list_filters_for(request.user, request.GET, filter_class, queryset)


def list_filters_for(user, data, filter_class, queryset):
    """`list_filters` from a user and a query string, as the worker re-runs a list for its download."""
    filterset = filter_class(data, queryset=queryset)
    choose_from(
        filterset.form, "customer", Customer.objects.visible_to(user).order_by("name").values_list("pk", "name")
    )
    choose_from(
        filterset.form, "owner", User.objects.filter(is_active=True).order_by("username").values_list("pk", "username")
    )
    bootstrap(filterset.form)
    return filterset
