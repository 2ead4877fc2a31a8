from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.core.models import TimeStampedModel


class Warehouse(TimeStampedModel):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The people who work there: told when an order is confirmed for this warehouse.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), blank=True, related_name="warehouses"
    )

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self):
        return self.name


class StockLevel(models.Model):
    """Stock of one product in one warehouse. Changed only by UPDATEs in inventory.services."""

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.DecimalField(_("on hand"), max_digits=14, decimal_places=3, default=0)
    reserved = models.DecimalField(_("reserved"), max_digits=14, decimal_places=3, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["product__sku", "warehouse__code"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_level_unique_product_warehouse"),
            # The backstop behind the conditional UPDATEs: stock can never be oversold.
            models.CheckConstraint(
                condition=models.Q(on_hand__gte=0, reserved__gte=0, reserved__lte=models.F("on_hand")),
                name="stock_level_never_oversold",
            ),
        ]

    def __str__(self):
        return f"{self.product} @ {self.warehouse}"

    @property
    def available(self):
        return self.on_hand - self.reserved


class StockMove(models.Model):
    """The stock ledger: one append-only row per change of on-hand or reserved quantity."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        ADJUSTMENT = "adjustment", _("Adjustment")
        RESERVATION = "reservation", _("Reservation")
        RELEASE = "release", _("Release")
        SHIPMENT = "shipment", _("Shipment")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # No index of its own: the product ledger index below starts with it.
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+", db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    # Signed: positive adds to on hand (receipt, adjustment) or to reserved (reservation).
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    order_line = models.ForeignKey(
        "sales.OrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="stock_moves"
    )
    shipment = models.ForeignKey(
        "fulfillment.Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="stock_moves"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The ledger of one product in one warehouse.
            models.Index(fields=["product", "warehouse", "created_at"], name="stock_move_ledger_idx"),
            # The stock move list in its default order, newest first, and its date filters.
            models.Index(fields=["created_at", "id"], name="stock_move_created_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.product_id} {self.quantity}"
