from django.db.models import F, QuerySet

from .models import StockLevel, StockMove


def stock_level_list() -> QuerySet[StockLevel]:
    """Stock is not customer data: every signed-in role may see it (sales must see what is available)."""
    return StockLevel.objects.select_related("product", "warehouse").annotate(
        available_quantity=F("on_hand") - F("reserved")
    )


def stock_move_list() -> QuerySet[StockMove]:
    return StockMove.objects.select_related("product", "warehouse", "actor", "order_line__order")
