import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import department_picker, user_picker
from gendan.accounts.models import User
from gendan.catalog.lookups import product_picker
from gendan.core.filters import ChoicesFilter, DayFilter, FilterSet, IdsFilter, SearchFilter
from gendan.core.forms import bootstrap
from gendan.crm.lookups import customer_picker

from .models import BillingStatus, DeliveryStatus, Order, OrderLine, OrderStatus, PaymentStatus, Priority
from .search import ORDERS

# A date picker on phones and desktops alike.
DATE = forms.DateInput(attrs={"type": "date"})


class OrderFilter(FilterSet):
    custom_record_type = "sales.order"
    q = SearchFilter(ORDERS, label=_("Number or customer"))
    status = ChoicesFilter(choices=OrderStatus.choices, label=_("Status"))
    delivery_status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices, label=_("Delivery"))
    billing_status = django_filters.ChoiceFilter(choices=BillingStatus.choices, label=_("Billing"))
    payment_status = django_filters.ChoiceFilter(choices=PaymentStatus.choices, label=_("Payment"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("Priority"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), widget=customer_picker())
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Owner"), widget=user_picker()
    )
    created_from = DayFilter(field_name="created_at", lookup_expr="gte", label=_("Created from"), widget=DATE)
    created_to = DayFilter(field_name="created_at", lookup_expr="lte", label=_("Created to"), widget=DATE)
    promised_from = django_filters.DateFilter(
        field_name="promised_date", lookup_expr="gte", label=_("Promised from"), widget=DATE
    )
    promised_to = django_filters.DateFilter(
        field_name="promised_date", lookup_expr="lte", label=_("Promised to"), widget=DATE
    )
    confirmed_from = DayFilter(field_name="confirmed_at", lookup_expr="gte", label=_("Confirmed from"), widget=DATE)
    confirmed_to = DayFilter(field_name="confirmed_at", lookup_expr="lte", label=_("Confirmed to"), widget=DATE)
    team = django_filters.NumberFilter(
        field_name="owner__department_id", label=_("Owner's team"), widget=department_picker()
    )
    region = django_filters.CharFilter(field_name="customer__region", label=_("Customer's region"))
    product = django_filters.NumberFilter(method="with_product", label=_("Product"), widget=product_picker())
    # The orders ticked on the list, for exporting or printing exactly those.
    id = IdsFilter(field_name="id", label=_("Selected orders"))

    class Meta:
        model = Order
        fields = ["q", "status", "delivery_status", "billing_status", "payment_status", "priority", "customer", "owner"]

    def with_product(self, queryset, name, value):
        # A line a change removed stays at quantity 0: the order no longer sells that product. A subquery, not a
        # join, so that an order with two lines of the product is listed once.
        lines = OrderLine.objects.filter(product_id=value, quantity__gt=0).values("order_id")
        return queryset.filter(pk__in=lines)


def list_filters(request, filter_class, queryset):
    """The list's filters, with the customer and owner ids chosen by name (asked of the server as people type)."""
    return list_filters_for(request.user, request.GET, filter_class, queryset, request=request)


def list_filters_for(user, data, filter_class, queryset, request=None):
    """`list_filters` from a user and a query string, as the worker re-runs a list for its download."""
    filterset = filter_class(data, queryset=queryset, request=request)
    for name, picker in (("customer", customer_picker), ("owner", user_picker)):
        widget = picker()
        widget.user = user
        filterset.form.fields[name].widget = widget
    bootstrap(filterset.form)
    return filterset
