from django.db.models import Count, DecimalField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from gendan.catalog.models import Product
from gendan.inventory.models import StockLevel

from .models import ACTIONS, OPEN_STATUSES, STAGES, Order, OrderLine, OrderStatus


def order_list(*, user) -> QuerySet[Order]:
    return Order.objects.visible_to(user).select_related("customer", "owner")


def order_detail_queryset(*, user) -> QuerySet[Order]:
    return (
        Order.objects.visible_to(user)
        # "quotation": the one the order was made from, if any (a reverse one-to-one: a join, no query).
        .select_related("customer", "owner", "contact", "shipping_address", "warehouse", "created_by", "quotation")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("position", "id"))
        )
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


def products_for_order_entry(*, warehouse_id, query: str | None = None, ids=None, limit: int = 10):
    """Active products with their available stock in the order's warehouse, for the line editor.

    Either a look-up by SKU or name (`query`, at most `limit` hits) or the products of the
    editor's rows (`ids`). Products and stock are not customer data: every role may read them.
    """
    available = StockLevel.objects.filter(product=OuterRef("pk"), warehouse_id=warehouse_id).annotate(
        free=F("on_hand") - F("reserved")
    )
    products = Product.objects.annotate(
        available=Coalesce(
            Subquery(available.values("free")[:1]),
            Value(0),
            output_field=DecimalField(max_digits=14, decimal_places=3),
        )
    )
    if ids is not None:
        return products.filter(pk__in=ids)
    query = (query or "").strip()
    products = products.filter(is_active=True)
    if query:
        products = products.filter(Q(sku__icontains=query) | Q(name__icontains=query))
    return products.order_by("sku")[:limit]


# --- what sales answers for the lists of the apps below it (provided in SalesConfig.ready()) -----


def customer_open_order_count():
    """Per customer, how many of their orders are open: for the customer list (crm.selectors.open_order_count)."""
    return Count("orders", filter=Q(orders__status__in=OPEN_STATUSES))


def stock_move_order_visible(user):
    """Per stock move, whether `user` sees its order: for the stock ledger (inventory.selectors.order_visible)."""
    return Exists(Order.objects.visible_to(user).filter(pk=OuterRef("order_line__order_id")))
