from dataclasses import dataclass

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from gendan.catalog.models import Product
from gendan.catalog.search import PRODUCTS
from gendan.core.search import search
from gendan.inventory.models import StockLevel

from .models import (
    ACTIONS,
    BOARD_COLUMNS,
    DECISIONS,
    OPEN_STATUSES,
    SHIPPABLE_STATUSES,
    STAGES,
    ApprovalRequest,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
)


def order_list(*, user) -> QuerySet[Order]:
    return Order.objects.visible_to(user).select_related("customer", "owner")


def open_order_figures(*, user) -> dict:
    """The user's open orders: how many, how many wait for approval, how many may ship, and what is unpaid.

    Every figure is of open orders, read through the status index, not every order ever taken; counted by
    status (never null), not by id, so PostgreSQL answers from order_status_idx alone, which holds every
    column read.
    """
    return (
        Order.objects.visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(
            open=Count("status"),
            pending_approval=Count("status", filter=Q(status=OrderStatus.PENDING_APPROVAL)),
            to_ship=Count("status", filter=Q(status__in=SHIPPABLE_STATUSES)),
            unpaid_total=Sum("total", filter=~Q(payment_status=PaymentStatus.PAID)),
        )
    )


def order_detail_queryset(*, user) -> QuerySet[Order]:
    return (
        Order.objects.visible_to(user)
        # Three joins, the rest read by key in one query each: PostgreSQL's planner weighs every order of
        # the joined tables, and with seven joins planning alone took 14 ms (three: 0.4 ms, at 30,000
        # orders) while each query by key costs a few tenths of a millisecond. "quotation" is the one the
        # order was made from, if any (a reverse one-to-one).
        .select_related("customer", "owner", "warehouse")
        .with_approval_for(user)
        .prefetch_related(
            "contact",
            "shipping_address",
            "created_by",
            "quotation",
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("position", "id")),
        )
    )


def order_api_queryset(*, user) -> QuerySet[Order]:
    """Orders as `OrderSerializer` renders them: only what it reads, for a list of fifty orders at a time.

    The order page's contact, address, creator and quotation are rendered as keys, read from the order's own
    columns; loading them (and the warehouse, and each product's every column) cost a third of a rep's
    one-character search in Python at a million orders.
    """
    return (
        Order.objects.visible_to(user)
        .select_related("customer", "owner")
        .with_approval_for(user)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related("product").order_by("position", "id"),
            )
        )
    )


def order_documents(queryset) -> QuerySet[Order]:
    """Orders (already scoped) as their printed confirmation shows them, in two queries whatever their number:
    the orders with their customer, contact, address and owner, then every line with its product."""
    return queryset.select_related("customer", "contact", "shipping_address", "owner").prefetch_related(
        Prefetch(
            "lines",
            # A line a change took off the order stays at quantity 0 for its stock ledger; it is not sold.
            queryset=OrderLine.objects.filter(quantity__gt=0).select_related("product").order_by("position", "id"),
        )
    )


def order_allowed_actions(*, order: Order, user) -> list[str]:
    """The actions the transition table allows on this order for this user, in table order.

    Approving and rejecting also need `may_decide`: the submitter of the approval never sees them.
    """
    return [
        action
        for action, (from_statuses, perm) in ACTIONS.items()
        if order.status in from_statuses
        and user.has_perm(perm)
        and (action not in DECISIONS or may_decide(user, order))
    ]


def pending_approval_of(order: Order) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.of_order(order)
        .filter(status=ApprovalRequest.Status.PENDING)
        .select_related("requested_by")
        .first()
    )


def may_decide(user, order: Order) -> bool:
    """Whether `user` may approve or reject the order's pending approval now: one of the current level's
    approvers (or standing in for one), who did not submit it.

    Reads `approval_decidable` when the order came through `with_approval_for(user)` (the order page
    and the API do), else asks the database once.
    """
    if order.status != OrderStatus.PENDING_APPROVAL or not user.is_authenticated:
        return False
    if hasattr(order, "approval_decidable"):
        return order.approval_decidable
    return Order.objects.filter(pk=order.pk).with_approval_for(user).values_list("approval_decidable", flat=True)[0]


def decidable_orders(*, user) -> QuerySet[Order]:
    """The orders waiting for approval that this user may decide now: in scope, and not of their own submitting."""
    return (
        Order.objects.visible_to(user)
        .filter(status=OrderStatus.PENDING_APPROVAL)
        .with_approval_for(user)
        .filter(approval_decidable=True)
    )


def approval_steps_of(approval: ApprovalRequest) -> list[dict]:
    """Each level of the request with its approvers and what each decided, for the order page and the API."""
    steps = list(approval.steps.select_related("approver", "decided_by"))
    return [
        {
            "number": number,
            "rule": level.get("rule", ""),
            "mode": level["mode"],
            "state": "done"
            if number < approval.level or approval.status == ApprovalRequest.Status.APPROVED
            else "current"
            if number == approval.level and approval.status == ApprovalRequest.Status.PENDING
            else "rejected"
            if number == approval.level
            else "todo",
            "steps": [step for step in steps if step.level == number],
        }
        for number, level in enumerate(approval.levels, start=1)
    ]


# The newest cards each column shows; the rest are a click away in the list, filtered by status.
BOARD_CARDS = 20


@dataclass
class BoardColumn:
    stage: str
    label: str
    count: int
    cards: list
    statuses: list[str]


def order_board(orders: QuerySet[Order], *, per_column: int = BOARD_CARDS) -> list[BoardColumn]:
    """The open `orders` by stage: each column's count, and its newest cards (a fixed number of queries)."""
    counts = orders.filter(status__in=OPEN_STATUSES).aggregate(
        **{stage: Count("status", filter=Q(status__in=statuses)) for stage, statuses in BOARD_COLUMNS}
    )
    return [
        BoardColumn(
            stage=stage,
            label=OrderStatus(stage).label,
            count=counts[stage],
            cards=_newest(orders, statuses, per_column),
            statuses=statuses,
        )
        for stage, statuses in BOARD_COLUMNS
    ]


def _newest(orders: QuerySet[Order], statuses: list[str], count: int) -> list[Order]:
    """The newest `count` orders of the statuses: each status read in date order from its index, then merged.

    Asked as `status IN (…)` at once, SQLite sorted every confirmed and partly shipped order of the
    company for the first thirty (38 ms at a million orders).
    """
    rows = [
        order
        for status in statuses
        for order in orders.filter(status=status)
        .select_related("customer", "owner")
        .order_by("-created_at", "-id")[:count]
    ]
    return sorted(rows, key=lambda order: (order.created_at, order.pk), reverse=True)[:count]


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
    products = search(products.filter(is_active=True), PRODUCTS, query or "")
    return products.order_by("sku")[:limit]


# --- what sales answers for the lists of the apps below it (provided in SalesConfig.ready()) -----


def customer_open_order_count():
    """Per customer, how many of their orders are open: for the customer list (crm.selectors.open_order_count).

    A subquery per customer shown (through the customer's orders index), not a join of every order to
    every customer grouped back: the list's page of 25 then costs 25 small counts whatever the history.
    """
    open_orders = (
        Order.objects.filter(customer=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("customer")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(open_orders, output_field=IntegerField()), 0)


def stock_move_order_visible(user):
    """Per stock move, whether `user` sees its order: for the stock ledger (inventory.selectors.order_visible)."""
    return Exists(Order.objects.visible_to(user).filter(pk=OuterRef("order_line__order_id")))
