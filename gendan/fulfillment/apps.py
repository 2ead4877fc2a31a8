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
        from gendan.sales import changes

        from .panels import order_shipments_panel, order_shipments_public
        from .reactions import order_cancelled, order_updated
        from .selectors import pending_shipment_quantities
        from .worklists import WORKLISTS

        panels.register("sales.order", template="fulfillment/order_shipments.html", context=order_shipments_panel)
        # The page a customer opens through the link a rep sent (sales.views_public).
        panels.register(
            "sales.order.public", template="fulfillment/public_shipments.html", context=order_shipments_public
        )
        hooks.on_recorded("order.cancelled", order_cancelled)
        # An order's owner changes when a draft is edited and when it is handed to someone else.
        hooks.on_recorded("order.updated", order_updated)
        hooks.on_recorded("order.assigned", order_updated)
        changes.pending_shipment_quantities.provide(pending_shipment_quantities)
        for worklist in WORKLISTS:
            worklists.register(worklist)

        from gendan.core import search

        from .search import SHIPMENT_KIND

        # The record types one search box finds (core.search).
        search.register(SHIPMENT_KIND)
