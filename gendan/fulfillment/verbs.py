"""What the shipment events are called (see core.verbs)."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    verbs.register_many(
        "fulfillment.shipment",
        {
            "shipment.created": (_("Shipment created"), _("created a shipment")),
            "shipment.shipped": (_("Shipment sent"), _("shipped")),
            "shipment.delivered": (_("Shipment delivered"), _("recorded the delivery")),
            "shipment.cancelled": (_("Shipment cancelled"), _("cancelled a shipment")),
            # Shipped in the past, brought in by an import of history (fulfillment.services_history).
            "shipment.imported": (_("Shipment imported from history"), _("imported a shipment from history")),
        },
        also_for=("sales.order",),
    )
