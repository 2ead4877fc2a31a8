"""How shipments are searched (core.search): by number, tracking number or their order's number."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gendan.core.search import Kind, Searchable, joined
from gendan.sales.search import ORDER_NUMBERS

from .models import Shipment

# Seen through their order (a join): found by number on SQLite (core.search.Searchable.sqlite_key).
SHIPMENTS = Searchable(
    Shipment,
    numbers=("number",),
    text=("tracking_number",),
    codes=True,
    through=(("order", ORDER_NUMBERS),),
    sqlite_key="number",
)


def _shipment_url(shipment) -> str:
    # No page of its own: a shipment is shown, sent and delivered on its order's page.
    return reverse("sales:order_detail", args=[shipment.order_id]) + "#shipments"


# What the global search finds of fulfillment (core.search.Kind), registered in FulfillmentConfig.ready().
# No list of shipments takes ?q=: the group links no further than its rows.
SHIPMENT_KIND = Kind(
    "shipment",
    SHIPMENTS,
    title=_("Shipments"),
    permission="fulfillment.view_shipment",
    label=lambda shipment: joined(shipment.number, shipment.order.customer.name),
    detail=lambda shipment: joined(
        shipment.order.number, shipment.carrier, shipment.tracking_number, shipment.get_status_display()
    ),
    url=_shipment_url,
    related=("order__customer",),
)
