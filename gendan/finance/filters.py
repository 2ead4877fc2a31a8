"""The filters of the invoice and payment lists and of finance's worklists, for their pages and the API alike."""

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import department_picker, user_picker
from gendan.core.filters import ChoicesFilter, DayFilter, FilterSet, SearchFilter
from gendan.core.worklist_lists import OverdueWorklistFilter, WorklistFilter, yes_or_no
from gendan.crm.lookups import customer_picker
from gendan.crm.models import InvoiceKind
from gendan.sales.models import Order

from .models import Invoice, InvoiceStatus, Payment, PaymentAllocation, Statement, StatementStatus
from .search import INVOICES, PAYMENTS

DATE = forms.DateInput(attrs={"type": "date"})


def _overdue(queryset, value):
    late = Q(status=InvoiceStatus.ISSUED, due_date__lt=timezone.localdate())
    return queryset.filter(late if value else ~late)


class InvoiceFilter(FilterSet):
    # Plain numbers, so an out-of-scope id and an unknown one both simply match nothing.
    q = SearchFilter(INVOICES, label=_("Number or customer"))
    order = django_filters.NumberFilter(field_name="order_id", label=_("Order"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), widget=customer_picker())
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("Owner"))
    status = ChoicesFilter(choices=InvoiceStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=InvoiceKind.choices, label=_("Invoice kind"))
    overdue = django_filters.BooleanFilter(method="by_overdue", label=_("Overdue"), widget=yes_or_no())
    issued_from = DayFilter(field_name="issued_at", lookup_expr="gte", label=_("Issued from"), widget=DATE)
    issued_to = DayFilter(field_name="issued_at", lookup_expr="lte", label=_("Issued to"), widget=DATE)
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte", label=_("Due from"), widget=DATE)
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due to"), widget=DATE)
    total_min = django_filters.NumberFilter(field_name="total", lookup_expr="gte", label=_("Total from"))
    total_max = django_filters.NumberFilter(field_name="total", lookup_expr="lte", label=_("Total to"))

    class Meta:
        model = Invoice
        fields = ["order", "customer", "status", "kind"]

    def by_overdue(self, queryset, name, value):
        return _overdue(queryset, value)


class PaymentFilter(FilterSet):
    q = SearchFilter(PAYMENTS, label=_("Number, reference or customer"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), widget=customer_picker())
    owner = django_filters.NumberFilter(field_name="customer__owner_id", label=_("Owner"))
    method = django_filters.ChoiceFilter(choices=Payment.Method.choices, label=_("Method"))
    received_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received from"), widget=DATE
    )
    received_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received to"), widget=DATE
    )
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", label=_("Amount from"))
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", label=_("Amount to"))
    unallocated = django_filters.BooleanFilter(
        method="by_unallocated", label=_("Not fully allocated"), widget=yes_or_no()
    )
    # Whose money it is, as the "collected" figure counts it: money applied to invoices is their owner's, money
    # applied to none yet the customer's owner's (owner= is the customer's owner alone).
    collected_for = django_filters.NumberFilter(
        method="by_collected_for", label=_("Collected for"), widget=user_picker()
    )
    collected_for_team = django_filters.NumberFilter(
        method="by_collected_for_team", label=_("Collected for team"), widget=department_picker()
    )

    class Meta:
        model = Payment
        fields = ["customer", "method"]

    def by_unallocated(self, queryset, name, value):
        # Half a cent: SQLite compares decimals as binary floating point.
        left = Q(allocated_amount__lt=F("amount") - F("refunded_amount") - Decimal("0.005"))
        return queryset.filter(left if value else ~left)

    def by_collected_for(self, queryset, name, value):
        return _collected_for(queryset, "owner_id", value)

    def by_collected_for_team(self, queryset, name, value):
        return _collected_for(queryset, "owner__department_id", value)


def _collected_for(queryset, owner_path: str, value):
    applied = PaymentAllocation.objects.filter(**{owner_path: value}).values("payment_id")
    on_account = Q(**{f"customer__{owner_path}": value}) & ~Q(allocated_amount=F("amount"))
    return queryset.filter(Q(pk__in=applied) | on_account)


class OrderToInvoiceFilter(WorklistFilter):
    class Meta:
        model = Order
        fields = ["customer", "owner"]


class UnpaidInvoiceFilter(OverdueWorklistFilter):
    """Overdue: the due date has passed."""

    class Meta:
        model = Invoice
        fields = ["customer", "owner", "overdue"]


class UnallocatedPaymentFilter(WorklistFilter):
    owner_field = "customer__owner_id"

    class Meta:
        model = Payment
        fields = ["customer", "owner"]


class StatementFilter(FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), widget=customer_picker())
    owner = django_filters.NumberFilter(field_name="customer__owner_id", label=_("Owner"))
    status = ChoicesFilter(choices=StatementStatus.choices, label=_("Status"))
    period_from = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label=_("Period from"), widget=DATE
    )
    period_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label=_("Period to"), widget=DATE
    )

    class Meta:
        model = Statement
        fields = ["customer", "status"]
