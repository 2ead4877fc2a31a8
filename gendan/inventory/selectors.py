from django.db.models import F, QuerySet, Value

from gendan.core.hooks import Port

from .models import StockLevel, StockMove, Warehouse

# Per stock move, whether a user sees the order it was made for (an expression): which orders a
# user sees is sales' rule, provided in SalesConfig.ready(); without it, none.
order_visible = Port("inventory.order_visible", default=lambda user: Value(False))


def default_warehouse() -> Warehouse | None:
    """Where an order is kept when nobody says: the first warehouse by code (the order form's first choice)."""
    return Warehouse.objects.order_by("code").first()


def stock_level_list() -> QuerySet[StockLevel]:
    """Stock is not customer data: every signed-in role may see it (sales must see what is available)."""
    return StockLevel.objects.select_related("product", "warehouse").annotate(
        available_quantity=F("on_hand") - F("reserved")
    )


def stock_move_list() -> QuerySet[StockMove]:
    return StockMove.objects.select_related("product", "warehouse", "actor", "order_line__order")


def stock_move_ledger(*, user) -> QuerySet[StockMove]:
    """The ledger for a page: every move, but an order's number only where the user may see the order."""
    return stock_move_list().annotate(order_visible=order_visible(user))
