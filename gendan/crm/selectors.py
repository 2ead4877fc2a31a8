import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When

from gendan.core.hooks import Port

from .models import (
    OPEN_STAGES,
    Address,
    Contact,
    Contract,
    Customer,
    FollowUp,
    Lead,
    Meeting,
    MeetingStatus,
    Opportunity,
    Stage,
)

# Per customer, how many of their orders are open (an expression): sales knows which orders are
# open and provides it in SalesConfig.ready(); without it, none.
open_order_count = Port("crm.open_order_count", default=lambda: Value(0))
# Per customer, their credit exposure (an expression): sales defines it (sales.credit) and provides it.
credit_exposure = Port("crm.credit_exposure", default=lambda: Value(Decimal("0")))


def credit_available(customer) -> Decimal | None:
    """What the customer (annotated with `credit_exposure`) may still owe; None when their credit is not limited."""
    if not customer.credit_limit:
        return None
    return customer.credit_limit - customer.credit_exposure


def customer_email_addresses(customer: Customer) -> list[str]:
    """Where mail to the customer goes: the company's own address first, then its contacts', each once."""
    contacts = customer.contacts.exclude(email="").order_by("pk").values_list("email", flat=True)
    return list(dict.fromkeys(address for address in (customer.email, *contacts) if address))


def customer_list(*, user) -> QuerySet[Customer]:
    return Customer.objects.visible_to(user).select_related("owner").annotate(open_order_count=open_order_count())


def customer_page_queryset(*, user) -> QuerySet[Customer]:
    """The customers `user` sees, as their page shows them: with their owner and credit exposure."""
    return Customer.objects.visible_to(user).select_related("owner").annotate(credit_exposure=credit_exposure())


def customer_detail_queryset(*, user) -> QuerySet[Customer]:
    return customer_page_queryset(user=user).prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("id")),
        Prefetch("addresses", queryset=Address.objects.order_by("id")),
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


# --- leads and opportunities -------------------------------------------------------------------

# Closed deals stay on the board this long after they closed.
BOARD_CLOSED_DAYS = 30


def lead_list(*, user) -> QuerySet[Lead]:
    return Lead.objects.visible_to(user).select_related("owner", "customer")


def opportunity_list(*, user) -> QuerySet[Opportunity]:
    return Opportunity.objects.visible_to(user).select_related("customer", "owner")


@dataclass
class Column:
    stage: str
    label: str
    cards: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((card.amount for card in self.cards), Decimal("0"))

    @property
    def weighted(self) -> Decimal:
        return sum((card.amount * card.probability / 100 for card in self.cards), Decimal("0")).quantize(Decimal("1"))


def opportunity_board(queryset, *, today: datetime.date) -> list[Column]:
    """The kanban's columns in funnel order: open deals, and those closed in the last 30 days; one query."""
    since = today - datetime.timedelta(days=BOARD_CLOSED_DAYS)
    rows = queryset.filter(Q(stage__in=OPEN_STAGES) | Q(closed_on__gte=since)).order_by(
        F("expected_close_on").asc(nulls_last=True), "-amount", "pk"
    )
    columns = {stage: Column(stage, label) for stage, label in Stage.choices}
    for row in rows:
        columns[row.stage].cards.append(row)
    return list(columns.values())


def customer_opportunities(customer: Customer, limit: int = 20) -> list[Opportunity]:
    """The customer's deals: open ones first (soonest expected close first), then the latest closed."""
    rows = customer.opportunities.select_related("owner").order_by(
        Case(When(stage__in=OPEN_STAGES, then=0), default=1), F("expected_close_on").asc(nulls_last=True), "-pk"
    )
    return list(rows[:limit])
