from django.db.models import Exists, F, OuterRef, QuerySet

from .models import StockLevel, StockMove


def stock_level_list() -> QuerySet[StockLevel]:
    """Stock is not customer data: every signed-in role may see it (sales must see what is available)."""
    return StockLevel.objects.select_related("product", "warehouse").annotate(
        available_quantity=F("on_hand") - F("reserved")
    )


def stock_move_list() -> QuerySet[StockMove]:
    return StockMove.objects.select_related("product", "warehouse", "actor", "order_line__order")


def stock_move_ledger(*, user) -> QuerySet[StockMove]:
    """The ledger for a page: every move, but an order's number only where the user may see the order."""
    from gendan.sales.models import Order

    visible_orders = Order.objects.visible_to(user).filter(pk=OuterRef("order_line__order_id"))
    return stock_move_list().annotate(order_visible=Exists(visible_orders))
