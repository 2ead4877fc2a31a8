"""The warehouse's and logistics' worklists, registered in FulfillmentConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from gendan.accounts.roles import Role
from gendan.core.worklists import Worklist

from .selectors_worklists import orders_to_ship, shipments_in_transit, shipments_pending

# The people who send goods out: they pack, ship and follow the delivery; followers chase it for the reps.
SHIPPING_ROLES = frozenset({Role.WAREHOUSE, Role.LOGISTICS, Role.ORDER_FOLLOWER, Role.ADMIN})


def works_shipping(user) -> bool:
    """By role, not by permission: asked on every page for the navigation, it must cost no query."""
    return user.is_authenticated and (user.is_superuser or user.role in SHIPPING_ROLES)


WORKLISTS = [
    Worklist(
        key="fulfillment.to_ship",
        label=_("To ship"),
        url_name="fulfillment:to_ship",
        api_url_name="worklist-to-ship-list",
        rows=orders_to_ship,
        allowed=works_shipping,
        icon="bi-box-seam",
        order=40,
    ),
    Worklist(
        key="fulfillment.pending_shipments",
        label=_("Shipments to send"),
        url_name="fulfillment:pending_shipments",
        api_url_name="worklist-pending-shipments-list",
        rows=shipments_pending,
        allowed=works_shipping,
        icon="bi-truck",
        order=41,
    ),
    Worklist(
        key="fulfillment.in_transit",
        label=_("In transit"),
        url_name="fulfillment:in_transit",
        api_url_name="worklist-in-transit-list",
        rows=shipments_in_transit,
        allowed=works_shipping,
        icon="bi-signpost-split",
        order=42,
    ),
]
