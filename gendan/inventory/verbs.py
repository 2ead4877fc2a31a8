"""What the warehouse and stock events are called (see core.verbs)."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    verbs.register(
        "warehouse.created", _("Warehouse created"), "inventory.warehouse", activity=_("created the warehouse")
    )
    verbs.register_many(
        "inventory.stockmove",
        {
            "stock.receipt": (_("Stock received"), _("received stock")),
            "stock.adjustment": (_("Stock adjusted"), _("adjusted stock")),
        },
    )
