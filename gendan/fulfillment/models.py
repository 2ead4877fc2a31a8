from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.accounts.scoping import ScopedQuerySet
from gendan.core.models import TimeStampedModel
from gendan.core.states import StateMachine


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", _("To ship")  # quantities set aside for picking; stock not yet out
    SHIPPED = "shipped", _("Shipped")  # left the warehouse: stock out, reservation consumed
    DELIVERED = "delivered", _("Delivered")  # signed for by the customer
    CANCELLED = "cancelled", _("Cancelled")  # dropped before shipping


class DeliveryMethod(models.TextChoices):
    COURIER = "courier", _("Carrier")  # a named carrier; its tracking number follows the goods
    PICKUP = "pickup", _("Customer pickup (自提)")  # no tracking number: the customer signs on collection
    OWN_DELIVERY = "own_delivery", _("Own delivery (送货上门)")  # our own van: no tracking number either


# What the carrier field used to say for the two methods that are not carriers (API clients
# that send only `carrier` still mean these).
CARRIER_TEXT_METHODS = {"自提": DeliveryMethod.PICKUP, "送货上门": DeliveryMethod.OWN_DELIVERY}

# Couriers' numbers are shorter; a freight or customs reference can run to the column's width.
TRACKING_NUMBER_MAX_LENGTH = 64


SHIPMENT_TRANSITIONS = {
    ShipmentStatus.PENDING: {ShipmentStatus.SHIPPED, ShipmentStatus.CANCELLED},
    ShipmentStatus.SHIPPED: {ShipmentStatus.DELIVERED},
    ShipmentStatus.DELIVERED: set(),
    ShipmentStatus.CANCELLED: set(),
}
SHIPMENT_STATES = StateMachine(SHIPMENT_TRANSITIONS, refused=_("A shipment that is %(current)s cannot become %(new)s."))


class ShipmentQuerySet(ScopedQuerySet):
    # The order's owner, kept on the shipment (Shipment.owner).
    owner_path = "owner"


class Shipment(TimeStampedModel):
    number = models.CharField(_("number"), max_length=32, unique=True)
    order = models.ForeignKey(
        "sales.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipments"
    )
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=12, choices=ShipmentStatus.choices, default=ShipmentStatus.PENDING
    )
    # Blank until decided; shipping needs one (fulfillment.services).
    delivery_method = models.CharField(_("delivery method"), max_length=16, choices=DeliveryMethod.choices, blank=True)
    carrier = models.CharField(_("carrier"), max_length=64, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=TRACKING_NUMBER_MAX_LENGTH, blank=True)
    ship_to = models.CharField(_("ship to"), max_length=400, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The order's owner, kept here so that a rep's shipments are one range of an index of this table rather
    # than all of the rep's orders joined and sorted on every page. Set by shipment_create, changed with the
    # order's (fulfillment.reactions). No index of its own: the shipment_owner_* indexes start with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        editable=False,
    )

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The shipment lists in their default order, newest first (/api/v1/shipments/ and its deep pages).
            models.Index(fields=["created_at", "id"], name="shipment_created_idx"),
            # The warehouse's worklists by status: pending shipments to send, shipped ones in transit.
            models.Index(fields=["status", "shipped_at"], name="shipment_status_idx"),
            # A rep's shipments (visible_to: owner = the rep) in the API's default order, newest first
            # (/api/v1/shipments/), their capped count and deep pages.
            models.Index(fields=["owner", "created_at", "id"], name="shipment_owner_created_idx"),
            # A rep's shipments by number (/api/v1/shipments/?ordering=number).
            models.Index(fields=["owner", "number"], name="shipment_owner_number_idx"),
            # The shipments signed for in a period: on-time delivery's orders (analytics.metrics.records).
            models.Index(fields=["delivered_at"], name="shipment_delivered_idx"),
        ]
        permissions = [
            ("ship_shipment", _("Can mark shipments shipped")),
            ("deliver_shipment", _("Can record deliveries")),
        ]

    def __str__(self):
        return self.number


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("sales.OrderLine", on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="shipment_line_quantity_positive"),
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipment_line_unique_order_line"),
        ]

    def __str__(self):
        return f"{self.shipment_id}: {self.order_line_id} × {self.quantity}"
