from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.core.models import VersionedModel


class Product(VersionedModel):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16, default="pcs")
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2)
    floor_price = models.DecimalField(_("floor price"), max_digits=14, decimal_places=2)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, default=0)
    # "Active" of a product means on sale (在售), not "switched on" as for rules and webhooks.
    is_active = models.BooleanField(pgettext_lazy("product", "active"), default=True)

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
