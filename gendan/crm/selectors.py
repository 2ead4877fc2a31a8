from django.db.models import Count, Prefetch, Q, QuerySet

from gendan.sales.models import OPEN_STATUSES

from .models import Address, Contact, Contract, Customer, FollowUp, Meeting, MeetingStatus


def customer_list(*, user) -> QuerySet[Customer]:
    return (
        Customer.objects.visible_to(user)
        .select_related("owner")
        .annotate(open_order_count=Count("orders", filter=Q(orders__status__in=OPEN_STATUSES)))
    )


def customer_detail_queryset(*, user) -> QuerySet[Customer]:
    return (
        Customer.objects.visible_to(user)
        .select_related("owner")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("id")),
            Prefetch("addresses", queryset=Address.objects.order_by("id")),
        )
    )


# --- follow-ups and meetings -------------------------------------------------------------------

RECENT_FOLLOWUPS = 10


def followup_list(*, user) -> QuerySet[FollowUp]:
    return FollowUp.objects.visible_to(user).select_related("customer", "author", "contact")


def customer_followups(customer: Customer, limit: int = RECENT_FOLLOWUPS) -> list[FollowUp]:
    """The customer's newest follow-ups, for the customer page (its viewer sees the customer, so all of them)."""
    return list(customer.followups.select_related("author", "contact").order_by("-occurred_at", "-id")[:limit])


def meeting_list(*, user) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user).select_related("customer", "owner")


def customer_meetings(customer: Customer) -> list[Meeting]:
    """Planned meetings first (soonest first), then the last few held or cancelled."""
    meetings = customer.meetings.select_related("owner")
    planned = meetings.filter(status=MeetingStatus.PLANNED).order_by("starts_at", "id")[:10]
    past = meetings.exclude(status=MeetingStatus.PLANNED).order_by("-starts_at", "-id")[:3]
    return [*planned, *past]


def meeting_detail_queryset(*, user) -> QuerySet[Meeting]:
    return (
        Meeting.objects.visible_to(user)
        .select_related("customer", "owner", "followup__author", "followup__contact")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("id")))
    )


# --- contracts ---------------------------------------------------------------------------------

CUSTOMER_CONTRACTS = 20


def contract_list(*, user) -> QuerySet[Contract]:
    return Contract.objects.visible_to(user).select_related("customer", "owner")


def customer_contracts(customer: Customer, limit: int = CUSTOMER_CONTRACTS) -> list[Contract]:
    """The customer's contracts, latest ending first (its viewer sees the customer, so all of them)."""
    return list(customer.contracts.select_related("owner").order_by("-end_date", "-id")[:limit])
