"""Reads of changes to confirmed orders, scoped like their orders."""

from django.db.models import Prefetch, QuerySet

from .models import CHANGEABLE_STATUSES, ApprovalRequest, ChangeRequest, ChangeStatus, Order

CHANGE_PERMISSION = "sales.change_order"


def change_request_queryset(*, user) -> QuerySet[ChangeRequest]:
    """The changes of orders in `user`'s sight, newest first, each knowing whether `user` may decide it now."""
    return (
        ChangeRequest.objects.visible_to(user)
        .with_decidable_for(user)
        .select_related("order", "created_by")
        .prefetch_related(Prefetch("approvals", queryset=ApprovalRequest.objects.select_related("requested_by")))
        .order_by("-created_at", "-id")
    )


def change_allowed_actions(*, change: ChangeRequest, user) -> list[str]:
    """What `user` may do with the change now: submit, rebase, cancel, approve, reject."""
    may_change = user.has_perm(CHANGE_PERMISSION)
    actions = []
    if change.status == ChangeStatus.DRAFT and may_change:
        actions += ["submit", "cancel"]
    elif change.status == ChangeStatus.PENDING_APPROVAL:
        if getattr(change, "approval_decidable", False):
            actions += ["approve", "reject"]
        if may_change:
            actions.append("cancel")
    elif change.status == ChangeStatus.STALE and may_change:
        actions += ["rebase", "cancel"]
    return actions


def may_request_change(*, order: Order, user) -> bool:
    return order.status in CHANGEABLE_STATUSES and user.has_perm(CHANGE_PERMISSION)
