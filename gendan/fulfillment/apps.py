from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    name = "gendan.fulfillment"
    label = "fulfillment"
    verbose_name = _("Shipping")

    def ready(self):
        from . import verbs

        verbs.register()
        from gendan.core import hooks, panels, worklists

        from .panels import order_shipments_panel
        from .reactions import order_cancelled, order_updated
        from .worklists import WORKLISTS

        panels.register("sales.order", template="fulfillment/order_shipments.html", context=order_shipments_panel)
        hooks.on_recorded("order.cancelled", order_cancelled)
        hooks.on_recorded("order.updated", order_updated)
        for worklist in WORKLISTS:
            worklists.register(worklist)

        from gendan.core import search

        from .search import SHIPMENTS

        # The record types one search box finds (core.search).
        search.register(SHIPMENTS)
