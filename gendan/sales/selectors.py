from django.db.models import Prefetch, QuerySet

from .models import ACTIONS, STAGES, Order, OrderLine, OrderStatus


def order_list(*, user) -> QuerySet[Order]:
    return Order.objects.visible_to(user).select_related("customer", "owner")


def order_detail_queryset(*, user) -> QuerySet[Order]:
    return (
        Order.objects.visible_to(user)
        .select_related("customer", "owner", "contact", "shipping_address", "warehouse", "created_by")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("position", "id")))
    )


def order_allowed_actions(*, order: Order, user) -> list[str]:
    """The actions the transition table allows on this order for this user, in table order."""
    return [
        action
        for action, (from_statuses, perm) in ACTIONS.items()
        if order.status in from_statuses and user.has_perm(perm)
    ]


def order_progress(order: Order) -> list[tuple[str, str, str]]:
    """(status, label, done|current|todo) along the main road, for the progress bar."""
    if order.status == OrderStatus.ON_HOLD:
        current = order.status_before_hold or OrderStatus.CONFIRMED
    elif order.status == OrderStatus.CANCELLED:
        current = None
    else:
        current = order.status
    if current == OrderStatus.PARTIALLY_SHIPPED:
        current = OrderStatus.CONFIRMED
    index = STAGES.index(current) if current in STAGES else -1
    return [
        (stage, OrderStatus(stage).label, "done" if i < index else "current" if i == index else "todo")
        for i, stage in enumerate(STAGES)
    ]
