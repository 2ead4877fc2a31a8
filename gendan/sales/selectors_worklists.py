"""The sellers' and approvers' worklists: what waits for them, scoped like every other read."""

import datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from gendan.accounts.scoping import owner_filters
from gendan.core.lists import keys_first

from .approval_rules import APPROVE_PERMISSION
from .models import ApprovalDelegation, ApprovalRequest, ApprovalStep, Order, OrderStatus, Quotation, QuotationStatus
from .selectors import order_list
from .selectors_quotations import quotation_list

# An order is late while it still has something to do before it ships.
_BEFORE_SHIPPING = [
    OrderStatus.DRAFT,
    OrderStatus.PENDING_APPROVAL,
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_SHIPPED,
]


class Attention(models.TextChoices):
    """Why an order is on the "needs attention" list, most urgent first when an order has several."""

    ON_HOLD = "on_hold", pgettext_lazy("attention", "On hold")
    REFUSED = "refused", pgettext_lazy("attention", "Approval refused")
    LATE = "late", pgettext_lazy("attention", "Past the promised date")


def may_approve(user) -> bool:
    """Whether the approval inbox is for `user`: someone who may approve, or whom a rule names as an approver."""
    if user.has_perm(APPROVE_PERMISSION):
        return True
    # One statement of two index lookups: every page's menu asks it of every rep.
    named = ApprovalStep.objects.filter(approver=user.pk)
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(Exists(named) | Exists(ApprovalDelegation.objects.stood_in_for_by(user)))
        .exists()
    )


def _waiting_for(user) -> list[int]:
    """The pending requests with a step of their current level waiting for `user`, themselves or standing in for
    someone away today: few, read by approval_step_inbox_idx."""
    return sorted(
        set(
            ApprovalStep.objects.filter(decision="", request__status=ApprovalRequest.Status.PENDING)
            .filter(Q(approver=user.pk) | Q(approver__in=ApprovalDelegation.objects.stood_in_for_by(user)))
            .filter(level=F("request__level"))
            .values_list("request", flat=True)
        )
    )


def approval_inbox(*, user) -> QuerySet[ApprovalRequest]:
    """The pending approvals `user` may decide now, of orders and of changes to them, in scope and not of their
    own submitting; oldest first."""
    requests = ApprovalRequest.objects.filter(pk__in=_waiting_for(user)).exclude(requested_by=user.pk)
    # The page's keys first, from the requests alone, then those with their joins: a company's 800 waiting
    # requests with the scope and eight joins are a parallel scan of every request on PostgreSQL.
    return keys_first(
        in_scope(requests, user)
        .select_related(*_SUBJECTS, "change_request", "credit_override", "requested_by")
        .order_by("created_at", "id")
    )


# What a request may approve, each with its customer and owner joined: one of them is set.
_SUBJECTS = [
    f"{subject}__{relation}" for subject in ("order", "quotation", "contract") for relation in ("customer", "owner")
]


def in_scope(requests: QuerySet[ApprovalRequest], user) -> QuerySet[ApprovalRequest]:
    """The requests whose record (order, quotation or contract) `user` may see, by its owner's scope.

    The scope on the join, not as `order IN (<every order in sight>)`: for an administrator SQLite would
    gather a million order ids first.
    """
    conditions = owner_filters(user, "order__owner", "quotation__owner", "contract__owner")
    if conditions[0] is None:
        return requests
    order, quotation, contract = conditions
    return requests.filter(
        (Q(order__isnull=False) & order)
        | (Q(quotation__isnull=False) & quotation)
        | (Q(contract__isnull=False) & contract)
    )


def _in_sight(requests: QuerySet[ApprovalRequest], user) -> QuerySet[ApprovalRequest]:
    return (
        in_scope(requests, user)
        .select_related(
            "order", "quotation", "contract", "change_request", "credit_override", "requested_by", "decided_by"
        )
        .prefetch_related("steps__approver", "steps__decided_by")
        .order_by("-created_at", "-id")
    )


def approvals_of(*, user) -> QuerySet[ApprovalRequest]:
    """Approval requests of records in `user`'s sight that they submitted (any outcome), or that wait for them at
    some level, themselves or standing in for someone away today; newest first.

    The waiting ones are few (a step per approver of each pending request) and read first, by
    approval_step_inbox_idx; the list is then `requested_by = me OR id IN (<those>)`, which both databases
    answer without the subquery that made each planner read every request (PostgreSQL: 230 ms at a million
    orders).
    """
    waiting = set(
        ApprovalStep.objects.filter(decision="", request__status=ApprovalRequest.Status.PENDING)
        .filter(Q(approver=user.pk) | Q(approver__in=ApprovalDelegation.objects.stood_in_for_by(user)))
        .values_list("request", flat=True)
    )
    return _in_sight(ApprovalRequest.objects.filter(Q(requested_by=user.pk) | Q(pk__in=sorted(waiting))), user)


def approval_requests_of(*, user) -> QuerySet[ApprovalRequest]:
    """One request at a time, by id: those of `approvals_of`, and those `user` was asked to decide or decided
    (in anyone's place) since. Too broad to list (an approver's every decision), cheap for one key."""
    theirs = ApprovalStep.objects.filter(request=OuterRef("pk")).filter(
        Q(approver=user.pk) | Q(decided_by=user.pk) | Q(approver__in=ApprovalDelegation.objects.stood_in_for_by(user))
    )
    return _in_sight(ApprovalRequest.objects.filter(Q(requested_by=user.pk) | Exists(theirs)), user)


def quotations_awaiting_answer(*, user) -> QuerySet[Quotation]:
    return awaiting_answer(quotation_list(user=user))


def awaiting_answer(quotations: QuerySet[Quotation]) -> QuerySet[Quotation]:
    """The `quotations` with the customer and no answer yet, the longest-waiting first."""
    return quotations.filter(status=QuotationStatus.SENT).order_by("sent_at", "id")


def orders_needing_attention(*, user, today: datetime.date | None = None) -> QuerySet[Order]:
    return needing_attention(order_list(user=user), today=today)


def needing_attention(orders: QuerySet[Order], *, today: datetime.date | None = None) -> QuerySet[Order]:
    """The `orders` that something is wrong with: on hold, refused at approval, or late.

    Each row carries `attention` (an `Attention` code, the most urgent when several apply) and the
    list is ordered by it, then by the promised date.
    """
    today = today or timezone.localdate()
    refused = Q(status=OrderStatus.DRAFT) & Exists(
        ApprovalRequest.objects.of_order(OuterRef("pk")).filter(status=ApprovalRequest.Status.REJECTED)
    )
    late = Q(status__in=_BEFORE_SHIPPING, promised_date__lt=today)
    on_hold = Q(status=OrderStatus.ON_HOLD)
    ordered = (
        # The statuses first, on their own: the planners read them from the scope's (owner, status) index
        # instead of testing every order in sight against the three cases.
        orders.filter(status__in=[OrderStatus.ON_HOLD, *_BEFORE_SHIPPING])
        .filter(on_hold | refused | late)
        .annotate(
            attention=Case(
                When(on_hold, then=Value(Attention.ON_HOLD)),
                When(refused, then=Value(Attention.REFUSED)),
                default=Value(Attention.LATE),
                output_field=CharField(),
            ),
            attention_rank=Case(
                When(on_hold, then=Value(0)),
                When(refused, then=Value(1)),
                default=Value(2),
            ),
        )
        .order_by("attention_rank", "promised_date", "id")
    )
    # Sorted by urgency, which no index holds: the page's keys first, then only those orders with their customer.
    return keys_first(ordered)
