import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from gendan.accounts.lookups import user_picker
from gendan.accounts.models import User
from gendan.core.filters import DayFilter, FilterSet, SearchFilter

from .lookups import customer_picker
from .models import (
    LEAD_OPEN,
    OPEN_STAGES,
    Contract,
    ContractStatus,
    Customer,
    FollowUp,
    FollowUpKind,
    Lead,
    LeadStatus,
    Meeting,
    MeetingStatus,
    Opportunity,
    Stage,
)
from .search import CONTRACTS, CUSTOMERS, FOLLOW_UPS, LEADS, MEETINGS, OPPORTUNITIES

# A date picker on phones and desktops alike.
DATE = forms.DateInput(attrs={"type": "date"})


class CustomerFilter(FilterSet):
    custom_record_type = "crm.customer"
    q = SearchFilter(CUSTOMERS, label=_("Search"))
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Owner"), widget=user_picker()
    )
    level = django_filters.ChoiceFilter(choices=Customer.Level.choices, label=_("Level"))
    region = django_filters.CharFilter(lookup_expr="icontains", label=_("Region"))
    created_from = DayFilter(
        field_name="created_at", lookup_expr="gte", past_only=True, label=_("Entered from"), widget=DATE
    )
    created_to = DayFilter(field_name="created_at", lookup_expr="lte", label=_("Entered to"), widget=DATE)

    class Meta:
        model = Customer
        fields = ["q", "owner", "level", "region", "created_from", "created_to"]


class FollowUpFilter(FilterSet):
    q = SearchFilter(FOLLOW_UPS, label=_("Customer or notes"))
    kind = django_filters.ChoiceFilter(choices=FollowUpKind.choices, label=_("Kind"))
    author = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Recorded by"), widget=user_picker()
    )
    occurred_from = DayFilter(field_name="occurred_at", lookup_expr="gte", label=_("From"), widget=DATE)
    occurred_to = DayFilter(field_name="occurred_at", lookup_expr="lte", label=_("To"), widget=DATE)

    class Meta:
        model = FollowUp
        fields = ["q", "kind", "author", "occurred_from", "occurred_to"]


class MeetingFilter(FilterSet):
    q = SearchFilter(MEETINGS, label=_("Customer or subject"))
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, label=_("Status"))
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Owner"), widget=user_picker()
    )
    starts_from = DayFilter(field_name="starts_at", lookup_expr="gte", label=_("From"), widget=DATE)
    starts_to = DayFilter(field_name="starts_at", lookup_expr="lte", label=_("To"), widget=DATE)

    class Meta:
        model = Meeting
        fields = ["q", "status", "owner", "starts_from", "starts_to"]


class FollowUpApiFilter(FollowUpFilter):
    """The API's filters: the page's, and ?customer= (the page narrows by customer before filtering)."""

    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), widget=customer_picker())

    class Meta(FollowUpFilter.Meta):
        fields = [*FollowUpFilter.Meta.fields, "customer"]


class MeetingApiFilter(MeetingFilter):
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), widget=customer_picker())

    class Meta(MeetingFilter.Meta):
        fields = [*MeetingFilter.Meta.fields, "customer"]


# How far ahead "ends within" looks, in days.
def _within(days: int) -> str:
    return pgettext("ends within", "%(days)s days") % {"days": days}


ENDS_WITHIN = [(days, lazy(_within, str)(days)) for days in (7, 30, 60, 90)]


class ContractFilter(FilterSet):
    q = SearchFilter(CONTRACTS, label=_("Number, title or customer"))
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices, label=_("Status"))
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Owner"), widget=user_picker()
    )
    ends_within = django_filters.TypedChoiceFilter(
        choices=ENDS_WITHIN, coerce=int, method="ending", label=_("Ends within")
    )
    end_from = django_filters.DateFilter(field_name="end_date", lookup_expr="gte", label=_("Ends from"), widget=DATE)
    end_to = django_filters.DateFilter(field_name="end_date", lookup_expr="lte", label=_("Ends by"), widget=DATE)

    class Meta:
        model = Contract
        fields = ["q", "status", "owner", "ends_within", "end_from", "end_to"]

    def ending(self, queryset, name, value: int):
        today = timezone.localdate()
        return queryset.filter(end_date__gte=today, end_date__lte=today + datetime.timedelta(days=int(value)))


class ContractApiFilter(ContractFilter):
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), widget=customer_picker())

    class Meta(ContractFilter.Meta):
        fields = [*ContractFilter.Meta.fields, "customer"]


# --- leads and opportunities -------------------------------------------------------------------

OPEN = "open"


class LeadFilter(FilterSet):
    q = SearchFilter(LEADS, label=_("Company, contact or phone"))
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, pgettext_lazy("leads", "Open")), *LeadStatus.choices], method="by_status", label=_("Status")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Owner"), widget=user_picker()
    )
    source = django_filters.CharFilter(lookup_expr="icontains", label=_("Source"))

    class Meta:
        model = Lead
        fields = ["q", "status", "owner", "source"]

    def by_status(self, queryset, name, value: str):
        return queryset.filter(status__in=LEAD_OPEN) if value == OPEN else queryset.filter(status=value)


class OpportunityFilter(FilterSet):
    custom_record_type = "crm.opportunity"
    q = SearchFilter(OPPORTUNITIES, label=_("Name or customer"))
    stage = django_filters.ChoiceFilter(
        choices=[(OPEN, pgettext_lazy("opportunities", "Open")), *Stage.choices], method="by_stage", label=_("Stage")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Owner"), widget=user_picker()
    )
    close_from = django_filters.DateFilter(
        field_name="expected_close_on", lookup_expr="gte", label=_("Closing from"), widget=DATE
    )
    close_to = django_filters.DateFilter(
        field_name="expected_close_on", lookup_expr="lte", label=_("Closing by"), widget=DATE
    )

    class Meta:
        model = Opportunity
        fields = ["q", "stage", "owner", "close_from", "close_to"]

    def by_stage(self, queryset, name, value: str):
        return queryset.filter(stage__in=OPEN_STAGES) if value == OPEN else queryset.filter(stage=value)


class BoardFilter(OpportunityFilter):
    """The kanban's filters: its columns are the stages."""

    class Meta(OpportunityFilter.Meta):
        fields = ["q", "owner"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("stage", "close_from", "close_to"):
            self.filters.pop(name)


class OpportunityApiFilter(OpportunityFilter):
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), widget=customer_picker())

    class Meta(OpportunityFilter.Meta):
        fields = [*OpportunityFilter.Meta.fields, "customer"]
