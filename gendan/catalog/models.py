from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from gendan.core.models import VersionedModel

# What the quantity columns of lines, shipments and stock hold.
QUANTITY_DECIMALS = 3


class UnitOfMeasure(models.Model):
    """How a product is counted: 台 and 个 in whole numbers, 米 and 千克 in decimals.

    Products name their unit by code (the text documents show). A code is never changed
    once products use it, and units are never deleted (see catalog.admin).
    """

    code = models.CharField(_("code"), max_length=16, unique=True)
    # Seeded names are message ids (translated when shown); names added later show as typed.
    name = models.CharField(_("name"), max_length=64)
    decimals = models.PositiveSmallIntegerField(
        _("decimal places"), default=0, help_text=_("0 for units counted in whole numbers (台, 个, 件, 套, 箱).")
    )

    class Meta:
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")
        ordering = ["decimals", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(decimals__lte=4), name="unit_of_measure_decimals_0_to_4"),
        ]

    def __str__(self):
        return self.code

    @property
    def label(self) -> str:
        """The code with its name in the reader's language, when the name says more ("台 (machine)")."""
        name = pgettext("unit of measure", self.name)
        return self.code if name == self.code else f"{self.code} ({name})"


class Product(VersionedModel):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The code of a UnitOfMeasure (checked by catalog.services).
    unit = models.CharField(_("unit"), max_length=16, default="pcs")
    # Copied from the unit (and kept in step by catalog.services.unit_update) so every quantity
    # check reads it from the product already at hand: no extra query on the order path. The
    # default, for rows made outside the services, is what the quantity columns hold.
    unit_decimals = models.PositiveSmallIntegerField(_("unit decimal places"), default=QUANTITY_DECIMALS)
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2)
    floor_price = models.DecimalField(_("floor price"), max_digits=14, decimal_places=2)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, default=0)
    # "Active" of a product means on sale (在售), not "switched on" as for rules and webhooks.
    is_active = models.BooleanField(pgettext_lazy("product", "active"), default=True)

    # Values of the custom fields an administrator added (core.custom_fields), keyed by field key.
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        permissions = [("view_cost", _("Can see cost and margin"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(list_price__gte=0, floor_price__gte=0, cost__gte=0),
                name="product_prices_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(floor_price__lte=models.F("list_price")),
                name="product_floor_not_above_list",
            ),
        ]

    def __str__(self):
        return f"{self.sku} {self.name}"
